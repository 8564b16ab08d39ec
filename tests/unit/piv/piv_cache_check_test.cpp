// PIV driver: the persistent cache's check (issue 8) against recorded
// exchanges on a YubiKey 5.7: per slot one GET DATA whose first 256-byte chunk
// (61xx not followed) is compared with the cached certificate, GET METADATA
// for slots without one, and the key history object. Unchanged cards pass; a
// certificate replaced, removed or added, a key generated without a
// certificate, and a new retired key each fail the check.
#include <gtest/gtest.h>

#include "apdu/tlv.hpp"
#include "card-drivers/piv/piv_card.hpp"
#include "card-drivers/piv/piv_driver.hpp"
#include "piv_test_support.hpp"
#include "replay_channel.hpp"

using namespace tessera;
using namespace tessera::drivers;
using tessera::test::ReplayChannel;

namespace {

struct Material {
    test::Pkey rsaA = test::makeRsaKey(2048);
    test::Pkey ecC = test::makeEcKey("P-256");
    test::Pkey ecC2 = test::makeEcKey("P-256");
    Bytes certA = test::selfSignedCertificate(rsaA.get(), "PIV Auth");
    Bytes certA2 = test::selfSignedCertificate(rsaA.get(), "PIV Auth renewed");
    Bytes certC = test::selfSignedCertificate(ecC.get(), "Signature");
};

// The first answer of a GET DATA with Le 256: at most 256 bytes, and 61xx when more remain.
std::string firstChunk(const std::string& answerHex)
{
    Bytes all = fromHex(answerHex);
    all.resize(all.size() - 2); // the 9000
    if (all.size() <= 256) return test::hex(all) + "9000";
    const std::size_t rest = all.size() - 256;
    all.resize(256);
    return test::hex(all) + (rest > 255 ? "6100" : "61" + test::hex(Bytes{static_cast<std::uint8_t>(rest)}));
}

std::string ecMetadata(EVP_PKEY* key)
{
    apdu::TlvWriter meta;
    meta.addByte(0x01, 0x11).add(0x02, fromHex("0301")).add(0x04, apdu::tlv(0x86, test::ecPublicPoint(key)));
    return test::hex(meta.bytes()) + "9000";
}

class PivCacheCheckTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { material_ = new Material(); }
    static void TearDownTestSuite()
    {
        delete material_;
        material_ = nullptr;
    }
    static Material& m() { return *material_; }

    // Probe, identity and a cold read of: 9A with a certificate, 9C a key
    // from metadata only (generated, no certificate), 9D and 9E empty.
    void SetUp() override
    {
        ch.expect(test::selectHex(), test::kSelectAnswer);
        card = piv::makeDriver()->probe(ch);
        ASSERT_NE(card, nullptr);
        ch.expect(test::kVersionCmd, "050701 9000");
        ch.expect(test::kSerialCmd, "00BC614E 9000");
        ch.expect(test::kPinStatusCmd, "63C3");
        token = card->readIdentity();
        ch.expect(test::getDataHex(0x5FC105), test::certContainerAnswer(m().certA));
        ch.expect(test::metadataHex(0x9A), "010107 02020201 030101 9000");
        ch.expect(test::getDataHex(0x5FC10A), "6A82");
        ch.expect(test::metadataHex(0x9C), ecMetadata(m().ecC.get()));
        ch.expect(test::getDataHex(0x5FC10B), "6A82");
        ch.expect(test::metadataHex(0x9D), "6A82");
        ch.expect(test::getDataHex(0x5FC101), "6A82");
        ch.expect(test::metadataHex(0x9E), "6A82");
        ch.expect(test::getDataHex(0x5FC10C), "6A82");
        card->readKeys(token);
        ASSERT_EQ(token.keys.size(), 2u);
        base = ch.transmitted();
    }

    void expect9A(const Bytes& cert)
    {
        ch.expect(test::getDataHex(0x5FC105), firstChunk(test::certContainerAnswer(cert)));
    }
    void expectEmpty(std::uint32_t tag, std::uint8_t slot)
    {
        ch.expect(test::getDataHex(tag), "6A82");
        ch.expect(test::metadataHex(slot), "6A82");
    }
    bool check() { return card->cachedKeysCurrent(token, token.keys, {}); }

    ReplayChannel ch;
    std::unique_ptr<Card> card;
    TokenModel token;
    std::size_t base = 0;
    static Material* material_;
};

Material* PivCacheCheckTest::material_ = nullptr;

TEST_F(PivCacheCheckTest, UnchangedCardPasses)
{
    expect9A(m().certA);
    ch.expect(test::getDataHex(0x5FC10A), "6A82");
    ch.expect(test::metadataHex(0x9C), ecMetadata(m().ecC.get()));
    expectEmpty(0x5FC10B, 0x9D);
    expectEmpty(0x5FC101, 0x9E);
    ch.expect(test::getDataHex(0x5FC10C), "6A82");
    EXPECT_TRUE(check());
    // 9A: one APDU instead of the container's chunks and the metadata.
    EXPECT_EQ(ch.transmitted() - base, 8u);
    EXPECT_TRUE(ch.sent()[base].firstChunkOnly);
}

TEST_F(PivCacheCheckTest, ReplacedCertificateFails)
{
    expect9A(m().certA2); // same key, new certificate (yubico-piv-tool import-certificate)
    EXPECT_FALSE(check());
}

TEST_F(PivCacheCheckTest, RemovedCertificateFails)
{
    ch.expect(test::getDataHex(0x5FC105), "6A82");
    EXPECT_FALSE(check());
}

TEST_F(PivCacheCheckTest, CertificateAddedToAMetadataKeyFails)
{
    expect9A(m().certA);
    ch.expect(test::getDataHex(0x5FC10A), firstChunk(test::certContainerAnswer(m().certC)));
    EXPECT_FALSE(check());
}

TEST_F(PivCacheCheckTest, RegeneratedKeyWithoutCertificateFails)
{
    expect9A(m().certA);
    ch.expect(test::getDataHex(0x5FC10A), "6A82");
    ch.expect(test::metadataHex(0x9C), ecMetadata(m().ecC2.get()));
    EXPECT_FALSE(check());
}

TEST_F(PivCacheCheckTest, KeyGeneratedInAnEmptySlotFails)
{
    expect9A(m().certA);
    ch.expect(test::getDataHex(0x5FC10A), "6A82");
    ch.expect(test::metadataHex(0x9C), ecMetadata(m().ecC.get()));
    ch.expect(test::getDataHex(0x5FC10B), "6A82");
    ch.expect(test::metadataHex(0x9D), ecMetadata(m().ecC2.get()));
    EXPECT_FALSE(check());
}

TEST_F(PivCacheCheckTest, NewRetiredKeyFails)
{
    expect9A(m().certA);
    ch.expect(test::getDataHex(0x5FC10A), "6A82");
    ch.expect(test::metadataHex(0x9C), ecMetadata(m().ecC.get()));
    expectEmpty(0x5FC10B, 0x9D);
    expectEmpty(0x5FC101, 0x9E);
    ch.expect(test::getDataHex(0x5FC10C), test::dataObjectAnswer(fromHex("C10101 C20100 FE00")));
    ch.expect(test::getDataHex(0x5FC10D), firstChunk(test::certContainerAnswer(m().certC))); // retired 82
    EXPECT_FALSE(check());
}

} // namespace
