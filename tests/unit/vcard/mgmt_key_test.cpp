// Management key 9B of the virtual card (SP 800-73-4 part 2 appendix A.1):
// mutual and external authentication with 3DES and AES-128/192/256, wrong keys,
// stale witnesses, and the YubiKey SET MANAGEMENT KEY command.
#include "apdu/tlv.hpp"
#include "provisioning.hpp"
#include "vcard_test_support.hpp"

namespace tessera::vcard::test {
namespace {

class VcardMgmt : public CardTest {};

TEST_F(VcardMgmt, MutualAuthentication3des)
{
    EXPECT_FALSE(card.security().mgmtAuthenticated);
    ASSERT_EQ(authenticateDefault().sw, 0x9000);
    EXPECT_TRUE(card.security().mgmtAuthenticated);
}

TEST_F(VcardMgmt, WrongKeyFails)
{
    Bytes wrong = fromHex("0102030405060708010203040506070801020304050607FF");
    EXPECT_EQ(authenticate(alg::tdes, wrong).sw, 0x6982);
    EXPECT_FALSE(card.security().mgmtAuthenticated);
}

TEST_F(VcardMgmt, WrongAlgorithmIsRefused)
{
    EXPECT_EQ(send(0x87, alg::aes192, 0x9B, fromHex("7C028000"), 0).sw, 0x6A86);
}

TEST_F(VcardMgmt, WitnessIsSingleUse)
{
    Answer w = send(0x87, alg::tdes, 0x9B, fromHex("7C028000"), 0);
    ASSERT_EQ(w.sw, 0x9000);
    Bytes witness = ecbDecrypt(alg::tdes, fromHex(kDefaultMgmtKeyHex), childValue(childValue(w.data, 0x7C), 0x80));
    EXPECT_EQ(raw("00A4040005A000000308").sw, 0x9000); // anything in between spends the witness
    Bytes inner = apdu::TlvWriter().add(0x80, witness).add(0x81, randomBytes(8)).bytes();
    EXPECT_EQ(send(0x87, alg::tdes, 0x9B, apdu::tlv(0x7C, inner), 0).sw, 0x6982);
}

TEST_F(VcardMgmt, ExternalAuthentication)
{
    Answer c = send(0x87, alg::tdes, 0x9B, fromHex("7C028100"), 0);
    ASSERT_EQ(c.sw, 0x9000);
    Bytes challenge = childValue(childValue(c.data, 0x7C), 0x81);
    ASSERT_EQ(challenge.size(), 8u);
    Bytes response = ecbEncrypt(alg::tdes, fromHex(kDefaultMgmtKeyHex), challenge);
    EXPECT_EQ(send(0x87, alg::tdes, 0x9B, apdu::tlv(0x7C, apdu::tlv(0x82, response)), -1).sw, 0x9000);
    EXPECT_TRUE(card.security().mgmtAuthenticated);
}

TEST_F(VcardMgmt, LegacyAlgorithmZeroGivesAChallenge)
{
    // OpenSC's GET CHALLENGE: 00 87 00 9B 7C{81 00}.
    Answer c = send(0x87, 0x00, 0x9B, fromHex("7C028100"), 0);
    ASSERT_EQ(c.sw, 0x9000);
    EXPECT_EQ(childValue(childValue(c.data, 0x7C), 0x81).size(), 8u);
}

TEST_F(VcardMgmt, OperationsNeedAuthentication)
{
    EXPECT_EQ(send(0x47, 0x00, 0x82, fromHex("AC03800111"), 0).sw, 0x6982);
    ASSERT_EQ(authenticateDefault().sw, 0x9000);
    EXPECT_EQ(send(0x47, 0x00, 0x82, fromHex("AC03800111"), 0).sw, 0x9000);
}

struct AesCase {
    std::uint8_t algorithm;
    std::size_t keyLength;
};

class VcardMgmtAes : public ::testing::TestWithParam<AesCase> {};

TEST_P(VcardMgmtAes, MutualAuthenticationWithAes)
{
    auto [algorithm, keyLength] = GetParam();
    CardState s = provisionCard(ProvisionOptions{Profile::yubikey, true, algorithm});
    ASSERT_EQ(s.mgmt.key.size(), keyLength);
    struct Local : CardTest {
        explicit Local(CardState st) : CardTest(std::move(st)) {}
        void TestBody() override {}
    } t(s);
    ASSERT_EQ(t.authenticate(algorithm, s.mgmt.key).sw, 0x9000);
    EXPECT_TRUE(t.card.security().mgmtAuthenticated);
    Bytes wrong = s.mgmt.key;
    wrong[0] ^= 1;
    EXPECT_EQ(t.authenticate(algorithm, wrong).sw, 0x6982);
}

INSTANTIATE_TEST_SUITE_P(Aes, VcardMgmtAes,
                         ::testing::Values(AesCase{alg::aes128, 16}, AesCase{alg::aes192, 24},
                                           AesCase{alg::aes256, 32}));

TEST_F(VcardMgmt, SetManagementKeyToAesAndBack)
{
    Bytes aesKey = randomBytes(24);
    Bytes data{alg::aes192, 0x9B, 24};
    data.insert(data.end(), aesKey.begin(), aesKey.end());
    EXPECT_EQ(send(0xFF, 0xFF, 0xFF, data, -1).sw, 0x6982);
    ASSERT_EQ(authenticateDefault().sw, 0x9000);
    ASSERT_EQ(send(0xFF, 0xFF, 0xFF, data, -1).sw, 0x9000);
    EXPECT_FALSE(card.state().mgmt.isDefault);
    card.reset();
    EXPECT_EQ(send(0x87, alg::tdes, 0x9B, fromHex("7C028000"), 0).sw, 0x6A86);
    ASSERT_EQ(authenticate(alg::aes192, aesKey).sw, 0x9000);
    Bytes back{alg::tdes, 0x9B, 24};
    Bytes def = fromHex(kDefaultMgmtKeyHex);
    back.insert(back.end(), def.begin(), def.end());
    ASSERT_EQ(send(0xFF, 0xFF, 0xFF, back, -1).sw, 0x9000);
    EXPECT_TRUE(card.state().mgmt.isDefault);
}

} // namespace
} // namespace tessera::vcard::test
