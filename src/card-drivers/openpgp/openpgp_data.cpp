// Parsers for OpenPGP card data objects (OpenPGP card spec 3.4.1 section 4.4,
// historical bytes section 6); see openpgp_data.hpp. Discretionary data
// objects are looked up only inside 73 (never recursively elsewhere: the
// algorithm information FA also holds C1-C3 entries).
#include "card-drivers/openpgp/openpgp_data.hpp"

#include <algorithm>

#include "apdu/tlv.hpp"
#include "card-drivers/openpgp/openpgp_objects.hpp"
#include "common/error.hpp"

namespace tessera::drivers::openpgp {

namespace {

constexpr std::uint32_t kDiscretionaryTag = 0x73;
constexpr std::size_t kFingerprintBytes = 20;
constexpr std::size_t kPwStatusBytes = 7;
constexpr std::uint8_t kCompactCardCapabilities = 0x7;

[[noreturn]] void malformed(const std::string& what)
{
    fail(Errc::malformedResponse, "OpenPGP " + what);
}

std::uint16_t u16(ByteView b, std::size_t at)
{
    return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

// First TLV with `tag` at the top level of `data` (not recursive).
std::optional<apdu::Tlv> topLevel(ByteView data, std::uint32_t tag)
{
    return apdu::find(data, tag, false);
}

bool allZero(ByteView b)
{
    return std::all_of(b.begin(), b.end(), [](std::uint8_t c) { return c == 0; });
}

bool hasPrefix(ByteView value, ByteView prefix)
{
    return value.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), value.begin());
}

void appendLatin1AsUtf8(std::string& out, std::uint8_t c)
{
    if (c < 0x20 || c == 0x7F) return; // control characters never reach a label
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
        return;
    }
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
}

void parseKeyInformation(ByteView value, std::array<KeyStatus, 3>& status)
{
    if (value.size() % 2 != 0) malformed("key information (DE) has an odd length");
    for (std::size_t i = 0; i + 1 < value.size(); i += 2) {
        const std::uint8_t ref = value[i];
        if (ref < 1 || ref > 3) continue; // other references (attestation key...) are not ours
        switch (value[i + 1]) {
        case 0x00: status[ref - 1] = KeyStatus::absent; break;
        case 0x01: status[ref - 1] = KeyStatus::generated; break;
        case 0x02: status[ref - 1] = KeyStatus::imported; break;
        default: break;
        }
    }
}

void parseDiscretionary(ByteView dos, ApplicationData& data)
{
    if (auto c0 = topLevel(dos, kExtendedCapabilitiesTag)) data.extended = parseExtendedCapabilities(c0->value);
    for (std::size_t i = 0; i < kKeySlots.size(); ++i) {
        if (auto attr = topLevel(dos, kKeySlots[i].attributesTag)) {
            data.attributes[i] = parseKeyAttributes(attr->value);
            data.rawAttributes[i].assign(attr->value.begin(), attr->value.end());
        }
    }
    auto c4 = topLevel(dos, kPwStatusTag);
    if (!c4) malformed("application data without PW status (C4)");
    data.pwStatus = parsePwStatus(c4->value);
    auto c5 = topLevel(dos, kFingerprintsTag);
    if (!c5) malformed("application data without fingerprints (C5)");
    if (c5->value.size() < kKeySlots.size() * kFingerprintBytes) malformed("fingerprints (C5) shorter than 60 bytes");
    for (std::size_t i = 0; i < kKeySlots.size(); ++i) {
        auto first = c5->value.begin() + static_cast<std::ptrdiff_t>(i * kFingerprintBytes);
        data.fingerprints[i].assign(first, first + static_cast<std::ptrdiff_t>(kFingerprintBytes));
    }
    if (auto de = topLevel(dos, kKeyInformationTag)) parseKeyInformation(de->value, data.keyStatus);
}

} // namespace

ByteView unwrapAnswer(ByteView answer, std::uint32_t tag)
{
    try {
        std::vector<apdu::Tlv> top = apdu::parseAll(answer);
        if (top.size() == 1 && top[0].tag == tag) return top[0].value;
    } catch (const Error& e) {
        if (e.code() != Errc::malformedResponse) throw;
    }
    return answer;
}

AidInfo parseAid(ByteView value)
{
    if (value.size() != kAidLength) malformed("AID is not 16 bytes");
    if (!hasPrefix(value, kAidPrefix)) malformed("AID is not an OpenPGP application identifier");
    AidInfo aid;
    aid.raw.assign(value.begin(), value.end());
    aid.versionMajor = value[6];
    aid.versionMinor = value[7];
    aid.manufacturer = u16(value, 8);
    aid.serial.assign(value.begin() + 10, value.begin() + 14);
    return aid;
}

// Section 6: category indicator, compact-TLV objects (tag in the high nibble,
// length in the low one), and for category 00 a 3-byte status indicator at the end.
CardCapabilities parseHistoricalBytes(ByteView historical)
{
    CardCapabilities caps;
    if (historical.empty()) return caps;
    std::size_t end = historical.size();
    if (historical[0] == 0x00) {
        if (end < 4) return caps;
        end -= 3;
    } else if (historical[0] != 0x80) {
        return caps;
    }
    std::size_t at = 1;
    while (at < end) {
        const std::uint8_t tag = historical[at] >> 4;
        const std::size_t len = historical[at] & 0x0F;
        if (len > end - at - 1) malformed("historical bytes: compact-TLV past the end");
        if (tag == kCompactCardCapabilities && len >= 3) {
            const std::uint8_t third = historical[at + 3];
            caps.commandChaining = (third & 0x80) != 0;
            caps.extendedLength = (third & 0x40) != 0;
            caps.extendedLengthInfo = (third & 0x20) != 0;
        }
        at += 1 + len;
    }
    return caps;
}

ExtendedLengthInfo parseExtendedLengthInfo(ByteView value)
{
    std::vector<apdu::Tlv> items = apdu::parseAll(value);
    if (items.size() != 2 || items[0].tag != 0x02 || items[1].tag != 0x02 || items[0].value.size() != 2 ||
        items[1].value.size() != 2) {
        malformed("extended length information (7F66) is not two 2-byte integers");
    }
    return {u16(items[0].value, 0), u16(items[1].value, 0)};
}

ExtendedCapabilities parseExtendedCapabilities(ByteView value)
{
    ExtendedCapabilities c;
    if (value.empty()) malformed("extended capabilities (C0) empty");
    const std::uint8_t f = value[0];
    c.secureMessaging = (f & 0x80) != 0;
    c.getChallenge = (f & 0x40) != 0;
    c.keyImport = (f & 0x20) != 0;
    c.pwStatusChangeable = (f & 0x10) != 0;
    c.privateDos = (f & 0x08) != 0;
    c.attributesChangeable = (f & 0x04) != 0;
    c.aes = (f & 0x02) != 0;
    c.kdf = (f & 0x01) != 0;
    if (value.size() >= 4) c.maxChallenge = u16(value, 2);
    if (value.size() >= 6) c.maxCertificate = u16(value, 4);
    return c;
}

std::optional<KeyAttributes> parseKeyAttributes(ByteView value)
{
    if (value.empty()) return std::nullopt;
    KeyAttributes a;
    a.algorithmId = value[0];
    if (a.algorithmId == kAlgRsa) {
        if (value.size() < 5) return std::nullopt;
        a.algorithm = KeyAlgorithm::rsa;
        a.bits = u16(value, 1);
        if (a.bits < 512 || a.bits > 16384) return std::nullopt;
        return a;
    }
    if (a.algorithmId != kAlgEcdh && a.algorithmId != kAlgEcdsa && a.algorithmId != kAlgEddsa) return std::nullopt;
    const ByteView oid = value.subspan(1);
    for (const CurveInfo& curve : kCurves) {
        const ByteView known = curve.oidBytes();
        // The OID, optionally followed by the import-format byte (00 or FF).
        if (!hasPrefix(oid, known) || oid.size() > known.size() + 1) continue;
        const bool nist = curve.algorithmId == 0;
        const bool fits = nist ? a.algorithmId != kAlgEddsa : a.algorithmId == curve.algorithmId;
        if (!fits) return std::nullopt;
        a.algorithm = curve.algorithm;
        a.bits = curve.bits;
        return a;
    }
    return std::nullopt;
}

PwStatus parsePwStatus(ByteView value)
{
    if (value.size() < kPwStatusBytes) malformed("PW status (C4) shorter than 7 bytes");
    PwStatus s;
    s.pw1ValidForSeveral = value[0] != 0x00;
    s.maxLengthPw1 = value[1];
    s.maxLengthRc = value[2];
    s.maxLengthPw3 = value[3];
    s.triesPw1 = value[4];
    s.triesRc = value[5];
    s.triesPw3 = value[6];
    return s;
}

PwStatus parsePwStatusAnswer(ByteView answer)
{
    return parsePwStatus(unwrapAnswer(answer, kPwStatusTag));
}

bool ApplicationData::keyPresent(std::size_t index) const
{
    if (index >= keyStatus.size()) return false;
    if (keyStatus[index] == KeyStatus::generated || keyStatus[index] == KeyStatus::imported) return true;
    return !fingerprints[index].empty() && !allZero(fingerprints[index]);
}

ApplicationData parseApplicationData(ByteView answer)
{
    const ByteView body = unwrapAnswer(answer, kApplicationDataTag);
    apdu::parseAll(body); // the whole template must be well formed
    ApplicationData data;
    auto aid = topLevel(body, kAidTag);
    if (!aid) malformed("application data without AID (4F)");
    data.aid = parseAid(aid->value);
    if (auto hist = topLevel(body, kHistoricalBytesTag)) data.capabilities = parseHistoricalBytes(hist->value);
    if (auto eli = topLevel(body, kExtendedLengthInfoTag)) data.extendedLength = parseExtendedLengthInfo(eli->value);
    // Section 4.4.1: C0-DE live in the discretionary data objects 73; some
    // cards list them directly in 6E.
    auto dos = topLevel(body, kDiscretionaryTag);
    parseDiscretionary(dos ? dos->value : body, data);
    return data;
}

std::string parseCardholderName(ByteView answer)
{
    const ByteView body = unwrapAnswer(answer, kCardholderDataTag);
    auto name = topLevel(body, kNameTag);
    if (!name) return {};
    std::string out;
    const ByteView v = name->value;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '<') {
            if (i + 1 < v.size() && v[i + 1] == '<') ++i; // "<<" separates surname and given names
            out.push_back(' ');
            continue;
        }
        appendLatin1AsUtf8(out, v[i]);
    }
    const auto first = out.find_first_not_of(' ');
    if (first == std::string::npos) return {};
    const auto last = out.find_last_not_of(' ');
    return out.substr(first, last - first + 1);
}

} // namespace tessera::drivers::openpgp
