// OpenPGP driver: probe and readToken against recorded card exchanges — a
// 3.4 card with an RSA-2048 signature key, a P-256 decryption key and an
// Ed25519 authentication key (extended length, one certificate per key), a
// 2.1 card (RSA only, short APDUs, one certificate), YubiKeys with the
// SELECT DATA quirks, the registry order, and a re-read after the probe.
#include <gtest/gtest.h>

#include "card-drivers/openpgp/openpgp_card.hpp"
#include "card-drivers/openpgp/openpgp_driver.hpp"
#include "card-drivers/registry.hpp"
#include "common/error.hpp"
#include "openpgp_test_support.hpp"
#include "replay_channel.hpp"

using namespace tessera;
using namespace tessera::drivers;
using tessera::test::ReplayChannel;
namespace pgp = tessera::test::pgp;

namespace {

struct Material {
    pgp::Pkey rsaSig = pgp::makeRsaKey(2048);
    pgp::Pkey ecDec = pgp::makeEcKey("P-256");
    pgp::Pkey edAut = pgp::makeRawKey("ED25519");
    pgp::Pkey rsaDec = pgp::makeRsaKey(2048);
    Bytes certSig = pgp::selfSignedCertificate(rsaSig.get(), "Alice signature");
    Bytes certAut = pgp::selfSignedCertificate(edAut.get(), "Alice ssh");
};

class OpenPgpTokenTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { material_ = new Material(); }
    static void TearDownTestSuite()
    {
        delete material_;
        material_ = nullptr;
    }
    static Material& m() { return *material_; }

    // The 3.4 card of the brief: sig RSA-2048, dec P-256 (ECDH), aut Ed25519.
    static pgp::CardSpec spec34()
    {
        pgp::CardSpec s;
        s.attributes = {pgp::rsaAttributes(2048), pgp::curveAttributes(0x12, pgp::kOidP256),
                        pgp::curveAttributes(0x16, pgp::kOidEd25519)};
        s.fingerprints = {{pgp::fingerprint(1), pgp::fingerprint(2), pgp::fingerprint(3)}};
        s.keyInformation = fromHex("010102010301");
        return s;
    }

    // The public keys and certificates of spec34 after the cardholder name.
    void expectKeys34(bool lengthPrefix = false)
    {
        ch.expect(pgp::readPublicKeyHex(0xB6, true), pgp::ok(pgp::rsaPublicKeyTemplate(m().rsaSig.get())));
        ch.expect(pgp::selectDataHex(2, lengthPrefix), "9000");
        ch.expect(pgp::getDataHex(0x7F21, true), pgp::ok(m().certSig));
        ch.expect(pgp::readPublicKeyHex(0xB8, true),
                  pgp::ok(pgp::pointPublicKeyTemplate(pgp::ecPublicPoint(m().ecDec.get()))));
        ch.expect(pgp::selectDataHex(1, lengthPrefix), "9000");
        ch.expect(pgp::getDataHex(0x7F21, true), "9000");
        ch.expect(pgp::readPublicKeyHex(0xA4, true),
                  pgp::ok(pgp::pointPublicKeyTemplate(pgp::rawPublicKey(m().edAut.get()))));
        ch.expect(pgp::selectDataHex(0, lengthPrefix), "9000");
        ch.expect(pgp::getDataHex(0x7F21, true), pgp::ok(m().certAut));
    }

    ReplayChannel ch;
    static Material* material_;
};

Material* OpenPgpTokenTest::material_ = nullptr;

const CardKey* keyFor(const TokenModel& t, std::uint8_t reference)
{
    for (const auto& k : t.keys)
        if (k.reference == reference) return &k;
    return nullptr;
}

const std::string kCardholder = "6515 5B0A 446F653C3C416C696365 5F2D02656E 5F350139 9000"; // "Doe<<Alice"

} // namespace

// Issue 8: the identity costs the cardholder data 65 and nothing more (the
// PIN state comes with the probe's 6E); keys and certificates wait for readKeys.
TEST_F(OpenPgpTokenTest, IdentityWithoutKeysThenKeysOnDemand)
{
    auto card = pgp::probeCard(ch, spec34());
    ASSERT_NE(card, nullptr);
    const std::size_t probed = ch.transmitted();
    ch.expect(pgp::getDataHex(0x65, true), kCardholder);
    TokenModel t = card->readIdentity();
    EXPECT_EQ(ch.transmitted() - probed, 1u);
    EXPECT_FALSE(t.keysRead);
    EXPECT_TRUE(t.keys.empty());
    EXPECT_EQ(t.label, "Doe Alice");
    EXPECT_EQ(t.userPin.triesLeft, 3);
    ASSERT_TRUE(t.soPin.has_value());

    expectKeys34();
    card->readKeys(t);
    EXPECT_EQ(ch.transmitted() - probed, 1u + 9u);
    EXPECT_TRUE(t.keysRead);
    EXPECT_EQ(t.keys.size(), 3u);
    EXPECT_EQ(t.label, "Doe Alice");
}

TEST_F(OpenPgpTokenTest, ProbeAndReadThreeKeyCard34)
{
    auto card = pgp::probeCard(ch, spec34());
    ASSERT_NE(card, nullptr);
    EXPECT_EQ(card->driverName(), "OpenPGP");
    EXPECT_TRUE(card->quirks().extendedLength);
    EXPECT_FALSE(card->quirks().kdf);
    EXPECT_FALSE(card->quirks().pw1ValidForSeveral);
    EXPECT_FALSE(card->quirks().singleCertificate);
    EXPECT_EQ(ch.transmitted(), 3u); // SELECT, GET DATA 6E, GET DATA F9

    ch.expect(pgp::getDataHex(0x65, true), kCardholder);
    expectKeys34();
    TokenModel t = card->readToken();
    EXPECT_EQ(ch.transmitted(), 3u + 10u); // readToken: 65, then 3 x (47, A5, CA 7F21)
    EXPECT_EQ(ch.remaining(), 0u);

    EXPECT_EQ(t.label, "Doe Alice");
    EXPECT_EQ(t.manufacturer, "Nitrokey");
    EXPECT_EQ(t.model, "OpenPGP card 3.4");
    EXPECT_EQ(t.serial, "12345678");
    EXPECT_EQ(toHex(t.identity), "D276000124010304000F123456780000");
    EXPECT_EQ(t.firmwareMajor, 3);
    EXPECT_EQ(t.firmwareMinor, 4);
    EXPECT_EQ(t.userPin.reference, 0x82);
    EXPECT_EQ(t.userPin.triesLeft, 3);
    EXPECT_EQ(t.userPin.maxTries, 3);
    EXPECT_EQ(t.userPin.minLength, 6u);
    EXPECT_EQ(t.userPin.maxLength, 127u);
    ASSERT_EQ(t.keys.size(), 3u);

    const CardKey* sig = keyFor(t, 1);
    ASSERT_NE(sig, nullptr);
    EXPECT_EQ(sig->id, Bytes{0x01});
    EXPECT_EQ(sig->label, "Signature key");
    EXPECT_EQ(sig->algorithm, KeyAlgorithm::rsa);
    EXPECT_EQ(sig->bits, 2048u);
    EXPECT_EQ(sig->publicKeySpki, pgp::spkiOf(m().rsaSig.get()));
    ASSERT_TRUE(sig->certificate.has_value());
    EXPECT_EQ(*sig->certificate, m().certSig);
    EXPECT_TRUE(sig->canSign);
    EXPECT_FALSE(sig->canDecrypt);
    EXPECT_FALSE(sig->canDerive);
    EXPECT_EQ(sig->pinReference, 0x81);
    EXPECT_EQ(sig->pinPolicy, PinPolicy::always); // C4 byte 1 = 00
    EXPECT_EQ(sig->rsaSignInput, RsaSignInput::digestInfo);
    EXPECT_FALSE(sig->rsaDecryptReturnsPaddedBlock);

    const CardKey* dec = keyFor(t, 2);
    ASSERT_NE(dec, nullptr);
    EXPECT_EQ(dec->id, Bytes{0x02});
    EXPECT_EQ(dec->label, "Encryption key");
    EXPECT_EQ(dec->algorithm, KeyAlgorithm::ecP256);
    EXPECT_EQ(dec->bits, 256u);
    EXPECT_EQ(dec->publicKeySpki, pgp::spkiOf(m().ecDec.get()));
    EXPECT_FALSE(dec->certificate.has_value());
    EXPECT_FALSE(dec->canSign);
    EXPECT_FALSE(dec->canDecrypt);
    EXPECT_TRUE(dec->canDerive);
    EXPECT_EQ(dec->pinReference, 0x82);
    EXPECT_EQ(dec->pinPolicy, PinPolicy::once);

    const CardKey* aut = keyFor(t, 3);
    ASSERT_NE(aut, nullptr);
    EXPECT_EQ(aut->id, Bytes{0x03});
    EXPECT_EQ(aut->label, "Authentication key");
    EXPECT_EQ(aut->certificateLabel, "Cardholder certificate");
    EXPECT_EQ(aut->algorithm, KeyAlgorithm::ed25519);
    EXPECT_EQ(aut->publicKeySpki, pgp::spkiOf(m().edAut.get()));
    ASSERT_TRUE(aut->certificate.has_value());
    EXPECT_EQ(*aut->certificate, m().certAut);
    EXPECT_TRUE(aut->canSign);
    EXPECT_EQ(aut->pinReference, 0x82);
    EXPECT_EQ(aut->pinPolicy, PinPolicy::once);
}

TEST_F(OpenPgpTokenTest, SecondReadTokenRereadsApplicationData)
{
    auto card = pgp::probeCard(ch, spec34());
    ASSERT_NE(card, nullptr);
    ch.expect(pgp::getDataHex(0x65, true), "9000");
    expectKeys34();
    card->readToken();

    pgp::CardSpec changed = spec34();
    changed.pwStatus = fromHex("01 7F 7F 7F 01 00 03"); // PW1 valid for several, one try left
    changed.fingerprints[1].clear();
    changed.keyInformation = fromHex("010102000301"); // decryption key deleted
    ch.expect(pgp::getDataHex(0x6E, true), pgp::ok(pgp::applicationData(changed)));
    ch.expect(pgp::getDataHex(0xF9), "810100 9000"); // the KDF-DO is small: short Le
    ch.expect(pgp::getDataHex(0x65, true), "6A88");
    ch.expect(pgp::readPublicKeyHex(0xB6, true), pgp::ok(pgp::rsaPublicKeyTemplate(m().rsaSig.get())));
    ch.expect(pgp::selectDataHex(2), "9000");
    ch.expect(pgp::getDataHex(0x7F21, true), "9000");
    ch.expect(pgp::readPublicKeyHex(0xA4, true),
              pgp::ok(pgp::pointPublicKeyTemplate(pgp::rawPublicKey(m().edAut.get()))));
    ch.expect(pgp::selectDataHex(0), "9000");
    ch.expect(pgp::getDataHex(0x7F21, true), "9000");
    TokenModel t = card->readToken();
    EXPECT_EQ(t.label, "OpenPGP card 12345678");
    EXPECT_EQ(t.userPin.triesLeft, 1);
    ASSERT_EQ(t.keys.size(), 2u);
    EXPECT_EQ(keyFor(t, 1)->pinPolicy, PinPolicy::once);
    EXPECT_EQ(keyFor(t, 2), nullptr);
}

TEST_F(OpenPgpTokenTest, ReadTokenRefusesAnotherCard)
{
    auto card = pgp::probeCard(ch, spec34());
    ASSERT_NE(card, nullptr);
    ch.expect(pgp::getDataHex(0x65, true), "9000");
    expectKeys34();
    card->readToken();
    pgp::CardSpec other = spec34();
    other.serial = 0x87654321;
    ch.expect(pgp::getDataHex(0x6E, true), pgp::ok(pgp::applicationData(other)));
    try {
        card->readToken();
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::deviceRemoved);
    }
}

TEST_F(OpenPgpTokenTest, Card21ShortApdusOneCertificate)
{
    pgp::CardSpec s;
    s.versionMajor = 2;
    s.versionMinor = 1;
    s.manufacturer = 0x0005;
    s.serial = 0x00000ABC;
    s.historical = fromHex("0031C5 73C00180 059000"); // chaining only
    s.extendedLength.reset();
    s.extendedCapabilities = fromHex("30 00 0000 0800 00FF 00FF");
    s.attributes = {pgp::rsaAttributes(2048), pgp::rsaAttributes(2048), pgp::rsaAttributes(2048)};
    s.fingerprints = {{pgp::fingerprint(1), pgp::fingerprint(2), {}}};
    s.pwStatus = fromHex("01 20 20 20 02 00 03");
    s.wrapInDiscretionary = false; // C0-C5 directly in 6E
    auto card = pgp::probeCard(ch, s);
    ASSERT_NE(card, nullptr);
    EXPECT_EQ(ch.transmitted(), 2u);
    EXPECT_FALSE(card->quirks().extendedLength);
    EXPECT_TRUE(card->quirks().singleCertificate);
    EXPECT_TRUE(card->quirks().pw1ValidForSeveral);

    ch.expect(pgp::getDataHex(0x65), "65 0C 5B 0A 426F623C3C4D61727479 9000");
    ch.expect(pgp::readPublicKeyHex(0xB6), pgp::ok(pgp::rsaPublicKeyTemplate(m().rsaSig.get())));
    ch.expect(pgp::readPublicKeyHex(0xB8), pgp::ok(pgp::rsaPublicKeyTemplate(m().rsaDec.get())));
    TokenModel t = card->readToken();
    EXPECT_EQ(ch.remaining(), 0u);
    EXPECT_EQ(t.label, "Bob Marty");
    EXPECT_EQ(t.manufacturer, "ZeitControl");
    EXPECT_EQ(t.model, "OpenPGP card 2.1");
    EXPECT_EQ(t.serial, "00000ABC");
    EXPECT_EQ(t.userPin.triesLeft, 2);
    EXPECT_EQ(t.userPin.maxLength, 32u);
    ASSERT_EQ(t.keys.size(), 2u);
    EXPECT_EQ(keyFor(t, 1)->pinPolicy, PinPolicy::once);
    const CardKey* dec = keyFor(t, 2);
    ASSERT_NE(dec, nullptr);
    EXPECT_TRUE(dec->canDecrypt);
    EXPECT_FALSE(dec->canDerive);
    EXPECT_FALSE(dec->canSign);
}

TEST_F(OpenPgpTokenTest, Card21AuthenticationCertificateWithoutSelectData)
{
    pgp::CardSpec s;
    s.versionMajor = 2;
    s.versionMinor = 1;
    s.historical = fromHex("0031C5 73C00180 059000");
    s.extendedLength.reset();
    s.extendedCapabilities = fromHex("30 00 0000 0800 00FF 00FF");
    s.attributes = {pgp::rsaAttributes(2048), pgp::rsaAttributes(2048), pgp::curveAttributes(0x16, pgp::kOidEd25519)};
    s.fingerprints = {{{}, {}, pgp::fingerprint(3)}};
    auto card = pgp::probeCard(ch, s);
    ASSERT_NE(card, nullptr);
    ch.expect(pgp::getDataHex(0x65), "6500 9000");
    ch.expect(pgp::readPublicKeyHex(0xA4), pgp::ok(pgp::pointPublicKeyTemplate(pgp::rawPublicKey(m().edAut.get()))));
    ch.expect(pgp::getDataHex(0x7F21), pgp::ok(m().certAut));
    TokenModel t = card->readToken();
    ASSERT_EQ(t.keys.size(), 1u);
    ASSERT_TRUE(t.keys[0].certificate.has_value());
    EXPECT_EQ(*t.keys[0].certificate, m().certAut);
}

TEST_F(OpenPgpTokenTest, YubiKey543PrefixesSelectDataWithItsLength)
{
    pgp::CardSpec s = spec34();
    s.manufacturer = 0x0006;
    auto card = pgp::probeCard(ch, s, "810100 9000", "050403 9000");
    ASSERT_NE(card, nullptr);
    EXPECT_TRUE(card->quirks().selectDataLengthPrefix);
    EXPECT_FALSE(card->quirks().singleCertificate);
    ch.expect(pgp::getDataHex(0x65, true), "9000");
    expectKeys34(true);
    TokenModel t = card->readToken();
    EXPECT_EQ(t.manufacturer, "Yubico");
    EXPECT_EQ(t.firmwareMajor, 5);
    EXPECT_EQ(t.firmwareMinor, 4);
    EXPECT_EQ(t.keys.size(), 3u);
}

TEST_F(OpenPgpTokenTest, YubiKey544UsesStandardSelectData)
{
    pgp::CardSpec s = spec34();
    s.manufacturer = 0x0006;
    auto card = pgp::probeCard(ch, s, "810100 9000", "050404 9000");
    ASSERT_NE(card, nullptr);
    EXPECT_FALSE(card->quirks().selectDataLengthPrefix);
    ch.expect(pgp::getDataHex(0x65, true), "9000");
    expectKeys34(false);
    EXPECT_EQ(card->readToken().keys.size(), 3u);
}

TEST_F(OpenPgpTokenTest, OldYubiKeyHasOneCertificate)
{
    pgp::CardSpec s = spec34();
    s.manufacturer = 0x0006;
    auto card = pgp::probeCard(ch, s, "810100 9000", "040307 9000");
    ASSERT_NE(card, nullptr);
    EXPECT_TRUE(card->quirks().singleCertificate);
}

TEST_F(OpenPgpTokenTest, CertificateOfAnotherKeyIsDroppedAndSelectionReset)
{
    pgp::CardSpec s = spec34();
    s.fingerprints = {{pgp::fingerprint(1), {}, {}}};
    s.keyInformation.reset();
    auto card = pgp::probeCard(ch, s);
    ASSERT_NE(card, nullptr);
    ch.expect(pgp::getDataHex(0x65, true), "9000");
    ch.expect(pgp::readPublicKeyHex(0xB6, true), pgp::ok(pgp::rsaPublicKeyTemplate(m().rsaSig.get())));
    ch.expect(pgp::selectDataHex(2), "9000");
    ch.expect(pgp::getDataHex(0x7F21, true), pgp::ok(m().certAut)); // a certificate for another key
    ch.expect(pgp::selectDataHex(0), "9000");                       // leave the first occurrence selected
    TokenModel t = card->readToken();
    ASSERT_EQ(t.keys.size(), 1u);
    EXPECT_FALSE(t.keys[0].certificate.has_value());
}

TEST_F(OpenPgpTokenTest, SelectDataRefusedLeavesKeyWithoutCertificate)
{
    pgp::CardSpec s = spec34();
    s.fingerprints = {{{}, pgp::fingerprint(2), {}}};
    s.keyInformation.reset();
    auto card = pgp::probeCard(ch, s);
    ASSERT_NE(card, nullptr);
    ch.expect(pgp::getDataHex(0x65, true), "9000");
    ch.expect(pgp::readPublicKeyHex(0xB8, true),
              pgp::ok(pgp::pointPublicKeyTemplate(pgp::ecPublicPoint(m().ecDec.get()))));
    ch.expect(pgp::selectDataHex(1), "6D00");
    TokenModel t = card->readToken();
    ASSERT_EQ(t.keys.size(), 1u);
    EXPECT_FALSE(t.keys[0].certificate.has_value());
    EXPECT_TRUE(t.keys[0].canDerive);
}

TEST_F(OpenPgpTokenTest, ProbeOfAnotherCardAnswersNull)
{
    ch.expect(pgp::kSelectCmd, "6A82");
    EXPECT_EQ(openpgp::makeDriver()->probe(ch), nullptr);
}

TEST_F(OpenPgpTokenTest, AtrHintFindsTheRid)
{
    auto d = openpgp::makeDriver();
    EXPECT_EQ(d->name(), "OpenPGP");
    EXPECT_TRUE(d->atrHint(fromHex("3BDA18FF81B1FE751F030031C573C001400090000C D27600012401")));
    EXPECT_FALSE(d->atrHint(fromHex("3BF81300008131FE15597562696B657934D4")));
}

TEST_F(OpenPgpTokenTest, RegistryTriesPivFirstThenOpenPgp)
{
    Registry registry;
    registerBuiltinDrivers(registry);
    ASSERT_EQ(registry.drivers().size(), 2u);
    EXPECT_EQ(registry.drivers()[0]->name(), "PIV");
    EXPECT_EQ(registry.drivers()[1]->name(), "OpenPGP");
    ch.expect("00A4040009A00000030800001000 00", "6A82"); // PIV SELECT refused
    ch.expect(pgp::kSelectCmd, pgp::kSelectOk);
    ch.expect(pgp::getDataHex(0x6E), pgp::ok(pgp::applicationData(spec34())));
    ch.expect(pgp::getDataHex(0xF9), "6A88");
    auto card = registry.recognise(ch);
    ASSERT_NE(card, nullptr);
    EXPECT_EQ(card->driverName(), "OpenPGP");
}

// Issue 8: a card known by its ATR to be an OpenPGP card is probed as one
// first; the PIV SELECT it would refuse is not sent.
TEST_F(OpenPgpTokenTest, KnownOpenPgpAtrSkipsThePivProbe)
{
    auto d = openpgp::makeDriver();
    EXPECT_TRUE(d->atrHint(fromHex("3BDA18FF81B1FE751F030031F573C001600090001C")));      // OpenPGP card 3.x
    EXPECT_TRUE(d->atrHint(fromHex("3BDA18FF81B1FE751F030031C573C001400090000C")));      // OpenPGP card 2.x
    EXPECT_FALSE(d->atrHint(fromHex("3BDA18FF81B1FE751F030031F573C001600090001D")));     // another TCK
    EXPECT_FALSE(d->atrHint(fromHex("3BFD1300008131FE158073C021C057597562694B657940"))); // YubiKey: PIV's

    Registry registry;
    registerBuiltinDrivers(registry);
    ch.setAtr(fromHex("3BDA18FF81B1FE751F030031F573C001600090001C"));
    ch.expect(pgp::kSelectCmd, pgp::kSelectOk);
    ch.expect(pgp::getDataHex(0x6E), pgp::ok(pgp::applicationData(spec34())));
    ch.expect(pgp::getDataHex(0xF9), "6A88");
    auto card = registry.recognise(ch);
    ASSERT_NE(card, nullptr);
    EXPECT_EQ(card->driverName(), "OpenPGP");
}

// Issue 11, cards with several applications: the configured application
// (config.hpp `application`) is probed first, before the ATR's hint, so a
// YubiKey (whose ATR points at PIV) serves OpenPGP when asked to.
TEST_F(OpenPgpTokenTest, PreferredApplicationIsProbedBeforeTheAtrHint)
{
    Registry registry;
    registerBuiltinDrivers(registry);
    ch.setAtr(fromHex("3BFD1300008131FE158073C021C057597562694B657940")); // YubiKey: hints PIV
    ch.expect(pgp::kSelectCmd, pgp::kSelectOk);                           // no PIV SELECT first
    ch.expect(pgp::getDataHex(0x6E), pgp::ok(pgp::applicationData(spec34())));
    ch.expect(pgp::getDataHex(0xF9), "6A88");
    auto card = registry.recognise(ch, "openpgp");
    ASSERT_NE(card, nullptr);
    EXPECT_EQ(card->driverName(), "OpenPGP");
}

// A card without the preferred application serves the one it has.
TEST_F(OpenPgpTokenTest, PreferredApplicationMissingFallsBackToTheOther)
{
    Registry registry;
    registerBuiltinDrivers(registry);
    ch.setAtr(fromHex("3BDA18FF81B1FE751F030031F573C001600090001C"));
    ch.expect("00A4040009A00000030800001000 00", "6A82"); // preferred PIV: refused
    ch.expect(pgp::kSelectCmd, pgp::kSelectOk);
    ch.expect(pgp::getDataHex(0x6E), pgp::ok(pgp::applicationData(spec34())));
    ch.expect(pgp::getDataHex(0xF9), "6A88");
    auto card = registry.recognise(ch, "PIV");
    ASSERT_NE(card, nullptr);
    EXPECT_EQ(card->driverName(), "OpenPGP");
}

TEST_F(OpenPgpTokenTest, ProbeOnlyTriesThatDriverAlone)
{
    Registry registry;
    registerBuiltinDrivers(registry);
    ch.expect("00A4040009A00000030800001000 00", "6A82");
    EXPECT_EQ(registry.probeOnly(ch, "piv"), nullptr); // and no OpenPGP SELECT after it
    EXPECT_EQ(registry.probeOnly(ch, "nosuchdriver"), nullptr);
    EXPECT_TRUE(drivers::sameDriverName("openpgp", "OpenPGP"));
    EXPECT_FALSE(drivers::sameDriverName("openpg", "OpenPGP"));
}
