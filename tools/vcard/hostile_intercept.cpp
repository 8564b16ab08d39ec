// Per-mode corruption rules of the hostile card (hostile_card.hpp): which
// command each HostileMode answers wrongly and how. PIV targets the 9A
// certificate container (5FC105) and the PIN and key commands; OpenPGP targets
// application related data (6E), PW status (C4), public keys (7F49) and 7F21.
#include <cstdio>

#include "hostile_card.hpp"
#include "hostile_transforms.hpp"

namespace tessera::vcard {

namespace {

constexpr std::size_t kHugeBytes = 4 * 1024 * 1024;
constexpr std::size_t kNestingDepth = 100;
constexpr std::uint8_t kCert9A[] = {0x5C, 0x03, 0x5F, 0xC1, 0x05};

bool isCert9A(const CardApdu& a)
{
    return a.ins == 0xCB && Bytes(std::begin(kCert9A), std::end(kCert9A)) == a.data;
}

std::uint16_t openPgpTag(const CardApdu& a)
{
    return static_cast<std::uint16_t>((a.p1 << 8) | a.p2);
}

Bytes statusOnly(std::uint8_t sw1, std::uint8_t sw2)
{
    return {sw1, sw2};
}

} // namespace

// A status word outside any specification for every command with instruction
// `ins`.
std::optional<Bytes> HostileCard::oddStatus(const CardApdu& apdu, std::uint8_t ins, Bytes answer)
{
    if (apdu.ins != ins) return std::nullopt;
    note("answered " + toHex(answer) + " to INS " + toHex(Bytes{ins}));
    return answer;
}

// The 9A certificate container, corrupted as the mode says (an R-APDU).
Bytes HostileCard::corruptCertificate(const CardApdu& apdu, ByteView raw)
{
    using M = HostileMode;
    if (mode_ == M::certGarbage) return startChunked(hostile::garbageCertificateContainer(700), apdu);
    if (mode_ == M::certHuge) return startChunked(hostile::hugeTemplate(0x53, 0x70, kHugeBytes), apdu);
    Bytes data, failure;
    if (!collectInner(raw, data, failure)) return failure;
    switch (mode_) {
    case M::certTruncated: data = hostile::truncateHalf(data); break;
    case M::certLengthOverflow: data = hostile::withHugeLength(data); break;
    case M::certOverlong: data = hostile::withShortLength(data, 16); break;
    case M::certNestedDeep: data = hostile::nestValue(data, 0xA1, kNestingDepth); break;
    default: break; // vanish-mid-chain: honest bytes, in chunks
    }
    return startChunked(std::move(data), apdu);
}

std::optional<Bytes> HostileCard::interceptPiv(const CardApdu& apdu, ByteView raw)
{
    using M = HostileMode;
    switch (mode_) {
    case M::swSelect: return oddStatus(apdu, 0xA4, statusOnly(0x12, 0x34));
    case M::swGetData: return oddStatus(apdu, 0xCB, statusOnly(0x9F, 0x00));
    case M::swVerify: return oddStatus(apdu, 0x20, statusOnly(0x6F, 0x00));
    case M::swAuth: return oddStatus(apdu, 0x87, statusOnly(0x12, 0x34));
    case M::verifyAcceptsAny:
        if (apdu.ins != 0x20 || apdu.p1 != 0x00 || apdu.data.empty()) return std::nullopt;
        note("VERIFY answered 9000 unchecked");
        return statusOnly(0x90, 0x00);
    case M::signatureShort: {
        if (apdu.ins != 0x87 || apdu.p2 == 0x9B) return std::nullopt;
        Bytes data, failure;
        if (!collectInner(raw, data, failure)) return failure;
        note("GENERAL AUTHENTICATE answer shortened by one byte");
        return startChunked(hostile::shortenChild(data, 0x7C, 0x82), apdu);
    }
    default: break;
    }
    if (!isCert9A(apdu)) return std::nullopt;
    note("GET DATA 5FC105");
    if (mode_ == M::getDataEndless61) {
        endless_ = true;
        return nextChunk(apdu);
    }
    if (mode_ == M::getData6CLoop) return statusOnly(0x6C, static_cast<std::uint8_t>(0x10 + (sixCs_++ % 0x40)));
    if (mode_ == M::rapduShort) return Bytes{0x90};
    return corruptCertificate(apdu, raw);
}

std::optional<Bytes> HostileCard::interceptOpenPgp(const CardApdu& apdu, ByteView raw)
{
    using M = HostileMode;
    bool getData = apdu.ins == 0xCA;
    bool is6E = getData && openPgpTag(apdu) == 0x006E;
    Bytes data, failure;
    switch (mode_) {
    case M::pgpHuge7F21:
        if (!getData || openPgpTag(apdu) != 0x7F21) return std::nullopt;
        note("GET DATA 7F21: 4 MiB");
        return startChunked(hostile::hugeSequence(kHugeBytes), apdu);
    case M::pgp7F49No81:
        if (apdu.ins != 0x47 || apdu.p1 != 0x81) return std::nullopt;
        if (!collectInner(raw, data, failure)) return failure;
        note("public key template without 81/86");
        return startChunked(hostile::dropChildren(data, 0x7F49, {0x81, 0x86}), apdu);
    case M::pgpC4Short:
        if (getData && openPgpTag(apdu) == 0x00C4) {
            note("GET DATA C4: two bytes");
            return startChunked(Bytes{0x01, 0x7F}, apdu);
        }
        [[fallthrough]];
    case M::pgpTruncated6E:
    case M::pgpNestedDeep:
        if (!is6E) return std::nullopt;
        if (!collectInner(raw, data, failure)) return failure;
        note("GET DATA 6E corrupted");
        if (mode_ == M::pgpTruncated6E) return startChunked(hostile::truncateHalf(data), apdu);
        if (mode_ == M::pgpNestedDeep) return startChunked(hostile::nestChild(data, 0x6E, 0x73, kNestingDepth), apdu);
        return startChunked(hostile::replaceNested(data, 0x6E, 0x73, 0xC4, Bytes{0x01, 0x7F}), apdu);
    default: return std::nullopt;
    }
}

} // namespace tessera::vcard
