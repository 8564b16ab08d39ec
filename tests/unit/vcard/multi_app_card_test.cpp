// The two-application virtual card (tools/vcard/multi_app_card.hpp): SELECT
// by AID picks the application that answers, PIV is selected at power-on,
// and selecting one application drops the other's PIN state (as a YubiKey).
#include <gtest/gtest.h>

#include "multi_app_card.hpp"
#include "openpgp_test_support.hpp"
#include "vcard_test_support.hpp"

using namespace tessera;
using namespace tessera::vcard;
using namespace tessera::vcard::test;

namespace {
const char* kSelectPiv = "00A4040009A00000030800001000";
const char* kSelectOpenPgp = "00A4040006D27600012401";
const char* kVerifyPivPin = "0020008008313233343536FFFF"; // PIN 123456, 0xFF padded
const char* kVerifyPw1 = "0020008206313233343536";        // PW1 123456 (82: decrypt/auth)
const char* kVerifyStatusPiv = "0020008000";
const char* kVerifyStatusPw1 = "0020008200";

std::uint16_t statusWord(const Bytes& r)
{
    return r.size() < 2 ? 0 : static_cast<std::uint16_t>(r[r.size() - 2] << 8 | r.back());
}

class MultiApp : public ::testing::Test {
protected:
    MultiApp() : piv(provisionedState()), openpgp(openPgpState("default")), card(piv, openpgp, "/dev/null") {}
    Bytes send(const char* hex) { return card.transmit(fromHex(hex)); }
    PivCard piv;
    OpenPgpCard openpgp;
    MultiAppCard card;
};
} // namespace

TEST_F(MultiApp, BothApplicationsAnswerTheirSelect)
{
    card.powerOn();
    Bytes r = send(kSelectPiv);
    EXPECT_TRUE(statusWord(r) == 0x9000 || (statusWord(r) >> 8) == 0x61) << toHex(r);
    EXPECT_FALSE(card.openPgpSelected());
    EXPECT_EQ(statusWord(send(kSelectOpenPgp)), 0x9000);
    EXPECT_TRUE(card.openPgpSelected());
    Bytes data = send("00CA006E00");
    EXPECT_EQ(statusWord(data), 0x9000);
    EXPECT_EQ(data.front(), 0x6E) << "GET DATA 6E goes to OpenPGP";
    EXPECT_EQ(statusWord(send("00A4040005A000000999")), 0x6A82) << "an unknown AID";
}

TEST_F(MultiApp, PivIsSelectedAtPowerOn)
{
    card.powerOn();
    EXPECT_EQ(statusWord(send(kVerifyPivPin)), 0x9000);
    EXPECT_TRUE(piv.security().pinVerified);
}

TEST_F(MultiApp, SelectingOpenPgpDropsThePivPinAndBack)
{
    card.powerOn();
    send(kSelectPiv);
    ASSERT_EQ(statusWord(send(kVerifyPivPin)), 0x9000);
    send(kSelectOpenPgp);
    EXPECT_FALSE(piv.security().pinVerified);
    ASSERT_EQ(statusWord(send(kVerifyPw1)), 0x9000);
    EXPECT_EQ(statusWord(send(kVerifyStatusPw1)), 0x9000);
    send(kSelectPiv);
    EXPECT_FALSE(openpgp.security().pw1Other);
    EXPECT_NE(statusWord(send(kVerifyStatusPiv)), 0x9000) << "PIV PIN state was dropped by the OpenPGP SELECT";
}

TEST_F(MultiApp, ResetDropsBothAndSelectsPiv)
{
    card.powerOn();
    send(kSelectOpenPgp);
    ASSERT_EQ(statusWord(send(kVerifyPw1)), 0x9000);
    card.reset();
    EXPECT_FALSE(card.openPgpSelected());
    EXPECT_FALSE(openpgp.security().pw1Other);
}

TEST_F(MultiApp, TheAtrIsThePivCards)
{
    EXPECT_EQ(card.atr(), piv.atr());
}
