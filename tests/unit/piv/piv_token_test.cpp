// PIV driver: probe and readToken against recorded card exchanges — a
// YubiKey-like card with four certificates, compressed and empty containers,
// metadata-only keys, retired keys through the key history object, a plain
// PIV card identified by its CHUID, and hostile container contents.
#include <gtest/gtest.h>
#include <openssl/bn.h>

#include "apdu/tlv.hpp"
#include "card-drivers/piv/piv_card.hpp"
#include "card-drivers/piv/piv_containers.hpp"
#include "card-drivers/piv/piv_driver.hpp"
#include "card-drivers/registry.hpp"
#include "common/error.hpp"
#include "piv_test_support.hpp"
#include "replay_channel.hpp"

using namespace tessera;
using namespace tessera::drivers;
using tessera::test::ReplayChannel;

namespace {

struct Material {
    test::Pkey rsaA = test::makeRsaKey(2048);
    test::Pkey ecC = test::makeEcKey("P-256");
    test::Pkey rsaD = test::makeRsaKey(2048);
    test::Pkey ecE = test::makeEcKey("P-384");
    Bytes certA = test::selfSignedCertificate(rsaA.get(), "PIV Auth");
    Bytes certC = test::selfSignedCertificate(ecC.get(), "Signature");
    Bytes certD = test::selfSignedCertificate(rsaD.get(), "Key Management");
    Bytes certE = test::selfSignedCertificate(ecE.get(), "Card Auth");
};

class PivTokenTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { material_ = new Material(); }
    static void TearDownTestSuite()
    {
        delete material_;
        material_ = nullptr;
    }
    static Material& m() { return *material_; }

    std::unique_ptr<Card> probe()
    {
        ch.expect(test::selectHex(), test::kSelectAnswer);
        auto card = piv::makeDriver()->probe(ch);
        EXPECT_NE(card, nullptr);
        return card;
    }

    // The YubiKey 5.7.1 prologue: version, serial 12345678, PIN status 3 tries.
    void expectYubiKeyIdentity()
    {
        ch.expect(test::kVersionCmd, "050701 9000");
        ch.expect(test::kSerialCmd, "00BC614E 9000");
        ch.expect(test::kPinStatusCmd, "63C3");
    }

    ReplayChannel ch;
    static Material* material_;
};

Material* PivTokenTest::material_ = nullptr;

const CardKey* keyFor(const TokenModel& t, std::uint8_t reference)
{
    for (const auto& k : t.keys)
        if (k.reference == reference) return &k;
    return nullptr;
}

} // namespace

TEST_F(PivTokenTest, ProbeAndReadDefaultYubiKeyWithFourCertificates)
{
    auto card = probe();
    ASSERT_NE(card, nullptr);
    EXPECT_EQ(card->driverName(), "PIV");
    expectYubiKeyIdentity();
    ch.expect(test::getDataHex(0x5FC105), test::certContainerAnswer(m().certA));
    ch.expect(test::metadataHex(0x9A), "010107 02020201 030101 9000");
    ch.expect(test::getDataHex(0x5FC10A), test::certContainerAnswer(m().certC));
    ch.expect(test::metadataHex(0x9C), "010111 02020001 030101 9000"); // policy 00: slot default
    ch.expect(test::getDataHex(0x5FC10B), test::certContainerAnswer(m().certD));
    ch.expect(test::metadataHex(0x9D), "010107 02020101 030101 9000"); // policy never
    ch.expect(test::getDataHex(0x5FC101), test::certContainerAnswer(m().certE));
    ch.expect(test::metadataHex(0x9E), "010114 02020101 030101 9000");
    ch.expect(test::getDataHex(0x5FC10C), "6A82");
    const std::size_t before = ch.transmitted();

    TokenModel t = card->readToken();

    EXPECT_EQ(ch.transmitted() - before, 12u); // APDU budget of a default YubiKey read
    EXPECT_EQ(t.label, "YubiKey PIV #12345678");
    EXPECT_EQ(t.manufacturer, "Yubico");
    EXPECT_EQ(t.model, "YubiKey 5.7.1");
    EXPECT_EQ(t.serial, "12345678");
    EXPECT_EQ(t.identity, fromHex("00BC614E"));
    EXPECT_EQ(t.firmwareMajor, 5);
    EXPECT_EQ(t.firmwareMinor, 7);
    EXPECT_EQ(t.userPin.triesLeft, 3);
    ASSERT_EQ(t.keys.size(), 4u);

    const CardKey& a = t.keys[0];
    EXPECT_EQ(a.reference, 0x9A);
    EXPECT_EQ(a.id, Bytes{0x01});
    EXPECT_EQ(a.label, "PIV AUTH key");
    EXPECT_EQ(a.certificateLabel, "X.509 Certificate for PIV Authentication");
    EXPECT_EQ(a.algorithm, KeyAlgorithm::rsa);
    EXPECT_EQ(a.bits, 2048u);
    EXPECT_EQ(a.publicKeySpki, test::spkiOf(m().rsaA.get()));
    ASSERT_TRUE(a.certificate.has_value());
    EXPECT_EQ(*a.certificate, m().certA);
    EXPECT_TRUE(a.canSign);
    EXPECT_TRUE(a.canDecrypt);
    EXPECT_FALSE(a.canDerive);
    EXPECT_EQ(a.pinPolicy, PinPolicy::once);
    EXPECT_EQ(a.pinReference, 0x80);

    const CardKey& c = t.keys[1];
    EXPECT_EQ(c.reference, 0x9C);
    EXPECT_EQ(c.id, Bytes{0x02});
    EXPECT_EQ(c.algorithm, KeyAlgorithm::ecP256);
    EXPECT_EQ(c.bits, 256u);
    EXPECT_EQ(c.pinPolicy, PinPolicy::always);
    EXPECT_TRUE(c.canSign);
    EXPECT_TRUE(c.canDerive);
    EXPECT_FALSE(c.canDecrypt);
    EXPECT_EQ(c.publicKeySpki, test::spkiOf(m().ecC.get()));

    EXPECT_EQ(t.keys[2].reference, 0x9D);
    EXPECT_EQ(t.keys[2].pinPolicy, PinPolicy::never); // metadata overrides the table
    EXPECT_EQ(t.keys[2].label, "KEY MAN key");
    EXPECT_EQ(t.keys[3].reference, 0x9E);
    EXPECT_EQ(t.keys[3].algorithm, KeyAlgorithm::ecP384);
    EXPECT_EQ(t.keys[3].bits, 384u);
    EXPECT_EQ(t.keys[3].pinPolicy, PinPolicy::never);
    EXPECT_EQ(t.keys[3].certificateLabel, "X.509 Certificate for Card Authentication");
}

TEST_F(PivTokenTest, RegistryRecognisesPivCard)
{
    Registry registry;
    piv::registerDriver(registry);
    ch.setAtr(fromHex("3BFD1300008131FE158073C021C057597562694B657940"));
    ASSERT_EQ(registry.drivers().size(), 1u);
    EXPECT_TRUE(registry.drivers()[0]->atrHint(ch.atr()));
    EXPECT_FALSE(registry.drivers()[0]->atrHint(fromHex("3B8880010000000000000000")));
    ch.expect(test::selectHex(), test::kSelectAnswer);
    EXPECT_NE(registry.recognise(ch), nullptr);
}

TEST_F(PivTokenTest, ProbeRejectsOtherCards)
{
    auto driver = piv::makeDriver();
    ch.expect(test::selectHex(), "6A82");
    EXPECT_EQ(driver->probe(ch), nullptr);
    ch.expect(test::selectHex(), "9000"); // 9000 without the 61 template
    EXPECT_EQ(driver->probe(ch), nullptr);
    ch.expect(test::selectHex(), "6F054F03A00000 9000"); // wrong template
    EXPECT_EQ(driver->probe(ch), nullptr);
    ch.expect(test::selectHex(), "6120 4F 9000"); // truncated
    EXPECT_EQ(driver->probe(ch), nullptr);
}

TEST_F(PivTokenTest, CompressedCertificateAndEmptySlots)
{
    auto card = probe();
    expectYubiKeyIdentity();
    ch.expect(test::getDataHex(0x5FC105), test::certContainerAnswer(m().certA, true));
    ch.expect(test::metadataHex(0x9A), "010107 02020201 9000");
    for (auto [tag, slot] : {std::pair{0x5FC10Au, 0x9C}, {0x5FC10Bu, 0x9D}, {0x5FC101u, 0x9E}}) {
        ch.expect(test::getDataHex(tag), "6A82");
        ch.expect(test::metadataHex(static_cast<std::uint8_t>(slot)), "6A82");
    }
    ch.expect(test::getDataHex(0x5FC10C), "6A82");
    TokenModel t = card->readToken();
    ASSERT_EQ(t.keys.size(), 1u);
    ASSERT_TRUE(t.keys[0].certificate.has_value());
    EXPECT_EQ(*t.keys[0].certificate, m().certA);
    EXPECT_EQ(t.keys[0].publicKeySpki, test::spkiOf(m().rsaA.get()));
}

TEST_F(PivTokenTest, KeyWithoutCertificateFromYubiKeyMetadata)
{
    auto card = probe();
    expectYubiKeyIdentity();
    ch.expect(test::getDataHex(0x5FC105), "6A82");
    ch.expect(test::metadataHex(0x9A), "6A82");
    ch.expect(test::getDataHex(0x5FC10A), "6A82");
    Bytes point = test::ecPublicPoint(m().ecC.get());
    apdu::TlvWriter meta;
    meta.addByte(0x01, 0x11).add(0x02, fromHex("0301")).add(0x04, apdu::tlv(0x86, point));
    ch.expect(test::metadataHex(0x9C), test::hex(meta.bytes()) + "9000");
    ch.expect(test::getDataHex(0x5FC10B), "6A82");
    apdu::TlvWriter rsaMeta;
    rsaMeta.addByte(0x01, 0x07).add(0x02, fromHex("0101"));
    {
        // 04 { 81 modulus, 82 exponent } from the generated RSA key
        BIGNUM* n = nullptr;
        BIGNUM* e = nullptr;
        EVP_PKEY_get_bn_param(m().rsaD.get(), "n", &n);
        EVP_PKEY_get_bn_param(m().rsaD.get(), "e", &e);
        Bytes nb(static_cast<std::size_t>(BN_num_bytes(n))), eb(static_cast<std::size_t>(BN_num_bytes(e)));
        BN_bn2bin(n, nb.data());
        BN_bn2bin(e, eb.data());
        BN_free(n);
        BN_free(e);
        apdu::TlvWriter pk;
        pk.add(0x81, nb).add(0x82, eb);
        rsaMeta.add(0x04, pk.bytes());
    }
    ch.expect(test::metadataHex(0x9D), test::hex(rsaMeta.bytes()) + "9000");
    ch.expect(test::getDataHex(0x5FC101), "6A82");
    ch.expect(test::metadataHex(0x9E), "010111 02020101 0443 8641 04" + std::string(128, '0') + "9000");
    ch.expect(test::getDataHex(0x5FC10C), "6A82");

    TokenModel t = card->readToken();
    ASSERT_EQ(t.keys.size(), 2u); // 9E's point is not on the curve: skipped
    EXPECT_EQ(t.keys[0].reference, 0x9C);
    EXPECT_FALSE(t.keys[0].certificate.has_value());
    EXPECT_EQ(t.keys[0].publicKeySpki, test::spkiOf(m().ecC.get()));
    EXPECT_EQ(t.keys[0].pinPolicy, PinPolicy::always);
    EXPECT_EQ(t.keys[1].reference, 0x9D);
    EXPECT_EQ(t.keys[1].publicKeySpki, test::spkiOf(m().rsaD.get()));
    EXPECT_EQ(t.keys[1].bits, 2048u);
    EXPECT_EQ(t.keys[1].pinPolicy, PinPolicy::never);
}

// A plain PIV card: no YubiKey commands, identity from the CHUID, retired
// keys read only as far as the key history object's C1 count says.
TEST_F(PivTokenTest, PlainPivCardWithChuidAndRetiredKeys)
{
    auto card = probe();
    ch.expect(test::kVersionCmd, "6D00");
    const std::string fascn = "D4E739DA739CED39CE739D836858210842108421C84210C3EB";
    const std::string guid = "0123456789ABCDEF0011223344556677";
    ch.expect(test::getDataHex(0x5FC102),
              "53 3B 3019" + fascn + "3410" + guid + "350832303330303130313E00FE00" + "9000");
    ch.expect(test::kPinStatusCmd, "63C5");
    ch.expect(test::getDataHex(0x5FC105), test::certContainerAnswer(m().certA));
    ch.expect(test::getDataHex(0x5FC10A), "6A82");
    ch.expect(test::getDataHex(0x5FC10B), "6A82");
    ch.expect(test::getDataHex(0x5FC101), "6A82");
    ch.expect(test::getDataHex(0x5FC10C), "530A C10102 C20100 F300 FE00 9000");
    ch.expect(test::getDataHex(0x5FC10D), test::certContainerAnswer(m().certD));
    ch.expect(test::getDataHex(0x5FC10E), test::certContainerAnswer(m().certC, true));

    TokenModel t = card->readToken();
    EXPECT_EQ(t.label, "PIV Card");
    EXPECT_EQ(t.manufacturer, "PIV");
    EXPECT_EQ(t.model, "PIV II");
    EXPECT_EQ(t.identity, fromHex(guid));
    EXPECT_EQ(t.serial, "0011223344556677");
    EXPECT_EQ(t.userPin.triesLeft, 5);
    ASSERT_EQ(t.keys.size(), 3u);
    const CardKey* r1 = keyFor(t, 0x82);
    ASSERT_NE(r1, nullptr);
    EXPECT_EQ(r1->id, Bytes{0x05});
    EXPECT_EQ(r1->label, "Retired KEY MAN 1");
    EXPECT_EQ(r1->certificateLabel, "Retired X.509 Certificate for Key Management 1");
    const CardKey* r2 = keyFor(t, 0x83);
    ASSERT_NE(r2, nullptr);
    EXPECT_EQ(r2->id, Bytes{0x06});
    EXPECT_EQ(r2->algorithm, KeyAlgorithm::ecP256);
}

TEST_F(PivTokenTest, FascnIdentityWhenGuidIsZero)
{
    auto card = probe();
    ch.expect(test::kVersionCmd, "6D00");
    const std::string fascn = "D4E739DA739CED39CE739D836858210842108421C84210C3EB";
    ch.expect(test::getDataHex(0x5FC102), "53 2F 3019" + fascn + "3410" + std::string(32, '0') + "FE00 9000");
    ch.expect(test::kPinStatusCmd, "6983");
    for (std::uint32_t tag : {0x5FC105u, 0x5FC10Au, 0x5FC10Bu, 0x5FC101u, 0x5FC10Cu})
        ch.expect(test::getDataHex(tag), "6A82");
    TokenModel t = card->readToken();
    EXPECT_EQ(t.identity, fromHex(fascn));
    EXPECT_EQ(t.serial, "108421C84210C3EB");
    EXPECT_EQ(t.userPin.triesLeft, 0);
    EXPECT_TRUE(t.keys.empty());
}
