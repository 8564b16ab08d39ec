// PIV private-key operations against recorded GENERAL AUTHENTICATE
// exchanges: RSA sign/decrypt with command chaining-sized data, ECDSA with
// the DER -> raw r || s conversion (leading zeros kept), hash fitting, ECDH,
// input checks before any APDU, and malformed answers.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>

#include <functional>

#include "card-drivers/piv/piv_card.hpp"
#include "common/error.hpp"
#include "piv_test_support.hpp"
#include "replay_channel.hpp"

using namespace tessera;
using namespace tessera::drivers;
using tessera::test::ReplayChannel;

namespace {

CardKey keyAt(std::uint8_t reference, KeyAlgorithm algorithm, unsigned bits)
{
    piv::PublicKeyInfo info;
    info.algorithm = algorithm;
    info.bits = bits;
    return piv::makeCardKey(*piv::findSlot(reference), info, std::nullopt);
}

std::string repeatHex(const char* byteHex, std::size_t count)
{
    std::string s;
    for (std::size_t i = 0; i < count; ++i)
        s += byteHex;
    return s;
}

Errc errcOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "no error thrown";
    return Errc::general;
}

class PivCryptoTest : public ::testing::Test {
protected:
    ReplayChannel ch;
    piv::PivCard card{ch};
};

} // namespace

TEST_F(PivCryptoTest, RsaSignSendsFullBlockAndReturnsSignature)
{
    CardKey key = keyAt(0x9A, KeyAlgorithm::rsa, 2048);
    Bytes block(256, 0xAB);
    const std::string sig = repeatHex("5A", 256);
    ch.expect("0087079A 00010A 7C820106 8200 81820100" + test::hex(block) + "0100", "7C820104 82820100" + sig + "9000");
    EXPECT_EQ(test::hex(card.sign(key, block)), sig);
    EXPECT_FALSE(ch.sent()[0].sensitive);
}

TEST_F(PivCryptoTest, RsaInputMustBeOneModulusBlock)
{
    CardKey key = keyAt(0x9A, KeyAlgorithm::rsa, 2048);
    EXPECT_EQ(errcOf([&] { card.sign(key, Bytes(255, 1)); }), Errc::dataLenRange);
    EXPECT_EQ(errcOf([&] { card.decrypt(key, Bytes(257, 1)); }), Errc::dataLenRange);
    EXPECT_EQ(ch.transmitted(), 0u);
}

TEST_F(PivCryptoTest, RsaDecryptReturnsPaddedBlockWithLeadingZero)
{
    CardKey key = keyAt(0x9D, KeyAlgorithm::rsa, 2048);
    Bytes ct(256, 0x11);
    ch.expect("0087079D 00010A 7C820106 8200 81820100" + test::hex(ct) + "0100",
              "7C820102 8281FF 02" + repeatHex("33", 254) + "9000"); // card dropped the leading 00
    const SensitiveBytes block = card.decrypt(key, ct);
    ASSERT_EQ(block.size(), 256u);
    EXPECT_EQ(block[0], 0x00);
    EXPECT_EQ(block[1], 0x02);
}

TEST_F(PivCryptoTest, EcdsaSignatureConvertedToRawKeepingLeadingZeros)
{
    CardKey key = keyAt(0x9C, KeyAlgorithm::ecP256, 256);
    Bytes hash(32, 0xC3);
    // DER: r = 1 (one byte), s = FF.. (33 bytes with the 00 sign byte)
    const std::string der = "3026 020101 022100" + repeatHex("FF", 32);
    ch.expect("0087119C 26 7C24 8200 8120" + test::hex(hash) + "00", "7C2A 8228" + der + "9000");
    Bytes raw = card.sign(key, hash);
    EXPECT_EQ(test::hex(raw), repeatHex("00", 31) + "01" + repeatHex("FF", 32));
}

TEST_F(PivCryptoTest, EcdsaHashIsFittedToTheField)
{
    CardKey p384 = keyAt(0x9E, KeyAlgorithm::ecP384, 384);
    Bytes sha256(32, 0x77);
    const std::string der = "3006 020101 020102";
    ch.expect("0087149E 36 7C34 8200 8130" + repeatHex("00", 16) + test::hex(sha256) + "00",
              "7C0A 8208" + der + "9000");
    Bytes raw = card.sign(p384, sha256);
    ASSERT_EQ(raw.size(), 96u);
    EXPECT_EQ(raw[47], 0x01);
    EXPECT_EQ(raw[95], 0x02);

    CardKey p256 = keyAt(0x9A, KeyAlgorithm::ecP256, 256);
    Bytes sha384(48, 0x55);
    sha384[0] = 0x01;
    ch.expect("0087119A 26 7C24 8200 8120 01" + repeatHex("55", 31) + "00", "7C0A 8208" + der + "9000");
    EXPECT_EQ(card.sign(p256, sha384).size(), 64u);
}

TEST_F(PivCryptoTest, EcdsaDerConversionTable)
{
    // Real OpenSSL signatures (r shorter and shorter: leading zeros) come back
    // from the card's DER as raw r || s of exactly the field size.
    CardKey key = keyAt(0x9C, KeyAlgorithm::ecP256, 256);
    Bytes hash(32, 0x01);
    const std::string cmd = "0087119C 26 7C24 8200 8120" + test::hex(hash) + "00";
    auto answer = [](ByteView der) {
        return "7C" + test::hex(Bytes{static_cast<std::uint8_t>(der.size() + 2)}) + "82" +
               test::hex(Bytes{static_cast<std::uint8_t>(der.size())}) + test::hex(der) + "9000";
    };
    for (int i = 0; i < 8; ++i) {
        ECDSA_SIG* sig = ECDSA_SIG_new();
        BIGNUM* r = BN_new();
        BIGNUM* s = BN_new();
        BN_rand(r, 256 - 8 * i, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY);
        BN_rand(s, 256, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY);
        ECDSA_SIG_set0(sig, r, s);
        unsigned char* der = nullptr;
        int len = i2d_ECDSA_SIG(sig, &der);
        ch.expect(cmd, answer(ByteView(der, static_cast<std::size_t>(len))));
        Bytes raw = card.sign(key, hash);
        Bytes expectR(32), expectS(32);
        BN_bn2binpad(r, expectR.data(), 32);
        BN_bn2binpad(s, expectS.data(), 32);
        EXPECT_EQ(Bytes(raw.begin(), raw.begin() + 32), expectR);
        EXPECT_EQ(Bytes(raw.begin() + 32, raw.end()), expectS);
        OPENSSL_free(der);
        ECDSA_SIG_free(sig);
    }
    // Bad DER from the card is a malformed response, not the caller's bad data.
    for (const char* bad :
         {"3006020101020102 00", "3006020101", "300602010102 01FF", "30060201010201 00", "3007 02020001 020102"}) {
        ch.expect(cmd, answer(fromHex(bad)));
        EXPECT_EQ(errcOf([&] { card.sign(key, hash); }), Errc::malformedResponse) << bad;
    }
    const Bytes sTooBig = fromHex("3026 020101 022101" + repeatHex("FF", 32));
    ch.expect(cmd, answer(sTooBig));
    EXPECT_EQ(errcOf([&] { card.sign(key, hash); }), Errc::malformedResponse);
}

TEST_F(PivCryptoTest, EcdhSendsPointWithExponentiationTag)
{
    CardKey key = keyAt(0x9D, KeyAlgorithm::ecP256, 256);
    auto peer = test::makeEcKey("P-256");
    Bytes point = test::ecPublicPoint(peer.get());
    ASSERT_EQ(point.size(), 65u);
    const std::string secret = repeatHex("0F", 32);
    ch.expect("0087119D 47 7C45 8200 8541" + test::hex(point) + "00", "7C22 8220" + secret + "9000");
    EXPECT_EQ(test::hex(card.deriveEcdh(key, point)), secret);
    EXPECT_EQ(errcOf([&] { card.deriveEcdh(key, Bytes(33, 0x02)); }), Errc::dataLenRange);
    Bytes notUncompressed = point;
    notUncompressed[0] = 0x05;
    EXPECT_EQ(errcOf([&] { card.deriveEcdh(key, notUncompressed); }), Errc::dataInvalid);
    CardKey rsa = keyAt(0x9D, KeyAlgorithm::rsa, 2048);
    EXPECT_EQ(errcOf([&] { card.deriveEcdh(rsa, point); }), Errc::unsupported);
    CardKey ec = keyAt(0x9D, KeyAlgorithm::ecP256, 256);
    EXPECT_EQ(errcOf([&] { card.decrypt(ec, Bytes(32, 1)); }), Errc::unsupported);
}

TEST_F(PivCryptoTest, CardErrorsAndMalformedAnswers)
{
    CardKey key = keyAt(0x9C, KeyAlgorithm::ecP256, 256);
    Bytes hash(32, 0x01);
    const std::string cmd = "0087119C 26 7C24 8200 8120" + test::hex(hash) + "00";
    ch.expect(cmd, "6982");
    EXPECT_EQ(errcOf([&] { card.sign(key, hash); }), Errc::securityStatus);
    ch.expect(cmd, "9000");
    EXPECT_EQ(errcOf([&] { card.sign(key, hash); }), Errc::malformedResponse);
    ch.expect(cmd, "7C03 8101AA 9000"); // no 82
    EXPECT_EQ(errcOf([&] { card.sign(key, hash); }), Errc::malformedResponse);
    ch.expect(cmd, "7C02 8200 9000"); // empty 82
    EXPECT_EQ(errcOf([&] { card.sign(key, hash); }), Errc::malformedResponse);
    ch.expect(cmd, "7C10 8200 9000"); // 7C overruns
    EXPECT_EQ(errcOf([&] { card.sign(key, hash); }), Errc::malformedResponse);
    ch.expect(cmd, "7C05 8203 DEADBE 9000"); // 82 is not DER
    EXPECT_EQ(errcOf([&] { card.sign(key, hash); }), Errc::malformedResponse);
}

TEST_F(PivCryptoTest, UnsupportedKeyKinds)
{
    CardKey rsa1536 = keyAt(0x9A, KeyAlgorithm::rsa, 1536);
    EXPECT_EQ(errcOf([&] { card.sign(rsa1536, Bytes(192, 1)); }), Errc::unsupported);
    CardKey x = keyAt(0x9D, KeyAlgorithm::x25519, 255);
    EXPECT_FALSE(x.canSign);
    EXPECT_TRUE(x.canDerive);
    EXPECT_EQ(errcOf([&] { card.sign(x, Bytes(32, 1)); }), Errc::unsupported);
}
