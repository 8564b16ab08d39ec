// OpenPGP data object parsers: AID, historical bytes, extended length
// information, extended capabilities, algorithm attributes (every curve the
// model knows, and the ones it refuses), PW status, key presence from DE and
// fingerprints, the cardholder name, and the constexpr tables.
#include <gtest/gtest.h>

#include "apdu/tlv.hpp"
#include "card-drivers/openpgp/openpgp_data.hpp"
#include "card-drivers/openpgp/openpgp_objects.hpp"
#include "common/error.hpp"
#include "openpgp_test_support.hpp"

using namespace tessera;
using namespace tessera::drivers;
using namespace tessera::drivers::openpgp;
namespace pgp = tessera::test::pgp;

namespace {

void expectMalformed(const std::function<void()>& f, const std::string& what)
{
    try {
        f();
        ADD_FAILURE() << "accepted " << what;
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::malformedResponse) << what;
    }
}

} // namespace

TEST(OpenPgpDataTest, Aid)
{
    AidInfo aid = parseAid(fromHex("D276000124010304 0006 0BADCAFE 0000"));
    EXPECT_EQ(aid.versionMajor, 3);
    EXPECT_EQ(aid.versionMinor, 4);
    EXPECT_EQ(aid.manufacturer, 0x0006);
    EXPECT_EQ(aid.serialHex(), "0BADCAFE");
    expectMalformed([] { parseAid(fromHex("D276000124010304 0006 0BADCAFE 00")); }, "short AID");
    expectMalformed([] { parseAid(fromHex("D276000124020304 0006 0BADCAFE 0000")); }, "other application");
}

TEST(OpenPgpDataTest, HistoricalBytes)
{
    CardCapabilities c = parseHistoricalBytes(fromHex("0031C5 73C00140 059000"));
    EXPECT_FALSE(c.commandChaining);
    EXPECT_TRUE(c.extendedLength);
    c = parseHistoricalBytes(fromHex("80 73C001E0")); // category 80: no status indicator
    EXPECT_TRUE(c.commandChaining);
    EXPECT_TRUE(c.extendedLength);
    EXPECT_TRUE(c.extendedLengthInfo);
    c = parseHistoricalBytes(fromHex("10 73C001E0")); // unknown category
    EXPECT_FALSE(c.extendedLength);
    EXPECT_FALSE(parseHistoricalBytes(Bytes{}).extendedLength);
    expectMalformed([] { parseHistoricalBytes(fromHex("00 31C5 75C001 059000")); }, "compact-TLV past the end");
}

TEST(OpenPgpDataTest, ExtendedLengthInformation)
{
    ExtendedLengthInfo e = parseExtendedLengthInfo(fromHex("02020800 02020400"));
    EXPECT_EQ(e.maxCommand, 0x0800);
    EXPECT_EQ(e.maxResponse, 0x0400);
    expectMalformed([] { parseExtendedLengthInfo(fromHex("020108 02020400")); }, "1-byte length");
    expectMalformed([] { parseExtendedLengthInfo(fromHex("02020800")); }, "one integer");
}

TEST(OpenPgpDataTest, ExtendedCapabilities)
{
    ExtendedCapabilities c = parseExtendedCapabilities(fromHex("7D 00 00FF 0800 00FF 00 00"));
    EXPECT_FALSE(c.secureMessaging);
    EXPECT_TRUE(c.getChallenge);
    EXPECT_TRUE(c.keyImport);
    EXPECT_TRUE(c.kdf);
    EXPECT_FALSE(c.aes);
    EXPECT_EQ(c.maxChallenge, 0xFF);
    EXPECT_EQ(c.maxCertificate, 0x800);
    EXPECT_FALSE(parseExtendedCapabilities(fromHex("80")).getChallenge);
    expectMalformed([] { parseExtendedCapabilities(Bytes{}); }, "empty C0");
}

TEST(OpenPgpDataTest, KeyAttributes)
{
    struct Row {
        std::string hex;
        std::optional<KeyAlgorithm> algorithm;
        unsigned bits;
    };
    const std::vector<Row> rows{
        {"01 0800 0020 00", KeyAlgorithm::rsa, 2048},
        {"01 1000 0011", KeyAlgorithm::rsa, 4096},
        {"13 2A8648CE3D030107", KeyAlgorithm::ecP256, 256},
        {"12 2A8648CE3D030107 FF", KeyAlgorithm::ecP256, 256}, // with the import-format byte
        {"13 2B81040022", KeyAlgorithm::ecP384, 384},
        {"12 2B81040023", KeyAlgorithm::ecP521, 521},
        {"16 2B06010401DA470F01", KeyAlgorithm::ed25519, 255},
        {"16 2B6570", KeyAlgorithm::ed25519, 255},
        {"12 2B060104019755010501", KeyAlgorithm::x25519, 255},
        {"12 2B656E", KeyAlgorithm::x25519, 255},
        {"13 2B2403030208010107", std::nullopt, 0},   // brainpoolP256r1: no model algorithm
        {"16 2A8648CE3D030107", std::nullopt, 0},     // EdDSA on a NIST curve
        {"13 2B06010401DA470F01", std::nullopt, 0},   // ECDSA on Ed25519
        {"12 2B06010401DA470F01", std::nullopt, 0},   // ECDH on Ed25519
        {"16 2B060104019755010501", std::nullopt, 0}, // EdDSA on Curve25519
        {"13 2A8648CE3D03010700FF", std::nullopt, 0}, // trailing garbage
        {"13 2A8648CE3D0301", std::nullopt, 0},       // truncated OID
        {"01 0800", std::nullopt, 0},                 // truncated RSA
        {"01 0010 0020 00", std::nullopt, 0},         // 16-bit RSA
        {"", std::nullopt, 0},
        {"42 00", std::nullopt, 0},
    };
    for (const Row& r : rows) {
        auto a = parseKeyAttributes(fromHex(r.hex));
        ASSERT_EQ(a.has_value(), r.algorithm.has_value()) << r.hex;
        if (!a) continue;
        EXPECT_EQ(a->algorithm, *r.algorithm) << r.hex;
        EXPECT_EQ(a->bits, r.bits) << r.hex;
    }
}

TEST(OpenPgpDataTest, PwStatus)
{
    PwStatus s = parsePwStatus(fromHex("01 7F 7F 7F 03 00 02"));
    EXPECT_TRUE(s.pw1ValidForSeveral);
    EXPECT_EQ(s.maxLengthPw1, 0x7F);
    EXPECT_EQ(s.triesPw1, 3);
    EXPECT_EQ(s.triesRc, 0);
    EXPECT_EQ(s.triesPw3, 2);
    EXPECT_FALSE(parsePwStatusAnswer(fromHex("C407 00 7F 7F 7F 03 00 03")).pw1ValidForSeveral);
    expectMalformed([] { parsePwStatus(fromHex("01 7F 7F 7F 03 00")); }, "6-byte C4");
}

TEST(OpenPgpDataTest, KeyPresenceFromKeyInformationOrFingerprint)
{
    pgp::CardSpec s;
    s.attributes = {pgp::rsaAttributes(2048), pgp::rsaAttributes(2048), pgp::rsaAttributes(2048)};
    s.fingerprints = {{pgp::fingerprint(1), {}, {}}};
    s.keyInformation = fromHex("010002020300 8102"); // 81: attestation key, not ours
    ApplicationData d = parseApplicationData(pgp::applicationData(s));
    EXPECT_TRUE(d.keyPresent(0)); // fingerprint set
    EXPECT_TRUE(d.keyPresent(1)); // imported, fingerprint not yet written
    EXPECT_FALSE(d.keyPresent(2));
    EXPECT_FALSE(d.keyPresent(3));
    EXPECT_EQ(d.keyStatus[1], KeyStatus::imported);
    expectMalformed(
        [] {
            pgp::CardSpec odd;
            odd.keyInformation = fromHex("0101 02");
            parseApplicationData(pgp::applicationData(odd));
        },
        "odd DE");
}

TEST(OpenPgpDataTest, ApplicationDataFields)
{
    pgp::CardSpec s;
    s.attributes = {pgp::rsaAttributes(4096), pgp::curveAttributes(0x12, pgp::kOidCv25519),
                    pgp::curveAttributes(0x13, pgp::kOidP384)};
    ApplicationData d = parseApplicationData(pgp::applicationData(s));
    EXPECT_EQ(d.aid.serialHex(), "12345678");
    ASSERT_TRUE(d.extendedLength.has_value());
    EXPECT_EQ(d.extendedLength->maxResponse, 0x0800);
    EXPECT_TRUE(d.capabilities.extendedLength);
    EXPECT_EQ(d.attributes[0]->bits, 4096u);
    EXPECT_EQ(d.attributes[1]->algorithm, KeyAlgorithm::x25519);
    EXPECT_EQ(d.attributes[2]->algorithm, KeyAlgorithm::ecP384);
    // The same template without the outer 6E is accepted too.
    Bytes wrapped = pgp::applicationData(s);
    ByteView inner = unwrapAnswer(wrapped, 0x6E);
    EXPECT_EQ(parseApplicationData(inner).aid.raw, d.aid.raw);
}

TEST(OpenPgpDataTest, AlgorithmInformationInside6EIsNotMistakenForAttributes)
{
    // FA lists supported algorithms as C1/C2/C3 entries; only 73's count.
    pgp::CardSpec s;
    s.attributes = {pgp::rsaAttributes(2048), pgp::rsaAttributes(2048), pgp::rsaAttributes(2048)};
    Bytes app = pgp::applicationData(s);
    const ByteView bodyView = unwrapAnswer(app, 0x6E);
    const Bytes body(bodyView.begin(), bodyView.end());
    Bytes fa = apdu::tlv(0xFA, fromHex("C1 09 13 2A8648CE3D030107"));
    Bytes withFa = apdu::tlv(0x6E, concat(fa, body));
    ApplicationData d = parseApplicationData(withFa);
    EXPECT_EQ(d.attributes[0]->algorithm, KeyAlgorithm::rsa);
}

TEST(OpenPgpDataTest, CardholderName)
{
    EXPECT_EQ(parseCardholderName(fromHex("6513 5B11 446F653C3C416C6963653C4D617269653C")), "Doe Alice Marie");
    EXPECT_EQ(parseCardholderName(fromHex("5B03 E96C65")), "\xC3\xA9le");      // Latin-1 to UTF-8, unwrapped
    EXPECT_EQ(parseCardholderName(fromHex("6507 5B05 41 0A 1B 42 7F")), "AB"); // control characters dropped
    EXPECT_EQ(parseCardholderName(fromHex("6504 5B02 3C3C")), "");
    EXPECT_EQ(parseCardholderName(fromHex("6504 5F3501 39")), "");
    expectMalformed([] { parseCardholderName(fromHex("6505 5B09 4142")); }, "name past its parent");
}

TEST(OpenPgpDataTest, Tables)
{
    EXPECT_EQ(manufacturerName(0x0006), "Yubico");
    EXPECT_EQ(manufacturerName(0x000F), "Nitrokey");
    EXPECT_EQ(manufacturerName(0x1234), "OpenPGP");
    for (const auto& slot : kKeySlots) {
        EXPECT_EQ(findSlot(slot.reference), &slot);
        EXPECT_EQ(slot.occurrence, 3 - slot.reference); // 7F21 order: AUT, DEC, SIG
    }
    EXPECT_EQ(findSlot(4), nullptr);
    EXPECT_EQ(fieldBytes(KeyAlgorithm::ecP521, 521), 66u);
    EXPECT_EQ(fieldBytes(KeyAlgorithm::rsa, 3072), 384u);
}
