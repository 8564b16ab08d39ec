// PIV PIN commands against recorded exchanges: VERIFY (padding, sensitive
// marking, wrong and blocked PINs, length limits), PIN status, the reset of
// the security status with its fallback quirk, CHANGE REFERENCE DATA; and the PIN rule (withVerifiedPin) on the wire.
#include <gtest/gtest.h>

#include "card-drivers/pin_rule.hpp"
#include "card-drivers/piv/piv_card.hpp"
#include "common/error.hpp"
#include "piv_test_support.hpp"
#include "replay_channel.hpp"

using namespace tessera;
using namespace tessera::drivers;
using tessera::test::ReplayChannel;

namespace {

const std::string kVerify123456 = "0020008008 313233343536FFFF";

class PivPinTest : public ::testing::Test {
protected:
    ReplayChannel ch;
    piv::PivCard card{ch};
    SecureBytes pin{std::string_view("123456")};
};

} // namespace

TEST_F(PivPinTest, VerifySendsPaddedSensitivePin)
{
    ch.expect(kVerify123456, "9000");
    card.verifyPin(0x80, pin);
    ASSERT_EQ(ch.sent().size(), 1u);
    EXPECT_TRUE(ch.sent()[0].sensitive);
    ch.expect("0020008008 3132333435363738", "9000");
    card.verifyPin(0x80, SecureBytes(std::string_view("12345678")));
}

TEST_F(PivPinTest, WrongPinCarriesTriesLeft)
{
    ch.expect(kVerify123456, "63C2");
    try {
        card.verifyPin(0x80, pin);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::pinIncorrect);
        EXPECT_EQ(e.retriesLeft(), 2);
    }
}

TEST_F(PivPinTest, BlockedPin)
{
    ch.expect(kVerify123456, "6983");
    try {
        card.verifyPin(0x80, pin);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::pinLocked);
    }
}

TEST_F(PivPinTest, PinLengthIsCheckedBeforeAnyApdu)
{
    for (const char* bad : {"", "12345", "123456789"}) {
        try {
            card.verifyPin(0x80, SecureBytes(std::string_view(bad)));
            ADD_FAILURE() << "accepted length " << std::string_view(bad).size();
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::pinLenRange);
        }
    }
    EXPECT_THROW(card.changePin(0x80, pin, SecureBytes(std::string_view("123"))), Error);
    EXPECT_EQ(ch.transmitted(), 0u);
}

TEST_F(PivPinTest, PinStatus)
{
    ch.expect(test::kPinStatusCmd, "63C3");
    EXPECT_EQ(card.readPinInfo(0x80).triesLeft, 3);
    ch.expect(test::kPinStatusCmd, "6983");
    EXPECT_EQ(card.readPinInfo(0x80).triesLeft, 0);
    ch.expect(test::kPinStatusCmd, "9000"); // verified; no metadata known: unknown
    PinInfo info = card.readPinInfo(0x80);
    EXPECT_EQ(info.triesLeft, -1);
    EXPECT_EQ(info.minLength, 6u);
    EXPECT_EQ(info.maxLength, 8u);
}

TEST_F(PivPinTest, VerifiedPinStatusUsesYubiKeyMetadata)
{
    ch.expect(test::kVersionCmd, "050701 9000");
    ch.expect(test::kSerialCmd, "00000001 9000");
    ch.expect(test::kPinStatusCmd, "9000");
    ch.expect(test::metadataHex(0x80), "0101FF 050100 06020504 9000");
    for (std::size_t i = 0; i < piv::kPrimarySlotCount; ++i) {
        ch.expect(test::getDataHex(piv::kKeySlots[i].containerTag), "6A82");
        ch.expect(test::metadataHex(piv::kKeySlots[i].reference), "6A82");
    }
    ch.expect(test::getDataHex(0x5FC10C), "6A82");
    TokenModel t = card.readToken();
    EXPECT_EQ(t.userPin.triesLeft, 4);
    EXPECT_EQ(t.userPin.maxTries, 5);
}

TEST_F(PivPinTest, ResetConfirmedOnceThenTrusted)
{
    ch.expect(test::kPinResetCmd, "9000");
    ch.expect(test::kPinStatusCmd, "63C3"); // first time: confirm "not verified"
    EXPECT_TRUE(card.resetPinState(0x80));
    EXPECT_TRUE(card.quirks().pinReset.pinResetConfirmed);
    ch.expect(test::kPinResetCmd, "9000");
    EXPECT_TRUE(card.resetPinState(0x80));
    EXPECT_FALSE(card.quirks().pinReset.noPinReset);
}

TEST_F(PivPinTest, ResetRefusedSetsQuirkAndSkipsLaterAttempts)
{
    ch.expect(test::kPinResetCmd, "6A86");
    EXPECT_FALSE(card.resetPinState(0x80));
    EXPECT_TRUE(card.quirks().pinReset.noPinReset);
    EXPECT_FALSE(card.resetPinState(0x80)); // no APDU this time
    EXPECT_EQ(ch.transmitted(), 1u);
}

TEST_F(PivPinTest, ResetIgnoredByCardIsDetected)
{
    ch.expect(test::kPinResetCmd, "9000");
    ch.expect(test::kPinStatusCmd, "9000"); // still verified: P1 was ignored
    EXPECT_FALSE(card.resetPinState(0x80));
    EXPECT_TRUE(card.quirks().pinReset.noPinReset);
}

TEST_F(PivPinTest, ResetTransientFailureDoesNotSetQuirk)
{
    ch.expect(test::kPinResetCmd, "6F00");
    EXPECT_FALSE(card.resetPinState(0x80));
    EXPECT_FALSE(card.quirks().pinReset.noPinReset);
}

TEST_F(PivPinTest, ChangePin)
{
    ch.expect("0024008010 313233343536FFFF 3635343332313030", "9000");
    card.changePin(0x80, pin, SecureBytes(std::string_view("65432100")));
    EXPECT_TRUE(ch.sent().back().sensitive);
    ch.expect("0024008010 313233343536FFFF 363534333231FFFF", "63C1");
    try {
        card.changePin(0x80, pin, SecureBytes(std::string_view("654321")));
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::pinIncorrect);
        EXPECT_EQ(e.retriesLeft(), 1);
    }
}

// The PIN rule on the wire: SELECT, VERIFY, operation, VERIFY P1=FF, all in
// one transaction that ends leaving the card; the result comes back.
TEST_F(PivPinTest, WithVerifiedPinRunsOneTransaction)
{
    CardKey key = piv::makeCardKey(*piv::findSlot(0x9E), {KeyAlgorithm::ecP256, 256, {}, {}}, std::nullopt);
    Bytes hash(32, 0x42);
    const std::string sign = "0087119E 26 7C24 8200 8120" + test::hex(hash) + "00";
    ch.expect(test::selectHex(), test::kSelectAnswer);
    ch.expect(kVerify123456, "9000");
    ch.expect(sign, "7C0A 8208 3006020101020102 9000");
    ch.expect(test::kPinResetCmd, "9000");
    ch.expect(test::kPinStatusCmd, "63C3");
    Bytes raw = withVerifiedPin(ch, card, 0x80, &pin, [&] { return card.sign(key, hash); });
    EXPECT_EQ(raw.size(), 64u);
    EXPECT_EQ(ch.transactions(), 1u);
    const std::vector<std::string> expected{"begin",
                                            "apdu " + ReplayChannel::normalise(test::selectHex()),
                                            "apdu " + ReplayChannel::normalise(kVerify123456),
                                            "apdu " + ReplayChannel::normalise(sign),
                                            "apdu " + ReplayChannel::normalise(test::kPinResetCmd),
                                            "apdu " + ReplayChannel::normalise(test::kPinStatusCmd),
                                            "end leave"};
    EXPECT_EQ(ch.events(), expected);

    // Second operation: the reset is trusted now, four APDUs.
    ch.expect(test::selectHex(), test::kSelectAnswer);
    ch.expect(kVerify123456, "9000");
    ch.expect(sign, "7C0A 8208 3006020101020102 9000");
    ch.expect(test::kPinResetCmd, "9000");
    withVerifiedPin(ch, card, 0x80, &pin, [&] { return card.sign(key, hash); });
    EXPECT_EQ(ch.transactions(), 2u);
    EXPECT_EQ(ch.events().back(), "end leave");
}

TEST_F(PivPinTest, WithVerifiedPinEndsWithCardResetWhenFFIsRefused)
{
    CardKey key = piv::makeCardKey(*piv::findSlot(0x9A), {KeyAlgorithm::ecP256, 256, {}, {}}, std::nullopt);
    Bytes hash(32, 0x42);
    const std::string sign = "0087119A 26 7C24 8200 8120" + test::hex(hash) + "00";
    ch.expect(test::selectHex(), test::kSelectAnswer);
    ch.expect(kVerify123456, "9000");
    ch.expect(sign, "7C0A 8208 3006020101020102 9000");
    ch.expect(test::kPinResetCmd, "6D00");
    withVerifiedPin(ch, card, 0x80, &pin, [&] { return card.sign(key, hash); });
    EXPECT_EQ(ch.events().back(), "end reset");

    // Next time the refusal is known: no VERIFY FF is sent, still a card reset.
    ch.expect(test::selectHex(), test::kSelectAnswer);
    ch.expect(kVerify123456, "9000");
    ch.expect(sign, "7C0A 8208 3006020101020102 9000");
    withVerifiedPin(ch, card, 0x80, &pin, [&] { return card.sign(key, hash); });
    EXPECT_EQ(ch.events().back(), "end reset");
    EXPECT_EQ(ch.transactions(), 2u);
}

TEST_F(PivPinTest, WithVerifiedPinFailedOperationStillResetsPin)
{
    CardKey key = piv::makeCardKey(*piv::findSlot(0x9A), {KeyAlgorithm::ecP256, 256, {}, {}}, std::nullopt);
    Bytes hash(32, 0x42);
    ch.expect(test::selectHex(), test::kSelectAnswer);
    ch.expect(kVerify123456, "9000");
    ch.expect("0087119A 26 7C24 8200 8120" + test::hex(hash) + "00", "6A80");
    ch.expect(test::kPinResetCmd, "9000");
    ch.expect(test::kPinStatusCmd, "63C3");
    EXPECT_THROW(withVerifiedPin(ch, card, 0x80, &pin, [&] { return card.sign(key, hash); }), Error);
    EXPECT_EQ(ch.events().back(), "end leave");
}

TEST_F(PivPinTest, WithVerifiedPinWrongPinEndsTransaction)
{
    ch.expect(test::selectHex(), test::kSelectAnswer);
    ch.expect(kVerify123456, "63C2");
    try {
        withVerifiedPin(ch, card, 0x80, &pin, [] { return 0; });
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::pinIncorrect);
        EXPECT_EQ(e.retriesLeft(), 2);
    }
    EXPECT_EQ(ch.events().back(), "end leave");
}

// 6982 after the reset is "not verified" too (iso7816::interpretStatus); the
// PIV driver used to count it as unconfirmed and reset the card each time.
TEST_F(PivPinTest, ResetConfirmedBySecurityStatusAnswer)
{
    ch.expect(test::kPinResetCmd, "9000");
    ch.expect(test::kPinStatusCmd, "6982");
    EXPECT_TRUE(card.resetPinState(0x80));
    EXPECT_TRUE(card.quirks().pinReset.pinResetConfirmed);
}
