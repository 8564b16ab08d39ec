// Key commands of the virtual OpenPGP card: PSO:COMPUTE DIGITAL SIGNATURE (card
// spec 3.4 section 7.2.10, with the PW1-for-one-signature rule and the signature
// counter), PSO:DECIPHER (7.2.11), INTERNAL AUTHENTICATE (7.2.13), GENERATE
// ASYMMETRIC KEY PAIR (7.2.14) and key import through the extended header list
// 4D {CRT, 7F48 template, 5F48 data} (4.4.3.12).
#include <vector>

#include "apdu/tlv.hpp"
#include "openpgp_card.hpp"
#include "openpgp_crypto.hpp"

namespace tessera::vcard {

namespace {

constexpr std::uint32_t kCounterMax = 0xFFFFFF;

KeyRole roleFromCrt(std::uint32_t crtTag)
{
    switch (crtTag) {
    case 0xB6: return KeyRole::sig;
    case 0xB8: return KeyRole::dec;
    case 0xA4: return KeyRole::aut;
    default: failWith(sw::wrongData);
    }
}

// The first TLV of a data field must be a control reference template.
KeyRole roleFromData(ByteView data)
{
    auto items = apdu::parseAll(data);
    if (items.empty()) failWith(sw::wrongData);
    return roleFromCrt(items.front().tag);
}

struct HeaderItem {
    std::uint32_t tag;
    std::size_t length;
};

// 7F48 lists tag-length pairs without values (section 4.4.3.12); bounds-checked.
std::vector<HeaderItem> parseHeaderList(ByteView t)
{
    std::vector<HeaderItem> out;
    std::size_t i = 0;
    auto next = [&]() -> std::uint8_t {
        if (i >= t.size()) failWith(sw::wrongData);
        return t[i++];
    };
    while (i < t.size()) {
        std::uint32_t tag = next();
        if ((tag & 0x1F) == 0x1F) {
            std::uint8_t b = 0;
            do {
                if (tag > 0xFFFF) failWith(sw::wrongData);
                b = next();
                tag = (tag << 8) | b;
            } while ((b & 0x80) != 0);
        }
        std::size_t length = next();
        if (length == 0x81) {
            length = next();
        } else if (length == 0x82) {
            length = std::size_t{next()} << 8;
            length |= next();
        } else if (length > 0x7F) {
            failWith(sw::wrongData);
        }
        out.push_back({tag, length});
    }
    return out;
}

// Cuts the 5F48 concatenation along the template; lengths must add up exactly.
std::vector<std::pair<std::uint32_t, ByteView>> splitKeyData(const std::vector<HeaderItem>& items, ByteView data)
{
    std::vector<std::pair<std::uint32_t, ByteView>> out;
    std::size_t offset = 0;
    for (const auto& item : items) {
        if (item.length > data.size() - offset) failWith(sw::wrongData);
        out.emplace_back(item.tag, data.subspan(offset, item.length));
        offset += item.length;
    }
    if (offset != data.size()) failWith(sw::wrongData);
    return out;
}

ByteView part(const std::vector<std::pair<std::uint32_t, ByteView>>& parts, std::uint32_t tag)
{
    for (const auto& [t, v] : parts)
        if (t == tag && !v.empty()) return v;
    failWith(sw::wrongData);
}

} // namespace

KeySpec OpenPgpCard::specOf(KeyRole role) const
{
    auto spec = parseKeyAttributes(slot(state_, role).attributes, role, !v3());
    if (!spec) failWith(sw::refDataNotFound);
    return *spec;
}

const PkeyPtr& OpenPgpCard::keyOf(KeyRole role) const
{
    const PkeyPtr& key = slot(state_, role).key;
    if (!key) failWith(sw::refDataNotFound);
    return key;
}

// A new key: fingerprint and time are the host's to write (section 7.2.14); a new
// signature key restarts the signature counter (section 4.4.3.10).
void OpenPgpCard::installKey(KeyRole role, PkeyPtr key, std::uint8_t keyStatus)
{
    OpenPgpKeySlot& s = slot(state_, role);
    s.key = std::move(key);
    s.status = keyStatus;
    s.created = 0;
    s.fingerprint.fill(0);
    if (role == KeyRole::sig) state_.signatureCounter = 0;
    markDirty();
}

Reply OpenPgpCard::performSecurityOperation(const CardApdu& apdu)
{
    if (apdu.p1 == 0x9E && apdu.p2 == 0x9A) return computeSignature(apdu);
    if (apdu.p1 == 0x80 && apdu.p2 == 0x86) return decipher(apdu);
    return status(sw::wrongP1P2);
}

// Section 7.2.10: needs VERIFY 81; with C4 byte 1 = 00 that status serves one
// signature only, whatever its outcome.
Reply OpenPgpCard::computeSignature(const CardApdu& apdu)
{
    if (!sec_.pw1Sign) return status(sw::securityStatus);
    if (state_.pw1Mode == 0x00) sec_.pw1Sign = false;
    Bytes signature = openPgpSign(keyOf(KeyRole::sig), specOf(KeyRole::sig), apdu.data);
    if (state_.signatureCounter < kCounterMax) ++state_.signatureCounter;
    markDirty();
    return okWith(std::move(signature));
}

// Section 7.2.11: RSA `00 || cryptogram` (00 = padding indicator); ECDH
// `A6 {7F49 {86 point}}`, answering the shared secret.
Reply OpenPgpCard::decipher(const CardApdu& apdu)
{
    requirePw1Other();
    const PkeyPtr& key = keyOf(sec_.decipherKey);
    KeySpec spec = specOf(sec_.decipherKey);
    ByteView data = apdu.data;
    if (spec.isRsa()) {
        if (data.empty() || data[0] != 0x00) return status(sw::wrongData);
        return okWith(openPgpRsaDecrypt(key, data.subspan(1)));
    }
    auto outer = apdu::parseAll(data);
    if (outer.size() != 1 || outer[0].tag != 0xA6) return status(sw::wrongData);
    auto pub = apdu::find(outer[0].value, 0x7F49, false);
    if (!pub) return status(sw::wrongData);
    auto point = apdu::find(pub->value, 0x86, false);
    if (!point) return status(sw::wrongData);
    return okWith(openPgpEcdh(key, spec, point->value));
}

// Section 7.2.13: the authentication key signs the data (needs VERIFY 82).
Reply OpenPgpCard::internalAuthenticate(const CardApdu& apdu)
{
    if (apdu.p1 != 0x00 || apdu.p2 != 0x00) return status(sw::wrongP1P2);
    requirePw1Other();
    KeySpec spec = specOf(sec_.authKey);
    if (spec.algorithm == pgpalg::ecdh) return status(sw::conditionsNotSatisfied); // an ECDH key cannot sign
    return okWith(openPgpSign(keyOf(sec_.authKey), spec, apdu.data));
}

// Section 7.2.18: 00 22 41 A4|B8 {83 01 02|03} lends the decryption key to
// INTERNAL AUTHENTICATE or the authentication key to PSO:DECIPHER, until the
// next SELECT or reset.
Reply OpenPgpCard::manageSecurityEnvironment(const CardApdu& apdu)
{
    if (apdu.p1 != 0x41 || (apdu.p2 != 0xA4 && apdu.p2 != 0xB8)) return status(sw::wrongP1P2);
    auto ref = apdu::find(apdu.data, 0x83, false);
    if (!ref || ref->value.size() != 1 || (ref->value[0] != 0x02 && ref->value[0] != 0x03))
        return status(sw::refDataNotFound);
    KeyRole role = ref->value[0] == 0x02 ? KeyRole::dec : KeyRole::aut;
    (apdu.p2 == 0xA4 ? sec_.authKey : sec_.decipherKey) = role;
    return status(sw::ok);
}

// Section 7.2.14: P1 80 generates (PW3), P1 81 reads the public key; the data
// field names the key by its CRT (B6, B8 or A4). Answer: 7F49 template.
Reply OpenPgpCard::generateKeyPair(const CardApdu& apdu)
{
    if ((apdu.p1 != 0x80 && apdu.p1 != 0x81) || apdu.p2 != 0x00) return status(sw::wrongP1P2);
    KeyRole role = roleFromData(apdu.data);
    KeySpec spec = specOf(role);
    if (apdu.p1 == 0x80) {
        requirePw3();
        installKey(role, generateOpenPgpKey(spec), keystatus::generated);
    }
    return okWith(apdu::tlv(0x7F49, openPgpPublicKeyTemplate(keyOf(role), spec)));
}

// Section 4.4.3.12: RSA from 91 e, 92 p, 93 q (94-97, the CRT parts and n, are
// recomputed); ECC from 92, the private scalar (99, the public key, is derived).
void OpenPgpCard::importKey(ByteView extendedHeaderList)
{
    auto top = apdu::parseAll(extendedHeaderList);
    if (top.size() != 1 || top[0].tag != 0x4D) failWith(sw::wrongData);
    auto items = apdu::parseAll(top[0].value);
    if (items.size() != 3 || items[1].tag != 0x7F48 || items[2].tag != 0x5F48) failWith(sw::wrongData);
    KeyRole role = roleFromCrt(items[0].tag);
    KeySpec spec = specOf(role);
    auto parts = splitKeyData(parseHeaderList(items[1].value), items[2].value);
    PkeyPtr key = spec.isRsa() ? rsaKeyFromParts(part(parts, 0x91), part(parts, 0x92), part(parts, 0x93))
                               : eccKeyFromScalar(spec, part(parts, 0x92));
    if (!keyMatchesSpec(key, spec)) failWith(sw::wrongData);
    installKey(role, std::move(key), keystatus::imported);
}

} // namespace tessera::vcard
