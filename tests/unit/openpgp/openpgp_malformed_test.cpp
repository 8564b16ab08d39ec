// Hostile card answers for the OpenPGP driver: truncated, bit-flipped and
// garbage application data, C4 and C5 of the wrong size, public key
// templates without their parts or with points off the curve, certificates
// that are not certificates, broken cardholder data. Each gives a clean
// Error(malformedResponse) or skips that one object; none crashes.
#include <gtest/gtest.h>

#include "apdu/tlv.hpp"
#include "card-drivers/openpgp/openpgp_card.hpp"
#include "card-drivers/openpgp/openpgp_data.hpp"
#include "card-drivers/openpgp/openpgp_keys.hpp"
#include "common/error.hpp"
#include "openpgp_test_support.hpp"
#include "replay_channel.hpp"

using namespace tessera;
using namespace tessera::drivers;
using namespace tessera::drivers::openpgp;
using tessera::test::ReplayChannel;
namespace pgp = tessera::test::pgp;

namespace {

pgp::CardSpec fullSpec()
{
    pgp::CardSpec s;
    s.attributes = {pgp::rsaAttributes(2048), pgp::curveAttributes(0x12, pgp::kOidP256),
                    pgp::curveAttributes(0x16, pgp::kOidEd25519)};
    s.fingerprints = {{pgp::fingerprint(1), pgp::fingerprint(2), pgp::fingerprint(3)}};
    s.keyInformation = fromHex("010102010301");
    return s;
}

// Parses, and either succeeds or throws Error(malformedResponse); anything
// else (another exception, a crash) fails the test.
template <typename F> bool parsesOrMalformed(F&& f)
{
    try {
        f();
        return true;
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::malformedResponse) << e.what();
        return false;
    }
}

} // namespace

TEST(OpenPgpMalformedTest, EveryTruncationOfApplicationDataIsMalformed)
{
    const Bytes app = pgp::applicationData(fullSpec());
    for (std::size_t n = 0; n < app.size(); ++n) {
        ByteView prefix(app.data(), n);
        EXPECT_FALSE(parsesOrMalformed([&] { parseApplicationData(prefix); })) << "prefix of " << n;
    }
    EXPECT_TRUE(parsesOrMalformed([&] { parseApplicationData(app); }));
}

TEST(OpenPgpMalformedTest, BitFlippedApplicationDataNeverCrashes)
{
    const Bytes app = pgp::applicationData(fullSpec());
    for (std::size_t i = 0; i < app.size(); ++i) {
        for (const std::uint8_t mask : std::array<std::uint8_t, 3>{0x01, 0x80, 0xFF}) {
            Bytes flipped = app;
            flipped[i] ^= mask;
            parsesOrMalformed([&] { parseApplicationData(flipped); });
        }
    }
}

TEST(OpenPgpMalformedTest, GarbageApplicationData)
{
    for (const std::string& hex :
         std::vector<std::string>{"", "00", "FFFFFF", "6E00", "6E81", "6E8405FFFFFFFF", "4F00",
                                  "6E 12 4F10 D276000124010304000F123456780000"}) { // no C4, no C5
        EXPECT_FALSE(parsesOrMalformed([&] { parseApplicationData(fromHex(hex)); })) << hex;
    }
}

TEST(OpenPgpMalformedTest, PwStatusAndFingerprintsOfTheWrongSize)
{
    pgp::CardSpec shortC4 = fullSpec();
    shortC4.pwStatus = fromHex("00 7F 7F 7F 03 00");
    EXPECT_FALSE(parsesOrMalformed([&] { parseApplicationData(pgp::applicationData(shortC4)); }));
    pgp::CardSpec shortC5 = fullSpec();
    shortC5.fingerprints[2] = Bytes(19, 0x01);
    EXPECT_FALSE(parsesOrMalformed([&] { parseApplicationData(pgp::applicationData(shortC5)); }));
}

TEST(OpenPgpMalformedTest, ProbeWithTruncatedApplicationDataThrows)
{
    ReplayChannel ch;
    Bytes app = pgp::applicationData(fullSpec());
    app.resize(app.size() / 2);
    ch.expect(pgp::kSelectCmd, "9000");
    ch.expect(pgp::getDataHex(0x6E), pgp::ok(app));
    try {
        makeDriver()->probe(ch);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::malformedResponse);
    }
}

TEST(OpenPgpMalformedTest, ProbeWhenApplicationDataIsRefused)
{
    ReplayChannel ch;
    ch.expect(pgp::kSelectCmd, "9000");
    ch.expect(pgp::getDataHex(0x6E), "6A82");
    try {
        makeDriver()->probe(ch);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::notFound);
    }
}

TEST(OpenPgpMalformedTest, PublicKeyTemplates)
{
    pgp::Pkey rsa = pgp::makeRsaKey(2048);
    const KeyAttributes rsaAttr{0x01, KeyAlgorithm::rsa, 2048};
    const KeyAttributes p256{0x12, KeyAlgorithm::ecP256, 256};
    const KeyAttributes ed{0x16, KeyAlgorithm::ed25519, 255};
    const Bytes good = pgp::rsaPublicKeyTemplate(rsa.get());
    for (std::size_t n = 0; n < good.size(); ++n) {
        EXPECT_FALSE(parsesOrMalformed([&] { publicKeyFromCard(rsaAttr, ByteView(good.data(), n)); })) << n;
    }
    EXPECT_EQ(publicKeyFromCard(rsaAttr, good).spki, pgp::spkiOf(rsa.get()));
    struct Row {
        KeyAttributes attr;
        std::string hex;
    };
    pgp::Pkey ec = pgp::makeEcKey("P-256");
    Bytes offCurve = pgp::ecPublicPoint(ec.get());
    offCurve.back() ^= 0x01;
    const std::vector<Row> rows{
        {rsaAttr, "7F49 04 8202 0101"},                          // no modulus
        {rsaAttr, "7F49 06 8101 05 8201 03"},                    // 3-bit modulus
        {rsaAttr, "7F49 03 8101 05"},                            // no exponent
        {p256, "7F49 02 8100"},                                  // no point
        {p256, pgp::hex(pgp::pointPublicKeyTemplate(offCurve))}, // point off the curve
        {p256, pgp::hex(pgp::pointPublicKeyTemplate(fromHex("04 0102")))},
        {ed, pgp::hex(pgp::pointPublicKeyTemplate(Bytes(31, 0x01)))}, // 31-byte Ed25519 key
        {ed, "7F49 02 86 05"},
        {ed, "FFFF"},
    };
    for (const Row& r : rows) {
        EXPECT_FALSE(parsesOrMalformed([&] { publicKeyFromCard(r.attr, fromHex(r.hex)); })) << r.hex;
    }
}

TEST(OpenPgpMalformedTest, CertificateAnswers)
{
    pgp::Pkey ec = pgp::makeEcKey("P-256");
    const Bytes cert = pgp::selfSignedCertificate(ec.get(), "x");
    EXPECT_EQ(certificateFromAnswer(cert), cert);
    EXPECT_EQ(certificateFromAnswer(concat(cert, fromHex("0000"))), cert); // trailing bytes dropped
    EXPECT_EQ(certificateFromAnswer(apdu::tlv(0x7F21, cert)), cert);       // wrapped in 7F21
    EXPECT_FALSE(certificateFromAnswer(Bytes{}).has_value());
    EXPECT_FALSE(certificateFromAnswer(fromHex("308201")).has_value());
    EXPECT_FALSE(certificateFromAnswer(ByteView(cert.data(), cert.size() - 1)).has_value());
    EXPECT_TRUE(certificateMatchesKey(cert, pgp::spkiOf(ec.get())));
    pgp::Pkey other = pgp::makeEcKey("P-256");
    EXPECT_FALSE(certificateMatchesKey(cert, pgp::spkiOf(other.get())));
    EXPECT_FALSE(certificateMatchesKey(fromHex("3000"), pgp::spkiOf(ec.get())));
}

TEST(OpenPgpMalformedTest, BadKeysAreSkippedTheRestIsRead)
{
    ReplayChannel ch;
    auto card = pgp::probeCard(ch, fullSpec());
    ASSERT_NE(card, nullptr);
    pgp::Pkey ed = pgp::makeRawKey("ED25519");
    ch.expect(pgp::getDataHex(0x65, true), "65 05 5B 09 41 9000");          // broken cardholder data
    ch.expect(pgp::readPublicKeyHex(0xB6, true), "7F49 04 8202 0101 9000"); // RSA without modulus
    ch.expect(pgp::readPublicKeyHex(0xB8, true), "6A88");
    ch.expect(pgp::readPublicKeyHex(0xA4, true), pgp::ok(pgp::pointPublicKeyTemplate(pgp::rawPublicKey(ed.get()))));
    ch.expect(pgp::selectDataHex(0), "9000");
    ch.expect(pgp::getDataHex(0x7F21, true), "DEADBEEF 9000"); // not a certificate
    TokenModel t = card->readToken();
    EXPECT_EQ(t.label, "OpenPGP card 12345678");
    ASSERT_EQ(t.keys.size(), 1u);
    EXPECT_EQ(t.keys[0].reference, 3);
    EXPECT_FALSE(t.keys[0].certificate.has_value());
}

TEST(OpenPgpMalformedTest, UnknownAlgorithmAttributesSkipTheKey)
{
    ReplayChannel ch;
    pgp::CardSpec s = fullSpec();
    s.attributes[0] = pgp::curveAttributes(0x13, "2B2403030208010107"); // brainpoolP256r1
    s.fingerprints = {{pgp::fingerprint(1), {}, {}}};
    s.keyInformation.reset();
    auto card = pgp::probeCard(ch, s);
    ASSERT_NE(card, nullptr);
    ch.expect(pgp::getDataHex(0x65, true), "9000");
    TokenModel t = card->readToken(); // no GET PUBLIC KEY for a key the model cannot hold
    EXPECT_TRUE(t.keys.empty());
}

TEST(OpenPgpMalformedTest, MalformedPinStatusAnswer)
{
    ReplayChannel ch;
    auto card = pgp::probeCard(ch, fullSpec());
    ASSERT_NE(card, nullptr);
    ch.expect(pgp::getDataHex(0xC4), "00 7F 7F 9000");
    try {
        card->readPinInfo(0x82);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::malformedResponse);
    }
}
