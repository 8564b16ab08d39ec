// OpenPGP key import (card spec 3.4.1 section 4.4.3.12) against recorded
// exchanges: the extended header list 4D for RSA in the standard (e, p, q)
// and CRT formats and for an EC scalar (left-padded to the field size), the
// algorithm attributes changed before the import, and the refusals that send
// nothing. The GET PUBLIC KEY after the import is answered with an error
// here: the fingerprint that follows depends on the time (it is checked in
// module_openpgp_import.sh against the virtual card).
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

pgp::CardSpec spec(Bytes sigAttributes)
{
    pgp::CardSpec s;
    s.attributes = {std::move(sigAttributes), pgp::rsaAttributes(2048), pgp::curveAttributes(0x13, pgp::kOidP256)};
    return s;
}

SensitiveBytes filled(std::size_t n, std::uint8_t v)
{
    return SensitiveBytes(n, v);
}

PrivateKeyMaterial rsa2048()
{
    PrivateKeyMaterial k;
    k.algorithm = KeyAlgorithm::rsa;
    k.bits = 2048;
    k.p = filled(128, 0xA1);
    k.q = filled(128, 0xA2);
    k.dp = filled(128, 0xA3);
    k.dq = filled(128, 0xA4);
    k.qinv = filled(128, 0xA5);
    return k;
}

std::string repeat(const std::string& byteHex, std::size_t n)
{
    std::string s;
    for (std::size_t i = 0; i < n; ++i)
        s += byteHex;
    return s;
}

// Imports `key` into `id` expecting `commands` (after VERIFY) and a refused
// GET PUBLIC KEY with `crt`; returns the error code.
Errc importExpecting(ReplayChannel& ch, openpgp::OpenPgpCard& card, std::uint8_t id, const PrivateKeyMaterial& key,
                     const std::vector<std::string>& commands, std::uint8_t crt)
{
    ch.expect(kVerifyPw3, "9000");
    for (const auto& c : commands)
        ch.expect(c, "9000");
    ch.expect(pgp::readPublicKeyHex(crt, true), "6A88");
    try {
        card.importKey(kPw3, Bytes{id}, key);
    } catch (const Error& e) {
        return e.code();
    }
    return Errc::general;
}

} // namespace

TEST(OpenPgpKeyImport, RsaStandardFormatSendsEPQ)
{
    ReplayChannel ch;
    auto card = pgp::probeCard(ch, spec(pgp::rsaAttributes(2048)));
    ASSERT_NE(card, nullptr);
    // 4D 82 0116 { B6 00, 7F48 08 {91 04, 92 81 80, 93 81 80}, 5F48 82 0104 {e(4) p q} }
    const std::string put = "00DB3FFF 00011A 4D820116 B600 7F4808 9104 928180 938180 5F48820104 00010001" +
                            repeat("A1", 128) + repeat("A2", 128);
    EXPECT_EQ(importExpecting(ch, *card, 0x01, rsa2048(), {put}, 0xB6), Errc::notFound);
    EXPECT_EQ(ch.remaining(), 0u);
}

TEST(OpenPgpKeyImport, RsaCrtFormatAddsTheCrtParts)
{
    ReplayChannel ch;
    auto card = pgp::probeCard(ch, spec(fromHex("01 0800 0020 02")));
    ASSERT_NE(card, nullptr);
    const std::string put = "00DB3FFF 0002A3 4D82029F B600 7F4811 9104 928180 938180 948180 958180 968180"
                            "5F48820284 00010001" +
                            repeat("A1", 128) + repeat("A2", 128) + repeat("A5", 128) + repeat("A3", 128) +
                            repeat("A4", 128);
    EXPECT_EQ(importExpecting(ch, *card, 0x01, rsa2048(), {put}, 0xB6), Errc::notFound);
}

TEST(OpenPgpKeyImport, EcScalarIsPaddedAndTheAttributesChangeFirst)
{
    ReplayChannel ch;
    auto card = pgp::probeCard(ch, spec(pgp::rsaAttributes(2048)));
    ASSERT_NE(card, nullptr);
    PrivateKeyMaterial k;
    k.algorithm = KeyAlgorithm::ecP256;
    k.bits = 256;
    k.scalar = filled(31, 0x5C); // a scalar with a leading zero byte dropped
    const std::string attributes = "00DA00C1 09 13" + pgp::kOidP256;
    const std::string put = "00DB3FFF 2C 4D2A B600 7F4802 9220 5F4820 00" + repeat("5C", 31);
    EXPECT_EQ(importExpecting(ch, *card, 0x01, k, {attributes, put}, 0xB6), Errc::notFound);
}

TEST(OpenPgpKeyImport, RefusalsSendNothing)
{
    ReplayChannel ch;
    auto card = pgp::probeCard(ch, spec(pgp::rsaAttributes(2048)));
    ASSERT_NE(card, nullptr);
    const std::size_t before = ch.transmitted();
    auto code = [&](std::uint8_t id, const PrivateKeyMaterial& key) {
        try {
            card->importKey(kPw3, Bytes{id}, key);
        } catch (const Error& e) {
            return e.code();
        }
        return Errc::general;
    };
    EXPECT_EQ(code(0x04, rsa2048()), Errc::dataInvalid);
    PrivateKeyMaterial small = rsa2048();
    small.bits = 1024;
    EXPECT_EQ(code(0x01, small), Errc::unsupported);
    PrivateKeyMaterial longPrime = rsa2048();
    longPrime.p = filled(129, 0xA1);
    EXPECT_EQ(code(0x01, longPrime), Errc::dataInvalid);
    PrivateKeyMaterial ed;
    ed.algorithm = KeyAlgorithm::ed25519;
    ed.bits = 255;
    ed.scalar = filled(32, 1);
    EXPECT_EQ(code(0x01, ed), Errc::unsupported);
    EXPECT_EQ(ch.transmitted(), before);
}

TEST(OpenPgpKeyImport, CardWithoutKeyImportRefuses)
{
    ReplayChannel ch;
    pgp::CardSpec s = spec(pgp::rsaAttributes(2048));
    s.extendedCapabilities = fromHex("5D 00 00FF 0800 00FF 00 00"); // b6 (key import) clear
    auto card = pgp::probeCard(ch, s);
    ASSERT_NE(card, nullptr);
    try {
        card->importKey(kPw3, Bytes{0x01}, rsa2048());
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::unsupported);
    }
}
