// Builders for every command APDU the OpenPGP driver sends, one function per
// card command, each citing its section of the OpenPGP card spec 3.4.1 (or
// the Yubico extension it uses). `le` is the Le the card can take: 256
// (short 00) or, with extended length, the card's maximum response length.
#pragma once

#include <cstdint>

#include "apdu/apdu.hpp"
#include "common/bytes.hpp"
#include "common/secure_bytes.hpp"

namespace tessera::drivers::openpgp {

inline constexpr std::uint32_t kShortLe = 256;

// Section 7.2.1 SELECT by the 6-byte AID prefix, Le 00.
apdu::Command selectCommand();
// Section 7.2.6 GET DATA: 00 CA tag-high tag-low.
apdu::Command getDataCommand(std::uint32_t tag, std::uint32_t le);
// Section 7.2.5 SELECT DATA of 7F21: 00 A5 occurrence 04 { 60 { 5C 02 7F 21 } }.
// lengthPrefix: YubiKey firmware 5.2.0-5.4.3 want the data preceded by its length (06).
apdu::Command selectDataCommand(std::uint8_t occurrence, bool lengthPrefix);
// Section 7.2.14 GENERATE ASYMMETRIC KEY PAIR, P1 81: read the public key of
// the key named by its control reference template (B6, B8, A4).
apdu::Command readPublicKeyCommand(std::uint8_t crt, std::uint32_t le);
// Section 7.2.2 VERIFY with the PIN bytes as they are (UTF-8, no padding),
// or their KDF hash; sensitive.
apdu::Command verifyCommand(std::uint8_t pinReference, const SecureBytes& pin);
// Section 7.2.2 VERIFY without data: 9000 verified, 63Cx not verified.
apdu::Command verifyStatusCommand(std::uint8_t pinReference);
// Section 7.2.2 VERIFY with P1 = FF and no data: reset to "not verified" (3.x).
apdu::Command verifyResetCommand(std::uint8_t pinReference);
// Section 7.2.3 CHANGE REFERENCE DATA: old || new (sensitive). PW1 is 81, PW3 83.
apdu::Command changeReferenceCommand(std::uint8_t pinReference, const SecureBytes& oldPin, const SecureBytes& newPin);
// Section 7.2.4 RESET RETRY COUNTER with the resetting code: 00 2C 00 81 RC || new (sensitive).
apdu::Command resetRetryByAdminCommand(const SecureBytes& newPin);
apdu::Command resetRetryCommand(const SecureBytes& resettingCode, const SecureBytes& newPin);
// Section 7.2.10 PSO: COMPUTE DIGITAL SIGNATURE: 00 2A 9E 9A input.
apdu::Command computeSignatureCommand(ByteView input, std::uint32_t le);
// Section 7.2.13 INTERNAL AUTHENTICATE: 00 88 00 00 input.
apdu::Command internalAuthenticateCommand(ByteView input, std::uint32_t le);
// Section 7.2.11 PSO: DECIPHER: 00 2A 80 86 data (RSA: 00 || cryptogram;
// ECDH: A6 { 7F49 { 86 point } }).
apdu::Command decipherCommand(Bytes data, std::uint32_t le);
// Section 7.2.15 GET CHALLENGE: 00 84 00 00 Le = length.
apdu::Command getChallengeCommand(std::uint32_t length);
// Yubico OpenPGP extension GET VERSION: 00 F1 00 00, answers 3 BCD bytes.
apdu::Command yubikeyVersionCommand();

} // namespace tessera::drivers::openpgp
