// ISO/IEC 7816 PUT DATA and GENERATE ASYMMETRIC KEY PAIR builders; see
// iso7816_data.hpp.
#include "card-drivers/iso7816/iso7816_data.hpp"

namespace tessera::drivers::iso7816 {

namespace {
constexpr std::uint8_t kInsGenerateKeyPair = 0x47;
constexpr std::uint32_t kShortLe = 256;
} // namespace

apdu::Command putDataCommand(std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, Bytes data)
{
    apdu::Command c;
    c.ins = ins;
    c.p1 = p1;
    c.p2 = p2;
    c.data = std::move(data);
    return c;
}

apdu::Command generateKeyPairCommand(std::uint8_t p1, std::uint8_t p2, Bytes data)
{
    apdu::Command c;
    c.ins = kInsGenerateKeyPair;
    c.p1 = p1;
    c.p2 = p2;
    c.data = std::move(data);
    c.le = kShortLe;
    return c;
}

} // namespace tessera::drivers::iso7816
