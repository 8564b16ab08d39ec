// First-chunk comparison for the persistent cache checks: see cache_check.hpp.
#include "card-drivers/cache_check.hpp"

#include <algorithm>

#include "apdu/tlv.hpp"

namespace tessera::drivers {

std::optional<TlvHeader> readTlvHeader(ByteView data, std::uint32_t tag)
{
    const Bytes tagBytes = apdu::encodeTag(tag);
    if (data.size() < tagBytes.size() + 1 || !std::equal(tagBytes.begin(), tagBytes.end(), data.begin()))
        return std::nullopt;
    std::size_t pos = tagBytes.size();
    const std::uint8_t first = data[pos++];
    TlvHeader h;
    if (first < 0x80) {
        h.valueLength = first;
    } else {
        // 81 xx, 82 xx xx, 83 xx xx xx; longer forms exceed any card object.
        const std::size_t n = first & 0x7F;
        if (n == 0 || n > 3 || data.size() < pos + n) return std::nullopt;
        for (std::size_t i = 0; i < n; ++i)
            h.valueLength = (h.valueLength << 8) | data[pos++];
    }
    h.headerSize = pos;
    return h;
}

bool startsWithCertificate(ByteView value, bool complete, ByteView certificate)
{
    if (certificate.empty()) return false;
    if (complete && value.size() < certificate.size()) return false;
    const std::size_t n = std::min(value.size(), certificate.size());
    if (!complete && n < std::min(certificate.size(), kMinComparedCertificateBytes)) return false;
    return std::equal(certificate.begin(), certificate.begin() + static_cast<std::ptrdiff_t>(n), value.begin());
}

} // namespace tessera::drivers
