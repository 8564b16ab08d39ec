// The shared ISO 7816-4 PIN piece (card-drivers/iso7816): command encodings
// of VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER, the status-word
// table of the empty VERIFY (including malformed answers), VERIFY's error
// mapping, and the P1 = FF reset with its confirmation and quirk flags.
#include <gtest/gtest.h>

#include "card-drivers/iso7816/iso7816_pin.hpp"
#include "common/error.hpp"
#include "replay_channel.hpp"

using namespace tessera;
using namespace tessera::drivers;
using tessera::test::ReplayChannel;

namespace {

std::string enc(const apdu::Command& c)
{
    return toHex(c.encode(false));
}

const Bytes kOld = fromHex("313233343536");
const Bytes kNew = fromHex("3635343332313030");

} // namespace

TEST(Iso7816Commands, Encodings)
{
    EXPECT_EQ(enc(iso7816::verifyStatusCommand(0x80)), "00200080");
    EXPECT_EQ(enc(iso7816::verifyResetCommand(0x82)), "0020FF82");
    apdu::Command v = iso7816::verifyCommand(0x81, kOld);
    EXPECT_EQ(enc(v), "0020008106313233343536");
    EXPECT_TRUE(v.sensitive);
    EXPECT_EQ(v.describe().find("3132"), std::string::npos); // redacted in the trace
    apdu::Command c = iso7816::changeReferenceDataCommand(0x83, kOld, kNew);
    EXPECT_EQ(enc(c), "002400830E3132333435363635343332313030");
    EXPECT_TRUE(c.sensitive);
    apdu::Command r = iso7816::resetRetryCounterCommand(0x80, kNew, kOld);
    EXPECT_EQ(enc(r), "002C00800E3635343332313030313233343536");
    EXPECT_TRUE(r.sensitive);
    apdu::Command n = iso7816::resetRetryCounterNewPinCommand(0x81, kOld);
    EXPECT_EQ(enc(n), "002C028106313233343536");
    EXPECT_TRUE(n.sensitive);
}

struct StatusRow {
    const char* answer; // R-APDU in hex: data || SW
    iso7816::PinState state;
    int triesLeft;
};

class Iso7816Status : public ::testing::TestWithParam<StatusRow> {};

TEST_P(Iso7816Status, EmptyVerifyAnswer)
{
    const iso7816::PinStatus s = iso7816::interpretStatus(apdu::parseResponse(fromHex(GetParam().answer)));
    EXPECT_EQ(s.state, GetParam().state) << GetParam().answer;
    EXPECT_EQ(s.triesLeft, GetParam().triesLeft) << GetParam().answer;
    const bool notVerified =
        GetParam().state == iso7816::PinState::notVerified || GetParam().state == iso7816::PinState::blocked;
    EXPECT_EQ(s.isNotVerified(), notVerified) << GetParam().answer;
}

INSTANTIATE_TEST_SUITE_P(
    Table, Iso7816Status,
    ::testing::Values(
        StatusRow{"9000", iso7816::PinState::verified, -1}, StatusRow{"63C3", iso7816::PinState::notVerified, 3},
        StatusRow{"63C0", iso7816::PinState::notVerified, 0}, StatusRow{"63CF", iso7816::PinState::notVerified, 15},
        StatusRow{"6982", iso7816::PinState::notVerified, -1}, StatusRow{"6983", iso7816::PinState::blocked, 0},
        // cannot tell: unknown, never "not verified"
        StatusRow{"6300", iso7816::PinState::unknown, -1}, StatusRow{"63D3", iso7816::PinState::unknown, -1},
        StatusRow{"6F00", iso7816::PinState::unknown, -1}, StatusRow{"6A86", iso7816::PinState::unknown, -1},
        StatusRow{"6D00", iso7816::PinState::unknown, -1}, StatusRow{"6984", iso7816::PinState::unknown, -1},
        StatusRow{"6100", iso7816::PinState::unknown, -1}, StatusRow{"0000", iso7816::PinState::unknown, -1},
        // malformed: an empty VERIFY answers no data
        StatusRow{"01 9000", iso7816::PinState::unknown, -1}, StatusRow{"00 63C3", iso7816::PinState::unknown, -1},
        StatusRow{"AABB 6982", iso7816::PinState::unknown, -1}));

TEST(Iso7816Verify, StatusWordsBecomeErrors)
{
    EXPECT_NO_THROW(iso7816::checkVerifyStatus(0x9000, "t"));
    try {
        iso7816::checkVerifyStatus(0x63C2, "t");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::pinIncorrect);
        EXPECT_EQ(e.retriesLeft(), 2);
    }
    try {
        iso7816::checkVerifyStatus(0x6983, "t");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::pinLocked);
    }
    try {
        iso7816::checkVerifyStatus(0x6F00, "t");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::deviceError);
        EXPECT_NE(std::string(e.what()).find("6F00"), std::string::npos);
    }
}

TEST(Iso7816Verify, SendsTheEncodedPinAndWipesTheCommand)
{
    ReplayChannel ch;
    ch.expect("0020008006 313233343536", "63C1");
    EXPECT_THROW(iso7816::verify(ch, 0x80, kOld, "t"), Error);
    ASSERT_EQ(ch.sent().size(), 1u);
    EXPECT_TRUE(ch.sent()[0].sensitive);
}

struct ResetRow {
    const char* resetAnswer;  // answer to VERIFY P1=FF
    const char* statusAnswer; // answer to the status query; nullptr: none sent
    bool result;
    bool noPinReset;
    bool confirmed;
};

class Iso7816Reset : public ::testing::TestWithParam<ResetRow> {};

TEST_P(Iso7816Reset, FirstReset)
{
    const ResetRow& row = GetParam();
    ReplayChannel ch;
    iso7816::PinResetQuirks quirks;
    ch.expect("0020FF80", row.resetAnswer);
    if (row.statusAnswer != nullptr) ch.expect("00200080", row.statusAnswer);
    EXPECT_EQ(iso7816::resetPinState(ch, 0x80, quirks, "T"), row.result);
    EXPECT_EQ(quirks.noPinReset, row.noPinReset);
    EXPECT_EQ(quirks.pinResetConfirmed, row.confirmed);
    EXPECT_EQ(ch.transmitted(), row.statusAnswer != nullptr ? 2u : 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Iso7816Reset,
    ::testing::Values(
        // confirmed: the status query now says "not verified"
        ResetRow{"9000", "63C3", true, false, true}, ResetRow{"9000", "6982", true, false, true},
        ResetRow{"9000", "6983", true, false, true},
        // the card ignored P1 (still verified): card reset, for good
        ResetRow{"9000", "9000", false, true, false},
        // cannot confirm: card reset this time, ask again next time
        ResetRow{"9000", "6F00", false, false, false}, ResetRow{"9000", "6A86", false, false, false},
        ResetRow{"9000", "01 9000", false, false, false}, ResetRow{"9000", "00 63C3", false, false, false},
        // refused as unknown: card reset, for good, no status query
        ResetRow{"6A86", nullptr, false, true, false}, ResetRow{"6A80", nullptr, false, true, false},
        ResetRow{"6A81", nullptr, false, true, false}, ResetRow{"6B00", nullptr, false, true, false},
        ResetRow{"6D00", nullptr, false, true, false}, ResetRow{"6E00", nullptr, false, true, false},
        ResetRow{"6700", nullptr, false, true, false},
        // failed otherwise, or answered data: card reset this time only
        ResetRow{"6F00", nullptr, false, false, false}, ResetRow{"6982", nullptr, false, false, false},
        ResetRow{"AA 9000", nullptr, false, false, false}));

TEST(Iso7816Reset, ConfirmedOnceThenTrustedAndRefusedForGood)
{
    ReplayChannel ch;
    iso7816::PinResetQuirks quirks;
    ch.expect("0020FF80", "9000");
    ch.expect("00200080", "63C3");
    EXPECT_TRUE(iso7816::resetPinState(ch, 0x80, quirks, "T"));
    ch.expect("0020FF80", "9000"); // trusted: no status query
    EXPECT_TRUE(iso7816::resetPinState(ch, 0x80, quirks, "T"));
    EXPECT_EQ(ch.transmitted(), 3u);

    iso7816::PinResetQuirks refused{true, false};
    EXPECT_FALSE(iso7816::resetPinState(ch, 0x80, refused, "T"));
    EXPECT_EQ(ch.transmitted(), 3u);
}
