// PC/SC part 10 byte work (src/pcsc/part10.cpp): the feature list a reader
// answers, hostile lists, and the structures byte for byte against the
// layouts of pcsc-lite's reader.h (PIN_VERIFY_STRUCTURE, PIN_MODIFY_STRUCTURE).
#include <gtest/gtest.h>

#include <PCSC/reader.h>

#include <cstddef>

#include "pcsc/part10.hpp"

using namespace tessera;
using namespace tessera::pcsc;

TEST(Part10, FeatureListOfAPinPadReader)
{
    const Bytes tlv = fromHex("06 04 42330006 07 04 42330007 0A 04 4233000A 12 04 42330012 99 04 01020304");
    const ReaderFeatures f = parseFeatures(tlv);
    EXPECT_EQ(f.verifyPinDirect, 0x42330006u);
    EXPECT_EQ(f.modifyPinDirect, 0x42330007u);
    EXPECT_EQ(f.ifdPinProperties, 0x4233000Au);
    EXPECT_EQ(f.getTlvProperties, 0x42330012u);
    EXPECT_TRUE(f.pinPad());
}

TEST(Part10, VpcdHasNoPinPad)
{
    EXPECT_FALSE(parseFeatures(fromHex("12 04 42330012")).pinPad());
    EXPECT_FALSE(parseFeatures({}).pinPad());
}

TEST(Part10, HostileFeatureListsEndTheList)
{
    EXPECT_FALSE(parseFeatures(fromHex("06 04 423300")).pinPad()) << "truncated value";
    EXPECT_FALSE(parseFeatures(fromHex("06 02 4233 06")).pinPad()) << "wrong length";
    EXPECT_FALSE(parseFeatures(fromHex("06")).pinPad());
}

TEST(Part10, PinProperties)
{
    auto p = parsePinProperties(fromHex("0000 02 00"));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->lcdLayout, 0);
    EXPECT_EQ(p->entryValidation, 2);
    EXPECT_FALSE(parsePinProperties(fromHex("00 00 02")));
}

TEST(Part10, VerifyStructureMatchesReaderH)
{
    PinBlock b;
    b.blockSize = 8;
    b.minDigits = 6;
    b.maxDigits = 8;
    b.timeoutSeconds = 30;
    const Bytes apdu = fromHex("00 20 00 80 08 FFFFFFFFFFFFFFFF");
    const Bytes s = verifyPinStructure(b, apdu);
    ASSERT_EQ(s.size(), offsetof(PIN_VERIFY_STRUCTURE, abData) + apdu.size());
    EXPECT_EQ(s[offsetof(PIN_VERIFY_STRUCTURE, bTimerOut)], 30);
    EXPECT_EQ(s[offsetof(PIN_VERIFY_STRUCTURE, bmFormatString)], 0x82) << "byte units, position 0, left, ASCII";
    EXPECT_EQ(s[offsetof(PIN_VERIFY_STRUCTURE, bmPINBlockString)], 0x08);
    EXPECT_EQ(s[offsetof(PIN_VERIFY_STRUCTURE, wPINMaxExtraDigit)], 8) << "little-endian: maximum in the low byte";
    EXPECT_EQ(s[offsetof(PIN_VERIFY_STRUCTURE, wPINMaxExtraDigit) + 1], 6);
    EXPECT_EQ(s[offsetof(PIN_VERIFY_STRUCTURE, bEntryValidationCondition)], 0x02);
    EXPECT_EQ(s[offsetof(PIN_VERIFY_STRUCTURE, ulDataLength)], apdu.size());
    EXPECT_EQ(Bytes(s.begin() + offsetof(PIN_VERIFY_STRUCTURE, abData), s.end()), apdu);
}

TEST(Part10, ModifyStructureMatchesReaderH)
{
    PinBlock b;
    b.blockSize = 8;
    b.offsetOld = 0;
    b.offsetNew = 8;
    const Bytes apdu = fromHex("00 24 00 80 10 FFFFFFFFFFFFFFFF FFFFFFFFFFFFFFFF");
    const Bytes s = modifyPinStructure(b, apdu);
    ASSERT_EQ(s.size(), offsetof(PIN_MODIFY_STRUCTURE, abData) + apdu.size());
    EXPECT_EQ(s[offsetof(PIN_MODIFY_STRUCTURE, bInsertionOffsetNew)], 8);
    EXPECT_EQ(s[offsetof(PIN_MODIFY_STRUCTURE, bConfirmPIN)], 0x03) << "current PIN, new PIN twice";
    EXPECT_EQ(s[offsetof(PIN_MODIFY_STRUCTURE, ulDataLength)], apdu.size());
    b.askCurrent = false;
    b.confirmNew = false;
    EXPECT_EQ(modifyPinStructure(b, apdu)[offsetof(PIN_MODIFY_STRUCTURE, bConfirmPIN)], 0x00);
}

TEST(Part10, TlvPropertiesGiveThePinSizeLimits)
{
    // wLcdLayout 0000, bMinPINSize 4, bMaxPINSize 12, dwMaxAPDUDataSize 65536
    const TlvProperties t = parseTlvProperties(fromHex("01020000 060104 07010C 0A0400000100"));
    EXPECT_EQ(t.minPinSize, 4);
    EXPECT_EQ(t.maxPinSize, 12);
    EXPECT_EQ(parseTlvProperties(fromHex("0601")).minPinSize, 0) << "truncated";
    EXPECT_EQ(parseTlvProperties(fromHex("06020405")).minPinSize, 0) << "wrong length is skipped";
}
