// The PIV driver on a PIN-pad reader (issue 10): the PinPadCommand it gives
// the reader (SP 800-73-4 part 2 3.2.1: ASCII padded with FF to an 8-byte
// block; 3.2.2: two such blocks for CHANGE REFERENCE DATA), the card's
// answers, and the PIN rule with the keypad: SELECT, keypad VERIFY, the
// operation and the reset in one transaction; a cancel at the reader sends
// nothing to the card.
#include <gtest/gtest.h>

#include "card-drivers/pin_rule.hpp"
#include "card-drivers/piv/piv_card.hpp"
#include "keypad_channel.hpp"
#include "piv_test_support.hpp"

using namespace tessera;
using namespace tessera::drivers;
using tessera::test::KeypadChannel;
using tessera::test::ReplayChannel;

namespace {

class PivKeypadTest : public ::testing::Test {
protected:
    KeypadChannel ch;
    piv::PivCard card{ch};
};

} // namespace

TEST_F(PivKeypadTest, VerifyTemplateIsThePaddedBlock)
{
    EXPECT_TRUE(card.pinPadUsable());
    ch.answer(0x9000);
    card.verifyPinOnPad(0x80);
    ASSERT_EQ(ch.calls().size(), 1u);
    const auto& c = ch.calls()[0];
    EXPECT_FALSE(c.change);
    EXPECT_EQ(c.templateHex, "0020008008FFFFFFFFFFFFFFFF");
    EXPECT_FALSE(c.command.apduTemplate.sensitive) << "padding only";
    EXPECT_TRUE(c.command.ascii);
    EXPECT_EQ(c.command.blockSize, 8);
    EXPECT_EQ(c.command.minDigits, 6);
    EXPECT_EQ(c.command.maxDigits, 8);
    EXPECT_EQ(ch.transmitted(), 0u) << "the PIN went through the reader, not SCardTransmit";
}

TEST_F(PivKeypadTest, CardAnswersMapAsForAGivenPin)
{
    ch.answer(0x63C2);
    try {
        card.verifyPinOnPad(0x80);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::pinIncorrect);
        EXPECT_EQ(e.retriesLeft(), 2);
    }
    ch.answer(0x6983);
    try {
        card.verifyPinOnPad(0x80);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::pinLocked);
    }
}

TEST_F(PivKeypadTest, ChangeTemplateHasTwoBlocks)
{
    ch.answer(0x9000);
    card.changePinOnPad(0x80);
    ASSERT_EQ(ch.calls().size(), 1u);
    const auto& c = ch.calls()[0];
    EXPECT_TRUE(c.change);
    EXPECT_EQ(c.templateHex, "0024008010" + std::string(32, 'F'));
    EXPECT_EQ(c.command.blockSize, 8);
    EXPECT_EQ(c.command.offsetOld, 0);
    EXPECT_EQ(c.command.offsetNew, 8);
}

TEST_F(PivKeypadTest, KeypadPinFollowsThePinRule)
{
    CardKey key = piv::makeCardKey(*piv::findSlot(0x9A), {KeyAlgorithm::ecP256, 256, {}, {}}, std::nullopt);
    Bytes hash(32, 0x42);
    const std::string sign = "0087119A 26 7C24 8200 8120" + test::hex(hash) + "00";
    ch.expect(test::selectHex(), test::kSelectAnswer);
    ch.answer(0x9000);
    ch.expect(sign, "7C0A 8208 3006020101020102 9000");
    ch.expect(test::kPinResetCmd, "9000");
    ch.expect(test::kPinStatusCmd, "63C3");
    withKeypadPin(ch, card, 0x80, [&] { return card.sign(key, hash); });
    ASSERT_EQ(ch.calls().size(), 1u);
    EXPECT_TRUE(ch.calls()[0].inTransaction) << "the keypad VERIFY sits inside the operation's transaction";
    EXPECT_EQ(ch.transactions(), 1u);
    const std::vector<std::string> expected{"begin",
                                            "apdu " + ReplayChannel::normalise(test::selectHex()),
                                            "apdu " + ReplayChannel::normalise(sign),
                                            "apdu " + ReplayChannel::normalise(test::kPinResetCmd),
                                            "apdu " + ReplayChannel::normalise(test::kPinStatusCmd),
                                            "end leave"};
    EXPECT_EQ(ch.events(), expected);
}

TEST_F(PivKeypadTest, CancelAtTheReaderSendsNothingMore)
{
    ch.expect(test::selectHex(), test::kSelectAnswer);
    ch.answerError(Errc::cancelled);
    bool ran = false;
    try {
        withKeypadPin(ch, card, 0x80, [&] {
            ran = true;
            return 0;
        });
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::cancelled);
    }
    EXPECT_FALSE(ran);
    EXPECT_EQ(ch.transmitted(), 1u) << "only the SELECT: no operation, no reset needed";
}
