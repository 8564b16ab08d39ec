// The PIV card administrator (piv_management.hpp, piv_admin.cpp): how a
// CKU_SO credential is told apart, the management key's hex form, the
// command encodings of GENERAL AUTHENTICATE 9B, GENERATE and PUT DATA, the
// PUK commands against recorded exchanges, and the mutual authentication
// against a scripted card that holds a 3DES key (the challenge is random,
// so it cannot be a recording).
#include <gtest/gtest.h>

#include <functional>

#include "apdu/tlv.hpp"
#include "card-drivers/piv/piv_card.hpp"
#include "card-drivers/piv/piv_containers.hpp"
#include "card-drivers/piv/piv_management.hpp"
#include "common/error.hpp"
#include "crypto/crypto.hpp"
#include "piv_test_support.hpp"
#include "replay_channel.hpp"

using namespace tessera;
using namespace tessera::drivers;
using namespace tessera::drivers::piv;
using tessera::test::ReplayChannel;

namespace {

const std::string kDefaultKeyHex = "010203040506070801020304050607080102030405060708";

SecureBytes secret(std::string_view s)
{
    return SecureBytes(s);
}

Errc errcOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "no tessera::Error thrown";
    return Errc::general;
}

std::string hexOf(const apdu::Command& c)
{
    return toHex(c.encode(false));
}

// A card that answers GENERAL AUTHENTICATE 9B as SP 800-73-4 appendix A.1
// says, with `cardKey`; `lieInProof` makes it answer a wrong E(challenge).
class MutualAuthCard : public apdu::Channel {
public:
    explicit MutualAuthCard(Bytes cardKey, bool lieInProof = false) : key_(std::move(cardKey)), lie_(lieInProof) {}
    apdu::Response transmit(const apdu::Command& c) override
    {
        ++count;
        apdu::Response r;
        if (c.ins != 0x87 || c.p1 != 0x03 || c.p2 != 0x9B) return apdu::Response{{}, 0x6D00};
        auto inner = apdu::parseAll(apdu::parseAll(c.data)[0].value);
        if (inner.size() == 1 && inner[0].tag == 0x80 && inner[0].value.empty()) {
            witness_ = crypto::randomBytes(8);
            const Bytes enc = crypto::ecbEncryptBlock(crypto::BlockCipher::tdes, key_, witness_);
            const Bytes answer = apdu::tlv(0x7C, apdu::tlv(0x80, enc));
            r.data.assign(answer.begin(), answer.end());
            r.sw = 0x9000;
            return r;
        }
        if (inner.size() == 2 && inner[0].tag == 0x80 && inner[1].tag == 0x81) {
            if (!std::equal(inner[0].value.begin(), inner[0].value.end(), witness_.begin(), witness_.end()))
                return apdu::Response{{}, 0x6982};
            Bytes proof = crypto::ecbEncryptBlock(crypto::BlockCipher::tdes, key_, inner[1].value);
            if (lie_) proof[0] ^= 0x01;
            const Bytes answer = apdu::tlv(0x7C, apdu::tlv(0x82, proof));
            r.data.assign(answer.begin(), answer.end());
            r.sw = 0x9000;
            return r;
        }
        return apdu::Response{{}, 0x6A80};
    }
    void beginTransaction() override {}
    void endTransaction(bool) override {}
    Bytes atr() const override { return {}; }
    void setExtendedLength(bool) override {}
    int count = 0;

private:
    Bytes key_;
    bool lie_;
    Bytes witness_;
};

} // namespace

TEST(PivCredential, KindByForm)
{
    EXPECT_EQ(credentialKind(secret("123456")), CredentialKind::puk);
    EXPECT_EQ(credentialKind(secret("12345678")), CredentialKind::puk);
    EXPECT_EQ(credentialKind(secret(kDefaultKeyHex)), CredentialKind::managementKey);
    EXPECT_EQ(credentialKind(secret(std::string(32, 'a'))), CredentialKind::managementKey);
    EXPECT_EQ(credentialKind(secret(std::string(64, 'F'))), CredentialKind::managementKey);
    for (std::size_t n : {0u, 5u, 9u, 31u, 33u, 47u, 63u, 65u})
        EXPECT_EQ(errcOf([&] { credentialKind(secret(std::string(n, '1'))); }), Errc::pinLenRange) << n;
}

TEST(PivCredential, ManagementKeyHexDecodes)
{
    const SecureBytes key = managementKeyBytes(secret(kDefaultKeyHex));
    EXPECT_EQ(toHex(key.view()), kDefaultKeyHex);
    EXPECT_EQ(toHex(managementKeyBytes(secret("aabbccddeeff00112233445566778899")).view()),
              "AABBCCDDEEFF00112233445566778899");
    EXPECT_EQ(errcOf([] { managementKeyBytes(secret(std::string(47, '0') + "g")); }), Errc::pinLenRange);
    EXPECT_EQ(errcOf([] { managementKeyBytes(secret("123456")); }), Errc::pinLenRange);
}

TEST(PivCredential, AlgorithmTable)
{
    EXPECT_EQ(managementAlgorithm(0x03)->cipher, crypto::BlockCipher::tdes);
    EXPECT_EQ(managementAlgorithm(0x00)->cipher, crypto::BlockCipher::tdes);
    EXPECT_EQ(managementAlgorithm(0x08)->cipher, crypto::BlockCipher::aes128);
    EXPECT_EQ(managementAlgorithm(0x0A)->cipher, crypto::BlockCipher::aes192);
    EXPECT_EQ(managementAlgorithm(0x0C)->cipher, crypto::BlockCipher::aes256);
    EXPECT_FALSE(managementAlgorithm(0x07));
}

TEST(PivManagementCommands, Encodings)
{
    EXPECT_EQ(hexOf(witnessRequestCommand(0x03)), "0087039B047C028000"
                                                  "00");
    const Bytes w(8, 0x11), c(8, 0x22);
    EXPECT_EQ(hexOf(mutualResponseCommand(0x0A, w, c)), "00870A9B167C14"
                                                        "80081111111111111111"
                                                        "81082222222222222222"
                                                        "00");
    EXPECT_EQ(hexOf(generateCommand(0x11, 0x9A)), "0047009A05AC03800111"
                                                  "00");
    const Bytes cert{0x30, 0x03, 0x02, 0x01, 0x05};
    EXPECT_EQ(toHex(certificateContainer(cert)), "70053003020105"
                                                 "710100"
                                                 "FE00");
    EXPECT_EQ(hexOf(putDataCommand(0x5FC105, certificateContainer(cert))), "00DB3FFF"
                                                                           "13"
                                                                           "5C035FC105"
                                                                           "530C"
                                                                           "70053003020105710100FE00");
    EXPECT_EQ(hexOf(putDataCommand(0x5FC10D, {})), "00DB3FFF07"
                                                   "5C035FC10D"
                                                   "5300");
    EXPECT_TRUE(setManagementKeyCommand(0x03, managementKeyBytes(secret(kDefaultKeyHex))).sensitive);
    EXPECT_EQ(hexOf(setManagementKeyCommand(0x03, managementKeyBytes(secret(kDefaultKeyHex)))), "00FFFFFF1B"
                                                                                                "039B18" +
                                                                                                    kDefaultKeyHex);
}

TEST(PivManagementCommands, HostileAnswers)
{
    EXPECT_EQ(toHex(generatedPublicKey(fromHex("7F4903860104"))), "860104");
    EXPECT_EQ(errcOf([] { generatedPublicKey(fromHex("7F48038601049000")); }), Errc::malformedResponse);
    EXPECT_EQ(errcOf([] { generatedPublicKey(fromHex("7F49FF86")); }), Errc::malformedResponse);
    EXPECT_EQ(toHex(dynamicTemplateItem(fromHex("7C0A80081122334455667788"), 0x80, 8)), "1122334455667788");
    EXPECT_EQ(errcOf([] { dynamicTemplateItem(fromHex("7C0680041122334455"), 0x80, 8); }), Errc::malformedResponse);
    EXPECT_EQ(errcOf([] { dynamicTemplateItem(fromHex("7C0A82081122334455667788"), 0x80, 8); }),
              Errc::malformedResponse);
    EXPECT_EQ(errcOf([] { dynamicTemplateItem(fromHex("7D0A80081122334455667788"), 0x80, 8); }),
              Errc::malformedResponse);
}

// The CHUID and CCC Tessera writes parse as the token read expects, and the
// key history keeps C2 and the URL of the card's own object.
TEST(PivManagementCommands, IdentityObjectsAndKeyHistory)
{
    const Bytes guid = fromHex("00112233445566778899AABBCCDDEEFF");
    const Bytes chuidAnswer = apdu::tlv(0x53, chuidContent(guid));
    const Chuid chuid = parseChuid(chuidAnswer);
    EXPECT_EQ(toHex(chuid.guid), toHex(guid));
    EXPECT_EQ(chuid.fascn.size(), 25u);
    const Bytes ccc = cccContent(Bytes(14, 0x5A));
    EXPECT_EQ(toHex(ccc).substr(0, 18), "F015A000000116FF02");
    EXPECT_EQ(apdu::parseAll(ccc).size(), 13u);

    EXPECT_EQ(toHex(keyHistoryContent({}, 3)), "C10103C20100FE00");
    const Bytes theirs = fromHex("530DC10101C20102F303414243FE00");
    EXPECT_EQ(toHex(keyHistoryContent(theirs, 5)), "C10105C20102F303414243FE00");
    EXPECT_EQ(parseKeyHistoryOnCardCount(apdu::tlv(0x53, keyHistoryContent(theirs, 5))), 5u);
    EXPECT_EQ(errcOf([] { keyHistoryContent(fromHex("5305C10101"), 1); }), Errc::malformedResponse);
}

// IMPORT KEY: parts left-padded to their size with BER lengths (81 80 for
// the 128-byte halves of RSA 2048), DER leading zeros dropped, too long refused.
TEST(PivManagementCommands, ImportKeyEncoding)
{
    PrivateKeyMaterial ec;
    ec.algorithm = KeyAlgorithm::ecP256;
    ec.bits = 256;
    ec.scalar.assign(31, 0x42);
    apdu::Command c = importKeyCommand(0x11, 0x9D, ec);
    EXPECT_TRUE(c.sensitive);
    EXPECT_EQ(toHex(c.data), "062000" + toHex(Bytes(31, 0x42)));
    PrivateKeyMaterial rsa;
    rsa.bits = 2048;
    for (SensitiveBytes* part : {&rsa.p, &rsa.q, &rsa.dp, &rsa.dq, &rsa.qinv})
        part->assign(128, 0x33);
    rsa.p.insert(rsa.p.begin(), 0x00); // DER INTEGER style
    c = importKeyCommand(0x07, 0x9A, rsa);
    ASSERT_EQ(c.data.size(), 5u * (3 + 128));
    auto items = apdu::parseAll(c.data);
    ASSERT_EQ(items.size(), 5u);
    for (std::size_t i = 0; i < items.size(); ++i) {
        EXPECT_EQ(items[i].tag, i + 1);
        EXPECT_EQ(items[i].value.size(), 128u);
    }
    ec.scalar.assign(33, 0x01);
    EXPECT_EQ(errcOf([&] { importKeyCommand(0x11, 0x9D, ec); }), Errc::dataInvalid);
}

// CHANGE REFERENCE DATA 81 from the PUK to itself checks it; the card's
// counter comes back with a wrong one.
TEST(PivAdministrator, PukLoginAndUnblock)
{
    ReplayChannel ch;
    PivCard card{ch};
    const std::string puk = "3132333435363738";
    ch.expect("0024008110" + puk + puk, "9000");
    card.verifyAdministrator(secret("12345678"));
    ch.expect("0024008110" + puk + puk, "63C2");
    try {
        card.verifyAdministrator(secret("12345678"));
        ADD_FAILURE() << "wrong PUK accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::pinIncorrect);
        EXPECT_EQ(e.retriesLeft(), 2);
    }
    ch.expect("002C008010" + puk + "313132323333FFFF", "9000");
    card.unblockPin(secret("12345678"), secret("112233"));
    for (const auto& c : ch.sent())
        EXPECT_TRUE(c.sensitive);
    ch.expect("0024008110" + puk + "3837363534333231", "9000");
    card.changeAdministrator(secret("12345678"), secret("87654321"));
}

// Nothing reaches the card when the credential cannot do the job or the
// CKA_ID names no slot.
TEST(PivAdministrator, RefusedBeforeAnyApdu)
{
    ReplayChannel ch;
    PivCard card{ch};
    const Bytes id9a{0x01}, nowhere{0x19}, tooLong{0x01, 0x01};
    EXPECT_EQ(errcOf([&] { card.generateKeyPair(secret("12345678"), id9a, KeyAlgorithm::ecP256, 256); }),
              Errc::securityStatus);
    EXPECT_EQ(errcOf([&] { card.generateKeyPair(secret(kDefaultKeyHex), nowhere, KeyAlgorithm::ecP256, 256); }),
              Errc::dataInvalid);
    EXPECT_EQ(errcOf([&] { card.writeCertificate(secret(kDefaultKeyHex), tooLong, {}, nullptr); }), Errc::dataInvalid);
    EXPECT_EQ(errcOf([&] { card.unblockPin(secret(kDefaultKeyHex), secret("123456")); }), Errc::unsupported);
    EXPECT_EQ(errcOf([&] { card.changeAdministrator(secret("12345678"), secret(kDefaultKeyHex)); }), Errc::pinLenRange);
    EXPECT_EQ(ch.transmitted(), 0u);
}

TEST(PivAdministrator, MutualAuthentication)
{
    const Bytes key = fromHex(kDefaultKeyHex);
    {
        MutualAuthCard ch(key);
        PivCard card{ch};
        card.verifyAdministrator(secret(kDefaultKeyHex));
        EXPECT_EQ(ch.count, 2);
    }
    {
        MutualAuthCard ch(key);
        PivCard card{ch};
        EXPECT_EQ(errcOf([&] { card.verifyAdministrator(secret("0F0E0D0C0B0A09080F0E0D0C0B0A09080F0E0D0C0B0A0908")); }),
                  Errc::authenticationFailed);
    }
    {
        // A card that does not prove the key (an impostor) is refused too.
        MutualAuthCard ch(key, true);
        PivCard card{ch};
        EXPECT_EQ(errcOf([&] { card.verifyAdministrator(secret(kDefaultKeyHex)); }), Errc::authenticationFailed);
    }
    {
        // 3DES card (no metadata), AES-128-sized key: refused before any APDU.
        MutualAuthCard ch(key);
        PivCard card{ch};
        EXPECT_EQ(errcOf([&] { card.verifyAdministrator(secret(std::string(32, '1'))); }), Errc::pinLenRange);
        EXPECT_EQ(ch.count, 0);
    }
}
