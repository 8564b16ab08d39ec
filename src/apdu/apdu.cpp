// Command APDU encoding (ISO/IEC 7816-4:2020 section 5.1, cases 1 to 4 in
// short and extended form), the redacting trace text of a command, and the
// split of a raw response APDU into data and status word (section 5.1.3).
#include "apdu/apdu.hpp"

#include <cstdio>

#include "common/error.hpp"

namespace tessera::apdu {

namespace {

constexpr std::uint32_t kMaxShortLe = 256;
constexpr std::uint32_t kMaxExtendedLe = 65536;
constexpr std::size_t kMaxShortLc = 255;
constexpr std::size_t kMaxExtendedLc = 65535;

void pushU16(Bytes& out, std::size_t value)
{
    out.push_back(static_cast<std::uint8_t>((value >> 8) & 0xFF));
    out.push_back(static_cast<std::uint8_t>(value & 0xFF));
}

void checkLimits(const Command& c, bool extended)
{
    if (c.le && (*c.le == 0 || *c.le > kMaxExtendedLe)) {
        fail(Errc::argumentsBad, "APDU Le out of range: " + std::to_string(*c.le));
    }
    if (!extended) {
        if (c.data.size() > kMaxShortLc) fail(Errc::dataLenRange, "APDU data too long for short form");
        if (c.le && *c.le > kMaxShortLe) fail(Errc::argumentsBad, "APDU Le too large for short form");
    } else if (c.data.size() > kMaxExtendedLc) {
        fail(Errc::dataLenRange, "APDU data too long for extended form");
    }
}

std::string hexByte(std::uint8_t b)
{
    char buf[4];
    std::snprintf(buf, sizeof buf, "%02X", b);
    return buf;
}

} // namespace

// ISO 7816-4 5.1, table 3 (short) and table 4 (extended):
//   case 1: header                       case 2: header Le
//   case 3: header Lc data               case 4: header Lc data Le
// Short: Lc = 1 byte (1..255), Le = 1 byte (00 means 256).
// Extended: Lc = 00 Lc1 Lc2; Le = 00 Le1 Le2 when there is no Lc, otherwise
// Le1 Le2 (0000 means 65536).
Bytes Command::encode(bool extended) const
{
    checkLimits(*this, extended);
    Bytes out{cla, ins, p1, p2};
    out.reserve(4 + 3 + data.size() + 3);
    if (!data.empty()) {
        if (extended) {
            out.push_back(0x00);
            pushU16(out, data.size());
        } else {
            out.push_back(static_cast<std::uint8_t>(data.size()));
        }
        out.insert(out.end(), data.begin(), data.end());
    }
    if (le) {
        if (extended) {
            if (data.empty()) out.push_back(0x00);
            pushU16(out, *le == kMaxExtendedLe ? 0 : *le);
        } else {
            out.push_back(static_cast<std::uint8_t>(*le == kMaxShortLe ? 0 : *le));
        }
    }
    return out;
}

std::string Command::describe() const
{
    std::string s = hexByte(cla) + " " + hexByte(ins) + " " + hexByte(p1) + " " + hexByte(p2);
    if (!data.empty()) {
        s += " Lc=" + std::to_string(data.size());
        if (sensitive) {
            s += " [" + std::to_string(data.size()) + " bytes redacted]";
        } else {
            s += " [" + toHex(data) + "]";
        }
    }
    if (le) s += " Le=" + std::to_string(*le);
    return s;
}

// ISO 7816-4 5.1: a response is an optional data field followed by SW1 SW2.
Response parseResponse(ByteView raw)
{
    if (raw.size() < 2) {
        fail(Errc::malformedResponse, "response APDU shorter than 2 bytes (" + std::to_string(raw.size()) + ")");
    }
    Response r;
    r.data.assign(raw.begin(), raw.end() - 2);
    r.sw = static_cast<std::uint16_t>((raw[raw.size() - 2] << 8) | raw[raw.size() - 1]);
    return r;
}

} // namespace tessera::apdu
