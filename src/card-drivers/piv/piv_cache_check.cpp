// The PIV driver's check of the persistent cache (issue 8): are the cached
// keys still what readKeys() would read? It walks the same slots as
// piv_token.cpp and asks each the cheapest question that tells a change:
//  - a slot cached with a certificate: GET DATA of its container (SP 800-73-4
//    part 2 section 3.1.2) with Le = 256, and only that first answer chunk
//    (61xx is not followed): 53 L { 70 L cert ... } must hold a certificate of
//    the cached length whose first bytes (DER header, serial number, issuer,
//    validity) equal the cached one's. A new certificate from yubico-piv-tool,
//    piv-tool or pkcs15-init differs there (another serial, length, or date).
//  - a slot cached without a certificate: the container must still be empty
//    (6A82, 53 00); on a YubiKey 5.3+ GET METADATA (INS F7) must give the same
//    public key and PIN policy (a key generated without a certificate).
//  - the key history object (part 1 section 3.3.2): the same count of retired
//    keys, whose slots are checked the same way.
// One APDU per slot (two for a YubiKey slot without a certificate) against one
// per 256 bytes of certificate plus the metadata on a cold read.
// Residual cases, where the cache can be served stale: a certificate rewritten
// with the same first 256 bytes (the same serial number from the same issuer:
// a re-import of the same certificate, or a forged one); a key regenerated in
// a slot whose old certificate is left in place (the cold read shows the
// certificate's key then too, but its PIN policy would come from the new
// metadata). A compressed certificate (CertInfo 01) never matches: such a
// slot is read again every time, which is slow but never stale.
#include <algorithm>

#include "card-drivers/cache_check.hpp"
#include "card-drivers/piv/piv_card.hpp"
#include "card-drivers/piv/piv_commands.hpp"
#include "card-drivers/piv/piv_containers.hpp"
#include "common/error.hpp"

namespace tessera::drivers::piv {

namespace {

constexpr std::uint32_t kContainerTag = 0x53;
constexpr std::uint32_t kCertificateTag = 0x70;

const CardKey* cachedFor(const std::vector<CardKey>& cached, std::uint8_t reference)
{
    for (const auto& k : cached)
        if (k.reference == reference) return &k;
    return nullptr;
}

// 53 L { 70 L certificate ... } from the first chunk, compared with `certificate`.
bool containerStartsWith(ByteView chunk, bool complete, const Bytes& certificate)
{
    auto outer = readTlvHeader(chunk, kContainerTag);
    if (!outer) return false;
    ByteView inner = chunk.subspan(outer->headerSize);
    auto cert = readTlvHeader(inner, kCertificateTag);
    // Another length: another certificate, or a compressed one (not compared).
    if (!cert || cert->valueLength != certificate.size()) return false;
    ByteView value = inner.subspan(cert->headerSize);
    if (value.size() > cert->valueLength) value = value.first(cert->valueLength);
    return startsWithCertificate(value, complete, certificate);
}

// Is the container (first chunk in `r`) still without a certificate, as the
// cold read would see it? Unreadable answers count as empty there too.
bool containerStillEmpty(const apdu::Response& r)
{
    if (r.sw1() == 0x61) return false; // more than 256 bytes: a certificate appeared
    if (!r.ok()) return true;          // 6A82 and the errors the cold read skips
    try {
        return !parseCertificateContainer(r.data).has_value();
    } catch (const Error& e) {
        if (e.code() != Errc::malformedResponse) throw;
        return true;
    }
}

// YubiKey GET METADATA: the key readSlot() would build without a certificate.
std::optional<CardKey> metadataKey(apdu::Channel& channel, const KeySlot& slot)
{
    apdu::Response m = channel.transmit(yubikeyMetadataCommand(slot.reference));
    if (!m.ok()) return std::nullopt;
    try {
        YubiKeyMetadata meta = parseYubiKeyMetadata(m.data);
        if (!meta.algorithm || meta.publicKeyTemplate.empty()) return std::nullopt;
        return makeCardKey(slot, keyFromMetadata(*meta.algorithm, meta.publicKeyTemplate), meta.pinPolicy);
    } catch (const Error& e) {
        if (e.code() != Errc::malformedResponse) throw;
        return std::nullopt;
    }
}

bool slotCurrent(apdu::Channel& channel, bool metadata, const KeySlot& slot, const CardKey* key)
{
    apdu::Command c = getDataCommand(slot.containerTag);
    c.le = kFirstChunkLe;
    c.firstChunkOnly = true;
    apdu::Response r;
    try {
        r = channel.transmit(c);
    } catch (const Error& e) {
        if (e.code() != Errc::malformedResponse) throw;
        return false;
    }
    if (key && key->certificate) {
        if (!r.ok() && r.sw1() != 0x61) return false;
        return containerStartsWith(r.data, r.ok(), *key->certificate);
    }
    if (!containerStillEmpty(r)) return false;
    if (!metadata) return key == nullptr;
    std::optional<CardKey> now = metadataKey(channel, slot);
    return now ? key != nullptr && *now == *key : key == nullptr;
}

std::size_t retiredCount(apdu::Channel& channel)
{
    apdu::Response r = channel.transmit(getDataCommand(kKeyHistoryTag));
    if (!r.ok()) return 0;
    try {
        return std::min(parseKeyHistoryOnCardCount(r.data), kRetiredSlotCount);
    } catch (const Error& e) {
        if (e.code() != Errc::malformedResponse) throw;
        return 0;
    }
}

} // namespace

bool PivCard::cachedKeysCurrent(const TokenModel& token, const std::vector<CardKey>& cached, ByteView stamp)
{
    (void)token; // the identity (the key of the cache entry) was read just now
    (void)stamp; // everything compared is in the cached keys
    std::size_t seen = 0;
    auto check = [&](const KeySlot& slot) {
        const CardKey* key = cachedFor(cached, slot.reference);
        if (key) ++seen;
        return slotCurrent(channel_, quirks_.yubikeyMetadata, slot, key);
    };
    for (std::size_t i = 0; i < kPrimarySlotCount; ++i)
        if (!check(kKeySlots[i])) return false;
    const std::size_t retired = retiredCount(channel_);
    for (std::size_t i = 0; i < retired; ++i)
        if (!check(kKeySlots[kPrimarySlotCount + i])) return false;
    // A cached key in a slot the card no longer lists (fewer retired keys).
    return seen == cached.size();
}

} // namespace tessera::drivers::piv
