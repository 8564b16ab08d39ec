// GET DATA, GET NEXT DATA and PUT DATA of the virtual OpenPGP card (card spec
// 3.4 sections 7.2.6-7.2.8) over the DO table in openpgp_data_objects.hpp, and
// the composite DOs: application related data 6E, cardholder data 65, security
// support template 7A, extended capabilities C0, PW status C4, key information
// DE, extended length information 7F66, KDF-DO F9 and algorithm information FA.
#include <algorithm>

#include "apdu/tlv.hpp"
#include "openpgp_card.hpp"
#include "openpgp_data_objects.hpp"

namespace tessera::vcard {

namespace {

constexpr std::uint16_t kMaxSpecialDo = 255;
constexpr std::uint16_t kMaxCertificate = 2048;
constexpr std::uint16_t kMaxChallenge = 2048;
constexpr std::uint8_t kPwMaxLengthV3 = 127;
constexpr std::uint8_t kPwMaxLengthV2 = 32;
constexpr std::uint8_t kKdfNone[] = {0x81, 0x01, 0x00}; // F9 default: KDF_NONE (section 4.3.2)

// Constructed DOs are returned with their own tag and length (section 4.4.1,
// "constructed DOs are returned including their tag and length"); 7F21 is the
// exception every client treats as plain DER content.
bool returnedWrapped(std::uint16_t tag)
{
    return tag == 0x65 || tag == 0x6E || tag == 0x7A || tag == 0x73;
}

std::uint16_t tagOf(const CardApdu& apdu)
{
    return static_cast<std::uint16_t>((apdu.p1 << 8) | apdu.p2);
}

Bytes be(std::uint32_t v, int bytes)
{
    Bytes out;
    for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8)
        out.push_back(static_cast<std::uint8_t>(v >> shift));
    return out;
}

// 4 bytes of a generation time, 20 of a fingerprint: the role of tags C7-D0.
KeyRole roleFrom(std::uint16_t tag, std::uint16_t first)
{
    return static_cast<KeyRole>(tag - first);
}

} // namespace

// 6E (section 4.4.3.1): AID, historical bytes, 7F66 (v3), discretionary DOs.
Bytes OpenPgpCard::applicationRelatedData() const
{
    apdu::TlvWriter w;
    w.add(0x4F, openPgpAid(state_));
    w.add(0x5F52, openPgpHistoricalBytes(state_.profile));
    if (v3()) w.addRaw(readDo(0x7F66));
    w.add(0x73, discretionaryData());
    return w.bytes();
}

Bytes OpenPgpCard::discretionaryData() const
{
    apdu::TlvWriter w;
    w.add(0xC0, extendedCapabilities());
    constexpr std::uint16_t kInside73[] = {0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xCD};
    for (std::uint16_t t : kInside73)
        w.add(t, readDo(t));
    if (v3()) w.add(0xDE, keyInformation());
    return w.bytes();
}

// C0 (section 4.4.3.7): GET CHALLENGE, key import, PW status changeable, private
// DOs, attributes changeable, KDF (v3); no SM, no AES. Bytes 3-10 differ: v3 has
// the maximum special DO length, no PIN block 2, MSE; v2 the maximum command and
// response lengths of short APDUs.
Bytes OpenPgpCard::extendedCapabilities() const
{
    Bytes c{static_cast<std::uint8_t>(v3() ? 0x7D : 0x7C), 0x00};
    auto add16 = [&c](std::uint16_t v) {
        c.push_back(static_cast<std::uint8_t>(v >> 8));
        c.push_back(static_cast<std::uint8_t>(v));
    };
    add16(v3() ? kMaxChallenge : std::uint16_t{255});
    add16(kMaxCertificate);
    if (v3()) {
        add16(kMaxSpecialDo);
        c.push_back(0x00); // no PIN block 2 format
        c.push_back(0x01); // MANAGE SECURITY ENVIRONMENT (section 7.2.18)
    } else {
        add16(255);
        add16(256);
    }
    return c;
}

// C4 (section 4.4.3.6): PW1 mode, maximum lengths, retry counters.
Bytes OpenPgpCard::pwStatus() const
{
    std::uint8_t max = v3() ? kPwMaxLengthV3 : kPwMaxLengthV2;
    return Bytes{state_.pw1Mode, max, max, max, state_.pw1.triesLeft, state_.rc.triesLeft, state_.pw3.triesLeft};
}

// DE (section 4.4.3.8): key reference and status for each key.
Bytes OpenPgpCard::keyInformation() const
{
    Bytes out;
    for (std::uint8_t i = 0; i < kKeyRoles; ++i) {
        out.push_back(static_cast<std::uint8_t>(i + 1));
        out.push_back(state_.keys[i].status);
    }
    return out;
}

// FA (section 4.4.3.11): every attribute the card accepts, per key role.
Bytes OpenPgpCard::algorithmInformation() const
{
    apdu::TlvWriter w;
    const std::pair<std::uint16_t, KeyRole> roles[] = {
        {0xC1, KeyRole::sig}, {0xC2, KeyRole::dec}, {0xC3, KeyRole::aut}};
    for (const auto& [tag, role] : roles) {
        for (unsigned bits : kRsaSizes)
            w.add(tag, keySpecFromName("rsa" + std::to_string(bits), role)->attributes());
        for (const auto& c : kCurves)
            if (auto spec = keySpecFromName(c.name, role)) w.add(tag, spec->attributes());
    }
    return w.bytes();
}

// The value of a DO as GET DATA returns it (access already checked).
Bytes OpenPgpCard::readDo(std::uint16_t tag) const
{
    switch (tag) {
    case 0x004F: return openPgpAid(state_);
    case 0x005E: return state_.login;
    case 0x5F50: return state_.url;
    case 0x5F52: return openPgpHistoricalBytes(state_.profile);
    case 0x005B: return state_.name;
    case 0x5F2D: return state_.language;
    case 0x5F35: return state_.sex;
    case 0x0065:
        return apdu::TlvWriter().add(0x5B, state_.name).add(0x5F2D, state_.language).add(0x5F35, state_.sex).bytes();
    case 0x006E: return applicationRelatedData();
    case 0x0073: return discretionaryData();
    case 0x007A: return apdu::tlv(0x93, be(state_.signatureCounter, 3));
    case 0x0093: return be(state_.signatureCounter, 3);
    case 0x7F21: return state_.certificates[v3() ? sec_.certOccurrence : 0];
    case 0x00C0: return extendedCapabilities();
    case 0x00C1:
    case 0x00C2:
    case 0x00C3: return slot(state_, roleFrom(tag, 0xC1)).attributes;
    case 0x00C4: return pwStatus();
    case 0x00DE: return keyInformation();
    case 0x7F66: // section 4.4.3.13: maximum command and response lengths
        return apdu::tlv(0x7F66, apdu::TlvWriter().add(0x02, be(2048, 2)).add(0x02, be(2048, 2)).bytes());
    case 0x00F9:
        return apdu::tlv(0xF9, state_.kdf.empty() ? Bytes(std::begin(kKdfNone), std::end(kKdfNone)) : state_.kdf);
    case 0x00FA: return apdu::tlv(0xFA, algorithmInformation());
    default: break;
    }
    Bytes out;
    for (const auto& k : state_.keys) {
        if (tag == 0x00C5) out.insert(out.end(), k.fingerprint.begin(), k.fingerprint.end());
        if (tag == 0x00C6) out.insert(out.end(), k.caFingerprint.begin(), k.caFingerprint.end());
        if (tag == 0x00CD) {
            Bytes t = be(k.created, 4);
            out.insert(out.end(), t.begin(), t.end());
        }
    }
    if (tag >= 0x0101 && tag <= 0x0104) return state_.privateDos[tag - 0x0101];
    return out;
}

// Section 7.2.6 GET DATA 00 CA P1P2=tag.
Reply OpenPgpCard::getData(const CardApdu& apdu)
{
    std::uint16_t tag = tagOf(apdu);
    const DataObjectInfo* info = findDataObject(tag);
    if (info == nullptr || (info->v3Only && !v3()) || info->read == DoAccess::never) return status(sw::refDataNotFound);
    if (info->read == DoAccess::pw1 && !sec_.pw1Other) return status(sw::securityStatus);
    if (info->read == DoAccess::pw3 && !sec_.pw3) return status(sw::securityStatus);
    Bytes value = readDo(tag);
    return okWith(returnedWrapped(tag) ? apdu::tlv(tag, value) : value);
}

// Section 7.2.7 GET NEXT DATA 00 CC 7F 21: the next cardholder certificate.
Reply OpenPgpCard::getNextData(const CardApdu& apdu)
{
    if (tagOf(apdu) != 0x7F21) return status(sw::refDataNotFound);
    if (sec_.certOccurrence >= 2) return status(sw::refDataNotFound);
    ++sec_.certOccurrence;
    return okWith(state_.certificates[sec_.certOccurrence]);
}

// Section 7.2.8 PUT DATA: 00 DA P1P2=tag, or 00 DB 3F FF with an extended header
// list (key import, section 4.4.3.12). Access per the DO table.
Reply OpenPgpCard::putData(const CardApdu& apdu)
{
    std::uint16_t tag = tagOf(apdu);
    if (apdu.ins == 0xDB) {
        if (tag != 0x3FFF) return status(sw::wrongP1P2);
        requirePw3();
        importKey(apdu.data);
        return status(sw::ok);
    }
    const DataObjectInfo* info = findDataObject(tag);
    if (info == nullptr || (info->v3Only && !v3()) || info->write == DoAccess::never)
        return status(sw::refDataNotFound);
    if (info->write == DoAccess::pw1) requirePw1Other();
    if (info->write == DoAccess::pw3) requirePw3();
    if (info->maxLength != 0 && apdu.data.size() > info->maxLength) return status(sw::wrongLength);
    writeDo(tag, apdu.data);
    markDirty();
    return status(sw::ok);
}

void OpenPgpCard::writeDo(std::uint16_t tag, ByteView v)
{
    Bytes value(v.begin(), v.end());
    auto fixedSize = [&v](std::size_t n) {
        if (v.size() != n) failWith(sw::wrongLength);
    };
    switch (tag) {
    case 0x005E: state_.login = value; return;
    case 0x5F50: state_.url = value; return;
    case 0x005B: state_.name = value; return;
    case 0x5F2D:
        if (!v.empty() && v.size() < 2) failWith(sw::wrongLength);
        state_.language = value;
        return;
    case 0x5F35:
        if (v.size() == 1 && v[0] != '0' && v[0] != '1' && v[0] != '2' && v[0] != '9') failWith(sw::wrongData);
        state_.sex = value;
        return;
    case 0x7F21: state_.certificates[v3() ? sec_.certOccurrence : 0] = value; return;
    case 0x00C1:
    case 0x00C2:
    case 0x00C3: writeAttributes(roleFrom(tag, 0xC1), v); return;
    case 0x00C4:
        if (v.empty() || v[0] > 0x01) failWith(sw::wrongData);
        state_.pw1Mode = v[0]; // only byte 1 is writable (section 4.4.3.6)
        return;
    case 0x00D3: writeResettingCode(v); return;
    case 0x00F9: writeKdf(v); return;
    default: break;
    }
    if (tag >= 0x0101 && tag <= 0x0104) {
        state_.privateDos[tag - 0x0101] = value;
    } else if (tag >= 0x00C7 && tag <= 0x00C9) {
        fixedSize(20);
        std::copy(v.begin(), v.end(), slot(state_, roleFrom(tag, 0xC7)).fingerprint.begin());
    } else if (tag >= 0x00CA && tag <= 0x00CC) {
        fixedSize(20);
        std::copy(v.begin(), v.end(), slot(state_, roleFrom(tag, 0xCA)).caFingerprint.begin());
    } else if (tag >= 0x00CE && tag <= 0x00D0) {
        fixedSize(4);
        slot(state_, roleFrom(tag, 0xCE)).created =
            (std::uint32_t{v[0]} << 24) | (std::uint32_t{v[1]} << 16) | (std::uint32_t{v[2]} << 8) | v[3];
    } else {
        failWith(sw::refDataNotFound);
    }
}

// C1-C3 (section 4.4.3.9): a different algorithm or size deletes the key of that
// role (it no longer matches); writing the current value keeps it.
void OpenPgpCard::writeAttributes(KeyRole role, ByteView value)
{
    auto spec = parseKeyAttributes(value, role, !v3());
    if (!spec) failWith(sw::wrongData);
    OpenPgpKeySlot& s = slot(state_, role);
    if (s.key && keyMatchesSpec(s.key, *spec)) {
        s.attributes.assign(value.begin(), value.end());
        return;
    }
    OpenPgpKeySlot fresh;
    fresh.attributes.assign(value.begin(), value.end());
    fresh.caFingerprint = s.caFingerprint;
    s = std::move(fresh);
}

// F9 (section 4.3.2): stored as given. With KDF_ITERSALTED_S2K the host sends
// hashed passwords from now on, so the card takes the initial hashes 87 (PW1)
// and 88 (PW3) as the new passwords; back to KDF_NONE restores the defaults.
void OpenPgpCard::writeKdf(ByteView value)
{
    auto algorithm = apdu::find(value, 0x81, false);
    if (!algorithm || algorithm->value.size() != 1) failWith(sw::wrongData);
    if (algorithm->value[0] == 0x00) {
        state_.kdf.clear();
        state_.pw1 = OpenPgpPassword{Bytes(kOpenPgpDefaultPw1, kOpenPgpDefaultPw1 + 6), 3, 3};
        state_.pw3 = OpenPgpPassword{Bytes(kOpenPgpDefaultPw3, kOpenPgpDefaultPw3 + 8), 3, 3};
        return;
    }
    if (algorithm->value[0] != 0x03) failWith(sw::wrongData);
    auto pw1 = apdu::find(value, 0x87, false);
    auto pw3 = apdu::find(value, 0x88, false);
    if (!pw1 || !pw3) failWith(sw::wrongData);
    state_.kdf.assign(value.begin(), value.end());
    state_.pw1 = OpenPgpPassword{Bytes(pw1->value.begin(), pw1->value.end()), 3, 3};
    state_.pw3 = OpenPgpPassword{Bytes(pw3->value.begin(), pw3->value.end()), 3, 3};
}

} // namespace tessera::vcard
