// PIN and PUK behaviour of the virtual card (SP 800-73-4 part 2 sections 3.2.1-3.2.3):
// retry counters, blocking, status query, P1=FF reset, change, unblock with the PUK.
#include "vcard_test_support.hpp"

namespace tessera::vcard::test {
namespace {

class VcardPin : public CardTest {};

Bytes pair(const std::string& a, const std::string& b)
{
    return concat(padPin(a), padPin(b));
}

TEST_F(VcardPin, WrongPinCountsDownThenBlocks)
{
    EXPECT_EQ(verifyPin("000000").sw, 0x63C2);
    EXPECT_EQ(verifyPin("000000").sw, 0x63C1);
    EXPECT_EQ(verifyPin("000000").sw, 0x63C0);
    EXPECT_EQ(verifyPin("123456").sw, 0x6983);
    EXPECT_EQ(raw("0020008000").sw, 0x6983);
    EXPECT_FALSE(card.security().pinVerified);
}

TEST_F(VcardPin, RightPinResetsTheCounter)
{
    EXPECT_EQ(verifyPin("000000").sw, 0x63C2);
    EXPECT_EQ(verifyPin("123456").sw, 0x9000);
    EXPECT_EQ(card.state().pin.triesLeft, 3);
}

TEST_F(VcardPin, EmptyVerifyReportsStatus)
{
    EXPECT_EQ(raw("0020008000").sw, 0x63C3);
    ASSERT_EQ(verifyPin("123456").sw, 0x9000);
    EXPECT_EQ(raw("0020008000").sw, 0x9000);
}

TEST_F(VcardPin, VerifyP1FFResetsTheSecurityStatus)
{
    ASSERT_EQ(verifyPin("123456").sw, 0x9000);
    EXPECT_EQ(raw("0020FF8000").sw, 0x9000);
    EXPECT_FALSE(card.security().pinVerified);
    EXPECT_EQ(raw("0020008000").sw, 0x63C3);
    EXPECT_EQ(card.state().pin.triesLeft, 3); // a reset costs no try
}

TEST_F(VcardPin, WrongLengthAndReferences)
{
    EXPECT_EQ(raw("0020008006313233343536").sw, 0x6A80);
    EXPECT_EQ(raw("0020000008313233343536FFFF").sw, 0x6A88); // global PIN not supported
    EXPECT_EQ(raw("0020008108313233343536FFFF").sw, 0x6A88);
}

TEST_F(VcardPin, ChangePin)
{
    EXPECT_EQ(send(0x24, 0x00, 0x80, pair("999999", "654321"), -1).sw, 0x63C2);
    EXPECT_EQ(send(0x24, 0x00, 0x80, pair("123456", "654321"), -1).sw, 0x9000);
    EXPECT_FALSE(card.state().pin.isDefault);
    EXPECT_EQ(verifyPin("123456").sw, 0x63C2);
    EXPECT_EQ(verifyPin("654321").sw, 0x9000);
    EXPECT_EQ(send(0x24, 0x00, 0x80, pair("654321", "12345"), -1).sw, 0x6A80); // too short
}

TEST_F(VcardPin, ResetRetryCounterWithPuk)
{
    for (int i = 0; i < 3; ++i)
        verifyPin("000000");
    ASSERT_EQ(verifyPin("123456").sw, 0x6983);
    EXPECT_EQ(send(0x2C, 0x00, 0x80, pair("00000000", "111111"), -1).sw, 0x63C2);
    EXPECT_EQ(send(0x2C, 0x00, 0x80, pair("12345678", "111111"), -1).sw, 0x9000);
    EXPECT_EQ(verifyPin("111111").sw, 0x9000);
    EXPECT_EQ(card.state().puk.triesLeft, 3);
}

TEST_F(VcardPin, PukBlocksToo)
{
    for (int i = 0; i < 3; ++i)
        send(0x2C, 0x00, 0x80, pair("00000000", "111111"), -1);
    EXPECT_EQ(send(0x2C, 0x00, 0x80, pair("12345678", "111111"), -1).sw, 0x6983);
    EXPECT_EQ(send(0x24, 0x00, 0x81, pair("12345678", "87654321"), -1).sw, 0x6983);
}

TEST_F(VcardPin, ChangePuk)
{
    EXPECT_EQ(send(0x24, 0x00, 0x81, pair("12345678", "87654321"), -1).sw, 0x9000);
    EXPECT_EQ(send(0x2C, 0x00, 0x80, pair("87654321", "123456"), -1).sw, 0x9000);
}

class VcardPlainPin : public CardTest {
protected:
    VcardPlainPin() : CardTest(provisionedState(Profile::plain)) {}
};

TEST_F(VcardPlainPin, PlainProfileWantsDigits)
{
    EXPECT_EQ(send(0x24, 0x00, 0x80, pair("123456", "abcdef"), -1).sw, 0x6A80);
    EXPECT_EQ(send(0x24, 0x00, 0x80, pair("123456", "24681357"), -1).sw, 0x9000);
}

} // namespace
} // namespace tessera::vcard::test
