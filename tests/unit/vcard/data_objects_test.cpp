// GET DATA / PUT DATA of the virtual card (SP 800-73-4 part 2 sections 3.1.2 and
// 3.3.2): containers, access rules, empty objects, 61xx chunking for short
// commands, whole answers for extended ones, and command chaining.
#include "apdu/tlv.hpp"
#include "data_objects.hpp"
#include "vcard_test_support.hpp"

namespace tessera::vcard::test {
namespace {

class VcardData : public CardTest {};

TEST_F(VcardData, ChuidAndCccAndDiscovery)
{
    Answer chuid = getData(0x5FC102);
    ASSERT_EQ(chuid.sw, 0x9000);
    Bytes body = childValue(chuid.data, 0x53);
    EXPECT_EQ(childValue(body, 0x30).size(), 25u); // FASC-N
    EXPECT_EQ(childValue(body, 0x34).size(), 16u); // GUID
    EXPECT_EQ(childValue(body, 0x35).size(), 8u);  // YYYYMMDD
    EXPECT_TRUE(childValue(body, 0x3E).empty());
    Answer ccc = getData(0x5FC107);
    ASSERT_EQ(ccc.sw, 0x9000);
    EXPECT_EQ(childValue(childValue(ccc.data, 0x53), 0xF0).size(), 21u);
    Answer disco = getData(0x7E);
    ASSERT_EQ(disco.sw, 0x9000);
    Bytes d = childValue(disco.data, 0x7E);
    EXPECT_EQ(childValue(d, 0x4F), fromHex("A0000003080000100001 00"));
    EXPECT_EQ(childValue(d, 0x5F2F), fromHex("4000"));
}

TEST_F(VcardData, EmptyAndUnknownObjectsAreNotFound)
{
    EXPECT_EQ(getData(0x5FC106).sw, 0x6A82); // security object: not provisioned
    EXPECT_EQ(getData(0x5FC10D).sw, 0x6A82); // retired certificate 82: empty
    EXPECT_EQ(getData(0x5FC1FF).sw, 0x6A82); // no such container
    EXPECT_EQ(raw("00CB3FFF03 5D0102 00").sw, 0x6A80);
    EXPECT_EQ(raw("00CB3FFE055C035FC10200").sw, 0x6A86);
}

TEST_F(VcardData, PrintedInformationNeedsThePin)
{
    EXPECT_EQ(getData(0x5FC109).sw, 0x6982);
    ASSERT_EQ(verifyPin("123456").sw, 0x9000);
    Answer a = getData(0x5FC109);
    ASSERT_EQ(a.sw, 0x9000);
    EXPECT_FALSE(childValue(childValue(a.data, 0x53), 0x01).empty());
}

TEST_F(VcardData, LongAnswerComesIn61xxChunksForShortCommands)
{
    Answer first = raw(apduBytes(0x00, 0xCB, 0x3F, 0xFF, fromHex("5C035FC105"), 0));
    ASSERT_EQ(first.sw >> 8, 0x61);
    EXPECT_EQ(first.data.size(), 256u);
    Bytes all = first.data;
    Answer a = first;
    int rounds = 0;
    while ((a.sw >> 8) == 0x61 && rounds++ < 20) {
        a = raw(apduBytes(0x00, 0xC0, 0x00, 0x00, {}, a.sw & 0xFF));
        all.insert(all.end(), a.data.begin(), a.data.end());
    }
    EXPECT_EQ(a.sw, 0x9000);
    Bytes cert = childValue(childValue(all, 0x53), 0x70);
    EXPECT_EQ(cert, certificate(0x9A));
    EXPECT_GT(all.size(), 512u);
}

TEST_F(VcardData, ExtendedCommandGetsTheWholeAnswer)
{
    Answer a = raw(apduBytes(0x00, 0xCB, 0x3F, 0xFF, fromHex("5C035FC105"), 0, true));
    ASSERT_EQ(a.sw, 0x9000);
    EXPECT_EQ(childValue(childValue(a.data, 0x53), 0x70), certificate(0x9A));
}

TEST_F(VcardData, AnotherCommandDiscardsPendingResponse)
{
    Answer first = raw(apduBytes(0x00, 0xCB, 0x3F, 0xFF, fromHex("5C035FC105"), 0));
    ASSERT_EQ(first.sw >> 8, 0x61);
    EXPECT_EQ(raw("00A4040005A000000308").sw, 0x9000);
    EXPECT_EQ(raw("00C0000000").sw, 0x6985);
}

TEST_F(VcardData, PutDataNeedsManagementKeyAndSupportsChaining)
{
    Bytes big(1000);
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<std::uint8_t>(i);
    Bytes content = apdu::tlv(0x70, big);
    EXPECT_EQ(putData(0x5FC10D, content).sw, 0x6982);
    ASSERT_EQ(authenticateDefault().sw, 0x9000);
    ASSERT_EQ(putData(0x5FC10D, content).sw, 0x9000); // > 255 bytes: chained
    EXPECT_TRUE(card.takeDirty());
    Answer back = getData(0x5FC10D);
    ASSERT_EQ(back.sw, 0x9000);
    EXPECT_EQ(childValue(back.data, 0x53), content);
    ASSERT_EQ(putData(0x5FC10D, {}).sw, 0x9000); // empty 53 deletes
    EXPECT_EQ(getData(0x5FC10D).sw, 0x6A82);
}

TEST_F(VcardData, PutDataRejectsOversizedObjects)
{
    ASSERT_EQ(authenticateDefault().sw, 0x9000);
    Bytes huge(kMaxObjectSize + 1, 0x55);
    EXPECT_EQ(putData(0x5FC10D, huge).sw, 0x6A84);
}

} // namespace
} // namespace tessera::vcard::test
