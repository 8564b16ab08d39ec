// OpenPGP certificate write and delete (card spec 3.4.1 sections 7.2.5 and
// 7.2.8) against recorded exchanges: VERIFY PW3, SELECT DATA of the key's
// 7F21 occurrence, PUT DATA 7F21 (empty: delete), the read-back, and the
// selection left at occurrence 0; the refusals that send nothing at all.
#include <gtest/gtest.h>

#include "card-drivers/openpgp/openpgp_card.hpp"
#include "common/error.hpp"
#include "openpgp_test_support.hpp"
#include "replay_channel.hpp"

using namespace tessera;
using namespace tessera::drivers;
using tessera::test::ReplayChannel;
namespace pgp = tessera::test::pgp;

namespace {

const std::string kVerifyPw3 = "0020008308 3132333435363738";
const SecureBytes kPw3(std::string_view("12345678"));

struct Material {
    pgp::Pkey sig = pgp::makeRsaKey(2048);
    pgp::Pkey aut = pgp::makeEcKey("P-256");
    Bytes certSig = pgp::selfSignedCertificate(sig.get(), "Alice signature");
    Bytes certAut = pgp::selfSignedCertificate(aut.get(), "Alice ssh");
};

Material& m()
{
    static Material material;
    return material;
}

pgp::CardSpec spec34()
{
    pgp::CardSpec s;
    s.attributes = {pgp::rsaAttributes(2048), pgp::rsaAttributes(2048), pgp::curveAttributes(0x13, pgp::kOidP256)};
    s.fingerprints = {{pgp::fingerprint(1), {}, pgp::fingerprint(3)}};
    return s;
}

pgp::CardSpec spec21()
{
    pgp::CardSpec s;
    s.versionMajor = 2;
    s.versionMinor = 1;
    s.historical = fromHex("0031C5 73C00180 059000"); // chaining only
    s.extendedLength.reset();
    s.extendedCapabilities = fromHex("30 00 0000 0800 00FF 00FF");
    s.attributes = {pgp::rsaAttributes(2048), pgp::rsaAttributes(2048), pgp::rsaAttributes(2048)};
    s.fingerprints = {{pgp::fingerprint(1), {}, pgp::fingerprint(3)}};
    return s;
}

CardKey keyOf(EVP_PKEY* key, std::uint8_t id)
{
    CardKey k;
    k.reference = id;
    k.id = Bytes{id};
    k.publicKeySpki = pgp::spkiOf(key);
    return k;
}

std::string putCertificateHex(ByteView cert)
{
    return "00DA7F21 00" +
           pgp::hex(Bytes{static_cast<std::uint8_t>(cert.size() >> 8), static_cast<std::uint8_t>(cert.size())}) +
           pgp::hex(cert);
}

Errc errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "no error";
    return Errc::general;
}

} // namespace

TEST(OpenPgpCertificateWrite, SignatureKeyGoesToOccurrenceTwoAndIsReadBack)
{
    ReplayChannel ch;
    auto card = pgp::probeCard(ch, spec34());
    ASSERT_NE(card, nullptr);
    const CardKey known = keyOf(m().sig.get(), 1);
    ch.expect(kVerifyPw3, "9000");
    ch.expect(pgp::selectDataHex(2), "9000");
    ch.expect(putCertificateHex(m().certSig), "9000");
    ch.expect(pgp::selectDataHex(2), "9000");
    ch.expect(pgp::getDataHex(0x7F21, true), pgp::ok(m().certSig));
    ch.expect(pgp::selectDataHex(0), "9000"); // others expect the authentication key's 7F21
    std::optional<CardKey> k = card->writeCertificate(kPw3, Bytes{0x01}, m().certSig, &known);
    ASSERT_TRUE(k.has_value());
    ASSERT_TRUE(k->certificate.has_value());
    EXPECT_EQ(*k->certificate, m().certSig);
    EXPECT_EQ(k->publicKeySpki, known.publicKeySpki);
    EXPECT_EQ(ch.remaining(), 0u);
}

TEST(OpenPgpCertificateWrite, EmptyPutDataDeletes)
{
    ReplayChannel ch;
    auto card = pgp::probeCard(ch, spec34());
    ASSERT_NE(card, nullptr);
    CardKey known = keyOf(m().aut.get(), 3);
    known.certificate = m().certAut;
    ch.expect(kVerifyPw3, "9000");
    ch.expect(pgp::selectDataHex(0), "9000");
    ch.expect("00DA7F21", "9000"); // occurrence 0 stays selected: nothing to put back
    std::optional<CardKey> k = card->writeCertificate(kPw3, Bytes{0x03}, ByteView{}, &known);
    ASSERT_TRUE(k.has_value());
    EXPECT_FALSE(k->certificate.has_value());
}

TEST(OpenPgpCertificateWrite, RefusalsSendNothing)
{
    ReplayChannel ch;
    auto card = pgp::probeCard(ch, spec34());
    ASSERT_NE(card, nullptr);
    const std::size_t before = ch.transmitted();
    const CardKey sig = keyOf(m().sig.get(), 1);
    // another key's certificate, no key in the slot, no such CKA_ID
    EXPECT_EQ(errorOf([&] { card->writeCertificate(kPw3, Bytes{0x01}, m().certAut, &sig); }), Errc::dataInvalid);
    EXPECT_EQ(errorOf([&] { card->writeCertificate(kPw3, Bytes{0x02}, m().certSig, nullptr); }), Errc::dataInvalid);
    EXPECT_EQ(errorOf([&] { card->writeCertificate(kPw3, Bytes{0x04}, m().certSig, &sig); }), Errc::dataInvalid);
    EXPECT_EQ(errorOf([&] { card->writeCertificate(kPw3, Bytes{0x01, 0x01}, m().certSig, &sig); }), Errc::dataInvalid);
    EXPECT_EQ(ch.transmitted(), before);
}

TEST(OpenPgpCertificateWrite, CertificateLongerThanTheCardStoresIsRefused)
{
    ReplayChannel ch;
    pgp::CardSpec s = spec34();
    s.extendedCapabilities = fromHex("7D 00 00FF 0100 00FF 00 00"); // at most 256 bytes of certificate
    auto card = pgp::probeCard(ch, s);
    ASSERT_NE(card, nullptr);
    const std::size_t before = ch.transmitted();
    const CardKey sig = keyOf(m().sig.get(), 1);
    EXPECT_EQ(errorOf([&] { card->writeCertificate(kPw3, Bytes{0x01}, m().certSig, &sig); }), Errc::dataInvalid);
    EXPECT_EQ(ch.transmitted(), before);
}

TEST(OpenPgpCertificateWrite, WrongPw3WritesNothing)
{
    ReplayChannel ch;
    auto card = pgp::probeCard(ch, spec34());
    ASSERT_NE(card, nullptr);
    const CardKey sig = keyOf(m().sig.get(), 1);
    ch.expect(kVerifyPw3, "63C2");
    EXPECT_EQ(errorOf([&] { card->writeCertificate(kPw3, Bytes{0x01}, m().certSig, &sig); }), Errc::pinIncorrect);
    EXPECT_EQ(ch.remaining(), 0u);
}

TEST(OpenPgpCertificateWrite, Card21HasOnlyTheAuthenticationCertificate)
{
    ReplayChannel ch;
    auto card = pgp::probeCard(ch, spec21());
    ASSERT_NE(card, nullptr);
    ASSERT_TRUE(card->quirks().singleCertificate);
    const CardKey sig = keyOf(m().sig.get(), 1);
    const std::size_t before = ch.transmitted();
    EXPECT_EQ(errorOf([&] { card->writeCertificate(kPw3, Bytes{0x01}, m().certSig, &sig); }), Errc::dataInvalid);
    EXPECT_EQ(ch.transmitted(), before);
    // 03: no SELECT DATA, the one 7F21
    const CardKey aut = keyOf(m().sig.get(), 3);
    ch.expect(kVerifyPw3, "9000");
    ch.expect(putCertificateHex(m().certSig), "9000");
    ch.expect(pgp::getDataHex(0x7F21), pgp::ok(m().certSig));
    std::optional<CardKey> k = card->writeCertificate(kPw3, Bytes{0x03}, m().certSig, &aut);
    ASSERT_TRUE(k.has_value() && k->certificate.has_value());
    EXPECT_EQ(*k->certificate, m().certSig);
}
