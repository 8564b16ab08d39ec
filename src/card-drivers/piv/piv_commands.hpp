// Builders for every command APDU the PIV driver sends, one function per
// card command, each citing its clause of SP 800-73-4 part 2 (or the YubiKey
// PIV extension it uses); the PIN commands are the ISO 7816 ones
// (card-drivers/iso7816) with the PIN encoded by paddedPin(). Response
// parsing lives with the data it yields.
#pragma once

#include <cstdint>

#include "apdu/apdu.hpp"
#include "common/bytes.hpp"
#include "common/secure_bytes.hpp"

namespace tessera::drivers::piv {

// Le = 256 (short form 00): the transmitter follows 61xx with GET RESPONSE
// for longer answers. A card whose ATR announces extended Lc/Le (piv_atr.hpp)
// is asked with kExtendedLe (extended 0000) for answers that may be long, so
// a certificate or a signature comes back in one exchange.
inline constexpr std::uint32_t kShortLe = 256;
inline constexpr std::uint32_t kExtendedLe = 65536;

// SP 800-73-4 part 2 section 3.1.1 SELECT.
apdu::Command selectCommand();
// SP 800-73-4 part 2 section 3.1.2 GET DATA: 00 CB 3F FF 5C len tag.
apdu::Command getDataCommand(std::uint32_t objectTag, std::uint32_t le = kShortLe);
// Section 3.2.4 GENERAL AUTHENTICATE: 7C { 82 00, dataTag input }; dataTag is
// 81 (challenge: sign / RSA decrypt) or 85 (exponentiation: ECDH).
apdu::Command generalAuthenticateCommand(std::uint8_t algorithm, std::uint8_t keyReference, std::uint8_t dataTag,
                                         ByteView input, std::uint32_t le = kShortLe);

// YubiKey PIV extensions (Yubico "PIV commands" reference).
apdu::Command yubikeyVersionCommand();                                                // 00 FD 00 00
apdu::Command yubikeySerialCommand();                                                 // 00 F8 00 00
apdu::Command yubikeyMetadataCommand(std::uint8_t slot, std::uint32_t le = kShortLe); // 00 F7 00 slot (5.3+)

// SP 800-73-4 part 2 section 3.2.1: the PIN padded with FF to 8 bytes, the
// PIV encoding of a PIN for VERIFY and CHANGE REFERENCE DATA (the commands
// are card-drivers/iso7816). Throws Error(pinLenRange) unless 6..8 bytes.
SecureBytes paddedPin(const SecureBytes& pin);

} // namespace tessera::drivers::piv
