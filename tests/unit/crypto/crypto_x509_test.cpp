// parseCertificate against a certificate built in the test: every DER field
// must equal OpenSSL's own i2d output, dates come out as CK_DATE text, and
// garbage, truncated or padded input is an error, never a crash.
#include "crypto_test_util.hpp"

#include "common/error.hpp"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

namespace tessera::crypto {
namespace {

using namespace test;

template <typename T> Bytes der(const T* value, int (*encode)(const T*, unsigned char**))
{
    int len = encode(value, nullptr);
    check(len > 0, "i2d");
    Bytes out(static_cast<size_t>(len));
    unsigned char* p = out.data();
    encode(value, &p);
    return out;
}

struct TestCert {
    detail::X509Ptr cert;
    Bytes der;
};

// Self-signed P-256 certificate; serial has its top bit set (DER needs a 00).
TestCert makeCert(const char* commonName, const char* notBefore, const char* notAfter)
{
    EVP_PKEY* key = testKey("EC:P-256");
    detail::X509Ptr x(X509_new());
    check(x && X509_set_version(x.get(), 2) == 1, "version");
    BIGNUM* bn = nullptr;
    check(BN_hex2bn(&bn, "C0FFEE0123456789ABCDEF") > 0, "serial");
    detail::BignumPtr serial(bn);
    check(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x.get())) != nullptr, "serial set");
    X509_NAME* name = X509_get_subject_name(x.get());
    auto add = [&](const char* field, const char* value) {
        check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value), -1,
                                         -1, 0) == 1,
              "name entry");
    };
    add("O", "Example Org");
    if (commonName) add("CN", commonName);
    check(X509_set_issuer_name(x.get(), name) == 1, "issuer");
    check(ASN1_TIME_set_string(X509_getm_notBefore(x.get()), notBefore) == 1, "notBefore");
    check(ASN1_TIME_set_string(X509_getm_notAfter(x.get()), notAfter) == 1, "notAfter");
    check(X509_set_pubkey(x.get(), key) == 1, "pubkey");
    check(X509_sign(x.get(), key, EVP_sha256()) > 0, "sign");
    Bytes bytes = der<X509>(x.get(), i2d_X509);
    return TestCert{std::move(x), std::move(bytes)};
}

TEST(ParseCertificate, FieldsEqualOpenSslEncodings)
{
    TestCert tc = makeCert("Tessera Test", "240102000000Z", "20510630235959Z");
    CertificateInfo info = parseCertificate(tc.der);
    EXPECT_EQ(info.subjectDer, der<X509_NAME>(X509_get_subject_name(tc.cert.get()), i2d_X509_NAME));
    EXPECT_EQ(info.issuerDer, der<X509_NAME>(X509_get_issuer_name(tc.cert.get()), i2d_X509_NAME));
    EXPECT_EQ(info.serialDer, der<ASN1_INTEGER>(X509_get_serialNumber(tc.cert.get()), i2d_ASN1_INTEGER));
    EXPECT_EQ(toHex(info.serialDer), "020C00C0FFEE0123456789ABCDEF");
    EXPECT_EQ(info.spkiDer, spkiOf(testKey("EC:P-256")));
    EXPECT_EQ(PublicKey::fromSpki(info.spkiDer).kind(), KeyKind::ec);
    EXPECT_EQ(info.subjectText, "CN=Tessera Test,O=Example Org");
    EXPECT_EQ(info.commonName, "Tessera Test");
    EXPECT_EQ(info.notBefore, "20240102"); // UTCTime
    EXPECT_EQ(info.notAfter, "20510630");  // GeneralizedTime
}

TEST(ParseCertificate, Utf8AndMissingCommonName)
{
    CertificateInfo utf8 = parseCertificate(makeCert("Zoë Ünïcode", "240102000000Z", "250102000000Z").der);
    EXPECT_EQ(utf8.commonName, "Zoë Ünïcode");
    EXPECT_NE(utf8.subjectText.find("CN=Zoë Ünïcode"), std::string::npos);
    CertificateInfo noCn = parseCertificate(makeCert(nullptr, "240102000000Z", "250102000000Z").der);
    EXPECT_EQ(noCn.commonName, "");
    EXPECT_EQ(noCn.subjectText, "O=Example Org");
}

TEST(ParseCertificate, GarbageIsDataInvalid)
{
    EXPECT_EQ(errcOf([] { parseCertificate(Bytes{}); }), Errc::dataInvalid);
    EXPECT_EQ(errcOf([] { parseCertificate(fromHex("DEADBEEF")); }), Errc::dataInvalid);
    EXPECT_EQ(errcOf([] { parseCertificate(fromHex("3000")); }), Errc::dataInvalid);
    EXPECT_EQ(errcOf([] { parseCertificate(fromHex("3084FFFFFFFF30")); }), Errc::dataInvalid);
    for (int i = 0; i < 200; ++i) {
        Bytes noise = randomBytes(static_cast<size_t>(1 + i * 3));
        EXPECT_EQ(errcOf([&] { parseCertificate(noise); }), Errc::dataInvalid);
    }
}

TEST(ParseCertificate, EveryTruncationAndTrailingByteRejected)
{
    Bytes good = makeCert("Tessera Test", "240102000000Z", "250102000000Z").der;
    for (size_t n = 0; n < good.size(); ++n)
        EXPECT_EQ(errcOf([&] { parseCertificate(ByteView(good.data(), n)); }), Errc::dataInvalid) << n;
    EXPECT_EQ(errcOf([&] { parseCertificate(concat(good, Bytes{0x00})); }), Errc::dataInvalid);
}

TEST(ParseCertificate, BitFlipsNeverCrash)
{
    Bytes good = makeCert("Tessera Test", "240102000000Z", "250102000000Z").der;
    for (size_t i = 0; i < good.size(); ++i) {
        Bytes bad = flipped(good, i);
        try {
            (void)parseCertificate(bad); // a flip inside a value may still parse
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::dataInvalid);
        }
    }
}

TEST(LeadingCertificate, PaddedContainerGivesTheExactCertificate)
{
    Bytes good = makeCert("Tessera Test", "240102000000Z", "250102000000Z").der;
    EXPECT_EQ(leadingCertificate(good), good);
    EXPECT_EQ(leadingCertificate(concat(good, Bytes(40, 0x00))), good); // a card's padding
    EXPECT_EQ(leadingCertificate(Bytes{}), std::nullopt);
    EXPECT_EQ(leadingCertificate(fromHex("DEADBEEF")), std::nullopt);
    EXPECT_EQ(leadingCertificate(ByteView(good.data(), good.size() - 1)), std::nullopt);
}

TEST(CertificateKey, IsTheSubjectPublicKeyInfo)
{
    Bytes good = makeCert("Tessera Test", "240102000000Z", "250102000000Z").der;
    PublicKey key = PublicKey::fromCertificate(good);
    EXPECT_EQ(key.kind(), KeyKind::ec);
    EXPECT_EQ(key.curve(), Curve::p256);
    EXPECT_EQ(key.spkiDer(), spkiOf(testKey("EC:P-256")));
    EXPECT_EQ(key.spkiDer(), parseCertificate(good).spkiDer);
    EXPECT_EQ(errcOf([&] { PublicKey::fromCertificate(concat(good, Bytes{0x00})); }), Errc::dataInvalid);
    EXPECT_EQ(errcOf([] { PublicKey::fromCertificate(fromHex("3000")); }), Errc::dataInvalid);
}

} // namespace
} // namespace tessera::crypto
