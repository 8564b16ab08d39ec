// OpenPGP PIN commands against recorded exchanges: VERIFY (raw UTF-8 bytes,
// sensitive, wrong / blocked / 6982 answers, length limits), PW status from
// C4, the reset of the verification with its fallback quirks, CHANGE
// REFERENCE DATA and RESET RETRY COUNTER, the KDF-DO (parsing and a known
// answer of the iterated-salted S2K), and the PIN rule on the wire.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "card-drivers/openpgp/openpgp_card.hpp"
#include "card-drivers/openpgp/openpgp_kdf.hpp"
#include "card-drivers/pin_rule.hpp"
#include "common/error.hpp"
#include "keypad_channel.hpp"
#include "openpgp_test_support.hpp"
#include "replay_channel.hpp"

using namespace tessera;
using namespace tessera::drivers;
using tessera::test::ReplayChannel;
namespace pgp = tessera::test::pgp;

namespace {

const std::string kVerify82 = "0020008206 313233343536";
const std::string kSalt = "0102030405060708";
// SHA-256 S2K of "123456" with salt 0102..08 over 0x20000 octets (computed with Python's hashlib).
const std::string kKdfKat = "C5221E11FFF478705134B5DE9BA248B3441D5F3CD9289D976249FCBFA8D3D802";

pgp::CardSpec shortCard(const std::string& capabilities = "70 00 0000 0800 00FF 00 00")
{
    pgp::CardSpec s;
    s.historical = fromHex("0031C5 73C00180 059000");
    s.extendedLength.reset();
    s.extendedCapabilities = fromHex(capabilities);
    s.attributes = {pgp::rsaAttributes(2048), pgp::rsaAttributes(2048), pgp::rsaAttributes(2048)};
    s.pwStatus = fromHex("00 20 20 20 03 03 03");
    return s;
}

std::string kdfDo(const std::string& hash = "08", const std::string& count = "00020000")
{
    return "8101 03 8201" + hash + "8304" + count + "8408" + kSalt + "8508 1112131415161718 8608 2122232425262728";
}

class OpenPgpPinTest : public ::testing::Test {
protected:
    void SetUp() override { card = pgp::probeCard(ch, shortCard()); }

    Error expectError(const std::function<void()>& f)
    {
        try {
            f();
        } catch (const Error& e) {
            return e;
        }
        ADD_FAILURE() << "no error";
        return Error(Errc::general, "none");
    }

    ReplayChannel ch;
    std::unique_ptr<openpgp::OpenPgpCard> card;
    SecureBytes pin{std::string_view("123456")};
};

} // namespace

TEST_F(OpenPgpPinTest, VerifySendsThePinUnpaddedAndSensitive)
{
    ch.expect(kVerify82, "9000");
    card->verifyPin(0x82, pin);
    ch.expect("0020008108 3132333435363738", "9000");
    card->verifyPin(0x81, SecureBytes(std::string_view("12345678")));
    ASSERT_EQ(ch.sent().size(), 4u);
    EXPECT_TRUE(ch.sent()[2].sensitive);
    EXPECT_TRUE(ch.sent()[3].sensitive);
    ch.expect("002000820C C3A9C3A9C3A9C3A9C3A9C3A9", "9000"); // UTF-8 bytes as they are
    card->verifyPin(0x82, SecureBytes(std::string_view("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9")));
}

TEST_F(OpenPgpPinTest, WrongPinCarriesTriesLeft)
{
    ch.expect(kVerify82, "63C2");
    Error e = expectError([&] { card->verifyPin(0x82, pin); });
    EXPECT_EQ(e.code(), Errc::pinIncorrect);
    EXPECT_EQ(e.retriesLeft(), 2);
}

TEST_F(OpenPgpPinTest, BlockedPin)
{
    ch.expect(kVerify82, "6983");
    EXPECT_EQ(expectError([&] { card->verifyPin(0x82, pin); }).code(), Errc::pinLocked);
}

TEST_F(OpenPgpPinTest, SecurityStatusAnswerReadsTheCounterFromC4)
{
    ch.expect(kVerify82, "6982");
    ch.expect(pgp::getDataHex(0xC4), "00202020 010003 9000");
    Error e = expectError([&] { card->verifyPin(0x82, pin); });
    EXPECT_EQ(e.code(), Errc::pinIncorrect);
    EXPECT_EQ(e.retriesLeft(), 1);
    ch.expect(kVerify82, "6982");
    ch.expect(pgp::getDataHex(0xC4), "C407 00202020 000003 9000"); // wrapped in C4, counter 0
    EXPECT_EQ(expectError([&] { card->verifyPin(0x82, pin); }).code(), Errc::pinLocked);
}

TEST_F(OpenPgpPinTest, PinLengthCheckedBeforeAnyApdu)
{
    const std::size_t before = ch.transmitted();
    EXPECT_EQ(expectError([&] { card->verifyPin(0x82, SecureBytes(std::string_view("12345"))); }).code(),
              Errc::pinLenRange);
    const std::string tooLong(33, '1'); // C4 says 32 at most
    EXPECT_EQ(expectError([&] { card->verifyPin(0x82, SecureBytes(std::string_view(tooLong))); }).code(),
              Errc::pinLenRange);
    EXPECT_EQ(expectError([&] { card->verifyPin(0x83, pin); }).code(), Errc::pinLenRange); // PW3: 8 at least
    EXPECT_EQ(ch.transmitted(), before);
}

TEST_F(OpenPgpPinTest, ReadPinInfoFromC4)
{
    ch.expect(pgp::getDataHex(0xC4), "01 7F 7F 7F 02 00 01 9000");
    PinInfo info = card->readPinInfo(0x82);
    EXPECT_EQ(info.reference, 0x82);
    EXPECT_EQ(info.triesLeft, 2);
    EXPECT_EQ(info.maxTries, 3);
    EXPECT_EQ(info.minLength, 6u);
    EXPECT_EQ(info.maxLength, 127u);
    EXPECT_TRUE(card->quirks().pw1ValidForSeveral);
    ch.expect(pgp::getDataHex(0xC4), "01 7F 7F 7F 02 00 01 9000");
    info = card->readPinInfo(0x83);
    EXPECT_EQ(info.triesLeft, 1);
    EXPECT_EQ(info.minLength, 8u);
}

TEST_F(OpenPgpPinTest, ResetIsConfirmedOnceThenTrusted)
{
    ch.expect("0020FF82", "9000");
    ch.expect("00200082", "63C3");
    EXPECT_TRUE(card->resetPinState(0x82));
    EXPECT_TRUE(card->quirks().pinReset.pinResetConfirmed);
    ch.expect("0020FF81", "9000");
    EXPECT_TRUE(card->resetPinState(0x81));
}

TEST_F(OpenPgpPinTest, ResetRefusedFallsBackForGood)
{
    ch.expect("0020FF82", "6B00");
    EXPECT_FALSE(card->resetPinState(0x82));
    EXPECT_TRUE(card->quirks().pinReset.noPinReset);
    const std::size_t before = ch.transmitted();
    EXPECT_FALSE(card->resetPinState(0x82));
    EXPECT_EQ(ch.transmitted(), before);
}

TEST_F(OpenPgpPinTest, ResetIgnoredByTheCardFallsBack)
{
    ch.expect("0020FF82", "9000");
    ch.expect("00200082", "9000"); // still verified: P1 was ignored
    EXPECT_FALSE(card->resetPinState(0x82));
    EXPECT_TRUE(card->quirks().pinReset.noPinReset);
}

TEST_F(OpenPgpPinTest, ChangePinAddressesPw1As81)
{
    ch.expect("002400810C 313233343536 363534333231", "9000");
    card->changePin(0x82, pin, SecureBytes(std::string_view("654321")));
    EXPECT_TRUE(ch.sent().back().sensitive);
    ch.expect("0024008310 3132333435363738 3837363534333231", "63C1"); // PW3 is 83
    Error e = expectError([&] {
        card->changePin(0x83, SecureBytes(std::string_view("12345678")), SecureBytes(std::string_view("87654321")));
    });
    EXPECT_EQ(e.code(), Errc::pinIncorrect);
    EXPECT_EQ(e.retriesLeft(), 1);
}

TEST_F(OpenPgpPinTest, PinRuleVerifiesOperatesAndResetsInOneTransaction)
{
    ch.expect(pgp::kSelectCmd, "9000");
    ch.expect("0020008106 313233343536", "9000");
    ch.expect("0020FF81", "9000");
    ch.expect("00200081", "63C3");
    int result = withVerifiedPin(ch, *card, 0x81, &pin, [] { return 7; });
    EXPECT_EQ(result, 7);
    EXPECT_EQ(ch.transactions(), 1u);
    EXPECT_EQ(ch.events().back(), "end leave");
}

TEST_F(OpenPgpPinTest, PinRuleEndsWithCardResetWhenResetRefused)
{
    ch.expect(pgp::kSelectCmd, "9000");
    ch.expect(kVerify82, "9000");
    ch.expect("0020FF82", "6A86");
    withVerifiedPin(ch, *card, 0x82, &pin, [] { return 0; });
    EXPECT_EQ(ch.events().back(), "end reset");
}

TEST(OpenPgpKdfTest, ParsesAndHashesKnownAnswer)
{
    openpgp::KdfParameters kdf = openpgp::parseKdf(fromHex(kdfDo()));
    EXPECT_TRUE(kdf.active());
    EXPECT_EQ(kdf.iterations, 0x20000u);
    SecureBytes h = openpgp::kdfHashPin(kdf, openpgp::PasswordKind::pw1, SecureBytes(std::string_view("123456")));
    EXPECT_EQ(toHex(h.view()), kKdfKat);
}

TEST(OpenPgpKdfTest, Sha512AndSaltPerPassword)
{
    openpgp::KdfParameters kdf = openpgp::parseKdf(fromHex("F9 2A" + kdfDo("0A"))); // wrapped in F9
    EXPECT_EQ(kdf.hash, 0x0A);
    SecureBytes h = openpgp::kdfHashPin(kdf, openpgp::PasswordKind::pw3, SecureBytes(std::string_view("12345678")));
    // Independent computation: SHA-512 over (salt PW3 || PIN) repeated to 0x20000 octets.
    const Bytes salt = fromHex("2122232425262728");
    std::string unit(salt.begin(), salt.end());
    unit += "12345678";
    std::string all;
    while (all.size() < 0x20000)
        all += unit;
    all.resize(0x20000);
    unsigned char md[64];
    unsigned int len = 0;
    EVP_Digest(all.data(), all.size(), md, &len, EVP_sha512(), nullptr);
    EXPECT_EQ(toHex(h.view()), toHex(ByteView(md, len)));
    SecureBytes rc =
        openpgp::kdfHashPin(kdf, openpgp::PasswordKind::resettingCode, SecureBytes(std::string_view("12345678")));
    EXPECT_NE(toHex(rc.view()), toHex(h.view())); // another salt
}

TEST(OpenPgpKdfTest, CountBelowInputHashesOnce)
{
    openpgp::KdfParameters kdf = openpgp::parseKdf(fromHex(kdfDo("08", "00000001")));
    SecureBytes h = openpgp::kdfHashPin(kdf, openpgp::PasswordKind::pw1, SecureBytes(std::string_view("123456")));
    EXPECT_EQ(toHex(h.view()), "1AE0F1043E1492A1ACFFC2319DE52FA4713CF4BFD7123563345550F0DA8EEE9A");
}

TEST(OpenPgpKdfTest, InactiveAndMalformed)
{
    EXPECT_FALSE(openpgp::parseKdf(fromHex("810100")).active());
    EXPECT_FALSE(openpgp::parseKdf(Bytes{}).active());
    for (const std::string& bad :
         std::vector<std::string>{"8101 03 8201 07 830400020000 8408" + kSalt, // unknown hash
                                  "8101 03 8201 08 8303000200 8408" + kSalt,   // count not 4 bytes
                                  "8101 03 8201 08 830400020000",              // no PW1 salt
                                  "8101 03 8201 08 8304FFFFFFFF 8408" + kSalt, // count past the bound
                                  "8101 04",                                   // unknown algorithm
                                  "8102 0303", "81", "8105 03"}) {
        try {
            openpgp::parseKdf(fromHex(bad));
            ADD_FAILURE() << "accepted " << bad;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::malformedResponse) << bad;
        }
    }
}

TEST(OpenPgpKdfCardTest, VerifySendsTheHashWhenTheCardHasAKdf)
{
    ReplayChannel ch;
    auto card = pgp::probeCard(ch, shortCard("71 00 0000 0800 00FF 00 00"), kdfDo() + "9000");
    ASSERT_NE(card, nullptr);
    EXPECT_TRUE(card->quirks().kdf);
    ch.expect("0020008220" + kKdfKat, "9000");
    card->verifyPin(0x82, SecureBytes(std::string_view("123456")));
    // With a KDF the card's maximum length is the hash's: a long PIN is fine.
    const std::string longPin(40, '7');
    ch.expect("0020008220" + toHex(openpgp::kdfHashPin(openpgp::parseKdf(fromHex(kdfDo())), openpgp::PasswordKind::pw1,
                                                       SecureBytes(std::string_view(longPin)))
                                       .view()),
              "9000");
    card->verifyPin(0x82, SecureBytes(std::string_view(longPin)));
}

TEST(OpenPgpKdfCardTest, MalformedKdfDoFailsTheProbe)
{
    ReplayChannel ch;
    ch.expect(pgp::kSelectCmd, "9000");
    ch.expect(pgp::getDataHex(0x6E), pgp::ok(pgp::applicationData(shortCard("71 00 0000 0800 00FF 00 00"))));
    ch.expect(pgp::getDataHex(0xF9), "8101 03 8201 FF 9000");
    try {
        openpgp::makeDriver()->probe(ch);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::malformedResponse);
    }
}

// A status answer that cannot confirm (6F00) falls back to a card reset this
// time only; the OpenPGP driver used to give up the reset for good.
TEST_F(OpenPgpPinTest, UnconfirmedResetAsksAgainNextTime)
{
    ch.expect("0020FF82", "9000");
    ch.expect("00200082", "6F00");
    EXPECT_FALSE(card->resetPinState(0x82));
    EXPECT_FALSE(card->quirks().pinReset.noPinReset);
    ch.expect("0020FF82", "9000");
    ch.expect("00200082", "63C3");
    EXPECT_TRUE(card->resetPinState(0x82));
}

// Issue 10, a PIN-pad reader: VERIFY with no data as the template (the
// reader appends the typed PIN and sets Lc, section 4.3.1: a PIN is its own
// length), PW1's limits from C4, the card's 6982 read as a wrong PIN; a
// KDF-DO card refuses the keypad with a clear error.
TEST_F(OpenPgpPinTest, KeypadVerifyIsVariableLength)
{
    tessera::test::KeypadChannel pad;
    auto c = pgp::probeCard(pad, shortCard());
    EXPECT_TRUE(c->pinPadUsable());
    pad.answer(0x9000);
    c->verifyPinOnPad(0x82);
    ASSERT_EQ(pad.calls().size(), 1u);
    EXPECT_EQ(pad.calls()[0].templateHex, "00200082");
    EXPECT_EQ(pad.calls()[0].command.blockSize, 0);
    EXPECT_EQ(pad.calls()[0].command.minDigits, 6);
    EXPECT_EQ(pad.calls()[0].command.maxDigits, 0x20) << "PW1's maximum from C4";
    pad.answer(0x9000);
    c->changePinOnPad(0x82);
    EXPECT_EQ(pad.calls()[1].templateHex, "00240081") << "PW1 is changed as 81";
    pad.answer(0x63C1);
    EXPECT_EQ(expectError([&] { c->verifyPinOnPad(0x82); }).retriesLeft(), 1);
}

TEST_F(OpenPgpPinTest, KdfCardRefusesTheKeypad)
{
    tessera::test::KeypadChannel pad;
    auto c = pgp::probeCard(pad, shortCard("71 00 0000 0800 00FF 00 00"), kdfDo() + "9000");
    EXPECT_FALSE(c->pinPadUsable());
    Error e = expectError([&] { c->verifyPinOnPad(0x82); });
    EXPECT_EQ(e.code(), Errc::unsupported);
    EXPECT_NE(std::string(e.what()).find("KDF"), std::string::npos);
    EXPECT_TRUE(pad.calls().empty());
}
