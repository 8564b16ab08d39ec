// Known-answer tests for hashes (FIPS 180-2 appendix "abc" vectors), the
// DigestInfo prefixes of RFC 8017 9.2 note 1 byte for byte, Hasher state
// rules, and the random source.
#include "crypto_test_util.hpp"

#include "common/error.hpp"

#include <gtest/gtest.h>

namespace tessera::crypto {
namespace {

using test::bytesOf;

struct HashVector {
    HashAlg alg;
    size_t length;
    const char* abcHex;
    const char* prefixHex;
};

// FIPS 180-2 "abc" digests; prefixes from RFC 8017 9.2 note 1.
const HashVector kVectors[] = {
    {HashAlg::sha1, 20, "A9993E364706816ABA3E25717850C26C9CD0D89D", "3021300906052B0E03021A05000414"},
    {HashAlg::sha224, 28, "23097D223405D8228642A477BDA255B32AADBCE4BDA0B3F7E36C9DA7",
     "302D300D06096086480165030402040500041C"},
    {HashAlg::sha256, 32, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
     "3031300D060960864801650304020105000420"},
    {HashAlg::sha384, 48,
     "CB00753F45A35E8BB5A03D699AC65007272C32AB0EDED1631A8B605A43FF5BED8086072BA1E7CC2358BAECA134C825A7",
     "3041300D060960864801650304020205000430"},
    {HashAlg::sha512, 64,
     "DDAF35A193617ABACC417349AE20413112E6FA4E89A97EA20A9EEEE64B55D39A2192992A274FC1A836BA3C23A3FEEBBD"
     "454D4423643CE80E2A9AC94FA54CA49F",
     "3051300D060960864801650304020305000440"},
};

class HashKat : public ::testing::TestWithParam<HashVector> {};

TEST_P(HashKat, LengthAndAbcDigest)
{
    const auto& v = GetParam();
    EXPECT_EQ(hashLength(v.alg), v.length);
    EXPECT_EQ(toHex(digest(v.alg, bytesOf("abc"))), v.abcHex);
}

TEST_P(HashKat, DigestInfoIsPrefixPlusHashByteExact)
{
    const auto& v = GetParam();
    Bytes h = digest(v.alg, bytesOf("abc"));
    EXPECT_EQ(toHex(digestInfo(v.alg, h)), std::string(v.prefixHex) + v.abcHex);
}

TEST_P(HashKat, HashFromDigestInfoRoundTrips)
{
    const auto& v = GetParam();
    Bytes di = digestInfo(v.alg, digest(v.alg, bytesOf("x")));
    EXPECT_EQ(hashFromDigestInfo(di), v.alg);
    Bytes truncated(di.begin(), di.end() - 1);
    EXPECT_EQ(hashFromDigestInfo(truncated), std::nullopt);
    di.push_back(0);
    EXPECT_EQ(hashFromDigestInfo(di), std::nullopt);
}

TEST_P(HashKat, DigestInfoRejectsWrongHashLength)
{
    const auto& v = GetParam();
    Bytes wrong(v.length + 1, 0xAB);
    try {
        digestInfo(v.alg, wrong);
        FAIL() << "expected dataLenRange";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::dataLenRange);
    }
}

TEST_P(HashKat, HasherIncrementalMatchesOneShot)
{
    const auto& v = GetParam();
    Hasher h(v.alg);
    h.update(bytesOf("a"));
    h.update(Bytes{});
    h.update(bytesOf("bc"));
    EXPECT_EQ(toHex(h.finish()), v.abcHex);
}

TEST_P(HashKat, FinishIntoWritesTheDigestAndNeedsTheExactLength)
{
    const auto& v = GetParam();
    Hasher h(v.alg);
    h.update(bytesOf("abc"));
    Bytes wrong(v.length - 1);
    EXPECT_THROW(h.finishInto(wrong), Error); // the Hasher is not spent by a bad buffer
    Bytes out(v.length);
    h.finishInto(out);
    EXPECT_EQ(toHex(out), v.abcHex);
    EXPECT_THROW(h.finishInto(out), Error);
}

INSTANTIATE_TEST_SUITE_P(AllHashes, HashKat, ::testing::ValuesIn(kVectors));

TEST(Digest, AlteredDigestInfoPrefixIsNotRecognised)
{
    Bytes di = digestInfo(HashAlg::sha256, digest(HashAlg::sha256, bytesOf("abc")));
    di[14] ^= 0x01; // the OID's last arc: sha256 -> another hash
    EXPECT_EQ(hashFromDigestInfo(di), std::nullopt);
    EXPECT_EQ(hashFromDigestInfo(Bytes{}), std::nullopt);
}

TEST(Digest, HasherIsSpentAfterFinishAndMovable)
{
    Hasher h(HashAlg::sha256);
    h.update(bytesOf("abc"));
    Hasher moved = std::move(h);
    EXPECT_EQ(moved.alg(), HashAlg::sha256);
    EXPECT_EQ(moved.finish().size(), 32u);
    EXPECT_THROW(moved.update(bytesOf("x")), Error);
    EXPECT_THROW(moved.finish(), Error);
}

TEST(Digest, HashNames)
{
    EXPECT_STREQ(hashName(HashAlg::sha1), "SHA1");
    EXPECT_STREQ(hashName(HashAlg::sha512), "SHA512");
}

TEST(Random, SizesAndFreshness)
{
    EXPECT_TRUE(randomBytes(0).empty());
    Bytes a = randomBytes(32);
    Bytes b = randomBytes(32);
    EXPECT_EQ(a.size(), 32u);
    EXPECT_NE(a, b);
    EXPECT_EQ(randomBytes(1000).size(), 1000u);
}

} // namespace
} // namespace tessera::crypto
