// The OpenPGP driver's check of the persistent cache (issue 8): are the
// cached keys still what readToken() would read? Two questions:
//  - GET DATA 6E (OpenPGP card 3.4.1 section 4.4.3.1), one APDU: the AID,
//    the key presence (DE), the algorithm attributes (C1-C3), PW1's
//    "valid for several signatures" flag (C4, it sets the signature key's PIN
//    policy) and the fingerprints (C5) must equal the stamp stored with the
//    cached keys. A key generated or imported by gpg, gpg-card, ykman or
//    OpenSC gets a new fingerprint (it covers the creation time, section 4.4.3.1
//    C7-C9 written with the key), so a replaced key is seen here.
//  - each 7F21 certificate (sections 7.2.5-7.2.6): SELECT DATA of its
//    occurrence and GET DATA 7F21 with Le = 256, that first chunk only (61xx
//    not followed), compared with the start of the cached certificate; an
//    uncached one must still be empty. A certificate written by gpg-card
//    writecert, pkcs15-init or ykman changes without touching the keys.
// Cost on a 3.x card with three keys: 1 + 3 x 2 = 7 APDUs (the authentication
// key's occurrence 0 comes last, so no SELECT DATA 0 is needed to leave the
// card as GnuPG expects) against 6E, 65, three public key reads, three SELECT
// DATA, three certificates and their GET RESPONSEs on a cold read.
// Residual cases: a key written by a tool that leaves the fingerprint DO as it
// was (no known tool does; the algorithm attributes are compared too); a
// certificate rewritten with the same first 256 bytes (the same serial number
// from the same issuer).
#include "card-drivers/cache_check.hpp"
#include "card-drivers/openpgp/openpgp_card.hpp"
#include "card-drivers/openpgp/openpgp_commands.hpp"
#include "card-drivers/openpgp/openpgp_keys.hpp"
#include "common/error.hpp"

namespace tessera::drivers::openpgp {

namespace {

constexpr std::uint8_t kStampVersion = 1;

// What the cold read's keys follow from in the application related data.
Bytes stampOf(const ApplicationData& data)
{
    Bytes s{kStampVersion, static_cast<std::uint8_t>(data.pwStatus.pw1ValidForSeveral ? 1 : 0)};
    for (std::size_t i = 0; i < kKeySlots.size(); ++i) {
        const auto& a = data.attributes[i];
        s.push_back(data.keyPresent(i) ? 1 : 0);
        s.push_back(a ? 1 : 0);
        s.push_back(a ? a->algorithmId : 0);
        s.push_back(a ? static_cast<std::uint8_t>(a->algorithm) : 0);
        s.push_back(static_cast<std::uint8_t>(a ? (a->bits >> 8) & 0xFF : 0));
        s.push_back(static_cast<std::uint8_t>(a ? a->bits & 0xFF : 0));
        const Bytes& fp = data.fingerprints[i];
        s.push_back(static_cast<std::uint8_t>(fp.size()));
        s.insert(s.end(), fp.begin(), fp.end());
    }
    return s;
}

const CardKey* cachedFor(const std::vector<CardKey>& cached, std::uint8_t reference)
{
    for (const auto& k : cached)
        if (k.reference == reference) return &k;
    return nullptr;
}

// The first chunk of a 7F21 answer (the value, or the whole 7F21 TLV) against
// the cached certificate, or against none.
bool certificateCurrent(const apdu::Response& r, const CardKey& key)
{
    const bool complete = r.ok();
    if (!complete && r.sw1() != 0x61) return !key.certificate; // no certificate readable
    ByteView value = r.data;
    if (auto h = readTlvHeader(value, kCardholderCertificateTag)) value = value.subspan(h->headerSize);
    if (key.certificate) return startsWithCertificate(value, complete, *key.certificate);
    // None cached: still none, as the cold read would find (an empty 7F21,
    // or bytes that are no certificate).
    return complete && !certificateFromAnswer(r.data);
}

} // namespace

Bytes OpenPgpCard::cacheStamp() const
{
    return stampOf(data_);
}

bool OpenPgpCard::cachedKeysCurrent(const TokenModel& token, const std::vector<CardKey>& cached, ByteView stamp)
{
    apdu::Response r = channel_.transmit(getDataCommand(kApplicationDataTag, responseLe()));
    if (!r.ok()) return false;
    ApplicationData data;
    try {
        data = parseApplicationData(r.data);
    } catch (const Error& e) {
        if (e.code() != Errc::malformedResponse) throw;
        return false;
    }
    const Bytes now = stampOf(data);
    if (data.aid.raw != token.identity || !std::equal(now.begin(), now.end(), stamp.begin(), stamp.end())) return false;
    bool current = true;
    std::size_t seen = 0;
    for (std::size_t i = 0; i < kKeySlots.size() && current; ++i) {
        const KeySlot& slot = kKeySlots[i];
        const CardKey* key = cachedFor(cached, slot.reference);
        if (!key) continue; // absent, or skipped by the cold read for the same attributes
        ++seen;
        if (quirks_.singleCertificate && slot.reference != kAuthenticationKey) {
            current = !key->certificate;
            continue;
        }
        if (!quirks_.singleCertificate) {
            apdu::Response s = channel_.transmit(selectDataCommand(slot.occurrence, quirks_.selectDataLengthPrefix));
            if (!s.ok()) {
                current = !key->certificate; // the cold read finds no certificate then
                continue;
            }
            selectedOccurrence_ = slot.occurrence;
        }
        apdu::Command c = getDataCommand(kCardholderCertificateTag, kFirstChunkLe);
        c.firstChunkOnly = true;
        current = certificateCurrent(channel_.transmit(c), *key);
    }
    endCertificateSelection();
    return current && seen == cached.size();
}

} // namespace tessera::drivers::openpgp
