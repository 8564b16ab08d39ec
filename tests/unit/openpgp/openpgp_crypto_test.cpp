// OpenPGP private-key operations against recorded exchanges: PSO:CDS with
// the signature key (RSA DigestInfo, ECDSA hash, EdDSA message), INTERNAL
// AUTHENTICATE with the authentication key, PSO:DECIPHER for RSA and ECDH
// (P-256 and X25519, with the answer forms cards use), GET CHALLENGE, and
// inputs or answers of the wrong size.
#include <gtest/gtest.h>

#include "card-drivers/openpgp/openpgp_card.hpp"
#include "card-drivers/pin_rule.hpp"
#include "common/error.hpp"
#include "openpgp_test_support.hpp"
#include "replay_channel.hpp"

using namespace tessera;
using namespace tessera::drivers;
using tessera::test::ReplayChannel;
namespace pgp = tessera::test::pgp;

namespace {

std::string repeat(const std::string& byteHex, std::size_t n)
{
    std::string s;
    for (std::size_t i = 0; i < n; ++i)
        s += byteHex;
    return s;
}

CardKey key(std::uint8_t reference, KeyAlgorithm algorithm, unsigned bits)
{
    CardKey k;
    k.reference = reference;
    k.algorithm = algorithm;
    k.bits = bits;
    return k;
}

pgp::CardSpec shortCard()
{
    pgp::CardSpec s;
    s.historical = fromHex("0031C5 73C00180 059000");
    s.extendedLength.reset();
    s.extendedCapabilities = fromHex("70 00 0000 0800 00FF 00 00");
    s.attributes = {pgp::rsaAttributes(2048), pgp::rsaAttributes(2048), pgp::rsaAttributes(2048)};
    return s;
}

class OpenPgpCryptoTest : public ::testing::Test {
protected:
    Error expectError(const std::function<void()>& f)
    {
        try {
            f();
        } catch (const Error& e) {
            return e;
        }
        ADD_FAILURE() << "no error";
        return Error(Errc::general, "none");
    }

    ReplayChannel ch;
};

// DER DigestInfo of SHA-256 (RFC 8017 9.2 note 1) over 32 bytes of 0xAB.
const Bytes kDigestInfoBytes = fromHex("3031300D060960864801650304020105000420" + repeat("AB", 32));

} // namespace

TEST_F(OpenPgpCryptoTest, RsaSignatureSendsTheDigestInfoToPsoCds)
{
    auto card = pgp::probeCard(ch, shortCard());
    ch.expect("002A9E9A33" + toHex(kDigestInfoBytes) + "00", repeat("5A", 256) + "9000");
    Bytes sig = card->sign(key(1, KeyAlgorithm::rsa, 2048), kDigestInfoBytes);
    EXPECT_EQ(sig, fromHex(repeat("5A", 256)));
    // A card that drops a leading zero byte: the signature is left-padded.
    ch.expect("002A9E9A33" + toHex(kDigestInfoBytes) + "00", repeat("5A", 255) + "9000");
    sig = card->sign(key(1, KeyAlgorithm::rsa, 2048), kDigestInfoBytes);
    EXPECT_EQ(sig, fromHex("00" + repeat("5A", 255)));
    ch.expect("002A9E9A33" + toHex(kDigestInfoBytes) + "00", repeat("5A", 257) + "9000");
    EXPECT_EQ(expectError([&] { card->sign(key(1, KeyAlgorithm::rsa, 2048), kDigestInfoBytes); }).code(),
              Errc::malformedResponse);
}

TEST_F(OpenPgpCryptoTest, RsaAuthenticationUsesInternalAuthenticate)
{
    auto card = pgp::probeCard(ch, shortCard());
    ch.expect("0088000033" + toHex(kDigestInfoBytes) + "00", repeat("11", 256) + "9000");
    EXPECT_EQ(card->sign(key(3, KeyAlgorithm::rsa, 2048), kDigestInfoBytes).size(), 256u);
}

TEST_F(OpenPgpCryptoTest, EcdsaTakesTheHashAndAnswersRawRS)
{
    auto card = pgp::probeCard(ch, shortCard());
    const std::string hash384 = repeat("C3", 48);
    // P-256 with a SHA-384 hash: the leftmost 32 bytes go to the card.
    ch.expect("0088000020" + repeat("C3", 32) + "00", repeat("01", 64) + "9000");
    EXPECT_EQ(card->sign(key(3, KeyAlgorithm::ecP256, 256), fromHex(hash384)), fromHex(repeat("01", 64)));
    // P-384 with SHA-256: left-padded to the field size.
    ch.expect("002A9E9A30" + repeat("00", 16) + repeat("C3", 32) + "00", repeat("02", 96) + "9000");
    EXPECT_EQ(card->sign(key(1, KeyAlgorithm::ecP384, 384), fromHex(repeat("C3", 32))).size(), 96u);
    ch.expect("0088000020" + repeat("C3", 32) + "00", repeat("01", 63) + "9000");
    EXPECT_EQ(expectError([&] { card->sign(key(3, KeyAlgorithm::ecP256, 256), fromHex(hash384)); }).code(),
              Errc::malformedResponse);
}

TEST_F(OpenPgpCryptoTest, EdDsaTakesTheMessage)
{
    auto card = pgp::probeCard(ch, shortCard());
    ch.expect("002A9E9A05 68656C6C6F 00", repeat("EE", 64) + "9000");
    EXPECT_EQ(card->sign(key(1, KeyAlgorithm::ed25519, 255), fromHex("68656C6C6F")).size(), 64u);
    ch.expect("0088000005 68656C6C6F 00", repeat("EE", 65) + "9000");
    EXPECT_EQ(expectError([&] { card->sign(key(3, KeyAlgorithm::ed25519, 255), fromHex("68656C6C6F")); }).code(),
              Errc::malformedResponse);
}

TEST_F(OpenPgpCryptoTest, SignRefusals)
{
    auto card = pgp::probeCard(ch, shortCard());
    EXPECT_EQ(expectError([&] { card->sign(key(2, KeyAlgorithm::rsa, 2048), kDigestInfoBytes); }).code(),
              Errc::unsupported);
    EXPECT_EQ(expectError([&] { card->sign(key(1, KeyAlgorithm::x25519, 255), kDigestInfoBytes); }).code(),
              Errc::unsupported);
    EXPECT_EQ(expectError([&] { card->sign(key(1, KeyAlgorithm::rsa, 1024), fromHex(repeat("00", 120))); }).code(),
              Errc::dataLenRange);
    EXPECT_EQ(expectError([&] { card->sign(key(1, KeyAlgorithm::ecP256, 256), Bytes{}); }).code(), Errc::dataLenRange);
    ch.expect("002A9E9A33" + toHex(kDigestInfoBytes) + "00", "6982");
    EXPECT_EQ(expectError([&] { card->sign(key(1, KeyAlgorithm::rsa, 2048), kDigestInfoBytes); }).code(),
              Errc::securityStatus);
}

TEST_F(OpenPgpCryptoTest, RsaDecryptSendsPaddingIndicatorAndGetsThePlaintext)
{
    auto card = pgp::probeCard(ch, shortCard());
    const std::string cryptogram = repeat("77", 256);
    // 257 bytes of data: extended form here; on the wire the transmitter chains (no 7F66).
    ch.expect("002A8086 000101 00" + cryptogram + "0100", "48656C6C6F 9000");
    EXPECT_EQ(card->decrypt(key(2, KeyAlgorithm::rsa, 2048), fromHex(cryptogram)), fromHex("48656C6C6F"));
    // A shorter cryptogram is the same integer: left-padded to the modulus size.
    ch.expect("002A8086 000101 00 00" + repeat("77", 255) + "0100", "9000");
    EXPECT_TRUE(card->decrypt(key(2, KeyAlgorithm::rsa, 2048), fromHex(repeat("77", 255))).empty());
    EXPECT_EQ(expectError([&] { card->decrypt(key(2, KeyAlgorithm::rsa, 2048), fromHex(repeat("77", 257))); }).code(),
              Errc::dataLenRange);
    EXPECT_EQ(expectError([&] { card->decrypt(key(1, KeyAlgorithm::rsa, 2048), fromHex(cryptogram)); }).code(),
              Errc::unsupported);
    EXPECT_EQ(expectError([&] { card->decrypt(key(2, KeyAlgorithm::ecP256, 256), fromHex(cryptogram)); }).code(),
              Errc::unsupported);
}

TEST_F(OpenPgpCryptoTest, EcdhP256SendsTheCipherDo)
{
    auto card = pgp::probeCard(ch, shortCard());
    pgp::Pkey peer = pgp::makeEcKey("P-256");
    const Bytes point = pgp::ecPublicPoint(peer.get());
    const std::string data = "A646 7F4943 8641" + toHex(point);
    ch.expect("002A808648" + data + "00", repeat("5E", 32) + "9000");
    EXPECT_EQ(card->deriveEcdh(key(2, KeyAlgorithm::ecP256, 256), point), fromHex(repeat("5E", 32)));
    // A card answering the whole point: the x coordinate is the secret.
    ch.expect("002A808648" + data + "00", "04" + repeat("5E", 32) + repeat("6F", 32) + "9000");
    EXPECT_EQ(card->deriveEcdh(key(2, KeyAlgorithm::ecP256, 256), point), fromHex(repeat("5E", 32)));
    ch.expect("002A808648" + data + "00", repeat("5E", 31) + "9000");
    EXPECT_EQ(expectError([&] { card->deriveEcdh(key(2, KeyAlgorithm::ecP256, 256), point); }).code(),
              Errc::malformedResponse);
    Bytes compressed(point.begin(), point.begin() + 33);
    EXPECT_EQ(expectError([&] { card->deriveEcdh(key(2, KeyAlgorithm::ecP256, 256), compressed); }).code(),
              Errc::dataLenRange);
    Bytes hybrid = point;
    hybrid[0] = 0x06;
    EXPECT_EQ(expectError([&] { card->deriveEcdh(key(2, KeyAlgorithm::ecP256, 256), hybrid); }).code(),
              Errc::dataInvalid);
}

TEST_F(OpenPgpCryptoTest, EcdhX25519)
{
    auto card = pgp::probeCard(ch, shortCard());
    pgp::Pkey peer = pgp::makeRawKey("X25519");
    const Bytes u = pgp::rawPublicKey(peer.get());
    const std::string data = "A625 7F4922 8620" + toHex(u);
    ch.expect("002A808627" + data + "00", repeat("3C", 32) + "9000");
    EXPECT_EQ(card->deriveEcdh(key(2, KeyAlgorithm::x25519, 255), u), fromHex(repeat("3C", 32)));
    ch.expect("002A808627" + data + "00", "40" + repeat("3C", 32) + "9000"); // GnuPG's native prefix
    EXPECT_EQ(card->deriveEcdh(key(2, KeyAlgorithm::x25519, 255), u), fromHex(repeat("3C", 32)));
    EXPECT_EQ(expectError([&] { card->deriveEcdh(key(2, KeyAlgorithm::x25519, 255), concat(Bytes{0x40}, u)); }).code(),
              Errc::dataLenRange);
    EXPECT_EQ(expectError([&] { card->deriveEcdh(key(3, KeyAlgorithm::x25519, 255), u); }).code(), Errc::unsupported);
}

TEST_F(OpenPgpCryptoTest, ExtendedLengthCardUsesItsMaximumResponseLength)
{
    pgp::CardSpec s = shortCard();
    s.historical = fromHex("0073 0000E0 059000");
    s.extendedLength = std::make_pair(0x0800, 0x0400);
    auto card = pgp::probeCard(ch, s);
    ASSERT_TRUE(card->quirks().extendedLength);
    ch.expect("002A9E9A 000033" + toHex(kDigestInfoBytes) + "0400", repeat("5A", 256) + "9000");
    EXPECT_EQ(card->sign(key(1, KeyAlgorithm::rsa, 2048), kDigestInfoBytes).size(), 256u);
}

TEST_F(OpenPgpCryptoTest, SignatureUnderThePinRule)
{
    auto card = pgp::probeCard(ch, shortCard());
    SecureBytes pin{std::string_view("123456")};
    ch.expect(pgp::kSelectCmd, "9000");
    ch.expect("0020008106 313233343536", "9000");
    ch.expect("002A9E9A33" + toHex(kDigestInfoBytes) + "00", repeat("5A", 256) + "9000");
    ch.expect("0020FF81", "9000");
    ch.expect("00200081", "63C3");
    const CardKey sigKey = key(1, KeyAlgorithm::rsa, 2048);
    Bytes sig = withVerifiedPin(ch, *card, 0x81, &pin, [&] { return card->sign(sigKey, kDigestInfoBytes); });
    EXPECT_EQ(sig.size(), 256u);
    EXPECT_EQ(ch.transactions(), 1u);
    EXPECT_EQ(ch.events().back(), "end leave");
}
