// EC point forms at the PKCS#11 boundary. CKA_EC_POINT is a DER OCTET STRING
// (PKCS#11 3.0 section 2.3.3), while ECDH1 public data (CK_ECDH1_DERIVE_PARAMS,
// mechanisms 2.3.13) may arrive raw or DER-wrapped; the card wants it raw.
#include "crypto/crypto.hpp"

#include "common/error.hpp"

#include <algorithm>

namespace tessera::crypto {

namespace {

// X.690 8.1.3 definite length, minimal form.
Bytes derLength(std::size_t n)
{
    if (n < 0x80) return Bytes{static_cast<std::uint8_t>(n)};
    Bytes digits;
    for (std::size_t v = n; v != 0; v >>= 8)
        digits.insert(digits.begin(), static_cast<std::uint8_t>(v));
    digits.insert(digits.begin(), static_cast<std::uint8_t>(0x80 | digits.size()));
    return digits;
}

// Content of `der` if it is exactly one OCTET STRING of `expected` bytes.
std::optional<ByteView> octetStringContent(ByteView der, std::size_t expected)
{
    Bytes header{0x04};
    Bytes len = derLength(expected);
    header.insert(header.end(), len.begin(), len.end());
    if (der.size() != header.size() + expected || !std::equal(header.begin(), header.end(), der.begin()))
        return std::nullopt;
    return der.subspan(header.size());
}

} // namespace

Bytes wrapOctetString(ByteView content)
{
    Bytes out{0x04};
    Bytes len = derLength(content.size());
    out.insert(out.end(), len.begin(), len.end());
    out.insert(out.end(), content.begin(), content.end());
    return out;
}

Bytes normalizeEcPoint(ByteView input, std::size_t pointLength)
{
    if (pointLength == 0) throw Error(Errc::argumentsBad, "EC point length is zero");
    // Lengths cannot collide: the wrapped form is always 2+ bytes longer.
    if (input.size() == pointLength) {
        // An odd length is a Weierstrass point: only the uncompressed form (04) is usable.
        if (pointLength % 2 == 1 && input[0] != 0x04) throw Error(Errc::dataInvalid, "EC point is not uncompressed");
        return Bytes(input.begin(), input.end());
    }
    if (auto content = octetStringContent(input, pointLength)) {
        if (pointLength % 2 == 1 && (*content)[0] != 0x04)
            throw Error(Errc::dataInvalid, "EC point is not uncompressed");
        return Bytes(content->begin(), content->end());
    }
    throw Error(Errc::dataInvalid, "EC point is neither raw nor a DER OCTET STRING of the curve's size");
}

} // namespace tessera::crypto
