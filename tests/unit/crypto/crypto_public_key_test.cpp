// PublicKey: SPKI parsing and the PKCS#11 attribute values (modulus, exponent,
// EC params OIDs byte for byte, EC points), import from card components, and
// verify/encrypt for every scheme against signatures and decryptions by OpenSSL.
#include "crypto_test_util.hpp"

#include "common/error.hpp"

#include <openssl/core_names.h>

#include <gtest/gtest.h>

namespace tessera::crypto {
namespace {

using namespace test;

struct CurveCase {
    const char* key;
    KeyKind kind;
    const char* paramsHex;
    size_t pointLength;
    size_t fieldBytes;
};

class CurveKeys : public ::testing::TestWithParam<CurveCase> {};

TEST_P(CurveKeys, ParamsPointAndReimport)
{
    const auto& c = GetParam();
    Bytes spki = spkiOf(testKey(c.key));
    PublicKey key = PublicKey::fromSpki(spki);
    EXPECT_EQ(key.kind(), c.kind);
    EXPECT_EQ(toHex(key.ecParamsDer()), c.paramsHex);
    Bytes point = key.ecPointUncompressed();
    EXPECT_EQ(point.size(), c.pointLength);
    if (c.kind == KeyKind::ec) {
        EXPECT_EQ(point[0], 0x04);
    }
    EXPECT_EQ(key.fieldBytes(), c.fieldBytes);
    EXPECT_EQ(key.spkiDer(), spki);
    PublicKey again = PublicKey::fromEcPoint(key.ecParamsDer(), point);
    EXPECT_EQ(again.spkiDer(), spki);
    EXPECT_EQ(errcOf([&] { (void)key.rsaModulus(); }), Errc::argumentsBad);
}

INSTANTIATE_TEST_SUITE_P(AllCurves, CurveKeys,
                         ::testing::Values(CurveCase{"EC:P-256", KeyKind::ec, "06082A8648CE3D030107", 65, 32},
                                           CurveCase{"EC:P-384", KeyKind::ec, "06052B81040022", 97, 48},
                                           CurveCase{"EC:P-521", KeyKind::ec, "06052B81040023", 133, 66},
                                           CurveCase{"ED25519", KeyKind::ed25519, "06032B6570", 32, 32},
                                           CurveCase{"X25519", KeyKind::x25519, "06032B656E", 32, 32}));

struct NamedCurveCase {
    const char* key;
    Curve curve;
};

class NamedCurves : public ::testing::TestWithParam<NamedCurveCase> {};

TEST_P(NamedCurves, FromCardPointIsTheSameKey)
{
    const auto& c = GetParam();
    Bytes spki = spkiOf(testKey(c.key));
    PublicKey key = PublicKey::fromSpki(spki);
    EXPECT_EQ(key.curve(), c.curve);
    PublicKey fromCard = PublicKey::fromEcPoint(c.curve, key.ecPointUncompressed());
    EXPECT_EQ(fromCard.spkiDer(), spki);
    EXPECT_EQ(fromCard.curve(), c.curve);
    Bytes offCurve = key.ecPointUncompressed();
    offCurve.back() ^= 0x01;
    EXPECT_EQ(errcOf([&] { PublicKey::fromEcPoint(c.curve, offCurve); }), Errc::dataInvalid);
}

INSTANTIATE_TEST_SUITE_P(Weierstrass, NamedCurves,
                         ::testing::Values(NamedCurveCase{"EC:P-256", Curve::p256},
                                           NamedCurveCase{"EC:P-384", Curve::p384},
                                           NamedCurveCase{"EC:P-521", Curve::p521}));

TEST(PublicKeyRaw, Ed25519AndX25519FromTheirRawKeys)
{
    for (const char* name : {"ED25519", "X25519"}) {
        Bytes spki = spkiOf(testKey(name));
        PublicKey key = PublicKey::fromSpki(spki);
        EXPECT_EQ(key.curve(), std::nullopt) << name;
        PublicKey raw = PublicKey::fromRaw(key.kind(), key.ecPointUncompressed());
        EXPECT_EQ(raw.kind(), key.kind()) << name;
        EXPECT_EQ(raw.spkiDer(), spki) << name;
        EXPECT_EQ(errcOf([&] { PublicKey::fromRaw(key.kind(), Bytes(31, 1)); }), Errc::dataInvalid) << name;
    }
    EXPECT_EQ(errcOf([] { PublicKey::fromRaw(KeyKind::rsa, Bytes(32, 1)); }), Errc::argumentsBad);
    EXPECT_EQ(errcOf([] { PublicKey::fromRaw(KeyKind::ec, Bytes(32, 1)); }), Errc::argumentsBad);
}

TEST(PublicKeyRsa, AttributesAndReimport)
{
    EVP_PKEY* pkey = testKey("RSA:2048");
    PublicKey key = PublicKey::fromSpki(spkiOf(pkey));
    EXPECT_EQ(key.kind(), KeyKind::rsa);
    EXPECT_EQ(key.bits(), 2048u);
    EXPECT_EQ(key.fieldBytes(), 256u);
    EXPECT_EQ(key.signatureLength(), 256u);
    BIGNUM* n = nullptr;
    ASSERT_EQ(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    detail::BignumPtr nOwner(n);
    EXPECT_EQ(key.rsaModulus(), detail::bnToBytes(n));
    EXPECT_EQ(key.rsaModulus().size(), 256u);
    EXPECT_EQ(toHex(key.rsaExponent()), "010001");
    PublicKey again = PublicKey::fromRsa(key.rsaModulus(), key.rsaExponent());
    EXPECT_EQ(again.spkiDer(), key.spkiDer());
    EXPECT_EQ(errcOf([&] { (void)key.ecParamsDer(); }), Errc::argumentsBad);
    EXPECT_EQ(key.curve(), std::nullopt);
}

TEST(PublicKeyParse, GarbageAndTrailingBytesRejected)
{
    Bytes spki = spkiOf(testKey("EC:P-256"));
    EXPECT_EQ(errcOf([] { PublicKey::fromSpki(Bytes{}); }), Errc::dataInvalid);
    EXPECT_EQ(errcOf([] { PublicKey::fromSpki(fromHex("3003020101")); }), Errc::dataInvalid);
    EXPECT_EQ(errcOf([&] { PublicKey::fromSpki(concat(spki, Bytes{0})); }), Errc::dataInvalid);
    for (size_t n = 0; n < spki.size(); ++n)
        EXPECT_EQ(errcOf([&] { PublicKey::fromSpki(ByteView(spki.data(), n)); }), Errc::dataInvalid) << n;
}

TEST(PublicKeyParse, ImportRejectsBadComponents)
{
    Bytes p256 = fromHex("06082A8648CE3D030107");
    Bytes offCurve = concat(Bytes{0x04}, Bytes(64, 0x01));
    EXPECT_EQ(errcOf([&] { PublicKey::fromEcPoint(p256, offCurve); }), Errc::dataInvalid);
    EXPECT_EQ(errcOf([&] { PublicKey::fromEcPoint(fromHex("0401AA"), offCurve); }), Errc::dataInvalid);
    EXPECT_EQ(errcOf([&] { PublicKey::fromEcPoint(fromHex("06032B6570"), Bytes(31, 1)); }), Errc::dataInvalid);
    EXPECT_EQ(errcOf([] { PublicKey::fromRsa(Bytes(256, 0xFF), Bytes{0x02}); }), Errc::dataInvalid);
    EXPECT_EQ(errcOf([] { PublicKey::fromRsa(Bytes{0x0F}, Bytes{0x03}); }), Errc::dataInvalid);
}

TEST(PublicKeyCopy, CopiesShareTheKey)
{
    PublicKey a = PublicKey::fromSpki(spkiOf(testKey("ED25519")));
    PublicKey b = a;
    PublicKey c = PublicKey::fromSpki(spkiOf(testKey("EC:P-256")));
    c = b;
    EXPECT_EQ(c.spkiDer(), a.spkiDer());
    EXPECT_EQ(c.kind(), KeyKind::ed25519);
}

// ---- verify -----------------------------------------------------------------

class VerifyRsa : public ::testing::Test {
protected:
    EVP_PKEY* pkey = testKey("RSA:2048");
    PublicKey key = PublicKey::fromSpki(spkiOf(pkey));
    Bytes msg = bytesOf("the quick brown fox");

    void expectGoodAndTampered(const SignatureScheme& s, ByteView data, ByteView sig)
    {
        EXPECT_TRUE(key.verify(s, data, sig));
        EXPECT_FALSE(key.verify(s, data, flipped(sig, sig.size() / 2)));
        EXPECT_FALSE(key.verify(s, flipped(data, 0), sig));
        EXPECT_FALSE(key.verify(s, data, ByteView(sig).first(sig.size() - 1)));
    }
};

TEST_F(VerifyRsa, Pkcs1WithHash)
{
    Bytes sig = opensslDigestSign(pkey, EVP_sha256(), msg, [](EVP_PKEY_CTX* c) {
        check(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1, "p");
    });
    expectGoodAndTampered({SignKind::rsaPkcs1v15, HashAlg::sha256, {}}, msg, sig);
    EXPECT_FALSE(key.verify({SignKind::rsaPkcs1v15, HashAlg::sha384, {}}, msg, sig));
}

TEST_F(VerifyRsa, Pkcs1RawDigestInfoAndArbitraryData)
{
    auto pkcs1 = [](EVP_PKEY_CTX* c) { check(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1, "p"); };
    Bytes di = digestInfo(HashAlg::sha1, digest(HashAlg::sha1, msg));
    expectGoodAndTampered({SignKind::rsaPkcs1v15, std::nullopt, {}}, di, opensslSignRaw(pkey, di, pkcs1));
    // TLS 1.0-style MD5||SHA1 input: not a DigestInfo, still CKM_RSA_PKCS.
    Bytes arbitrary = randomBytes(36);
    expectGoodAndTampered({SignKind::rsaPkcs1v15, std::nullopt, {}}, arbitrary, opensslSignRaw(pkey, arbitrary, pkcs1));
    EXPECT_EQ(errcOf([&] {
                  key.verify({SignKind::rsaPkcs1v15, std::nullopt, {}}, Bytes(246, 1), Bytes(256, 0));
              }),
              Errc::dataLenRange);
}

TEST_F(VerifyRsa, X509Raw)
{
    Bytes data = randomBytes(40);
    Bytes sig = rawRsaPrivate(pkey, x509Block(data, 256));
    expectGoodAndTampered({SignKind::rsaX509, std::nullopt, {}}, data, sig);
}

TEST_F(VerifyRsa, PssOverHashAndOverData)
{
    PssParams p{HashAlg::sha384, HashAlg::sha256, 48};
    Bytes sig = opensslDigestSign(pkey, EVP_sha384(), msg, [&](EVP_PKEY_CTX* c) {
        check(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PSS_PADDING) == 1, "pss");
        check(EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256()) == 1, "mgf1");
        check(EVP_PKEY_CTX_set_rsa_pss_saltlen(c, 48) == 1, "salt");
    });
    expectGoodAndTampered({SignKind::rsaPss, HashAlg::sha384, p}, msg, sig);
    expectGoodAndTampered({SignKind::rsaPss, std::nullopt, p}, digest(HashAlg::sha384, msg), sig);
    PssParams otherSalt = p;
    otherSalt.saltLen = 32;
    EXPECT_FALSE(key.verify({SignKind::rsaPss, HashAlg::sha384, otherSalt}, msg, sig));
    EXPECT_EQ(errcOf([&] { key.verify({SignKind::rsaPss, HashAlg::sha256, p}, msg, sig); }), Errc::argumentsBad);
    EXPECT_EQ(errcOf([&] { key.verify({SignKind::rsaPss, std::nullopt, p}, Bytes(32, 0), sig); }), Errc::dataLenRange);
}

TEST_F(VerifyRsa, OurPssBlockVerifies)
{
    PssParams p{HashAlg::sha256, HashAlg::sha256, 32};
    Bytes sig = rawRsaPrivate(pkey, pssBlock(digest(HashAlg::sha256, msg), p, 2048));
    expectGoodAndTampered({SignKind::rsaPss, HashAlg::sha256, p}, msg, sig);
}

TEST_F(VerifyRsa, WrongKeyTypeIsArgumentsBad)
{
    EXPECT_EQ(errcOf([&] { key.verify({SignKind::ecdsa, std::nullopt, {}}, msg, Bytes(64, 1)); }), Errc::argumentsBad);
    EXPECT_EQ(errcOf([&] { key.verify({SignKind::eddsa, std::nullopt, {}}, msg, Bytes(64, 1)); }), Errc::argumentsBad);
}

class VerifyEcdsa : public ::testing::TestWithParam<std::pair<const char*, HashAlg>> {};

TEST_P(VerifyEcdsa, OverHashAndOverData)
{
    auto [spec, hash] = GetParam();
    EVP_PKEY* pkey = testKey(spec);
    PublicKey key = PublicKey::fromSpki(spkiOf(pkey));
    Bytes msg = bytesOf("ecdsa message");
    Bytes raw = ecdsaDerToRaw(opensslDigestSign(pkey, detail::evpMd(hash), msg), key.fieldBytes());
    ASSERT_EQ(raw.size(), key.signatureLength());
    SignatureScheme overData{SignKind::ecdsa, hash, {}};
    SignatureScheme overHash{SignKind::ecdsa, std::nullopt, {}};
    Bytes h = digest(hash, msg);
    EXPECT_TRUE(key.verify(overData, msg, raw));
    EXPECT_TRUE(key.verify(overHash, h, raw));
    EXPECT_FALSE(key.verify(overData, msg, flipped(raw, raw.size() - 1)));
    EXPECT_FALSE(key.verify(overHash, flipped(h, 0), raw));
    EXPECT_FALSE(key.verify(overHash, h, ByteView(raw).first(raw.size() - 2)));
    EXPECT_FALSE(key.verify(overHash, h, Bytes(raw.size(), 0)));
}

INSTANTIATE_TEST_SUITE_P(Curves, VerifyEcdsa,
                         ::testing::Values(std::pair{"EC:P-256", HashAlg::sha256}, std::pair{"EC:P-256", HashAlg::sha1},
                                           std::pair{"EC:P-384", HashAlg::sha384},
                                           std::pair{"EC:P-521", HashAlg::sha512},
                                           std::pair{"EC:P-256", HashAlg::sha512})); // hash longer than field

TEST(VerifyEddsa, Ed25519)
{
    EVP_PKEY* pkey = testKey("ED25519");
    PublicKey key = PublicKey::fromSpki(spkiOf(pkey));
    Bytes msg = bytesOf("eddsa message");
    Bytes sig = opensslDigestSign(pkey, nullptr, msg);
    SignatureScheme s{SignKind::eddsa, std::nullopt, {}};
    EXPECT_TRUE(key.verify(s, msg, sig));
    EXPECT_FALSE(key.verify(s, msg, flipped(sig, 10)));
    EXPECT_FALSE(key.verify(s, flipped(msg, 0), sig));
    EXPECT_FALSE(key.verify(s, msg, ByteView(sig).first(63)));
    EXPECT_EQ(errcOf([&] { key.verify({SignKind::eddsa, HashAlg::sha512, {}}, msg, sig); }), Errc::argumentsBad);
    PublicKey x = PublicKey::fromSpki(spkiOf(testKey("X25519")));
    EXPECT_EQ(errcOf([&] { (void)x.signatureLength(); }), Errc::argumentsBad);
}

// ---- encrypt ----------------------------------------------------------------

TEST(EncryptRsa, Pkcs1DecryptsWithOpenSslAndOurUnpad)
{
    EVP_PKEY* pkey = testKey("RSA:2048");
    PublicKey key = PublicKey::fromSpki(spkiOf(pkey));
    Bytes msg = randomBytes(245);
    Bytes ct = key.encrypt({EncryptKind::rsaPkcs1v15, {}}, msg);
    ASSERT_EQ(ct.size(), 256u);
    EXPECT_EQ(
        opensslDecrypt(pkey, ct,
                       [](EVP_PKEY_CTX* c) { check(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1, "p"); }),
        msg);
    EXPECT_EQ(pkcs1v15DecryptUnpad(rawRsaPrivate(pkey, ct), 256), msg);
    EXPECT_EQ(errcOf([&] { key.encrypt({EncryptKind::rsaPkcs1v15, {}}, Bytes(246, 1)); }), Errc::dataLenRange);
}

TEST(EncryptRsa, OaepWithLabelRoundTrips)
{
    EVP_PKEY* pkey = testKey("RSA:2048");
    PublicKey key = PublicKey::fromSpki(spkiOf(pkey));
    OaepParams p{HashAlg::sha256, HashAlg::sha1, bytesOf("my label")};
    Bytes msg = randomBytes(256 - 2 * 32 - 2);
    Bytes ct = key.encrypt({EncryptKind::rsaOaep, p}, msg);
    EXPECT_EQ(oaepUnpad(rawRsaPrivate(pkey, ct), 256, p), msg);
    Bytes viaOpenSsl = opensslDecrypt(pkey, ct, [&](EVP_PKEY_CTX* c) {
        check(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) == 1, "oaep");
        check(EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha256()) == 1, "md");
        check(EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha1()) == 1, "mgf1");
        void* l = OPENSSL_memdup(p.label.data(), p.label.size());
        check(EVP_PKEY_CTX_set0_rsa_oaep_label(c, l, static_cast<int>(p.label.size())) == 1, "label");
    });
    EXPECT_EQ(viaOpenSsl, msg);
    EXPECT_EQ(errcOf([&] { key.encrypt({EncryptKind::rsaOaep, p}, Bytes(191, 1)); }), Errc::dataLenRange);
}

TEST(EncryptRsa, X509RawAndAboveModulus)
{
    EVP_PKEY* pkey = testKey("RSA:2048");
    PublicKey key = PublicKey::fromSpki(spkiOf(pkey));
    Bytes msg = randomBytes(100);
    Bytes ct = key.encrypt({EncryptKind::rsaX509, {}}, msg);
    EXPECT_EQ(rawRsaPrivate(pkey, ct), x509Block(msg, 256));
    EXPECT_EQ(errcOf([&] { key.encrypt({EncryptKind::rsaX509, {}}, Bytes(256, 0xFF)); }), Errc::dataInvalid);
    EXPECT_EQ(errcOf([&] { key.encrypt({EncryptKind::rsaX509, {}}, Bytes(257, 0x00)); }), Errc::dataLenRange);
    PublicKey ec = PublicKey::fromSpki(spkiOf(testKey("EC:P-256")));
    EXPECT_EQ(errcOf([&] { ec.encrypt({EncryptKind::rsaPkcs1v15, {}}, msg); }), Errc::argumentsBad);
}

} // namespace
} // namespace tessera::crypto
