// Builders for every command APDU the OpenPGP driver sends, one function per
// card command, each citing its section of the OpenPGP card spec 3.4.1 (or
// the Yubico extension it uses); the PIN commands are the ISO 7816 ones
// (card-drivers/iso7816). `le` is the Le the card can take: 256
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
// Section 7.2.14 GENERATE ASYMMETRIC KEY PAIR, P1 80: generate the key of
// the CRT (needs PW3); the answer is the new public key (7F49).
apdu::Command generateKeyCommand(std::uint8_t crt, std::uint32_t le);
// Section 7.2.8 PUT DATA, INS DA: P1-P2 the tag, the value as the data field.
apdu::Command putDataCommand(std::uint32_t tag, Bytes value);
// Section 7.2.8 PUT DATA, INS DB 3F FF: an extended header list (key import,
// section 4.4.3.12); marked sensitive, it carries the private key.
apdu::Command importKeyCommand(Bytes extendedHeaderList);
// Section 7.2.10 PSO: COMPUTE DIGITAL SIGNATURE: 00 2A 9E 9A input.
apdu::Command computeSignatureCommand(ByteView input, std::uint32_t le);
// Section 7.2.13 INTERNAL AUTHENTICATE: 00 88 00 00 input.
apdu::Command internalAuthenticateCommand(ByteView input, std::uint32_t le);
// Section 7.2.11 PSO: DECIPHER: 00 2A 80 86 data (RSA: 00 || cryptogram;
// ECDH: A6 { 7F49 { 86 point } }).
apdu::Command decipherCommand(Bytes data, std::uint32_t le);
// Yubico OpenPGP extension GET VERSION: 00 F1 00 00, answers 3 BCD bytes.
apdu::Command yubikeyVersionCommand();

} // namespace tessera::drivers::openpgp
