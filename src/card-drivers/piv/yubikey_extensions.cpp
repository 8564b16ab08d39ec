// YubiKey PIV extension answers; see yubikey_extensions.hpp. The PIN policy
// byte is mapped by a table: 00 default, 01 never, 02 once, 03 always,
// 04 match-once and 05 match-always (YubiKey Bio: fingerprint or PIN).
#include "card-drivers/piv/yubikey_extensions.hpp"

#include <array>

#include "apdu/tlv.hpp"
#include "common/error.hpp"

namespace tessera::drivers::piv {

namespace {

struct PolicyRow {
    std::uint8_t code;
    PinPolicy policy;
};
constexpr std::array<PolicyRow, 5> kPinPolicies{{
    {0x01, PinPolicy::never},
    {0x02, PinPolicy::once},
    {0x03, PinPolicy::always},
    {0x04, PinPolicy::once},
    {0x05, PinPolicy::always},
}};

std::optional<PinPolicy> policyFor(std::uint8_t code)
{
    for (const auto& row : kPinPolicies)
        if (row.code == code) return row.policy;
    return std::nullopt; // 00 (default) or unknown: keep the slot's default
}

} // namespace

std::optional<YubiKeyVersion> parseYubiKeyVersion(ByteView answer)
{
    if (answer.size() != 3) return std::nullopt;
    return YubiKeyVersion{answer[0], answer[1], answer[2]};
}

std::optional<std::uint32_t> parseYubiKeySerial(ByteView answer)
{
    if (answer.size() != 4) return std::nullopt;
    std::uint32_t serial = 0;
    for (std::uint8_t b : answer)
        serial = (serial << 8) | b;
    return serial;
}

YubiKeyMetadata parseYubiKeyMetadata(ByteView answer)
{
    YubiKeyMetadata meta;
    for (const apdu::Tlv& t : apdu::parseAll(answer)) {
        switch (t.tag) {
        case 0x01:
            if (t.value.size() != 1) fail(Errc::malformedResponse, "YubiKey metadata: algorithm not one byte");
            meta.algorithm = t.value[0];
            break;
        case 0x02:
            if (t.value.empty()) fail(Errc::malformedResponse, "YubiKey metadata: empty policy");
            meta.pinPolicy = policyFor(t.value[0]);
            break;
        case 0x04: meta.publicKeyTemplate.assign(t.value.begin(), t.value.end()); break;
        case 0x06:
            if (t.value.size() != 2) fail(Errc::malformedResponse, "YubiKey metadata: retries not two bytes");
            meta.retriesTotal = t.value[0];
            meta.retriesLeft = t.value[1];
            break;
        default: break; // 03 origin, 05 is-default, future tags: not needed
        }
    }
    return meta;
}

} // namespace tessera::drivers::piv
