// PIV data object parsers (SP 800-73-4 part 1 appendix A); see piv_containers.hpp.
// Everything walks BER-TLV views of the card's answer; the only raw buffer
// work is zlib's inflate, which writes into a buffer we size and bound.
#include "card-drivers/piv/piv_containers.hpp"

#include <zlib.h>

#include <algorithm>

#include "apdu/tlv.hpp"
#include "card-drivers/piv/piv_objects.hpp"
#include "common/error.hpp"

namespace tessera::drivers::piv {

namespace {

constexpr std::uint32_t kDataObjectTag = 0x53;
constexpr std::uint32_t kCertificateTag = 0x70;
constexpr std::uint32_t kCertInfoTag = 0x71;
constexpr std::uint8_t kCertInfoGzip = 0x01; // CertInfo bit 0: CompressionType gzip
constexpr std::uint32_t kOnCardCertsTag = 0xC1;
constexpr std::uint32_t kFascnTag = 0x30;
constexpr std::uint32_t kGuidTag = 0x34;

[[noreturn]] void malformed(const std::string& what)
{
    fail(Errc::malformedResponse, "PIV: " + what);
}

// Finds a tag among the direct children only (70 holds DER that must not be
// mistaken for nested TLVs).
std::optional<apdu::Tlv> child(const std::vector<apdu::Tlv>& items, std::uint32_t tag)
{
    auto it = std::find_if(items.begin(), items.end(), [tag](const apdu::Tlv& t) { return t.tag == tag; });
    if (it == items.end()) return std::nullopt;
    return *it;
}

// RAII for a z_stream so every exit ends the inflater.
struct Inflater {
    z_stream zs{};
    bool ready = false;
    Inflater()
    {
        // 15 + 32: accept gzip or zlib headers (cards in the field write both).
        ready = inflateInit2(&zs, 15 + 32) == Z_OK;
    }
    ~Inflater()
    {
        if (ready) inflateEnd(&zs);
    }
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;
};

} // namespace

ByteView dataObjectValue(ByteView getDataAnswer)
{
    std::vector<apdu::Tlv> top = apdu::parseAll(getDataAnswer);
    if (top.size() != 1 || top[0].tag != kDataObjectTag) malformed("GET DATA answer is not one 53 object");
    return top[0].value;
}

Bytes gunzipBounded(ByteView compressed, std::size_t maxOutput)
{
    Inflater inf;
    if (!inf.ready) fail(Errc::hostMemory, "zlib inflateInit2 failed");
    // One spare byte tells output of exactly maxOutput from more than that.
    const std::size_t limit = maxOutput + 1;
    Bytes out(std::min<std::size_t>(limit, 4096));
    inf.zs.next_in = const_cast<Bytef*>(compressed.data());
    inf.zs.avail_in = static_cast<uInt>(compressed.size());
    for (;;) {
        if (inf.zs.total_out == out.size()) {
            if (out.size() >= limit) malformed("compressed certificate inflates past the bound");
            out.resize(std::min(limit, out.size() * 2));
        }
        inf.zs.next_out = out.data() + inf.zs.total_out;
        inf.zs.avail_out = static_cast<uInt>(out.size() - inf.zs.total_out);
        int rc = inflate(&inf.zs, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) break;
        if (rc == Z_BUF_ERROR && inf.zs.avail_out != 0) malformed("truncated compressed certificate");
        if (rc != Z_OK && rc != Z_BUF_ERROR) malformed("corrupt compressed certificate");
    }
    if (inf.zs.total_out > maxOutput) malformed("compressed certificate inflates past the bound");
    out.resize(inf.zs.total_out);
    return out;
}

std::optional<Bytes> parseCertificateContainer(ByteView getDataAnswer)
{
    ByteView value = dataObjectValue(getDataAnswer);
    if (value.empty()) return std::nullopt;
    // Allow 00/FF padding between objects: some issuers pad containers.
    std::vector<apdu::Tlv> items = apdu::parseAll(value, true);
    auto cert = child(items, kCertificateTag);
    if (!cert) malformed("certificate container without tag 70");
    if (cert->value.empty()) return std::nullopt;
    bool gzip = false;
    if (auto info = child(items, kCertInfoTag)) {
        if (info->value.size() > 1) malformed("CertInfo longer than one byte");
        gzip = !info->value.empty() && (info->value[0] & kCertInfoGzip) != 0;
    }
    if (gzip) return gunzipBounded(cert->value);
    if (cert->value.size() > kMaxCertificateBytes) malformed("certificate larger than the bound");
    return Bytes(cert->value.begin(), cert->value.end());
}

std::size_t parseKeyHistoryOnCardCount(ByteView getDataAnswer)
{
    ByteView value = dataObjectValue(getDataAnswer);
    std::vector<apdu::Tlv> items = apdu::parseAll(value, true);
    auto count = child(items, kOnCardCertsTag);
    if (!count || count->value.empty()) return 0;
    if (count->value.size() != 1) malformed("key history C1 is not one byte");
    return std::min<std::size_t>(count->value[0], kRetiredSlotCount);
}

Chuid parseChuid(ByteView getDataAnswer)
{
    ByteView value = dataObjectValue(getDataAnswer);
    std::vector<apdu::Tlv> items = apdu::parseAll(value, true);
    Chuid chuid;
    if (auto f = child(items, kFascnTag)) chuid.fascn.assign(f->value.begin(), f->value.end());
    // SP 800-73-4 part 1 table 9: the GUID is 16 bytes; anything else is not one.
    constexpr std::size_t kGuidBytes = 16;
    if (auto g = child(items, kGuidTag); g && g->value.size() == kGuidBytes)
        chuid.guid.assign(g->value.begin(), g->value.end());
    return chuid;
}

} // namespace tessera::drivers::piv
