// Unit tests of the hostile virtual card (tools/vcard/hostile_*): each byte
// transform corrupts exactly what it says, the state-file marker survives a
// save, and the wrapper serves each mode's corruption over PIV and OpenPGP
// cards in-process (61xx chunks, endless 61xx, 6Cxx, vanishing, forged 9000).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "apdu/tlv.hpp"
#include "common/error.hpp"
#include "hostile_card.hpp"
#include "hostile_transforms.hpp"
#include "openpgp_test_support.hpp"
#include "persistence.hpp"
#include "vcard_test_support.hpp"

namespace tessera::vcard::test {
namespace {

struct Exchange {
    Bytes data;
    std::uint16_t sw = 0;
    std::size_t rounds = 0;
};

std::uint16_t swOf(const Bytes& r)
{
    return r.size() < 2 ? 0 : static_cast<std::uint16_t>((r[r.size() - 2] << 8) | r.back());
}

// Sends `command`, then GET RESPONSE while 61xx, at most maxRounds times.
Exchange follow(VirtualCard& card, ByteView command, std::size_t maxRounds = 100000)
{
    Exchange e;
    Bytes r = card.transmit(command);
    for (;;) {
        e.sw = swOf(r);
        if (r.size() >= 2) e.data.insert(e.data.end(), r.begin(), r.end() - 2);
        if ((e.sw >> 8) != 0x61 || e.rounds >= maxRounds) return e;
        ++e.rounds;
        const std::uint8_t get[] = {0x00, 0xC0, 0x00, 0x00, static_cast<std::uint8_t>(e.sw & 0xFF)};
        r = card.transmit(get);
    }
}

const Bytes kGetCert9A = fromHex("00CB3FFF055C035FC10500");
const Bytes kGetChuid = fromHex("00CB3FFF055C035FC10200");

// A PIV card (yubikey profile) wrapped in a HostileCard of `mode`.
struct PivHostile {
    explicit PivHostile(
        HostileMode mode, HostileCard::Vanish v = [] { FAIL() << "vanished"; })
        : piv(provisionedState()), inner(pivVirtualCard(piv)), card(*inner, mode, std::move(v))
    {
    }
    Exchange honest(ByteView command)
    {
        PivCard plain(provisionedState());
        auto p = pivVirtualCard(plain);
        return follow(*p, command);
    }
    PivCard piv;
    std::unique_ptr<VirtualCard> inner;
    HostileCard card;
};

TEST(HostileModes, NamesRoundTripAndSplitByCardType)
{
    for (bool pgp : {false, true}) {
        for (const std::string& n : hostileModeNames(pgp)) {
            auto m = parseHostileMode(n);
            ASSERT_TRUE(m) << n;
            EXPECT_EQ(hostileModeName(*m), n);
            EXPECT_EQ(isOpenPgpMode(*m), pgp) << n;
        }
    }
    EXPECT_FALSE(parseHostileMode("no-such-mode"));
}

TEST(HostileModes, MarkerSurvivesInAValidStateFile)
{
    std::string path = ::testing::TempDir() + "hostile_marker.state";
    saveState(path, provisionedState());
    EXPECT_FALSE(readHostileMarker(path));
    addHostileMarker(path, HostileMode::certTruncated);
    addHostileMarker(path, HostileMode::swVerify); // replaces, never stacks
    EXPECT_EQ(readHostileMarker(path), HostileMode::swVerify);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str().find("certTruncated"), std::string::npos);
    EXPECT_EQ(parseState(text.str()).serial, provisionedState().serial);
    std::remove(path.c_str());
}

TEST(HostileTransforms, LengthsLieAsIntended)
{
    Bytes honest = apdu::tlv(0x53, apdu::tlv(0x70, Bytes(300, 0x11)));
    EXPECT_EQ(hostile::truncateHalf(honest).size(), honest.size() / 2);
    Bytes huge = hostile::withHugeLength(honest);
    EXPECT_EQ(Bytes(huge.begin(), huge.begin() + 6), fromHex("5384FFFFFFF0"));
    EXPECT_THROW(apdu::parseAll(huge), tessera::Error);
    Bytes shortened = hostile::withShortLength(honest, 16);
    EXPECT_EQ(shortened.size(), honest.size());
    std::size_t used = 0;
    apdu::Tlv t = apdu::parseOne(shortened, used);
    EXPECT_EQ(used, shortened.size() - 16);
    EXPECT_EQ(t.tag, 0x53U);
}

TEST(HostileTransforms, NestingIsAsDeepAsAsked)
{
    Bytes nested = hostile::nestValue(apdu::tlv(0x53, Bytes{0x70, 0x00}), 0xA1, 100);
    ByteView v = nested;
    std::size_t depth = 0;
    for (;;) {
        std::vector<apdu::Tlv> items = apdu::parseAll(v);
        ASSERT_EQ(items.size(), 1U);
        if (items[0].tag == 0x70) break;
        v = items[0].value;
        ++depth;
    }
    EXPECT_EQ(depth, 101U); // 53, then 100 levels of A1
    EXPECT_THROW(apdu::find(apdu::parseAll(nested)[0].value, 0x70),
                 tessera::Error); // 53 is primitive
}

TEST(HostileTransforms, ChildrenAreShortenedDroppedReplaced)
{
    Bytes sig = apdu::tlv(0x7C, apdu::tlv(0x82, Bytes(64, 0x22)));
    EXPECT_EQ(childValue(apdu::parseAll(hostile::shortenChild(sig, 0x7C, 0x82))[0].value, 0x82).size(), 63U);
    Bytes pub = apdu::tlv(0x7F49, concat(apdu::tlv(0x81, Bytes(8, 1)), apdu::tlv(0x82, Bytes{1, 0, 1})));
    Bytes dropped = hostile::dropChildren(pub, 0x7F49, {0x81, 0x86});
    EXPECT_FALSE(apdu::find(dropped, 0x81));
    EXPECT_TRUE(apdu::find(dropped, 0x82));
    Bytes app = apdu::tlv(0x6E, apdu::tlv(0x73, apdu::tlv(0xC4, Bytes(7, 3))));
    Bytes c4 = hostile::replaceNested(app, 0x6E, 0x73, 0xC4, Bytes{1, 2});
    EXPECT_EQ(Bytes(apdu::find(c4, 0xC4)->value.begin(), apdu::find(c4, 0xC4)->value.end()), (Bytes{1, 2}));
    Bytes garbage = hostile::garbageCertificateContainer(700);
    EXPECT_EQ(apdu::parseAll(garbage)[0].tag, 0x53U);
    EXPECT_EQ(childValue(apdu::parseAll(garbage)[0].value, 0x70).size(), 700U);
}

TEST(HostileCardPiv, PassesEverythingElseThrough)
{
    PivHostile h(HostileMode::certTruncated);
    Exchange e = follow(h.card, kGetChuid);
    EXPECT_EQ(e.sw, 0x9000);
    EXPECT_EQ(e.data, h.honest(kGetChuid).data);
}

TEST(HostileCardPiv, TruncatedCertificateIsHalfTheHonestAnswer)
{
    PivHostile h(HostileMode::certTruncated);
    Exchange e = follow(h.card, kGetCert9A);
    Bytes honest = h.honest(kGetCert9A).data;
    EXPECT_EQ(e.sw, 0x9000);
    EXPECT_EQ(e.data, Bytes(honest.begin(), honest.begin() + honest.size() / 2));
    EXPECT_GT(e.rounds, 0U);
}

TEST(HostileCardPiv, HugeCertificateComesIn61xxChunks)
{
    PivHostile h(HostileMode::certHuge);
    Exchange e = follow(h.card, kGetCert9A);
    EXPECT_EQ(e.sw, 0x9000);
    EXPECT_GT(e.data.size(), 4U * 1024 * 1024);
    EXPECT_EQ(e.rounds, (e.data.size() + 255) / 256 - 1);
}

TEST(HostileCardPiv, EndlessGetResponse)
{
    PivHostile h(HostileMode::getDataEndless61);
    Exchange e = follow(h.card, kGetCert9A, 500);
    EXPECT_EQ(e.rounds, 500U);
    EXPECT_EQ(e.sw, 0x6100);
    EXPECT_EQ(follow(h.card, kGetChuid).sw, 0x9000); // another command ends it
}

TEST(HostileCardPiv, SixCxxAgainAndAgain)
{
    PivHostile h(HostileMode::getData6CLoop);
    Bytes first = h.card.transmit(kGetCert9A);
    ASSERT_EQ(first.size(), 2U);
    EXPECT_EQ(first[0], 0x6C);
    Bytes again = kGetCert9A;
    again.back() = first[1];
    Bytes second = h.card.transmit(again);
    ASSERT_EQ(second.size(), 2U);
    EXPECT_EQ(second[0], 0x6C);
    EXPECT_NE(second[1], first[1]);
}

TEST(HostileCardPiv, VanishesAtTheSecondGetResponse)
{
    int vanished = 0;
    PivHostile h(HostileMode::vanishMidChain, [&] { ++vanished; });
    Bytes r = h.card.transmit(kGetCert9A);
    ASSERT_EQ(r[r.size() - 2], 0x61);
    const std::uint8_t get[] = {0x00, 0xC0, 0x00, 0x00, 0x00};
    h.card.transmit(get);
    EXPECT_EQ(vanished, 0);
    h.card.transmit(get);
    EXPECT_EQ(vanished, 1);
}

TEST(HostileCardPiv, OddStatusWords)
{
    EXPECT_EQ(PivHostile(HostileMode::swSelect).card.transmit(fromHex("00A4040005A000000308")), fromHex("1234"));
    EXPECT_EQ(PivHostile(HostileMode::swGetData).card.transmit(kGetChuid), fromHex("9F00"));
    EXPECT_EQ(PivHostile(HostileMode::swVerify).card.transmit(fromHex("0020008000")), fromHex("6F00"));
    EXPECT_EQ(PivHostile(HostileMode::rapduShort).card.transmit(kGetCert9A), fromHex("90"));
}

TEST(HostileCardPiv, ForgedVerifyThenTheKeyStillRefuses)
{
    PivHostile h(HostileMode::verifyAcceptsAny);
    EXPECT_EQ(h.card.transmit(fromHex("0020008008393939393939FFFF")), fromHex("9000"));
    EXPECT_FALSE(h.piv.security().pinVerified);
    Bytes block(256, 0x01);
    Bytes ga = apdu::tlv(0x7C, concat(apdu::tlv(0x82, {}), apdu::tlv(0x81, block)));
    Exchange e = follow(h.card, apduBytes(0x00, 0x87, 0x07, 0x9A, ga, 0, true));
    EXPECT_EQ(e.sw, 0x6982);
}

TEST(HostileCardPiv, SignatureLosesItsLastByte)
{
    PivHostile h(HostileMode::signatureShort);
    EXPECT_EQ(h.card.transmit(fromHex("0020008008313233343536FFFF")), fromHex("9000"));
    Bytes block(256, 0xFF);
    block[0] = 0x00;
    block[1] = 0x01;
    block[255] = 0x42;
    block[254] = 0x00;
    Bytes ga = apdu::tlv(0x7C, concat(apdu::tlv(0x82, {}), apdu::tlv(0x81, block)));
    Exchange e = follow(h.card, apduBytes(0x00, 0x87, 0x07, 0x9A, ga, 0, true));
    ASSERT_EQ(e.sw, 0x9000);
    EXPECT_EQ(childValue(apdu::parseAll(e.data)[0].value, 0x82).size(), 255U);
}

// OpenPGP: the default profile's card under the pgp-* modes.
struct PgpHostile {
    explicit PgpHostile(HostileMode mode) : pgp(openPgpState("default")), card(pgp, mode) {}
    OpenPgpCard pgp;
    HostileCard card;
};

TEST(HostileCardOpenPgp, PwStatusTwoBytesLong)
{
    PgpHostile h(HostileMode::pgpC4Short);
    Exchange app = follow(h.card, fromHex("00CA006E00"));
    ASSERT_EQ(app.sw, 0x9000);
    EXPECT_EQ(apdu::find(app.data, 0xC4)->value.size(), 2U);
    EXPECT_EQ(follow(h.card, fromHex("00CA00C400")).data.size(), 2U);
}

TEST(HostileCardOpenPgp, TruncatedAndNestedApplicationData)
{
    PgpHostile t(HostileMode::pgpTruncated6E);
    EXPECT_THROW(apdu::parseAll(follow(t.card, fromHex("00CA006E00")).data), tessera::Error);
    PgpHostile n(HostileMode::pgpNestedDeep);
    Exchange e = follow(n.card, fromHex("00CA006E00"));
    EXPECT_EQ(apdu::parseAll(e.data)[0].tag, 0x6EU);
    EXPECT_TRUE(apdu::find(e.data, 0x4F, false) || apdu::find(apdu::parseAll(e.data)[0].value, 0x4F, false));
    EXPECT_THROW(apdu::find(e.data, 0xC4),
                 tessera::Error); // 100 levels of 73 around it
}

TEST(HostileCardOpenPgp, PublicKeyWithoutItsValueAndHugeCertificate)
{
    PgpHostile h(HostileMode::pgp7F49No81);
    Exchange e = follow(h.card, fromHex("0047810002B60000"));
    ASSERT_EQ(e.sw, 0x9000);
    EXPECT_FALSE(apdu::find(e.data, 0x81));
    EXPECT_FALSE(apdu::find(e.data, 0x86));
    PgpHostile c(HostileMode::pgpHuge7F21);
    EXPECT_GT(follow(c.card, fromHex("00CA7F2100")).data.size(), 4U * 1024 * 1024);
}

} // namespace
} // namespace tessera::vcard::test
