// C-APDU parsing for the virtual card: ISO/IEC 7816-4 section 5.1 cases 1-4,
// short (Lc/Le one byte) and extended (Lc/Le two bytes after a 00 marker).
#include "command.hpp"

namespace tessera::vcard {

namespace {

std::optional<CardApdu> parseExtended(const CardApdu& head, ByteView body)
{
    // body starts after the 00 marker: either Le(2), or Lc(2) data [Le(2)].
    CardApdu a = head;
    a.extended = true;
    std::size_t n = static_cast<std::size_t>((body[0] << 8) | body[1]);
    if (body.size() == 2) {
        a.hasLe = true;
        a.le = n == 0 ? 65536 : static_cast<std::uint32_t>(n);
        return a;
    }
    if (n == 0) return std::nullopt;
    std::size_t rest = body.size() - 2;
    if (rest != n && rest != n + 2) return std::nullopt;
    a.data.assign(body.begin() + 2, body.begin() + 2 + static_cast<std::ptrdiff_t>(n));
    if (rest == n + 2) {
        std::size_t le = static_cast<std::size_t>((body[2 + n] << 8) | body[3 + n]);
        a.hasLe = true;
        a.le = le == 0 ? 65536 : static_cast<std::uint32_t>(le);
    }
    return a;
}

} // namespace

std::optional<CardApdu> parseCommand(ByteView raw)
{
    if (raw.size() < 4) return std::nullopt;
    CardApdu a;
    a.cla = raw[0];
    a.ins = raw[1];
    a.p1 = raw[2];
    a.p2 = raw[3];
    if (raw.size() == 4) return a; // case 1
    ByteView body = raw.subspan(4);
    if (body.size() == 1) { // case 2 short
        a.hasLe = true;
        a.le = body[0] == 0 ? 256 : body[0];
        return a;
    }
    if (body[0] == 0 && body.size() >= 3) return parseExtended(a, body.subspan(1));
    std::size_t lc = body[0];
    if (lc == 0) return std::nullopt;
    if (body.size() != 1 + lc && body.size() != 2 + lc) return std::nullopt;
    a.data.assign(body.begin() + 1, body.begin() + 1 + static_cast<std::ptrdiff_t>(lc));
    if (body.size() == 2 + lc) { // case 4 short
        a.hasLe = true;
        a.le = body[1 + lc] == 0 ? 256 : body[1 + lc];
    }
    return a;
}

} // namespace tessera::vcard
