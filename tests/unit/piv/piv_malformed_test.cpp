// Hostile card data for the PIV driver: table-driven malformed containers
// (truncated 53, missing 70, garbage certificate, bad gzip, inflation bombs)
// must be rejected cleanly — a skipped key or Error(malformedResponse) —
// and a token read must survive them with the other slots intact.
#include <gtest/gtest.h>

#include "apdu/tlv.hpp"
#include "card-drivers/piv/piv_card.hpp"
#include "card-drivers/piv/piv_containers.hpp"
#include "card-drivers/piv/piv_keys.hpp"
#include "common/error.hpp"
#include "piv_test_support.hpp"
#include "replay_channel.hpp"

using namespace tessera;
using namespace tessera::drivers;
using tessera::test::ReplayChannel;

namespace {

struct MalformedCase {
    const char* name;
    const char* hex; // GET DATA answer data (no SW)
};

const MalformedCase kMalformedContainers[] = {
    {"truncated 53", "538201000102030405"},
    {"53 with trailing bytes", "530271000000"},
    {"two top-level objects", "5300 5300"},
    {"not 53", "5402 7000"},
    {"70 missing", "5305 710100 FE00"},
    {"70 overruns 53", "5304 7010AABB"},
    {"CertInfo two bytes", "5308 7002AABB 71020100"},
    {"gzip flag on garbage", "5309 7004DEADBEEF 710101"},
    {"indefinite length", "5380 7000 0000"},
    {"length of 5 bytes", "5385 0000000001 00"},
    {"empty", ""},
};

} // namespace

TEST(PivContainers, MalformedContainersThrowMalformedResponse)
{
    for (const auto& c : kMalformedContainers) {
        SCOPED_TRACE(c.name);
        Bytes data = fromHex(c.hex);
        try {
            (void)piv::parseCertificateContainer(data);
            ADD_FAILURE() << "accepted";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::malformedResponse) << e.what();
        }
    }
}

TEST(PivContainers, EmptyContainersAreNoCertificate)
{
    EXPECT_FALSE(piv::parseCertificateContainer(fromHex("5300")).has_value());
    EXPECT_FALSE(piv::parseCertificateContainer(fromHex("5307 7000 710100 FE00")).has_value());
}

TEST(PivContainers, PaddingBetweenObjectsIsAccepted)
{
    auto der = piv::parseCertificateContainer(fromHex("530A 7003010203 00 710100 FF"));
    ASSERT_TRUE(der.has_value());
    EXPECT_EQ(*der, fromHex("010203"));
}

TEST(PivContainers, GunzipIsBounded)
{
    Bytes zeros(200 * 1024, 0x00);
    Bytes bomb = test::gzip(zeros);
    EXPECT_LT(bomb.size(), 1024u);
    EXPECT_THROW((void)piv::gunzipBounded(bomb), Error);
    EXPECT_EQ(piv::gunzipBounded(bomb, zeros.size()), zeros);
    Bytes truncated(bomb.begin(), bomb.begin() + static_cast<std::ptrdiff_t>(bomb.size() / 2));
    try {
        (void)piv::gunzipBounded(truncated, zeros.size());
        ADD_FAILURE() << "truncated gzip accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::malformedResponse);
    }
    EXPECT_THROW((void)piv::gunzipBounded(fromHex("1F8B0800")), Error);
    EXPECT_THROW((void)piv::gunzipBounded(Bytes{}), Error);
}

TEST(PivContainers, KeyHistoryCountIsCappedAndChecked)
{
    EXPECT_EQ(piv::parseKeyHistoryOnCardCount(fromHex("5306 C10103 C20100")), 3u);
    EXPECT_EQ(piv::parseKeyHistoryOnCardCount(fromHex("5303 C101FF")), 20u);
    EXPECT_EQ(piv::parseKeyHistoryOnCardCount(fromHex("5303 C20105")), 0u);
    EXPECT_THROW((void)piv::parseKeyHistoryOnCardCount(fromHex("5304 C1020102")), Error);
    EXPECT_THROW((void)piv::parseKeyHistoryOnCardCount(fromHex("5305 C101")), Error);
}

TEST(PivKeys, GarbageCertificatesAreNotKeys)
{
    EXPECT_FALSE(piv::keyFromCertificate(fromHex("DEADBEEF")).has_value());
    EXPECT_FALSE(piv::keyFromCertificate(fromHex("3082FFFF3082")).has_value());
    EXPECT_FALSE(piv::keyFromCertificate(Bytes{}).has_value());
    // A P-521 certificate is valid X.509 but no PIV key.
    auto p521 = test::makeEcKey("P-521");
    EXPECT_FALSE(piv::keyFromCertificate(test::selfSignedCertificate(p521.get(), "x")).has_value());
}

TEST(PivKeys, TrailingBytesAfterCertificateAreDropped)
{
    auto key = test::makeEcKey("P-256");
    Bytes cert = test::selfSignedCertificate(key.get(), "trailing");
    Bytes padded = cert;
    padded.insert(padded.end(), {0x00, 0x00, 0xFF});
    auto info = piv::keyFromCertificate(padded);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->certificate, cert);
}

TEST(PivKeys, MetadataKeyErrors)
{
    EXPECT_THROW((void)piv::keyFromMetadata(0x11, fromHex("8603040102")), Error); // not on curve / short
    EXPECT_THROW((void)piv::keyFromMetadata(0x11, fromHex("8100")), Error);       // no 86
    EXPECT_THROW((void)piv::keyFromMetadata(0x07, fromHex("810101")), Error);     // no exponent
    EXPECT_THROW((void)piv::keyFromMetadata(0x99, fromHex("860100")), Error);     // unknown algorithm
    EXPECT_THROW((void)piv::keyFromMetadata(0x11, fromHex("8605")), Error);       // truncated TLV
}

// A full token read over hostile containers: each bad slot is skipped, the
// good one survives, and nothing throws.
TEST(PivTokenMalformed, BadContainersSkipOnlyTheirSlot)
{
    auto key = test::makeEcKey("P-256");
    Bytes cert = test::selfSignedCertificate(key.get(), "good");
    ReplayChannel ch;
    ch.expect(test::selectHex(), test::kSelectAnswer);
    ch.expect(test::kVersionCmd, "6D00");
    ch.expect(test::getDataHex(0x5FC102), "53 05 3403 010203 9000"); // short GUID: not a GUID (16 bytes)
    ch.expect(test::kPinStatusCmd, "63C3");
    ch.expect(test::getDataHex(0x5FC105), "538201000102030405 9000");       // truncated 53
    ch.expect(test::getDataHex(0x5FC10A), "5305 710100 FE00 9000");         // 70 missing
    ch.expect(test::getDataHex(0x5FC10B), "5308 7004DEADBEEF FE00 9000");   // garbage certificate
    ch.expect(test::getDataHex(0x5FC101), test::certContainerAnswer(cert)); // the good one
    ch.expect(test::getDataHex(0x5FC10C), "53 03 C101 9000");               // malformed key history
    auto card = piv::makeDriver()->probe(ch);
    ASSERT_NE(card, nullptr);
    TokenModel t;
    ASSERT_NO_THROW(t = card->readToken());
    ASSERT_EQ(t.keys.size(), 1u);
    EXPECT_EQ(t.keys[0].reference, 0x9E);
    EXPECT_TRUE(t.identity.empty()); // a 3-byte "GUID" is no identity (fuzz finding)
}

TEST(PivTokenMalformed, GarbageYubiKeyAnswersFallBack)
{
    ReplayChannel ch;
    ch.expect(test::selectHex(), test::kSelectAnswer);
    ch.expect(test::kVersionCmd, "0507 9000");          // two bytes: not a YubiKey version
    ch.expect(test::getDataHex(0x5FC102), "5381 9000"); // truncated CHUID
    ch.expect(test::kPinStatusCmd, "9000");
    for (std::uint32_t tag : {0x5FC105u, 0x5FC10Au, 0x5FC10Bu, 0x5FC101u, 0x5FC10Cu})
        ch.expect(test::getDataHex(tag), "6982");
    auto card = piv::makeDriver()->probe(ch);
    ASSERT_NE(card, nullptr);
    TokenModel t = card->readToken();
    EXPECT_EQ(t.label, "PIV Card");
    EXPECT_TRUE(t.identity.empty());
    EXPECT_EQ(t.userPin.triesLeft, -1);
    EXPECT_TRUE(t.keys.empty());
}

TEST(PivTokenMalformed, GarbageMetadataIsIgnored)
{
    auto key = test::makeEcKey("P-256");
    Bytes cert = test::selfSignedCertificate(key.get(), "meta");
    ReplayChannel ch;
    ch.expect(test::selectHex(), test::kSelectAnswer);
    ch.expect(test::kVersionCmd, "050300 9000");
    ch.expect(test::kSerialCmd, "0102 9000"); // wrong size: fall back to the CHUID
    ch.expect(test::getDataHex(0x5FC102), "6A82");
    ch.expect(test::kPinStatusCmd, "63C3");
    ch.expect(test::getDataHex(0x5FC105), test::certContainerAnswer(cert));
    ch.expect(test::metadataHex(0x9A), "0102 9000"); // truncated TLV
    for (auto [tag, slot] : {std::pair{0x5FC10Au, 0x9C}, {0x5FC10Bu, 0x9D}, {0x5FC101u, 0x9E}}) {
        ch.expect(test::getDataHex(tag), "6A82");
        ch.expect(test::metadataHex(static_cast<std::uint8_t>(slot)), "010111 9000"); // algorithm only, no key
    }
    ch.expect(test::getDataHex(0x5FC10C), "6A82");
    auto card = piv::makeDriver()->probe(ch);
    ASSERT_NE(card, nullptr);
    TokenModel t = card->readToken();
    EXPECT_EQ(t.label, "YubiKey PIV");
    EXPECT_EQ(t.model, "YubiKey 5.3.0");
    ASSERT_EQ(t.keys.size(), 1u);
    EXPECT_EQ(t.keys[0].pinPolicy, PinPolicy::once);
}

// Seeded mutations of a valid container (flipped, dropped and inserted
// bytes) either parse or throw Error; nothing else, and no crash (this test
// is most useful under ASan/UBSan).
TEST(PivContainers, MutatedContainersNeverCrash)
{
    auto key = test::makeEcKey("P-256");
    Bytes cert = test::selfSignedCertificate(key.get(), "mutant");
    for (bool compressed : {false, true}) {
        std::string answer = test::certContainerAnswer(cert, compressed);
        const Bytes valid = fromHex(answer.substr(0, answer.size() - 4));
        std::uint32_t seed = 12345;
        auto next = [&seed] {
            seed = seed * 1103515245u + 12345u;
            return seed >> 8;
        };
        for (int round = 0; round < 3000; ++round) {
            Bytes data = valid;
            const int edits = 1 + static_cast<int>(next() % 4);
            for (int e = 0; e < edits && !data.empty(); ++e) {
                const std::size_t pos = next() % data.size();
                switch (next() % 3) {
                case 0: data[pos] = static_cast<std::uint8_t>(next()); break;
                case 1: data.erase(data.begin() + static_cast<std::ptrdiff_t>(pos)); break;
                default:
                    data.insert(data.begin() + static_cast<std::ptrdiff_t>(pos), static_cast<std::uint8_t>(next()));
                }
            }
            try {
                if (auto der = piv::parseCertificateContainer(data)) (void)piv::keyFromCertificate(*der);
            } catch (const Error&) {
            }
        }
    }
}
