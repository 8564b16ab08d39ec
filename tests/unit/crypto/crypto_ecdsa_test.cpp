// ECDSA DER <-> raw r||s conversion (with short r, malformed DER from a card)
// and the EC point forms accepted at the PKCS#11 boundary (raw or wrapped in
// a DER OCTET STRING, short and long length forms).
#include "crypto_test_util.hpp"

#include "common/error.hpp"

#include <openssl/ec.h>

#include <gtest/gtest.h>

namespace tessera::crypto {
namespace {

using namespace test;

TEST(EcdsaEncoding, RoundTripOpenSslSignatures)
{
    for (auto [spec, field] : {std::pair{"EC:P-256", 32}, std::pair{"EC:P-384", 48}, std::pair{"EC:P-521", 66}}) {
        EVP_PKEY* key = testKey(spec);
        Bytes der = opensslDigestSign(key, EVP_sha256(), bytesOf("m"));
        Bytes raw = ecdsaDerToRaw(der, static_cast<size_t>(field));
        EXPECT_EQ(raw.size(), 2u * static_cast<size_t>(field)) << spec;
        EXPECT_EQ(ecdsaRawToDer(raw), der) << spec;
    }
}

TEST(EcdsaEncoding, ShortRKeepsLeadingZeros)
{
    // r's DER INTEGER is shorter than the field when r < 2^247 (about 1 in 512
    // P-256 signatures); 12000 tries miss one with probability below 1e-10.
    EVP_PKEY* key = testKey("EC:P-256");
    bool seen = false;
    for (int i = 0; i < 12000 && !seen; ++i) {
        Bytes der = opensslDigestSign(key, EVP_sha256(), bytesOf("m" + std::to_string(i)));
        Bytes raw = ecdsaDerToRaw(der, 32);
        ASSERT_EQ(raw.size(), 64u);
        ASSERT_EQ(ecdsaRawToDer(raw), der);
        if (der[3] < 0x20) { // SEQUENCE header (2 bytes, P-256), INTEGER tag, r length
            seen = true;
            EXPECT_EQ(raw[0], 0x00);
            const ByteView rDer = ByteView(der).subspan(4, der[3]);
            EXPECT_EQ(Bytes(raw.begin() + 32 - der[3], raw.begin() + 32), Bytes(rDer.begin(), rDer.end()));
        }
    }
    EXPECT_TRUE(seen) << "no signature with a short r in 12000 tries";
}

TEST(EcdsaEncoding, KnownSmallValues)
{
    // SEQUENCE{INTEGER 1, INTEGER 0x80 (needs a 00 sign byte)}
    Bytes der = fromHex("3007020101020200 80");
    Bytes raw = ecdsaDerToRaw(der, 4);
    EXPECT_EQ(toHex(raw), "0000000100000080");
    EXPECT_EQ(ecdsaRawToDer(raw), der);
}

TEST(EcdsaEncoding, MalformedDerIsRejected)
{
    const std::pair<const char*, const char*> cases[] = {
        {"empty", ""},
        {"garbage", "DEADBEEF"},
        {"truncated", "30070201010202"},
        {"trailing byte", "300602010102010100"},
        {"long-form length", "308106020101020101"},
        {"padded INTEGER", "3007020200010201 01"},
        {"negative r", "30060201FF020101"},
        {"zero r", "3006020100020101"},
        {"r longer than field", "300B020601020304050602 0101"},
        {"three INTEGERs", "3009020101020101020101"},
        {"wrong outer tag", "3106020101020101"},
    };
    for (const auto& [what, hex] : cases)
        EXPECT_EQ(errcOf([&] { ecdsaDerToRaw(fromHex(hex), 4); }), Errc::dataInvalid) << what;
    EXPECT_EQ(errcOf([&] { ecdsaDerToRaw(fromHex("3006020101020101"), 0); }), Errc::argumentsBad);
}

TEST(EcdsaEncoding, TruncatedSignaturesNeverCrash)
{
    Bytes der = opensslDigestSign(testKey("EC:P-384"), EVP_sha384(), bytesOf("m"));
    for (size_t n = 0; n < der.size(); ++n)
        EXPECT_EQ(errcOf([&] { ecdsaDerToRaw(ByteView(der.data(), n), 48); }), Errc::dataInvalid) << n;
}

TEST(EcdsaEncoding, RawMustBeEvenAndNonEmpty)
{
    EXPECT_EQ(errcOf([] { ecdsaRawToDer(Bytes{}); }), Errc::dataLenRange);
    EXPECT_EQ(errcOf([] { ecdsaRawToDer(Bytes(3, 1)); }), Errc::dataLenRange);
}

TEST(OctetString, ShortAndLongLengths)
{
    EXPECT_EQ(toHex(wrapOctetString(Bytes{})), "0400");
    EXPECT_EQ(toHex(wrapOctetString(Bytes{0xAB})), "0401AB");
    Bytes p256(65, 0x04);
    EXPECT_EQ(toHex(ByteView(wrapOctetString(p256)).first(3)), "044104");
    Bytes p521(133, 0x04);
    Bytes w = wrapOctetString(p521);
    EXPECT_EQ(w.size(), 136u);
    EXPECT_EQ(toHex(ByteView(w).first(3)), "048185");
    EXPECT_EQ(toHex(ByteView(wrapOctetString(Bytes(300, 0))).first(4)), "0482012C");
}

TEST(NormalizeEcPoint, AcceptsRawAndWrappedForms)
{
    for (size_t field : {32u, 48u, 66u}) {
        Bytes point = concat(Bytes{0x04}, randomBytes(2 * field));
        EXPECT_EQ(normalizeEcPoint(point, point.size()), point);
        EXPECT_EQ(normalizeEcPoint(wrapOctetString(point), point.size()), point);
    }
    Bytes x25519 = randomBytes(32);
    x25519[0] = 0x04; // a raw X25519 key may well start with 04
    EXPECT_EQ(normalizeEcPoint(x25519, 32), x25519);
    EXPECT_EQ(normalizeEcPoint(wrapOctetString(x25519), 32), x25519);
}

TEST(NormalizeEcPoint, RejectsEverythingElse)
{
    Bytes point = concat(Bytes{0x04}, randomBytes(64));
    Bytes compressed = concat(Bytes{0x02}, randomBytes(64));
    Bytes wrapped = wrapOctetString(point);
    Bytes badTag = wrapped;
    badTag[0] = 0x03;
    Bytes trailing = concat(wrapped, Bytes{0x00});
    Bytes nonMinimal = concat(Bytes{0x04, 0x81, 0x41}, point);
    for (const Bytes& b : {Bytes{}, compressed, wrapOctetString(compressed), badTag, trailing, nonMinimal,
                           Bytes(point.begin(), point.end() - 1), Bytes(wrapped.begin(), wrapped.end() - 1)})
        EXPECT_EQ(errcOf([&] { normalizeEcPoint(b, 65); }), Errc::dataInvalid) << toHex(b);
    EXPECT_EQ(errcOf([&] { normalizeEcPoint(point, 0); }), Errc::argumentsBad);
}

} // namespace
} // namespace tessera::crypto
