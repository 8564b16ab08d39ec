// Answers of the YubiKey PIV extension commands (Yubico's "PIV commands"
// reference: GET VERSION FD, GET SERIAL F8, GET METADATA F7). Parsed from
// hostile bytes through the BER-TLV reader; the fixed-size answers of
// VERSION and SERIAL are checked for their exact length.
#pragma once

#include <cstdint>
#include <optional>

#include "card-drivers/driver.hpp"
#include "common/bytes.hpp"

namespace tessera::drivers::piv {

struct YubiKeyVersion {
    std::uint8_t major = 0, minor = 0, patch = 0;
    bool atLeast(std::uint8_t maj, std::uint8_t min) const { return major > maj || (major == maj && minor >= min); }
};

// GET VERSION answers exactly 3 bytes; anything else is nullopt (not a YubiKey).
std::optional<YubiKeyVersion> parseYubiKeyVersion(ByteView answer);
// GET SERIAL answers exactly 4 bytes, big-endian.
std::optional<std::uint32_t> parseYubiKeySerial(ByteView answer);

// GET METADATA: 01 algorithm, 02 policy (PIN, touch), 03 origin, 04 public
// key template, 05 is-default, 06 retries (total, remaining).
struct YubiKeyMetadata {
    std::optional<std::uint8_t> algorithm;
    std::optional<PinPolicy> pinPolicy; // nullopt: slot default
    Bytes publicKeyTemplate;            // value of 04 (81/82 or 86 inside)
    int retriesTotal = -1;
    int retriesLeft = -1;
};
// Throws Error(malformedResponse).
YubiKeyMetadata parseYubiKeyMetadata(ByteView answer);

} // namespace tessera::drivers::piv
