// ATR historical bytes and card capabilities for the PIV driver; see
// piv_atr.hpp. Every index is checked against the ATR's length.
#include "card-drivers/piv/piv_atr.hpp"

#include <cstdint>

namespace tessera::drivers::piv {

namespace {

constexpr std::uint8_t kCompactCardCapabilities = 0x7;
constexpr std::uint8_t kExtendedLengthBit = 0x40; // third software function byte, b7
constexpr std::size_t kStatusIndicatorBytes = 3;  // category 00 ends with a status indicator

int bitCount(std::uint8_t nibble)
{
    int n = 0;
    for (; nibble != 0; nibble &= static_cast<std::uint8_t>(nibble - 1))
        ++n;
    return n;
}

} // namespace

// ISO/IEC 7816-3 section 8.2.2: T0's high nibble Y1 says which of TA1..TD1
// follow; each TDi's high nibble says the same for the next group. T0's low
// nibble is the number K of historical bytes.
ByteView atrHistoricalBytes(ByteView atr)
{
    if (atr.size() < 2) return {};
    const std::size_t historical = atr[1] & 0x0F;
    std::size_t at = 1; // the byte whose high nibble announces the next group
    for (;;) {
        const std::uint8_t y = static_cast<std::uint8_t>(atr[at] >> 4);
        const std::size_t next = at + static_cast<std::size_t>(bitCount(y));
        if (next >= atr.size()) return {};
        at = next; // TDi, when present, is the last byte of its group
        if ((y & 0x8) == 0) break;
    }
    const std::size_t start = at + 1;
    if (start + historical > atr.size()) return {};
    return atr.subspan(start, historical);
}

// ISO/IEC 7816-4 section 8.1.1: category indicator 80 (compact-TLV objects
// to the end) or 00 (compact-TLV objects, then a 3-byte status indicator).
bool atrAnnouncesExtendedLength(ByteView atr)
{
    const ByteView h = atrHistoricalBytes(atr);
    if (h.empty()) return false;
    std::size_t end = h.size();
    if (h[0] == 0x00) {
        if (end < 1 + kStatusIndicatorBytes) return false;
        end -= kStatusIndicatorBytes;
    } else if (h[0] != 0x80) {
        return false;
    }
    for (std::size_t at = 1; at < end;) {
        const std::uint8_t tag = static_cast<std::uint8_t>(h[at] >> 4);
        const std::size_t len = h[at] & 0x0F;
        if (len > end - at - 1) return false;
        if (tag == kCompactCardCapabilities && len >= 3) return (h[at + 3] & kExtendedLengthBit) != 0;
        at += 1 + len;
    }
    return false;
}

} // namespace tessera::drivers::piv
