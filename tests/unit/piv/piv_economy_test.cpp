// PIV APDU economy (issue 8): the ATR's card capabilities decide extended
// Lc/Le, and a card that announces them gets every long answer (certificate,
// metadata, GENERAL AUTHENTICATE) in one exchange: no GET RESPONSE, no
// command chaining. A card without them keeps short APDUs.
#include <gtest/gtest.h>

#include "apdu/tlv.hpp"
#include "card-drivers/piv/piv_atr.hpp"
#include "card-drivers/piv/piv_card.hpp"
#include "common/bytes.hpp"
#include "piv_test_support.hpp"
#include "replay_channel.hpp"

using namespace tessera;
using namespace tessera::drivers;
using tessera::test::ReplayChannel;

namespace {

const std::string kYubiKey5Atr = "3BFD1300008131FE158073C021C057597562694B657940";

// Extended-form GET DATA / GET METADATA with Le = 0000 (65536).
std::string extendedGetDataHex(std::uint32_t tag)
{
    Bytes t = apdu::encodeTag(tag);
    return "00CB3FFF0000" +
           toHex(Bytes{static_cast<std::uint8_t>(t.size() + 2), 0x5C, static_cast<std::uint8_t>(t.size())}) + toHex(t) +
           "0000";
}

std::string extendedMetadataHex(std::uint8_t slot)
{
    return "00F700" + toHex(Bytes{slot}) + "000000";
}

} // namespace

TEST(PivAtr, HistoricalBytesFollowTheInterfaceBytes)
{
    // YubiKey 5: T0 FD (TA1 TB1 TC1 TD1, 13 historical bytes), TD1 81, TD2 31 (TA3 TB3).
    EXPECT_EQ(toHex(piv::atrHistoricalBytes(fromHex(kYubiKey5Atr))), "8073C021C057597562694B6579");
    // OpenPGP card 3.4: category 00, status indicator at the end.
    EXPECT_EQ(toHex(piv::atrHistoricalBytes(fromHex("3BDA18FF81B1FE751F030031F573C00160009000"))),
              "0031F573C00160009000");
    EXPECT_TRUE(piv::atrHistoricalBytes(fromHex("3BFD13")).empty()); // shorter than announced
    EXPECT_TRUE(piv::atrHistoricalBytes(fromHex("3B")).empty());
    EXPECT_TRUE(piv::atrHistoricalBytes(fromHex("3B8F8001")).empty()); // 15 historical bytes promised
}

TEST(PivAtr, CardCapabilitiesAnnounceExtendedLength)
{
    EXPECT_TRUE(piv::atrAnnouncesExtendedLength(fromHex(kYubiKey5Atr)));                                // 73 C0 21 C0
    EXPECT_TRUE(piv::atrAnnouncesExtendedLength(fromHex("3BDA18FF81B1FE751F030031F573C00160009000")));  // 73 C0 01 60
    EXPECT_FALSE(piv::atrAnnouncesExtendedLength(fromHex("3BDA18FF81B1FE751F030031C573C00180009000"))); // 73 C0 01 80
    EXPECT_FALSE(piv::atrAnnouncesExtendedLength(fromHex("3B88800154657373657261317F")));               // proprietary
    EXPECT_FALSE(piv::atrAnnouncesExtendedLength(fromHex("3B838073C021")));                             // 73 cut short
    EXPECT_FALSE(piv::atrAnnouncesExtendedLength(Bytes{}));
}

TEST(PivEconomy, ExtendedLengthCardReadsEachObjectInOneAnswer)
{
    ReplayChannel ch;
    ch.setAtr(fromHex(kYubiKey5Atr));
    ch.expect(test::selectHex(), test::kSelectAnswer);
    auto card = piv::makeDriver()->probe(ch);
    ASSERT_NE(card, nullptr);
    ch.expect(test::kVersionCmd, "050701 9000");
    ch.expect(test::kSerialCmd, "00BC614E 9000");
    ch.expect(test::kPinStatusCmd, "63C3");
    TokenModel t = card->readIdentity();
    EXPECT_FALSE(t.keysRead);
    EXPECT_TRUE(static_cast<piv::PivCard&>(*card).quirks().extendedLength);

    auto rsa = test::makeRsaKey(2048);
    const Bytes cert = test::selfSignedCertificate(rsa.get(), "PIV Auth");
    ch.expect(extendedGetDataHex(0x5FC105), test::certContainerAnswer(cert));
    ch.expect(extendedMetadataHex(0x9A), "010107 02020201 030101 9000");
    for (auto [tag, slot] : {std::pair{0x5FC10Au, 0x9C}, {0x5FC10Bu, 0x9D}, {0x5FC101u, 0x9E}}) {
        ch.expect(extendedGetDataHex(tag), "6A82");
        ch.expect(extendedMetadataHex(static_cast<std::uint8_t>(slot)), "6A82");
    }
    ch.expect(extendedGetDataHex(0x5FC10C), "6A82");
    card->readKeys(t);
    ASSERT_EQ(t.keys.size(), 1u);
    EXPECT_EQ(t.keys[0].certificate, cert);

    // One GENERAL AUTHENTICATE with extended Lc (266 bytes) and Le 0000.
    const Bytes block(256, 0x01);
    apdu::TlvWriter inner;
    inner.add(0x82, ByteView{});
    inner.add(0x81, block);
    const Bytes data = inner.wrap(0x7C);
    const Bytes sig(256, 0x5A);
    apdu::TlvWriter answer;
    answer.add(0x82, sig);
    ch.expect(
        "0087079A00" +
            toHex(Bytes{static_cast<std::uint8_t>(data.size() >> 8), static_cast<std::uint8_t>(data.size() & 0xFF)}) +
            toHex(data) + "0000",
        toHex(answer.wrap(0x7C)) + "9000");
    EXPECT_EQ(card->sign(t.keys[0], block), sig);
}

TEST(PivEconomy, CardWithoutExtendedLengthKeepsShortApdus)
{
    ReplayChannel ch;
    ch.setAtr(fromHex("3B88800154657373657261317F"));
    ch.expect(test::selectHex(), test::kSelectAnswer);
    auto card = piv::makeDriver()->probe(ch);
    ASSERT_NE(card, nullptr);
    ch.expect(test::kVersionCmd, "050701 9000");
    ch.expect(test::kSerialCmd, "00BC614E 9000");
    ch.expect(test::kPinStatusCmd, "63C3");
    TokenModel t = card->readIdentity();
    EXPECT_FALSE(static_cast<piv::PivCard&>(*card).quirks().extendedLength);
    ch.expect(test::getDataHex(0x5FC105), "6A82");
    ch.expect(test::metadataHex(0x9A), "6A82");
    for (auto [tag, slot] : {std::pair{0x5FC10Au, 0x9C}, {0x5FC10Bu, 0x9D}, {0x5FC101u, 0x9E}}) {
        ch.expect(test::getDataHex(tag), "6A82");
        ch.expect(test::metadataHex(static_cast<std::uint8_t>(slot)), "6A82");
    }
    ch.expect(test::getDataHex(0x5FC10C), "6A82");
    card->readKeys(t);
    EXPECT_TRUE(t.keys.empty());
}
