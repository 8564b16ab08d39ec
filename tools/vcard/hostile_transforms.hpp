// Byte transforms of the hostile virtual card (hostile_card.hpp): each takes a
// well-formed answer (data without status word) and returns the corrupted one.
// Pure functions over BER-TLV, so unit tests check each corruption exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "common/bytes.hpp"

namespace tessera::vcard::hostile {

// The first half of the bytes: the outer TLV's length claims more than arrives.
Bytes truncateHalf(ByteView answer);
// One top-level TLV re-encoded with the length field 84 FFFFFFF0.
Bytes withHugeLength(ByteView answer);
// One top-level TLV whose length field says `shortBy` less than its value
// holds.
Bytes withShortLength(ByteView answer, std::size_t shortBy);
// One top-level TLV whose value is wrapped `depth` times in constructed
// `wrapTag`.
Bytes nestValue(ByteView answer, std::uint32_t wrapTag, std::size_t depth);
// outer { ... child { child { ... `depth` more levels ... { child's content } }
// } ... }
Bytes nestChild(ByteView answer, std::uint32_t outerTag, std::uint32_t childTag, std::size_t depth);
// 53 { 70 {n pseudo-random bytes} 71 {00} FE {} }: framing right, certificate
// garbage.
Bytes garbageCertificateContainer(std::size_t n);
// 30 len { 04 7F ... repeated } of about `total` bytes: valid-looking DER, far
// too big.
Bytes hugeSequence(std::size_t total);
// outer { inner { hugeSequence(total) } }.
Bytes hugeTemplate(std::uint32_t outerTag, std::uint32_t innerTag, std::size_t total);
// outer { ... inner {v} ... } with v's last byte removed (a short signature).
Bytes shortenChild(ByteView answer, std::uint32_t outerTag, std::uint32_t innerTag);
// outer { ... } without the direct children whose tags are listed.
Bytes dropChildren(ByteView answer, std::uint32_t outerTag, std::initializer_list<std::uint32_t> tags);
// The first `tag` object found under top-level `outer` (directly or within one
// level of `middle`) has its value replaced by `value`.
Bytes replaceNested(ByteView answer, std::uint32_t outer, std::uint32_t middle, std::uint32_t tag, ByteView value);

} // namespace tessera::vcard::hostile
