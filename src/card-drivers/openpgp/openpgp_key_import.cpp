// Private key import into an OpenPGP card (card spec 3.4.1 section 4.4.3.12,
// PUT DATA 00 DB 3F FF with the extended header list 4D, after VERIFY PW3):
// 4D { CRT of the key (B6 / B8 / A4 00), 7F48 { tag length ... } the
// cardholder private key template, 5F48 the values in that order }. RSA
// sends e, p, q (91-93), the CRT parts 1/q mod p, dp, dq (94-96) when the
// card's import format (attributes byte 6) says so, and n (97) when it asks
// for the modulus; EC sends the private scalar (92). The algorithm
// attributes are changed first when the card holds another algorithm or
// size, and after the import the fingerprint and time are written as after a
// key generation (recordNewKey), from the public key the card then reports.
#include "apdu/status_words.hpp"
#include "apdu/tlv.hpp"
#include "card-drivers/iso7816/iso7816_pin.hpp"
#include "card-drivers/openpgp/openpgp_card.hpp"
#include "card-drivers/openpgp/openpgp_commands.hpp"
#include "card-drivers/openpgp/openpgp_keys.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace tessera::drivers::openpgp {

namespace {

constexpr std::uint32_t kPrivateKeyTemplateTag = 0x7F48;
constexpr std::uint32_t kPrivateKeyDataTag = 0x5F48;
constexpr std::uint32_t kExtendedHeaderListTag = 0x4D;
constexpr std::uint8_t kImportFormatCrtFlag = 0x02;     // 02 / 03: with the CRT parts
constexpr std::uint8_t kImportFormatModulusFlag = 0x01; // 01 / 03: with the modulus
constexpr std::uint8_t kF4[] = {0x01, 0x00, 0x01};      // e = 65537, the one exponent the module takes

// One part of the private key template: its tag, the value, the size the
// card wants it in (left-padded with zeros).
struct Part {
    std::uint8_t tag;
    ByteView value;
    std::size_t size;
};

ByteView viewOf(const SensitiveBytes& b)
{
    return ByteView(b.data(), b.size());
}

// A value without the leading zeros that make it longer than `size`.
ByteView fitted(ByteView v, std::size_t size)
{
    while (v.size() > size && v[0] == 0)
        v = v.subspan(1);
    if (v.size() > size) fail(Errc::dataInvalid, "private key part longer than the key size");
    return v;
}

// 4D { crt 00, 7F48 { tag len ... }, 5F48 { values } }, written straight
// into one reserved buffer (no other copy of the secret; the caller wipes it).
Bytes extendedHeaderList(std::uint8_t crt, const std::vector<Part>& parts)
{
    Bytes headers;
    std::size_t valueBytes = 0;
    for (const Part& p : parts) {
        headers.push_back(p.tag);
        const Bytes length = apdu::encodeLength(p.size);
        headers.insert(headers.end(), length.begin(), length.end());
        valueBytes += p.size;
    }
    const Bytes crtDo = apdu::tlv(crt, ByteView{});
    const Bytes templ = apdu::tlv(kPrivateKeyTemplateTag, headers);
    const Bytes dataHeader = apdu::encodeTag(kPrivateKeyDataTag);
    const Bytes dataLength = apdu::encodeLength(valueBytes);
    const std::size_t inner = crtDo.size() + templ.size() + dataHeader.size() + dataLength.size() + valueBytes;
    const Bytes outerLength = apdu::encodeLength(inner);
    Bytes out;
    out.reserve(1 + outerLength.size() + inner);
    out.push_back(static_cast<std::uint8_t>(kExtendedHeaderListTag));
    for (const Bytes* b : {&outerLength, &crtDo, &templ, &dataHeader, &dataLength})
        out.insert(out.end(), b->begin(), b->end());
    for (const Part& p : parts) {
        const ByteView v = fitted(p.value, p.size);
        out.insert(out.end(), p.size - v.size(), 0x00);
        out.insert(out.end(), v.begin(), v.end());
    }
    return out;
}

// Section 4.4.3.9 RSA attributes: 01 | n bits (2) | e bits (2) | import format.
std::vector<Part> rsaParts(const PrivateKeyMaterial& key, ByteView attributes)
{
    if (attributes.size() < 5) fail(Errc::unsupported, "the card's RSA attributes have no exponent size");
    const std::size_t eBytes = ((static_cast<std::size_t>(attributes[3]) << 8 | attributes[4]) + 7) / 8;
    if (eBytes < sizeof kF4) fail(Errc::unsupported, "the card's RSA exponent size is below 17 bits");
    const std::uint8_t format = attributes.size() >= 6 ? attributes[5] : 0x00;
    const std::size_t half = key.bits / 16;
    std::vector<Part> parts{{0x91, ByteView(kF4), eBytes}, {0x92, viewOf(key.p), half}, {0x93, viewOf(key.q), half}};
    if (format & kImportFormatCrtFlag) {
        parts.push_back({0x94, viewOf(key.qinv), half});
        parts.push_back({0x95, viewOf(key.dp), half});
        parts.push_back({0x96, viewOf(key.dq), half});
    }
    if (format & kImportFormatModulusFlag) {
        if (key.modulus.empty()) fail(Errc::dataInvalid, "the card's import format wants the modulus");
        parts.push_back({0x97, ByteView(key.modulus), key.bits / 8});
    }
    return parts;
}

void checkImportable(const PrivateKeyMaterial& key, bool keyImport)
{
    if (!keyImport) fail(Errc::unsupported, "this OpenPGP card has no key import (extended capabilities C0)");
    if (key.algorithm == KeyAlgorithm::rsa) {
        if (key.bits < 2048 || key.bits > 4096 || key.bits % 1024 != 0)
            fail(Errc::unsupported, "OpenPGP cards take RSA keys of 2048, 3072 or 4096 bits");
        if (key.p.empty() || key.q.empty()) fail(Errc::dataInvalid, "RSA key without its primes");
    } else if (key.algorithm == KeyAlgorithm::ecP256 || key.algorithm == KeyAlgorithm::ecP384 ||
               key.algorithm == KeyAlgorithm::ecP521) {
        if (key.scalar.empty()) fail(Errc::dataInvalid, "EC key without its private value");
    } else {
        fail(Errc::unsupported, "OpenPGP key import through PKCS#11 takes RSA and P-256/P-384/P-521 keys");
    }
}

} // namespace

// Section 4.4.3.12 / 7.2.8. Every size is checked and the command built
// before VERIFY PW3: a key the card cannot take costs no PW3 try.
std::optional<CardKey> OpenPgpCard::importKey(const SecureBytes& credential, ByteView id, const PrivateKeyMaterial& key)
{
    const KeySlot& slot = slotForKeyId(id);
    checkImportable(key, data_.extended.keyImport);
    if (key.algorithm != KeyAlgorithm::rsa && data_.aid.versionMajor < 3)
        fail(Errc::unsupported, "OpenPGP cards before 3.0 have RSA keys only");
    const Bytes attributes = attributesFor(slot, key.algorithm, key.bits);
    const std::vector<Part> parts = key.algorithm == KeyAlgorithm::rsa
                                        ? rsaParts(key, attributes)
                                        : std::vector<Part>{{0x92, viewOf(key.scalar), (key.bits + 7) / 8}};
    apdu::Command command = importKeyCommand(extendedHeaderList(slot.crt, parts));
    struct WipeOnExit {
        Bytes& bytes;
        ~WipeOnExit() { secureWipe(bytes.data(), bytes.size()); }
    } wipe{command.data};
    verifyPin(kPw3, credential);
    const KeyAttributes now = setAttributes(slot, key.algorithm, key.bits);
    apdu::throwIfError(iso7816::transmitSecret(channel_, command).sw, "OpenPGP PUT DATA 4D (key import)");
    apdu::Response r = channel_.transmit(readPublicKeyCommand(slot.crt, responseLe()));
    apdu::throwIfError(r.sw, "OpenPGP GET PUBLIC KEY after the import");
    return recordNewKey(slot, now, r.data, KeyStatus::imported);
}

} // namespace tessera::drivers::openpgp
