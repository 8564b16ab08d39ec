// YubiKey extensions of the virtual card (yubikey profile) and their absence in
// the plain profile: version, serial, metadata, import, attestation, reset and
// PIN retry settings.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "apdu/tlv.hpp"
#include "data_objects.hpp"
#include "vcard_test_support.hpp"
#include "x509_util.hpp"

namespace tessera::vcard::test {
namespace {

class VcardYubikey : public CardTest {};

Bytes ecScalar(const PkeyPtr& key)
{
    BIGNUM* bn = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_PRIV_KEY, &bn), 1);
    Bytes out(32);
    BN_bn2binpad(bn, out.data(), 32);
    BN_free(bn);
    return out;
}

TEST_F(VcardYubikey, VersionAndSerial)
{
    Answer v = raw("00FD000000");
    ASSERT_EQ(v.sw, 0x9000);
    EXPECT_EQ(v.data, fromHex("050403"));
    Answer s = raw("00F8000000");
    ASSERT_EQ(s.sw, 0x9000);
    ASSERT_EQ(s.data.size(), 4u);
    std::uint32_t serial = (std::uint32_t{s.data[0]} << 24) | (std::uint32_t{s.data[1]} << 16) |
                           (std::uint32_t{s.data[2]} << 8) | s.data[3];
    EXPECT_EQ(serial, card.state().serial);
    EXPECT_GE(serial, 10000000u);
}

TEST_F(VcardYubikey, MetadataOfPinManagementKeyAndSlot)
{
    verifyPin("000000");
    Answer pin = raw("00F7008000");
    ASSERT_EQ(pin.sw, 0x9000);
    EXPECT_EQ(childValue(pin.data, 0x01), fromHex("FF"));
    EXPECT_EQ(childValue(pin.data, 0x05), fromHex("01"));
    EXPECT_EQ(childValue(pin.data, 0x06), fromHex("0302"));
    Answer mk = raw("00F7009B00");
    ASSERT_EQ(mk.sw, 0x9000);
    EXPECT_EQ(childValue(mk.data, 0x01), fromHex("03"));
    EXPECT_EQ(childValue(mk.data, 0x05), fromHex("01"));
    Answer slot = send(0xF7, 0x00, 0x9C);
    ASSERT_EQ(slot.sw, 0x9000);
    EXPECT_EQ(childValue(slot.data, 0x01), fromHex("11"));
    EXPECT_EQ(childValue(slot.data, 0x02), fromHex("0301")); // PIN always, touch never
    EXPECT_EQ(childValue(slot.data, 0x03), fromHex("01"));   // generated
    EXPECT_EQ(childValue(childValue(slot.data, 0x04), 0x86).size(), 65u);
    EXPECT_EQ(raw("00F7008800").sw, 0x6A88); // empty retired slot
}

TEST_F(VcardYubikey, ImportEcKeyAndSign)
{
    PkeyPtr key = generateKey(alg::eccP256);
    Bytes data = apdu::TlvWriter().add(0x06, ecScalar(key)).addByte(0xAA, policy::pinNever).bytes();
    EXPECT_EQ(send(0xFE, alg::eccP256, 0x86, data, -1).sw, 0x6982);
    ASSERT_EQ(authenticateDefault().sw, 0x9000);
    ASSERT_EQ(send(0xFE, alg::eccP256, 0x86, data, -1).sw, 0x9000);
    Bytes hash = randomBytes(32);
    Answer a = sign(alg::eccP256, 0x86, hash); // PIN never: no VERIFY
    ASSERT_EQ(a.sw, 0x9000);
    EXPECT_TRUE(verifyEcdsa(key, hash, childValue(childValue(a.data, 0x7C), 0x82)));
    Answer meta = send(0xF7, 0x00, 0x86);
    EXPECT_EQ(childValue(meta.data, 0x03), fromHex("02")); // imported
    EXPECT_EQ(raw("00F9860000").sw, 0x6A80);               // imported keys cannot be attested
}

TEST_F(VcardYubikey, ImportRsaKeyFromCrt)
{
    PkeyPtr key = generateKey(alg::rsa1024);
    auto part = [&](const char* name) {
        BIGNUM* bn = nullptr;
        EXPECT_EQ(EVP_PKEY_get_bn_param(key.get(), name, &bn), 1);
        Bytes out(64);
        BN_bn2binpad(bn, out.data(), 64);
        BN_free(bn);
        return out;
    };
    Bytes data = apdu::TlvWriter()
                     .add(0x01, part(OSSL_PKEY_PARAM_RSA_FACTOR1))
                     .add(0x02, part(OSSL_PKEY_PARAM_RSA_FACTOR2))
                     .add(0x03, part(OSSL_PKEY_PARAM_RSA_EXPONENT1))
                     .add(0x04, part(OSSL_PKEY_PARAM_RSA_EXPONENT2))
                     .add(0x05, part(OSSL_PKEY_PARAM_RSA_COEFFICIENT1))
                     .bytes();
    ASSERT_EQ(authenticateDefault().sw, 0x9000);
    ASSERT_EQ(send(0xFE, alg::rsa1024, 0x87, data, -1).sw, 0x9000);
    EXPECT_EQ(publicKeyTemplate(card.state().keys.at(0x87).key), publicKeyTemplate(key));
}

TEST_F(VcardYubikey, AttestationIsSignedByTheF9Key)
{
    Answer a = send(0xF9, 0x9A, 0x00);
    ASSERT_EQ(a.sw, 0x9000);
    PkeyPtr attested = certificatePublicKey(a.data);
    EXPECT_EQ(publicKeyTemplate(attested), publicKeyTemplate(card.state().keys.at(0x9A).key));
    Answer root = getData(tag::yubikeyAttestation);
    ASSERT_EQ(root.sw, 0x9000);
    EXPECT_FALSE(childValue(childValue(root.data, 0x53), 0x70).empty());
    EXPECT_EQ(raw("00F9820000").sw, 0x6A88); // empty slot
}

TEST_F(VcardYubikey, ResetOnlyWhenPinAndPukBlocked)
{
    EXPECT_EQ(raw("00FB000000").sw, 0x6985);
    for (int i = 0; i < 3; ++i)
        verifyPin("000000");
    EXPECT_EQ(raw("00FB000000").sw, 0x6985);
    Bytes badPuk = concat(padPin("00000000"), padPin("111111"));
    for (int i = 0; i < 3; ++i)
        send(0x2C, 0x00, 0x80, badPuk, -1);
    EXPECT_EQ(raw("00FB000000").sw, 0x9000);
    EXPECT_EQ(verifyPin("123456").sw, 0x9000);
    EXPECT_EQ(getData(0x5FC105).sw, 0x6A82);
    EXPECT_EQ(getData(tag::discovery).sw, 0x9000);
    EXPECT_EQ(card.state().keys.count(0x9A), 0u);
    EXPECT_EQ(card.state().keys.count(keyref::attestation), 1u); // survives, like on a YubiKey
}

TEST_F(VcardYubikey, SetPinRetries)
{
    ASSERT_EQ(authenticateDefault().sw, 0x9000);
    EXPECT_EQ(raw("00FA050600").sw, 0x6982); // PIN not verified
    ASSERT_EQ(verifyPin("123456").sw, 0x9000);
    ASSERT_EQ(raw("00FA050600").sw, 0x9000);
    EXPECT_EQ(verifyPin("000000").sw, 0x63C4);
}

class VcardPlain : public CardTest {
public:
    VcardPlain() : CardTest(provisionedState(Profile::plain)) {}
};

TEST_F(VcardPlain, YubikeyInstructionsAreUnknown)
{
    for (const char* apdu : {"00FD000000", "00F8000000", "00F7009A00", "00F99A0000", "00FB000000"})
        EXPECT_EQ(raw(apdu).sw, 0x6D00) << apdu;
    EXPECT_EQ(getData(tag::yubikeyAttestation).sw, 0x6A82);
    EXPECT_EQ(card.atr(), atrFor(Profile::plain));
}

} // namespace
} // namespace tessera::vcard::test
