// Byte buffers and the hex helpers used by logs and tests.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

std::string toHex(ByteView b);
// Accepts upper/lower case hex with optional spaces and colons; throws Error(argumentsBad).
Bytes fromHex(std::string_view hex);

inline Bytes concat(ByteView a, ByteView b)
{
    Bytes r(a.begin(), a.end());
    r.insert(r.end(), b.begin(), b.end());
    return r;
}

} // namespace tessera
