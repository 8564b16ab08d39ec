// Corruptions of well-formed card answers for the hostile virtual card; see
// hostile_transforms.hpp. They parse the honest answer with the project's own
// TLV reader and re-encode it, so only the intended field is wrong.
#include "hostile_transforms.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>

#include "apdu/tlv.hpp"

namespace tessera::vcard::hostile {

namespace {

apdu::Tlv single(ByteView answer)
{
    std::vector<apdu::Tlv> top = apdu::parseAll(answer);
    if (top.size() != 1) throw std::invalid_argument("hostile: answer is not one TLV");
    return top[0];
}

Bytes withLengthField(std::uint32_t tag, ByteView lengthField, ByteView value)
{
    Bytes out = apdu::encodeTag(tag);
    out.insert(out.end(), lengthField.begin(), lengthField.end());
    out.insert(out.end(), value.begin(), value.end());
    return out;
}

// Re-encodes the children of `value`, passing each through `fn` (empty result
// drops it).
Bytes mapChildren(ByteView value, const std::function<Bytes(const apdu::Tlv&)>& fn)
{
    Bytes out;
    for (const apdu::Tlv& t : apdu::parseAll(value, true)) {
        Bytes b = fn(t);
        out.insert(out.end(), b.begin(), b.end());
    }
    return out;
}

Bytes reencode(const apdu::Tlv& t)
{
    return apdu::tlv(t.tag, t.value);
}

} // namespace

Bytes truncateHalf(ByteView answer)
{
    return Bytes(answer.begin(), answer.begin() + answer.size() / 2);
}

Bytes withHugeLength(ByteView answer)
{
    apdu::Tlv t = single(answer);
    const std::uint8_t len[] = {0x84, 0xFF, 0xFF, 0xFF, 0xF0};
    return withLengthField(t.tag, len, t.value);
}

Bytes withShortLength(ByteView answer, std::size_t shortBy)
{
    apdu::Tlv t = single(answer);
    std::size_t n = t.value.size() > shortBy ? t.value.size() - shortBy : 0;
    const std::uint8_t len[] = {0x82, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
    return withLengthField(t.tag, len, t.value);
}

Bytes nestValue(ByteView answer, std::uint32_t wrapTag, std::size_t depth)
{
    apdu::Tlv t = single(answer);
    Bytes inner(t.value.begin(), t.value.end());
    for (std::size_t i = 0; i < depth; ++i)
        inner = apdu::tlv(wrapTag, inner);
    return apdu::tlv(t.tag, inner);
}

Bytes nestChild(ByteView answer, std::uint32_t outerTag, std::uint32_t childTag, std::size_t depth)
{
    apdu::Tlv t = single(answer);
    if (t.tag != outerTag) return Bytes(answer.begin(), answer.end());
    return apdu::tlv(outerTag, mapChildren(t.value, [&](const apdu::Tlv& c) {
                         return c.tag == childTag ? nestValue(reencode(c), childTag, depth) : reencode(c);
                     }));
}

Bytes garbageCertificateContainer(std::size_t n)
{
    Bytes junk(n);
    std::uint32_t x = 0x2545F491; // xorshift32: the same garbage every run
    for (auto& b : junk) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b = static_cast<std::uint8_t>(x);
    }
    junk[0] = 0x31; // not a SEQUENCE: no certificate parser may take it for one
    apdu::TlvWriter w;
    w.add(0x70, junk).addByte(0x71, 0x00).add(0xFE, {});
    return w.wrap(0x53);
}

Bytes hugeSequence(std::size_t total)
{
    Bytes octet(129, 0x5A);
    octet[0] = 0x04;
    octet[1] = 0x7F;
    Bytes body;
    body.reserve(total + octet.size());
    while (body.size() < total)
        body.insert(body.end(), octet.begin(), octet.end());
    return apdu::tlv(0x30, body);
}

Bytes hugeTemplate(std::uint32_t outerTag, std::uint32_t innerTag, std::size_t total)
{
    return apdu::tlv(outerTag, apdu::tlv(innerTag, hugeSequence(total)));
}

Bytes shortenChild(ByteView answer, std::uint32_t outerTag, std::uint32_t innerTag)
{
    apdu::Tlv t = single(answer);
    if (t.tag != outerTag) return Bytes(answer.begin(), answer.end());
    return apdu::tlv(outerTag, mapChildren(t.value, [innerTag](const apdu::Tlv& c) {
                         if (c.tag != innerTag || c.value.empty()) return reencode(c);
                         return apdu::tlv(c.tag, c.value.first(c.value.size() - 1));
                     }));
}

Bytes dropChildren(ByteView answer, std::uint32_t outerTag, std::initializer_list<std::uint32_t> tags)
{
    apdu::Tlv t = single(answer);
    if (t.tag != outerTag) return Bytes(answer.begin(), answer.end());
    return apdu::tlv(outerTag, mapChildren(t.value, [tags](const apdu::Tlv& c) {
                         return std::find(tags.begin(), tags.end(), c.tag) != tags.end() ? Bytes{} : reencode(c);
                     }));
}

Bytes replaceNested(ByteView answer, std::uint32_t outer, std::uint32_t middle, std::uint32_t tag, ByteView value)
{
    apdu::Tlv t = single(answer);
    if (t.tag != outer) return Bytes(answer.begin(), answer.end());
    std::function<Bytes(const apdu::Tlv&)> fn = [&](const apdu::Tlv& c) {
        if (c.tag == tag) return apdu::tlv(tag, value);
        if (c.tag == middle) return apdu::tlv(middle, mapChildren(c.value, fn));
        return reencode(c);
    };
    return apdu::tlv(outer, mapChildren(t.value, fn));
}

} // namespace tessera::vcard::hostile
