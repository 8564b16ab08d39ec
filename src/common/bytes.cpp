// Hex encoding for logs and tests.
#include "common/bytes.hpp"

#include "common/error.hpp"

namespace tessera {

std::string toHex(ByteView b)
{
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string s;
    s.reserve(b.size() * 2);
    for (auto c : b) {
        s.push_back(digits[c >> 4]);
        s.push_back(digits[c & 0xF]);
    }
    return s;
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Bytes fromHex(std::string_view hex)
{
    Bytes out;
    int hi = -1;
    for (char c : hex) {
        if (c == ' ' || c == ':' || c == '\n') continue;
        int n = nibble(c);
        if (n < 0) fail(Errc::argumentsBad, "invalid hex digit");
        if (hi < 0) {
            hi = n;
        } else {
            out.push_back(static_cast<std::uint8_t>((hi << 4) | n));
            hi = -1;
        }
    }
    if (hi >= 0) fail(Errc::argumentsBad, "odd number of hex digits");
    return out;
}

} // namespace tessera
