// Test material for the OpenPGP driver tests; see openpgp_test_support.hpp.
#include "openpgp_test_support.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/x509.h>

#include <stdexcept>

#include "apdu/tlv.hpp"
#include "card-drivers/openpgp/openpgp_driver.hpp"

namespace tessera::test::pgp {

Pkey makeRsaKey(unsigned bits)
{
    Pkey key(EVP_RSA_gen(bits));
    if (!key) throw std::runtime_error("EVP_RSA_gen");
    return key;
}

Pkey makeEcKey(const char* curve)
{
    Pkey key(EVP_EC_gen(curve));
    if (!key) throw std::runtime_error("EVP_EC_gen");
    return key;
}

Pkey makeRawKey(const char* type)
{
    Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, type));
    if (!key) throw std::runtime_error("EVP_PKEY_Q_keygen");
    return key;
}

Bytes selfSignedCertificate(EVP_PKEY* key, const std::string& commonName)
{
    std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 7);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600L * 24 * 365);
    X509_set_pubkey(x.get(), key);
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(commonName.c_str()), -1,
                               -1, 0);
    X509_set_issuer_name(x.get(), name);
    const EVP_MD* md = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
    if (X509_sign(x.get(), key, md) <= 0) throw std::runtime_error("X509_sign");
    int len = i2d_X509(x.get(), nullptr);
    Bytes out(static_cast<std::size_t>(len));
    unsigned char* p = out.data();
    i2d_X509(x.get(), &p);
    return out;
}

Bytes spkiOf(EVP_PKEY* key)
{
    int len = i2d_PUBKEY(key, nullptr);
    Bytes out(static_cast<std::size_t>(len));
    unsigned char* p = out.data();
    i2d_PUBKEY(key, &p);
    return out;
}

Bytes ecPublicPoint(EVP_PKEY* key)
{
    std::size_t len = 0;
    EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0, &len);
    Bytes out(len);
    EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len);
    return out;
}

Bytes rawPublicKey(EVP_PKEY* key)
{
    std::size_t len = 0;
    EVP_PKEY_get_raw_public_key(key, nullptr, &len);
    Bytes out(len);
    EVP_PKEY_get_raw_public_key(key, out.data(), &len);
    return out;
}

namespace {

Bytes bnParam(EVP_PKEY* key, const char* name)
{
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error("EVP_PKEY_get_bn_param");
    Bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
    BN_bn2bin(bn, out.data());
    BN_free(bn);
    return out;
}

Bytes u16(std::uint16_t v)
{
    return Bytes{static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v & 0xFF)};
}

} // namespace

Bytes rsaPublicKeyTemplate(EVP_PKEY* key)
{
    apdu::TlvWriter w;
    w.add(0x81, bnParam(key, OSSL_PKEY_PARAM_RSA_N));
    w.add(0x82, bnParam(key, OSSL_PKEY_PARAM_RSA_E));
    return w.wrap(0x7F49);
}

Bytes pointPublicKeyTemplate(ByteView point)
{
    apdu::TlvWriter w;
    w.add(0x86, point);
    return w.wrap(0x7F49);
}

Bytes rsaAttributes(unsigned bits)
{
    // 01 | modulus bits | exponent bits (32) | import format 00
    return fromHex("01" + toHex(u16(static_cast<std::uint16_t>(bits))) + "002000");
}

Bytes curveAttributes(std::uint8_t algorithmId, const std::string& oidHex)
{
    return fromHex(toHex(Bytes(1, algorithmId)) + oidHex);
}

Bytes aidBytes(const CardSpec& spec)
{
    Bytes aid = fromHex("D27600012401");
    aid.push_back(spec.versionMajor);
    aid.push_back(spec.versionMinor);
    Bytes m = u16(spec.manufacturer);
    aid.insert(aid.end(), m.begin(), m.end());
    for (int shift = 24; shift >= 0; shift -= 8)
        aid.push_back(static_cast<std::uint8_t>(spec.serial >> shift));
    aid.push_back(0x00);
    aid.push_back(0x00);
    return aid;
}

Bytes fingerprint(std::uint8_t seed)
{
    Bytes f(20);
    for (std::size_t i = 0; i < f.size(); ++i)
        f[i] = static_cast<std::uint8_t>(seed + i + 1);
    return f;
}

Bytes applicationData(const CardSpec& spec)
{
    apdu::TlvWriter dos;
    dos.add(0xC0, spec.extendedCapabilities);
    for (std::size_t i = 0; i < 3; ++i) {
        if (!spec.attributes[i].empty()) dos.add(static_cast<std::uint32_t>(0xC1 + i), spec.attributes[i]);
    }
    dos.add(0xC4, spec.pwStatus);
    Bytes fps;
    for (const auto& f : spec.fingerprints) {
        Bytes one = f.empty() ? Bytes(20, 0x00) : f;
        fps.insert(fps.end(), one.begin(), one.end());
    }
    dos.add(0xC5, fps);
    dos.add(0xC6, Bytes(60, 0x00));
    dos.add(0xCD, Bytes(12, 0x00));
    if (spec.keyInformation) dos.add(0xDE, *spec.keyInformation);

    apdu::TlvWriter top;
    top.add(0x4F, aidBytes(spec));
    top.add(0x5F52, spec.historical);
    if (spec.extendedLength) {
        apdu::TlvWriter eli;
        eli.add(0x02, u16(spec.extendedLength->first));
        eli.add(0x02, u16(spec.extendedLength->second));
        top.add(0x7F66, eli.bytes());
    }
    if (spec.wrapInDiscretionary) {
        top.add(0x73, dos.bytes());
    } else {
        top.addRaw(dos.bytes());
    }
    return top.wrap(0x6E);
}

std::string hex(ByteView b)
{
    return toHex(b);
}

std::string ok(ByteView data)
{
    return toHex(data) + "9000";
}

std::string getDataHex(std::uint32_t tag, bool extended)
{
    Bytes p1p2{static_cast<std::uint8_t>(tag >> 8), static_cast<std::uint8_t>(tag & 0xFF)};
    return "00CA" + toHex(p1p2) + (extended ? "000800" : "00");
}

std::string readPublicKeyHex(std::uint8_t crt, bool extended)
{
    const std::string data = toHex(Bytes{crt, 0x00});
    return extended ? "00478100"
                      "000002" +
                          data + "0800"
                    : "0047810002" + data + "00";
}

std::string selectDataHex(std::uint8_t occurrence, bool lengthPrefix)
{
    return "00A5" + toHex(Bytes{occurrence}) + "04" + (lengthPrefix ? "07 06" : "06") + "60045C027F21";
}

std::unique_ptr<drivers::openpgp::OpenPgpCard> probeCard(ReplayChannel& ch, const CardSpec& spec,
                                                         const std::string& kdfAnswer, const std::string& versionAnswer)
{
    ch.expect(kSelectCmd, kSelectOk);
    ch.expect(getDataHex(0x6E), ok(applicationData(spec)));
    if (spec.manufacturer == 0x0006) ch.expect("00F1000000", versionAnswer);
    if (!spec.extendedCapabilities.empty() && (spec.extendedCapabilities[0] & 0x01) != 0) {
        ch.expect(getDataHex(0xF9), kdfAnswer);
    }
    std::unique_ptr<drivers::Card> card = drivers::openpgp::makeDriver()->probe(ch);
    auto* pgp = dynamic_cast<drivers::openpgp::OpenPgpCard*>(card.get());
    EXPECT_NE(pgp, nullptr);
    if (pgp == nullptr) return nullptr;
    card.release();
    return std::unique_ptr<drivers::openpgp::OpenPgpCard>(pgp);
}

} // namespace tessera::test::pgp
