// Unit tests of the virtual OpenPGP card's passwords: VERIFY with retry
// counters, the empty-VERIFY status query and the 3.x P1=FF reset (card spec
// 3.4 section 7.2.2), CHANGE REFERENCE DATA (7.2.3), RESET RETRY COUNTER with the
// resetting code and after PW3 (7.2.4), and the 2.1 profile refusing P1=FF.
#include "apdu/tlv.hpp"
#include "openpgp_test_support.hpp"

namespace tessera::vcard::test {
namespace {

class OpenPgpPins : public OpenPgpTest {
public:
    std::uint8_t triesLeft(std::size_t index) { return getData(0x00C4).data.at(4 + index); }
    PgpAnswer status(std::uint8_t ref) { return raw(Bytes{0x00, 0x20, 0x00, ref}); }
};

class OpenPgpPinsV21 : public OpenPgpPins {
public:
    OpenPgpPinsV21() { card = OpenPgpCard(openPgpState("v21")); }
};

TEST_F(OpenPgpPins, VerifyAndEmptyVerifyStatus)
{
    EXPECT_EQ(status(0x82).sw, 0x63C3);
    EXPECT_EQ(verify(0x82, "123456").sw, 0x9000);
    EXPECT_EQ(status(0x82).sw, 0x9000);
    EXPECT_EQ(status(0x81).sw, 0x63C3); // 81 and 82 are separate states of one password
    EXPECT_EQ(verify(0x83, "12345678").sw, 0x9000);
    EXPECT_EQ(status(0x83).sw, 0x9000);
    EXPECT_EQ(raw("0020008400").sw, 0x6A86);
}

TEST_F(OpenPgpPins, ResetWithP1FF)
{
    ASSERT_EQ(verify(0x82, "123456").sw, 0x9000);
    ASSERT_EQ(verify(0x83, "12345678").sw, 0x9000);
    EXPECT_EQ(raw("0020FF82").sw, 0x9000);
    EXPECT_EQ(status(0x82).sw, 0x63C3);
    EXPECT_EQ(status(0x83).sw, 0x9000);
    EXPECT_EQ(raw("0020FF83").sw, 0x9000);
    EXPECT_EQ(status(0x83).sw, 0x63C3);
}

TEST_F(OpenPgpPins, WrongPinsCountDownAndBlock)
{
    EXPECT_EQ(verify(0x81, "000000").sw, 0x63C2);
    EXPECT_EQ(triesLeft(0), 2);
    EXPECT_EQ(verify(0x82, "000000").sw, 0x63C1);
    EXPECT_EQ(verify(0x81, "123456").sw, 0x9000); // a right PIN restores the counter
    EXPECT_EQ(triesLeft(0), 3);
    for (int i = 0; i < 3; ++i)
        verify(0x82, "999999");
    EXPECT_EQ(verify(0x82, "123456").sw, 0x6983);
    EXPECT_EQ(status(0x82).sw, 0x6983);
    EXPECT_EQ(triesLeft(0), 0);
    EXPECT_EQ(triesLeft(2), 3);
}

TEST_F(OpenPgpPins, SelectAndPowerOffDropTheStatus)
{
    ASSERT_EQ(verify(0x82, "123456").sw, 0x9000);
    EXPECT_EQ(raw("00A4040006D27600012401").sw, 0x9000);
    EXPECT_EQ(status(0x82).sw, 0x63C3);
    ASSERT_EQ(verify(0x83, "12345678").sw, 0x9000);
    card.reset();
    EXPECT_EQ(status(0x83).sw, 0x63C3);
}

TEST_F(OpenPgpPins, ChangeReferenceData)
{
    const std::string oldNew = std::string("123456") + "654321";
    EXPECT_EQ(send(0x24, 0x00, 0x81, Bytes(oldNew.begin(), oldNew.end()), -1).sw, 0x9000);
    EXPECT_EQ(verify(0x82, "123456").sw, 0x63C2);
    EXPECT_EQ(verify(0x82, "654321").sw, 0x9000);
    const std::string wrongOld = std::string("111111") + "222222";
    EXPECT_EQ(send(0x24, 0x00, 0x81, Bytes(wrongOld.begin(), wrongOld.end()), -1).sw, 0x63C2);
    const std::string shortNew = std::string("654321") + "123";
    EXPECT_EQ(send(0x24, 0x00, 0x81, Bytes(shortNew.begin(), shortNew.end()), -1).sw, 0x6700);
    const std::string admin = std::string("12345678") + "87654321";
    EXPECT_EQ(send(0x24, 0x00, 0x83, Bytes(admin.begin(), admin.end()), -1).sw, 0x9000);
    EXPECT_EQ(verify(0x83, "87654321").sw, 0x9000);
    EXPECT_EQ(send(0x24, 0x00, 0x82, Bytes(admin.begin(), admin.end()), -1).sw, 0x6A86);
}

TEST_F(OpenPgpPins, ResetRetryCounterWithResettingCode)
{
    const std::string rcNew = std::string("RESET-ME") + "777777";
    Bytes rcData(rcNew.begin(), rcNew.end());
    EXPECT_EQ(send(0x2C, 0x00, 0x81, rcData, -1).sw, 0x6983); // no resetting code set
    ASSERT_EQ(verify(0x83, "12345678").sw, 0x9000);
    EXPECT_EQ(putData(0x00D3, Bytes({'s', 'h', 'o', 'r', 't'})).sw, 0x6700);
    ASSERT_EQ(putData(0x00D3, Bytes(rcNew.begin(), rcNew.begin() + 8)).sw, 0x9000);
    EXPECT_EQ(triesLeft(1), 3);
    for (int i = 0; i < 3; ++i)
        verify(0x81, "000000");
    ASSERT_EQ(verify(0x81, "123456").sw, 0x6983);
    const std::string wrong = std::string("RESET-XX") + "777777";
    EXPECT_EQ(send(0x2C, 0x00, 0x81, Bytes(wrong.begin(), wrong.end()), -1).sw, 0x63C2);
    EXPECT_EQ(send(0x2C, 0x00, 0x81, rcData, -1).sw, 0x9000);
    EXPECT_EQ(triesLeft(1), 3);
    EXPECT_EQ(verify(0x81, "777777").sw, 0x9000);
}

TEST_F(OpenPgpPins, ResetRetryCounterAfterPw3)
{
    const std::uint8_t fresh[] = {'1', '1', '1', '1', '1', '1'};
    EXPECT_EQ(send(0x2C, 0x02, 0x81, fresh, -1).sw, 0x6982);
    for (int i = 0; i < 3; ++i)
        verify(0x82, "000000");
    ASSERT_EQ(verify(0x83, "12345678").sw, 0x9000);
    EXPECT_EQ(send(0x2C, 0x02, 0x81, fresh, -1).sw, 0x9000);
    EXPECT_EQ(verify(0x82, "111111").sw, 0x9000);
    EXPECT_EQ(send(0x2C, 0x02, 0x81, Bytes(5, '1'), -1).sw, 0x6700);
}

TEST_F(OpenPgpPinsV21, NoVerifyReset)
{
    ASSERT_EQ(verify(0x82, "123456").sw, 0x9000);
    EXPECT_EQ(raw("0020FF82").sw, 0x6A86);
    EXPECT_EQ(status(0x82).sw, 0x9000);
    EXPECT_EQ(toHex(getData(0x00C4).data), "00202020030003");
}

} // namespace
} // namespace tessera::vcard::test
