// RSA host-side padding against OpenSSL as the oracle: blocks we build and a
// raw private operation (what a PIV card does) must verify with OpenSSL's own
// PKCS#1 v1.5 and PSS; blocks OpenSSL encrypts and we raw-decrypt must unpad.
#include "crypto_test_util.hpp"

#include "common/error.hpp"

#include <gtest/gtest.h>

namespace tessera::crypto {
namespace {

using namespace test;

TEST(Pkcs1SignBlock, ExactLayout)
{
    Bytes t{0xAA, 0xBB, 0xCC};
    Bytes em = pkcs1v15SignBlock(t, 64);
    ASSERT_EQ(em.size(), 64u);
    Bytes expected{0x00, 0x01};
    expected.insert(expected.end(), 64 - 3 - 3, 0xFF);
    expected.push_back(0x00);
    expected.insert(expected.end(), t.begin(), t.end());
    EXPECT_EQ(em, expected);
}

TEST(Pkcs1SignBlock, LengthLimitIsKMinus11)
{
    EXPECT_EQ(pkcs1v15SignBlock(Bytes(53, 0x11), 64).size(), 64u); // 8 bytes of FF left
    EXPECT_EQ(errcOf([] { pkcs1v15SignBlock(Bytes(54, 0x11), 64); }), Errc::dataLenRange);
    EXPECT_EQ(errcOf([] { pkcs1v15SignBlock(Bytes{}, 10); }), Errc::dataLenRange);
}

TEST(Pkcs1SignBlock, RawPrivateOpVerifiesWithOpenSsl)
{
    EVP_PKEY* key = testKey("RSA:2048");
    Bytes msg = bytesOf("sign me");
    Bytes block = pkcs1v15SignBlock(digestInfo(HashAlg::sha256, digest(HashAlg::sha256, msg)), modulusBytes(key));
    Bytes sig = rawRsaPrivate(key, block);
    EXPECT_TRUE(opensslDigestVerify(key, EVP_sha256(), msg, sig));
    EXPECT_FALSE(opensslDigestVerify(key, EVP_sha256(), bytesOf("sign mE"), sig));
}

TEST(X509Block, LeftPadsWithZeros)
{
    EXPECT_EQ(toHex(x509Block(Bytes{0x01, 0x02}, 4)), "00000102");
    EXPECT_EQ(x509Block(Bytes(4, 0xFF), 4), Bytes(4, 0xFF));
    EXPECT_EQ(errcOf([] { x509Block(Bytes(5, 0x01), 4); }), Errc::dataLenRange);
}

TEST(Mgf1, Rfc8017ExampleShape)
{
    // MGF1 is a counter-mode hash: the first hLen bytes are H(seed || 00000000).
    Bytes seed = bytesOf("seed");
    Bytes out = mgf1(HashAlg::sha256, seed, 40);
    Bytes first = digest(HashAlg::sha256, concat(seed, Bytes{0, 0, 0, 0}));
    Bytes second = digest(HashAlg::sha256, concat(seed, Bytes{0, 0, 0, 1}));
    EXPECT_EQ(Bytes(out.begin(), out.begin() + 32), first);
    EXPECT_EQ(Bytes(out.begin() + 32, out.end()), Bytes(second.begin(), second.begin() + 8));
}

struct PssCase {
    const char* key;
    HashAlg hash;
    HashAlg mgf;
    size_t salt;
};

class PssInterop : public ::testing::TestWithParam<PssCase> {};

TEST_P(PssInterop, PssBlockSignedRawVerifiesWithOpenSsl)
{
    const auto& c = GetParam();
    EVP_PKEY* key = testKey(c.key);
    Bytes msg = bytesOf("PSS message");
    PssParams params{c.hash, c.mgf, c.salt};
    Bytes block = pssBlock(digest(c.hash, msg), params, static_cast<size_t>(EVP_PKEY_get_bits(key)));
    ASSERT_EQ(block.size(), modulusBytes(key));
    ASSERT_EQ(std::to_string(EVP_PKEY_get_bits(key)), std::string(c.key).substr(4));
    if (EVP_PKEY_get_bits(key) % 8 == 1) {
        EXPECT_EQ(block[0], 0x00); // emLen = k - 1
    }
    Bytes sig = rawRsaPrivate(key, block);
    auto pss = [&](EVP_PKEY_CTX* ctx) {
        check(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1, "pss");
        check(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, detail::evpMd(c.mgf)) == 1, "mgf1");
        check(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, static_cast<int>(c.salt)) == 1, "salt");
    };
    EXPECT_TRUE(opensslDigestVerify(key, detail::evpMd(c.hash), msg, sig, pss));
    EXPECT_FALSE(opensslDigestVerify(key, detail::evpMd(c.hash), bytesOf("other"), sig, pss));
}

INSTANTIATE_TEST_SUITE_P(HashesSaltsAndOddModulus, PssInterop,
                         ::testing::Values(PssCase{"RSA:2048", HashAlg::sha256, HashAlg::sha256, 32},
                                           PssCase{"RSA:2048", HashAlg::sha1, HashAlg::sha1, 20},
                                           PssCase{"RSA:2048", HashAlg::sha384, HashAlg::sha256, 0},
                                           PssCase{"RSA:2048", HashAlg::sha512, HashAlg::sha512, 64},
                                           PssCase{"RSA:2048", HashAlg::sha224, HashAlg::sha1, 28},
                                           // modBits = 8n+1: emLen = k - 1, the block gets a leading 00.
                                           PssCase{"RSA:1025", HashAlg::sha256, HashAlg::sha256, 32},
                                           // Largest salt for a 1024-bit key and SHA-512: emLen - hLen - 2.
                                           PssCase{"RSA:1024", HashAlg::sha512, HashAlg::sha512, 128 - 64 - 2}));

TEST(PssBlock, RejectsWrongHashLengthAndOversizedSalt)
{
    EXPECT_EQ(errcOf([] { pssBlock(Bytes(31, 0), PssParams{}, 2048); }), Errc::dataLenRange);
    PssParams big{HashAlg::sha512, HashAlg::sha512, 128 - 64 - 1};
    EXPECT_EQ(errcOf([&] { pssBlock(Bytes(64, 0), big, 1024); }), Errc::argumentsBad);
    PssParams huge{HashAlg::sha256, HashAlg::sha256, SIZE_MAX};
    EXPECT_EQ(errcOf([&] { pssBlock(Bytes(32, 0), huge, 2048); }), Errc::argumentsBad);
}

TEST(PssBlock, SaltIsRandom)
{
    Bytes h(32, 0x5A);
    EXPECT_NE(pssBlock(h, PssParams{}, 2048), pssBlock(h, PssParams{}, 2048));
    PssParams noSalt{HashAlg::sha256, HashAlg::sha256, 0};
    EXPECT_EQ(pssBlock(h, noSalt, 2048), pssBlock(h, noSalt, 2048));
}

auto pkcs1Padding = [](EVP_PKEY_CTX* ctx) {
    check(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1, "pkcs1");
};

TEST(Pkcs1DecryptUnpad, UnpadsOpenSslCiphertextsOfEveryLength)
{
    EVP_PKEY* key = testKey("RSA:2048");
    const size_t k = modulusBytes(key);
    for (size_t len : {size_t{0}, size_t{1}, size_t{32}, k - 11}) {
        Bytes msg = randomBytes(len);
        Bytes block = rawRsaPrivate(key, opensslEncrypt(key, msg, pkcs1Padding));
        EXPECT_EQ(pkcs1v15DecryptUnpad(block, k), msg) << "length " << len;
    }
}

TEST(Pkcs1DecryptUnpad, AcceptsBlockWithLeadingZeroDropped)
{
    Bytes em{0x00, 0x02};
    em.insert(em.end(), 20, 0x33);
    em.push_back(0x00);
    em.insert(em.end(), {0xDE, 0xAD});
    Bytes shortBlock(em.begin() + 1, em.end());
    EXPECT_EQ(toHex(pkcs1v15DecryptUnpad(shortBlock, em.size())), "DEAD");
}

Bytes goodPkcs1Block() // 00 02 PS(8) 00 M(3) in 14 bytes
{
    return Bytes{0x00, 0x02, 1, 2, 3, 4, 5, 6, 7, 8, 0x00, 0xAA, 0xBB, 0xCC};
}

TEST(Pkcs1DecryptUnpad, RejectsMalformedBlocksWithDataInvalid)
{
    EXPECT_EQ(toHex(pkcs1v15DecryptUnpad(goodPkcs1Block(), 14)), "AABBCC");
    std::vector<std::pair<const char*, Bytes>> bad;
    Bytes b = goodPkcs1Block();
    b[0] = 0x01;
    bad.emplace_back("first byte not 00", b);
    b = goodPkcs1Block();
    b[1] = 0x01;
    bad.emplace_back("block type 01", b);
    b = goodPkcs1Block();
    b[9] = 0x00;
    bad.emplace_back("PS of 7 bytes", b);
    b = goodPkcs1Block();
    b[10] = 0x44;
    b[2] = 0x00;
    bad.emplace_back("zero at PS start", b);
    b = goodPkcs1Block();
    b[10] = 0x44;
    bad.emplace_back("no separator", b);
    bad.emplace_back("too short", Bytes{0x00, 0x02, 0x00});
    for (const auto& [what, block] : bad)
        EXPECT_EQ(errcOf([&] { pkcs1v15DecryptUnpad(block, block.size()); }), Errc::dataInvalid) << what;
    EXPECT_EQ(errcOf([&] { pkcs1v15DecryptUnpad(goodPkcs1Block(), 13); }), Errc::dataInvalid);
}

TEST(Pkcs1DecryptUnpad, EmptyMessageWhenSeparatorIsLast)
{
    Bytes b{0x00, 0x02, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x00};
    EXPECT_TRUE(pkcs1v15DecryptUnpad(b, b.size()).empty());
}

struct OaepCase {
    HashAlg hash;
    HashAlg mgf;
    const char* label;
};

class OaepInterop : public ::testing::TestWithParam<OaepCase> {};

TEST_P(OaepInterop, UnpadsOpenSslOaepCiphertext)
{
    const auto& c = GetParam();
    EVP_PKEY* key = testKey("RSA:2048");
    const size_t k = modulusBytes(key);
    OaepParams params{c.hash, c.mgf, bytesOf(c.label)};
    auto setup = [&](EVP_PKEY_CTX* ctx) {
        check(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1, "oaep");
        check(EVP_PKEY_CTX_set_rsa_oaep_md(ctx, detail::evpMd(c.hash)) == 1, "oaep md");
        check(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, detail::evpMd(c.mgf)) == 1, "mgf1");
        if (!params.label.empty()) {
            void* l = OPENSSL_memdup(params.label.data(), params.label.size());
            check(EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, l, static_cast<int>(params.label.size())) == 1, "label");
        }
    };
    for (size_t len : {size_t{0}, size_t{16}, k - 2 * hashLength(c.hash) - 2}) {
        Bytes msg = randomBytes(len);
        Bytes block = rawRsaPrivate(key, opensslEncrypt(key, msg, setup));
        EXPECT_EQ(oaepUnpad(block, k, params), msg) << "length " << len;
        OaepParams otherLabel = params;
        otherLabel.label.push_back('!');
        EXPECT_EQ(errcOf([&] { oaepUnpad(block, k, otherLabel); }), Errc::dataInvalid);
        Bytes tampered = flipped(block, k - 1);
        EXPECT_EQ(errcOf([&] { oaepUnpad(tampered, k, params); }), Errc::dataInvalid);
        Bytes yNonZero = block;
        yNonZero[0] = 0x01;
        EXPECT_EQ(errcOf([&] { oaepUnpad(yNonZero, k, params); }), Errc::dataInvalid);
    }
}

INSTANTIATE_TEST_SUITE_P(HashesAndLabels, OaepInterop,
                         ::testing::Values(OaepCase{HashAlg::sha1, HashAlg::sha1, ""},
                                           OaepCase{HashAlg::sha256, HashAlg::sha256, "label"},
                                           OaepCase{HashAlg::sha512, HashAlg::sha1, "x"},
                                           OaepCase{HashAlg::sha384, HashAlg::sha384, ""}));

TEST(OaepUnpad, RejectsBlocksTooSmallForTheHash)
{
    OaepParams p{HashAlg::sha256, HashAlg::sha256, {}};
    EXPECT_EQ(errcOf([&] { oaepUnpad(Bytes(65, 0), 65, p); }), Errc::dataInvalid);
    EXPECT_EQ(errcOf([&] { oaepUnpad(Bytes(67, 0), 66, p); }), Errc::dataInvalid);
}

} // namespace
} // namespace tessera::crypto
