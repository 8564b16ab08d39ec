// OpenPGP driver: the persistent cache's check (issue 8) against recorded
// exchanges on the 3.4 three-key card: GET DATA 6E and, per key, SELECT DATA
// plus the first 256-byte chunk of 7F21 (61xx not followed). The cached keys
// pass while nothing changed (7 APDUs against 10 + 6E for a read); a new
// fingerprint, a new PW1 validity flag, a replaced, added or removed
// certificate each fail the check.
#include <gtest/gtest.h>

#include "card-drivers/openpgp/openpgp_card.hpp"
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
    Bytes certSig = pgp::selfSignedCertificate(rsaSig.get(), "Alice signature");
    Bytes certSig2 = pgp::selfSignedCertificate(rsaSig.get(), "Alice signature, renewed");
    Bytes certAut = pgp::selfSignedCertificate(edAut.get(), "Alice ssh");
};

const std::string kCertChunk = "00CA7F2100"; // GET DATA 7F21, short, Le 256

// The first answer of a GET DATA 7F21 with Le 256: 256 bytes and 61xx, or all and 9000.
std::string firstChunk(const Bytes& cert)
{
    if (cert.size() <= 256) return pgp::ok(cert);
    const std::size_t rest = cert.size() - 256;
    return pgp::hex(ByteView(cert).first(256)) +
           (rest > 255 ? "6100" : "61" + pgp::hex(Bytes{static_cast<std::uint8_t>(rest)}));
}

class OpenPgpCacheCheckTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { material_ = new Material(); }
    static void TearDownTestSuite()
    {
        delete material_;
        material_ = nullptr;
    }
    static Material& m() { return *material_; }

    static pgp::CardSpec spec()
    {
        pgp::CardSpec s;
        s.attributes = {pgp::rsaAttributes(2048), pgp::curveAttributes(0x12, pgp::kOidP256),
                        pgp::curveAttributes(0x16, pgp::kOidEd25519)};
        s.fingerprints = {{pgp::fingerprint(1), pgp::fingerprint(2), pgp::fingerprint(3)}};
        s.keyInformation = fromHex("010102010301");
        return s;
    }

    // Probe and a cold read: the keys and the stamp a cache entry would hold.
    void SetUp() override
    {
        card = pgp::probeCard(ch, spec());
        ASSERT_NE(card, nullptr);
        ch.expect(pgp::getDataHex(0x65, true), "6500 9000");
        ch.expect(pgp::readPublicKeyHex(0xB6, true), pgp::ok(pgp::rsaPublicKeyTemplate(m().rsaSig.get())));
        ch.expect(pgp::selectDataHex(2), "9000");
        ch.expect(pgp::getDataHex(0x7F21, true), pgp::ok(m().certSig));
        ch.expect(pgp::readPublicKeyHex(0xB8, true),
                  pgp::ok(pgp::pointPublicKeyTemplate(pgp::ecPublicPoint(m().ecDec.get()))));
        ch.expect(pgp::selectDataHex(1), "9000");
        ch.expect(pgp::getDataHex(0x7F21, true), "9000");
        ch.expect(pgp::readPublicKeyHex(0xA4, true),
                  pgp::ok(pgp::pointPublicKeyTemplate(pgp::rawPublicKey(m().edAut.get()))));
        ch.expect(pgp::selectDataHex(0), "9000");
        ch.expect(pgp::getDataHex(0x7F21, true), pgp::ok(m().certAut));
        token = card->readToken();
        ASSERT_EQ(token.keys.size(), 3u);
        ASSERT_TRUE(token.keys[0].certificate.has_value());
        stamp = card->cacheStamp();
        base = ch.transmitted();
    }

    bool check() { return card->cachedKeysCurrent(token, token.keys, stamp); }

    ReplayChannel ch;
    std::unique_ptr<openpgp::OpenPgpCard> card;
    TokenModel token;
    Bytes stamp;
    std::size_t base = 0;
    static Material* material_;
};

Material* OpenPgpCacheCheckTest::material_ = nullptr;

TEST_F(OpenPgpCacheCheckTest, UnchangedCardPassesInSevenApdus)
{
    ch.expect(pgp::getDataHex(0x6E, true), pgp::ok(pgp::applicationData(spec())));
    ch.expect(pgp::selectDataHex(2), "9000");
    ch.expect(kCertChunk, firstChunk(m().certSig));
    ch.expect(pgp::selectDataHex(1), "9000");
    ch.expect(kCertChunk, "9000");
    ch.expect(pgp::selectDataHex(0), "9000");
    ch.expect(kCertChunk, firstChunk(m().certAut));
    EXPECT_TRUE(check());
    EXPECT_EQ(ch.transmitted() - base, 7u);
    EXPECT_TRUE(ch.sent().back().firstChunkOnly);
}

TEST_F(OpenPgpCacheCheckTest, NewFingerprintFails)
{
    pgp::CardSpec s = spec();
    s.fingerprints[0] = pgp::fingerprint(9); // gpg generated or imported a new signature key
    ch.expect(pgp::getDataHex(0x6E, true), pgp::ok(pgp::applicationData(s)));
    EXPECT_FALSE(check());
}

TEST_F(OpenPgpCacheCheckTest, NewPw1ValidityFails)
{
    pgp::CardSpec s = spec();
    s.pwStatus = fromHex("01 7F 7F 7F 03 00 03"); // gpg --card-edit forcesig: the signature key's PIN policy
    ch.expect(pgp::getDataHex(0x6E, true), pgp::ok(pgp::applicationData(s)));
    EXPECT_FALSE(check());
}

TEST_F(OpenPgpCacheCheckTest, ReplacedCertificateFails)
{
    ch.expect(pgp::getDataHex(0x6E, true), pgp::ok(pgp::applicationData(spec())));
    ch.expect(pgp::selectDataHex(2), "9000");
    ch.expect(kCertChunk, firstChunk(m().certSig2));
    ch.expect(pgp::selectDataHex(0), "9000"); // leave occurrence 0 selected, as GnuPG expects
    EXPECT_FALSE(check());
}

TEST_F(OpenPgpCacheCheckTest, AddedCertificateFails)
{
    ch.expect(pgp::getDataHex(0x6E, true), pgp::ok(pgp::applicationData(spec())));
    ch.expect(pgp::selectDataHex(2), "9000");
    ch.expect(kCertChunk, firstChunk(m().certSig));
    ch.expect(pgp::selectDataHex(1), "9000");
    ch.expect(kCertChunk, firstChunk(m().certAut)); // a certificate where none was
    ch.expect(pgp::selectDataHex(0), "9000");
    EXPECT_FALSE(check());
}

TEST_F(OpenPgpCacheCheckTest, RemovedCertificateFails)
{
    ch.expect(pgp::getDataHex(0x6E, true), pgp::ok(pgp::applicationData(spec())));
    ch.expect(pgp::selectDataHex(2), "9000");
    ch.expect(kCertChunk, "9000"); // gpg-card writecert with an empty file
    ch.expect(pgp::selectDataHex(0), "9000");
    EXPECT_FALSE(check());
}

} // namespace
