// BER-TLV (ISO/IEC 7816-4 section 5.2, ISO/IEC 8825-1) reader and writer.
// Every read is bounds-checked over std::span: a value can never extend past
// its parent; malformed input throws Error(malformedResponse), never crashes.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/bytes.hpp"

namespace tessera::apdu {

struct Tlv {
    std::uint32_t tag = 0;    // tag bytes big-endian, e.g. 0x5FC105, 0x7F49
    ByteView value;           // view into the parsed buffer
    bool constructed() const; // bit 6 of the first tag byte
};

// Parses consecutive TLVs covering all of `data` (no trailing bytes allowed,
// except 0x00 / 0xFF padding between objects is NOT skipped unless allowPadding).
std::vector<Tlv> parseAll(ByteView data, bool allowPadding = false);
// Parses exactly one TLV at the start of data; `consumed` receives its length.
Tlv parseOne(ByteView data, std::size_t& consumed);
// Finds the first TLV with `tag` at this level of `data`, and when `recurse`
// inside constructed TLVs (depth-bounded). nullopt when absent; throws on malformed.
// The result views into `data`: keep that buffer alive while using it.
std::optional<Tlv> find(ByteView data, std::uint32_t tag, bool recurse = true);

constexpr std::size_t kMaxTlvDepth = 16;

// Writer
Bytes encodeTag(std::uint32_t tag);
Bytes encodeLength(std::size_t length);
Bytes tlv(std::uint32_t tag, ByteView value);

class TlvWriter {
public:
    TlvWriter& add(std::uint32_t tag, ByteView value);
    TlvWriter& addByte(std::uint32_t tag, std::uint8_t value);
    TlvWriter& addRaw(ByteView bytes);
    const Bytes& bytes() const { return out_; }
    Bytes wrap(std::uint32_t tag) const { return tlv(tag, out_); }

private:
    Bytes out_;
};

} // namespace tessera::apdu
