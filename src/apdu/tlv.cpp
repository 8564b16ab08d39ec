// BER-TLV reader and writer (ISO/IEC 7816-4:2020 section 5.2, ISO/IEC 8825-1).
// Card answers are untrusted: every tag, length and value is checked against
// the bytes that remain in its parent before it is used; anything malformed
// throws Error(malformedResponse).
#include "apdu/tlv.hpp"

#include "common/error.hpp"

namespace tessera::apdu {

namespace {

constexpr std::size_t kMaxTagBytes = 4;

[[noreturn]] void malformed(const std::string& what)
{
    fail(Errc::malformedResponse, "BER-TLV: " + what);
}

bool isPadding(std::uint8_t b)
{
    return b == 0x00 || b == 0xFF;
}

// ISO 7816-4 5.2.2.1: low five bits 11111 in the first byte announce
// subsequent tag bytes; each subsequent byte with bit 8 set announces another.
std::uint32_t readTag(ByteView data, std::size_t& pos)
{
    if (pos >= data.size()) malformed("missing tag");
    std::uint8_t first = data[pos++];
    if (isPadding(first)) malformed("invalid first tag byte");
    std::uint32_t tag = first;
    if ((first & 0x1F) != 0x1F) return tag;
    for (std::size_t count = 1;; ++count) {
        if (count >= kMaxTagBytes) malformed("tag longer than 4 bytes");
        if (pos >= data.size()) malformed("truncated tag");
        std::uint8_t b = data[pos++];
        tag = (tag << 8) | b;
        if ((b & 0x80) == 0) return tag;
    }
}

// ISO 7816-4 5.2.2.2: 00-7F one byte; 81 xx; 82 xxxx; 83 xxxxxx. The
// indefinite form (80) and 84 or more length bytes are rejected.
std::size_t readLength(ByteView data, std::size_t& pos)
{
    if (pos >= data.size()) malformed("missing length");
    std::uint8_t first = data[pos++];
    if (first < 0x80) return first;
    if (first == 0x80) malformed("indefinite length");
    std::size_t count = first & 0x7F;
    if (count > 3) malformed("length field of " + std::to_string(count) + " bytes");
    if (data.size() - pos < count) malformed("truncated length");
    std::size_t length = 0;
    for (std::size_t i = 0; i < count; ++i)
        length = (length << 8) | data[pos++];
    return length;
}

std::uint8_t firstTagByte(std::uint32_t tag)
{
    while (tag > 0xFF)
        tag >>= 8;
    return static_cast<std::uint8_t>(tag);
}

std::optional<Tlv> findAt(ByteView data, std::uint32_t tag, bool recurse, std::size_t depth)
{
    if (depth > kMaxTlvDepth) malformed("nesting deeper than " + std::to_string(kMaxTlvDepth));
    std::vector<Tlv> items = parseAll(data, true);
    // This level first, so an opaque constructed sibling is only opened when needed.
    for (const Tlv& t : items) {
        if (t.tag == tag) return t;
    }
    if (!recurse) return std::nullopt;
    for (const Tlv& t : items) {
        if (!t.constructed()) continue;
        if (auto found = findAt(t.value, tag, true, depth + 1)) return found;
    }
    return std::nullopt;
}

} // namespace

bool Tlv::constructed() const
{
    return (firstTagByte(tag) & 0x20) != 0;
}

Tlv parseOne(ByteView data, std::size_t& consumed)
{
    std::size_t pos = 0;
    Tlv t;
    t.tag = readTag(data, pos);
    std::size_t length = readLength(data, pos);
    if (length > data.size() - pos) {
        malformed("value of " + std::to_string(length) + " bytes exceeds the " + std::to_string(data.size() - pos) +
                  " remaining");
    }
    t.value = data.subspan(pos, length);
    consumed = pos + length;
    return t;
}

std::vector<Tlv> parseAll(ByteView data, bool allowPadding)
{
    std::vector<Tlv> out;
    std::size_t pos = 0;
    while (pos < data.size()) {
        if (allowPadding && isPadding(data[pos])) {
            ++pos;
            continue;
        }
        std::size_t consumed = 0;
        out.push_back(parseOne(data.subspan(pos), consumed));
        pos += consumed;
    }
    return out;
}

std::optional<Tlv> find(ByteView data, std::uint32_t tag, bool recurse)
{
    return findAt(data, tag, recurse, 0);
}

Bytes encodeTag(std::uint32_t tag)
{
    if (tag == 0) fail(Errc::argumentsBad, "BER-TLV: tag 0");
    Bytes out;
    bool started = false;
    for (int shift = 24; shift >= 0; shift -= 8) {
        auto b = static_cast<std::uint8_t>((tag >> shift) & 0xFF);
        if (b != 0 || started) {
            out.push_back(b);
            started = true;
        }
    }
    return out;
}

// Minimal definite form (ISO 7816-4 5.2.2.2).
Bytes encodeLength(std::size_t length)
{
    if (length < 0x80) return {static_cast<std::uint8_t>(length)};
    if (length <= 0xFF) return {0x81, static_cast<std::uint8_t>(length)};
    if (length <= 0xFFFF) {
        return {0x82, static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length & 0xFF)};
    }
    if (length <= 0xFFFFFF) {
        return {0x83, static_cast<std::uint8_t>(length >> 16), static_cast<std::uint8_t>((length >> 8) & 0xFF),
                static_cast<std::uint8_t>(length & 0xFF)};
    }
    fail(Errc::dataLenRange, "BER-TLV: length " + std::to_string(length) + " too large");
}

Bytes tlv(std::uint32_t tag, ByteView value)
{
    Bytes out = encodeTag(tag);
    Bytes len = encodeLength(value.size());
    out.reserve(out.size() + len.size() + value.size());
    out.insert(out.end(), len.begin(), len.end());
    out.insert(out.end(), value.begin(), value.end());
    return out;
}

TlvWriter& TlvWriter::add(std::uint32_t tag, ByteView value)
{
    Bytes one = tlv(tag, value);
    out_.insert(out_.end(), one.begin(), one.end());
    return *this;
}

TlvWriter& TlvWriter::addByte(std::uint32_t tag, std::uint8_t value)
{
    const std::uint8_t v[1] = {value};
    return add(tag, ByteView(v, 1));
}

TlvWriter& TlvWriter::addRaw(ByteView bytes)
{
    out_.insert(out_.end(), bytes.begin(), bytes.end());
    return *this;
}

} // namespace tessera::apdu
