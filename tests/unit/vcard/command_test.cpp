// Virtual card transport-level behaviour: C-APDU parsing (ISO 7816-4 section 5.1
// cases 1-4, short and extended), class byte checks, SELECT (SP 800-73-4 part 2
// section 3.1.1), and vpcd control payloads.
#include "apdu/tlv.hpp"
#include "command.hpp"
#include "vcard_test_support.hpp"
#include "vpcd_server.hpp"

namespace tessera::vcard::test {
namespace {

TEST(VcardCommand, ParsesTheFourCasesShortAndExtended)
{
    auto c1 = parseCommand(fromHex("00A40400"));
    ASSERT_TRUE(c1);
    EXPECT_TRUE(c1->data.empty());
    EXPECT_FALSE(c1->hasLe);
    auto c2 = parseCommand(fromHex("00CB3FFF00"));
    ASSERT_TRUE(c2);
    EXPECT_EQ(c2->le, 256u);
    auto c3 = parseCommand(fromHex("0020008008313233343536FFFF"));
    ASSERT_TRUE(c3);
    EXPECT_EQ(c3->data.size(), 8u);
    EXPECT_FALSE(c3->hasLe);
    auto c4 = parseCommand(fromHex("00CB3FFF055C035FC10500"));
    ASSERT_TRUE(c4);
    EXPECT_EQ(c4->data.size(), 5u);
    EXPECT_EQ(c4->le, 256u);
    auto e4 = parseCommand(fromHex("00CB3FFF000005"
                                   "5C035FC105"
                                   "0000"));
    ASSERT_TRUE(e4);
    EXPECT_TRUE(e4->extended);
    EXPECT_EQ(e4->le, 65536u);
    auto e2 = parseCommand(fromHex("00CA000000 0100"));
    ASSERT_TRUE(e2);
    EXPECT_EQ(e2->le, 256u);
}

TEST(VcardCommand, RejectsMalformedLengths)
{
    EXPECT_FALSE(parseCommand(fromHex("00A404")));
    EXPECT_FALSE(parseCommand(fromHex("00A404000501")));
    EXPECT_FALSE(parseCommand(fromHex("00A40400020102030405")));
    EXPECT_FALSE(parseCommand(fromHex("00A40400000005A000")));
}

class VcardDispatch : public CardTest {};

TEST_F(VcardDispatch, WrongClassAndUnknownInstruction)
{
    EXPECT_EQ(raw("80CB3FFF055C035FC10200").sw, 0x6E00);
    EXPECT_EQ(raw("0012000000").sw, 0x6D00);
    EXPECT_EQ(raw("00CB3F").sw, 0x6700);
}

TEST_F(VcardDispatch, SelectFullAidAnswersApplicationPropertyTemplate)
{
    Answer a = raw("00A4040009A00000030800001000");
    ASSERT_EQ(a.sw, 0x9000);
    Bytes apt = childValue(a.data, 0x61);
    EXPECT_EQ(childValue(apt, 0x4F), fromHex("000010000100"));
    EXPECT_EQ(childValue(childValue(apt, 0x79), 0x4F), fromHex("A000000308"));
    Bytes algs = childValue(apt, 0xAC);
    EXPECT_TRUE(apdu::find(algs, 0x80, false).has_value());
}

TEST_F(VcardDispatch, SelectRidPrefixSelectsPiv)
{
    EXPECT_EQ(raw("00A4040005A000000308").sw, 0x9000);
    EXPECT_EQ(raw("00A4040004A0000003").sw, 0x6A82); // shorter than the RID
}

TEST_F(VcardDispatch, OtherAidDeselectsPivAndDropsThePin)
{
    ASSERT_EQ(verifyPin("123456").sw, 0x9000);
    EXPECT_EQ(raw("00A4040006D27600012401").sw, 0x6A82);
    EXPECT_FALSE(card.security().pivSelected);
    EXPECT_EQ(getData(0x5FC102).sw, 0x6985);
    EXPECT_EQ(raw("00A4040009A00000030800001000").sw, 0x9000);
    EXPECT_EQ(raw("0020008000").sw, 0x63C3); // PIN no longer verified
}

TEST_F(VcardDispatch, VpcdControlPayloads)
{
    EXPECT_EQ(handleVpcdPayload(card, fromHex("04")), atrFor(Profile::yubikey));
    ASSERT_EQ(verifyPin("123456").sw, 0x9000);
    EXPECT_TRUE(handleVpcdPayload(card, fromHex("02")).empty()); // reset
    EXPECT_FALSE(card.security().pinVerified);
    ASSERT_EQ(verifyPin("123456").sw, 0x9000);
    handleVpcdPayload(card, fromHex("00")); // power off
    handleVpcdPayload(card, fromHex("01"));
    EXPECT_FALSE(card.security().pinVerified);
    Bytes r = handleVpcdPayload(card, fromHex("00A4040005A000000308"));
    ASSERT_GE(r.size(), 2u);
    EXPECT_EQ(r[r.size() - 2], 0x90);
}

TEST(VcardAtr, PlainAtrHasAValidCheckByte)
{
    Bytes atr = atrFor(Profile::plain);
    std::uint8_t x = 0;
    for (std::size_t i = 1; i < atr.size(); ++i)
        x ^= atr[i];
    EXPECT_EQ(x, 0);
    Bytes yk = atrFor(Profile::yubikey);
    x = 0;
    for (std::size_t i = 1; i < yk.size(); ++i)
        x ^= yk[i];
    EXPECT_EQ(x, 0);
}

} // namespace
} // namespace tessera::vcard::test
