// Unit tests of the virtual OpenPGP card's key commands, checked with OpenSSL:
// PSO:CDS for RSA, ECDSA P-256 and Ed25519 with the PW1-for-one-signature rule
// and the counter (card spec 3.4 section 7.2.10), PSO:DECIPHER for RSA, ECDH
// P-256 and X25519 (7.2.11), INTERNAL AUTHENTICATE (7.2.13), MSE (7.2.18),
// GENERATE and reading public keys (7.2.14), key import through 4D (4.4.3.12),
// attribute changes and the TERMINATE DF / ACTIVATE FILE factory reset.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "apdu/tlv.hpp"
#include "openpgp_crypto.hpp"
#include "openpgp_test_support.hpp"

namespace tessera::vcard::test {
namespace {

const Bytes kMessage = {'t', 'e', 's', 's', 'e', 'r', 'a'};

KeySpec spec(const char* name, KeyRole role)
{
    return *keySpecFromName(name, role);
}

class OpenPgpKeys : public OpenPgpTest {
public:
    explicit OpenPgpKeys(const std::string& profile = "default") : OpenPgpTest(profile) {}
    PgpAnswer sign(ByteView input) { return send(0x2A, 0x9E, 0x9A, input); }
    PgpAnswer decipher(ByteView input) { return send(0x2A, 0x80, 0x86, input); }
    Bytes ecdhRequest(ByteView point) { return apdu::tlv(0xA6, apdu::tlv(0x7F49, apdu::tlv(0x86, point))); }
    std::uint32_t counter() { return tlvValue(getData(0x007A).data, 0x93).at(2); }
};

class OpenPgpKeysP256 : public OpenPgpKeys {
public:
    OpenPgpKeysP256() : OpenPgpKeys("v34-p256") {}
};

class OpenPgpKeys25519 : public OpenPgpKeys {
public:
    OpenPgpKeys25519() : OpenPgpKeys("v34-25519") {}
};

// 4D {CRT, 7F48 {tag len...}, 5F48 {values}}: the extended header list of section 4.4.3.12.
Bytes importTemplate(std::uint8_t crt, const std::vector<std::pair<std::uint8_t, Bytes>>& parts)
{
    Bytes header, values;
    for (const auto& [tag, value] : parts) {
        Bytes t = apdu::tlv(tag, value);
        header.insert(header.end(), t.begin(), t.end() - static_cast<std::ptrdiff_t>(value.size()));
        values.insert(values.end(), value.begin(), value.end());
    }
    const std::uint8_t crtValue[] = {crt, 0x00};
    Bytes inner(crtValue, crtValue + 2);
    Bytes h = apdu::tlv(0x7F48, header), v = apdu::tlv(0x5F48, values);
    inner.insert(inner.end(), h.begin(), h.end());
    inner.insert(inner.end(), v.begin(), v.end());
    return apdu::tlv(0x4D, inner);
}

Bytes bnParam(const PkeyPtr& key, const char* name)
{
    BIGNUM* bn = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(key.get(), name, &bn), 1);
    Bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
    BN_bn2bin(bn, out.data());
    BN_clear_free(bn);
    return out;
}

TEST_F(OpenPgpKeys, RsaSignatureVerifiesAndUsesUpThePin)
{
    EXPECT_EQ(sign(digestInfoSha256(kMessage)).sw, 0x6982);
    ASSERT_EQ(verify(0x81, "123456").sw, 0x9000);
    std::uint32_t before = counter();
    PgpAnswer s = sign(digestInfoSha256(kMessage));
    ASSERT_EQ(s.sw, 0x9000);
    EXPECT_EQ(s.data.size(), 256u);
    EXPECT_TRUE(verifyRsaPkcs1Sha256(publicKey(0xB6, spec("rsa2048", KeyRole::sig)), kMessage, s.data));
    EXPECT_EQ(counter(), before + 1);
    EXPECT_EQ(sign(digestInfoSha256(kMessage)).sw, 0x6982); // C4 byte 1 = 00: one signature per VERIFY
}

TEST_F(OpenPgpKeys, PwStatusByteOneAllowsSeveralSignatures)
{
    ASSERT_EQ(verify(0x83, "12345678").sw, 0x9000);
    ASSERT_EQ(putData(0x00C4, Bytes{0x01}).sw, 0x9000);
    ASSERT_EQ(verify(0x81, "123456").sw, 0x9000);
    EXPECT_EQ(sign(digestInfoSha256(kMessage)).sw, 0x9000);
    EXPECT_EQ(sign(digestInfoSha256(kMessage)).sw, 0x9000);
    EXPECT_EQ(putData(0x00C4, Bytes{0x02}).sw, 0x6A80);
}

TEST_F(OpenPgpKeys, RsaDecipherAndInternalAuthenticate)
{
    Bytes cryptogram = rsaEncryptPkcs1(publicKey(0xB8, spec("rsa2048", KeyRole::dec)), kMessage);
    Bytes input{0x00};
    input.insert(input.end(), cryptogram.begin(), cryptogram.end());
    EXPECT_EQ(decipher(input).sw, 0x6982);
    ASSERT_EQ(verify(0x82, "123456").sw, 0x9000);
    PgpAnswer d = decipher(input);
    ASSERT_EQ(d.sw, 0x9000);
    EXPECT_EQ(d.data, kMessage);
    input[0] = 0x02; // AES: not supported
    EXPECT_EQ(decipher(input).sw, 0x6A80);
    PgpAnswer a = send(0x88, 0x00, 0x00, digestInfoSha256(kMessage));
    ASSERT_EQ(a.sw, 0x9000);
    EXPECT_TRUE(verifyRsaPkcs1Sha256(publicKey(0xA4, spec("rsa2048", KeyRole::aut)), kMessage, a.data));
}

TEST_F(OpenPgpKeys, ManageSecurityEnvironmentLendsTheAuthenticationKey)
{
    Bytes cryptogram = rsaEncryptPkcs1(publicKey(0xA4, spec("rsa2048", KeyRole::aut)), kMessage);
    Bytes input{0x00};
    input.insert(input.end(), cryptogram.begin(), cryptogram.end());
    ASSERT_EQ(verify(0x82, "123456").sw, 0x9000);
    EXPECT_EQ(decipher(input).sw, 0x6A80); // the decryption key cannot open it
    EXPECT_EQ(raw("002241B803830103").sw, 0x9000);
    EXPECT_EQ(decipher(input).data, kMessage);
    EXPECT_EQ(raw("002241B803830102").sw, 0x9000);
    EXPECT_EQ(decipher(input).sw, 0x6A80);
    EXPECT_EQ(raw("002241B803830101").sw, 0x6A88);
}

TEST_F(OpenPgpKeysP256, EcdsaAndEcdh)
{
    ASSERT_EQ(verify(0x81, "123456").sw, 0x9000);
    Bytes hash = sha256(kMessage);
    PgpAnswer s = sign(hash);
    ASSERT_EQ(s.sw, 0x9000);
    ASSERT_EQ(s.data.size(), 64u);
    EXPECT_TRUE(verifyRawEcdsa(publicKey(0xB6, spec("p256", KeyRole::sig)), hash, s.data));

    KeySpec dec = spec("p256", KeyRole::dec);
    PkeyPtr cardKey = publicKey(0xB8, dec);
    PkeyPtr ephemeral = generateOpenPgpKey(dec);
    Bytes point = tlvValue(openPgpPublicKeyTemplate(ephemeral, dec), 0x86);
    ASSERT_EQ(verify(0x82, "123456").sw, 0x9000);
    PgpAnswer d = decipher(ecdhRequest(point));
    ASSERT_EQ(d.sw, 0x9000);
    EXPECT_EQ(d.data, deriveWith(ephemeral, cardKey));
    EXPECT_EQ(decipher(Bytes{0x00, 0x01}).sw, 0x6A80);
}

TEST_F(OpenPgpKeys25519, Ed25519AndX25519)
{
    ASSERT_EQ(verify(0x81, "123456").sw, 0x9000);
    PgpAnswer s = sign(kMessage);
    ASSERT_EQ(s.sw, 0x9000);
    ASSERT_EQ(s.data.size(), 64u);
    EXPECT_TRUE(verifyEd25519(publicKey(0xB6, spec("ed25519", KeyRole::sig)), kMessage, s.data));

    KeySpec dec = spec("x25519", KeyRole::dec);
    PkeyPtr cardKey = publicKey(0xB8, dec);
    PkeyPtr ephemeral = generateOpenPgpKey(dec);
    Bytes point = tlvValue(openPgpPublicKeyTemplate(ephemeral, dec), 0x86);
    ASSERT_EQ(point.size(), 32u);
    ASSERT_EQ(verify(0x82, "123456").sw, 0x9000);
    PgpAnswer d = decipher(ecdhRequest(point));
    ASSERT_EQ(d.sw, 0x9000);
    EXPECT_EQ(d.data, deriveWith(ephemeral, cardKey));
    PgpAnswer a = send(0x88, 0x00, 0x00, kMessage);
    EXPECT_TRUE(verifyEd25519(publicKey(0xA4, spec("ed25519", KeyRole::aut)), kMessage, a.data));
}

TEST_F(OpenPgpKeys, GenerateNeedsPw3AndReplacesTheKey)
{
    const std::uint8_t crt[] = {0xB8, 0x00};
    Bytes before = publicTemplate(0xB8);
    EXPECT_EQ(send(0x47, 0x80, 0x00, crt).sw, 0x6982);
    ASSERT_EQ(verify(0x83, "12345678").sw, 0x9000);
    PgpAnswer g = send(0x47, 0x80, 0x00, crt);
    ASSERT_EQ(g.sw, 0x9000);
    Bytes fresh = tlvValue(g.data, 0x7F49);
    EXPECT_NE(fresh, before);
    EXPECT_EQ(publicTemplate(0xB8), fresh);
    Bytes fingerprints = tlvValue(getData(0x006E).data, 0xC5);
    EXPECT_EQ(Bytes(fingerprints.begin() + 20, fingerprints.begin() + 40), Bytes(20, 0)); // the host writes it
    EXPECT_EQ(send(0x47, 0x80, 0x00, Bytes{0xB7, 0x00}).sw, 0x6A80);
}

TEST_F(OpenPgpKeys, AttributeChangeDeletesTheKeyAndGenerateFollowsIt)
{
    ASSERT_EQ(verify(0x83, "12345678").sw, 0x9000);
    EXPECT_EQ(putData(0x00C3, fromHex("010800002000")).sw, 0x9000); // same value: key kept
    EXPECT_EQ(publicTemplate(0xA4).size(), 265u);
    EXPECT_EQ(putData(0x00C3, fromHex("12"
                                      "2B060104019755010501"))
                  .sw,
              0x6A80); // ECDH on aut: no
    ASSERT_EQ(putData(0x00C3, fromHex("16"
                                      "2B06010401DA470F01"))
                  .sw,
              0x9000);
    EXPECT_EQ(send(0x47, 0x81, 0x00, Bytes{0xA4, 0x00}).sw, 0x6A88);
    EXPECT_EQ(toHex(tlvValue(getData(0x006E).data, 0xDE)), "010102010300");
    PgpAnswer g = send(0x47, 0x80, 0x00, Bytes{0xA4, 0x00});
    ASSERT_EQ(g.sw, 0x9000);
    EXPECT_EQ(tlvValue(g.data, 0x86).size(), 32u);
}

TEST_F(OpenPgpKeys, P521SignatureIsTwice66Bytes)
{
    ASSERT_EQ(verify(0x83, "12345678").sw, 0x9000);
    KeySpec p521 = spec("p521", KeyRole::sig);
    ASSERT_EQ(putData(0x00C1, p521.attributes()).sw, 0x9000);
    ASSERT_EQ(send(0x47, 0x80, 0x00, Bytes{0xB6, 0x00}).sw, 0x9000);
    ASSERT_EQ(verify(0x81, "123456").sw, 0x9000);
    Bytes hash = sha256(kMessage);
    PgpAnswer s = sign(hash);
    ASSERT_EQ(s.sw, 0x9000);
    EXPECT_EQ(s.data.size(), 132u);
    EXPECT_TRUE(verifyRawEcdsa(publicKey(0xB6, p521), hash, s.data));
}

TEST_F(OpenPgpKeys, KdfDoSwitchesToTheHashedPasswords)
{
    ASSERT_EQ(verify(0x83, "12345678").sw, 0x9000);
    Bytes pw1Hash(32, 0x11), pw3Hash(32, 0x33);
    Bytes kdf = apdu::TlvWriter()
                    .add(0x81, Bytes{0x03})
                    .add(0x82, Bytes{0x08})
                    .add(0x83, Bytes{0x00, 0x01, 0x00, 0x00})
                    .add(0x84, Bytes(8, 0xAA))
                    .add(0x87, pw1Hash)
                    .add(0x88, pw3Hash)
                    .bytes();
    ASSERT_EQ(putData(0x00F9, kdf).sw, 0x9000);
    EXPECT_EQ(getData(0x00F9).data, apdu::tlv(0xF9, kdf));
    EXPECT_EQ(send(0x20, 0x00, 0x82, pw1Hash, -1).sw, 0x9000);
    EXPECT_EQ(send(0x20, 0x00, 0x83, pw3Hash, -1).sw, 0x9000);
    ASSERT_EQ(putData(0x00F9, fromHex("810100")).sw, 0x9000); // KDF off: default passwords again
    EXPECT_EQ(verify(0x82, "123456").sw, 0x9000);
    EXPECT_EQ(toHex(getData(0x00F9).data), "F903810100");
}

TEST_F(OpenPgpKeys, ImportRsaKeyThroughExtendedHeaderList)
{
    KeySpec sig = spec("rsa2048", KeyRole::sig);
    PkeyPtr key = generateOpenPgpKey(sig);
    Bytes e = bnParam(key, OSSL_PKEY_PARAM_RSA_E);
    e.insert(e.begin(), 4 - e.size(), 0x00); // right-justified in 32 bits, as GnuPG sends it
    Bytes t = importTemplate(0xB6, {{0x91, e},
                                    {0x92, bnParam(key, OSSL_PKEY_PARAM_RSA_FACTOR1)},
                                    {0x93, bnParam(key, OSSL_PKEY_PARAM_RSA_FACTOR2)}});
    EXPECT_EQ(send(0xDB, 0x3F, 0xFF, t, -1).sw, 0x6982);
    ASSERT_EQ(verify(0x83, "12345678").sw, 0x9000);
    ASSERT_EQ(send(0xDB, 0x3F, 0xFF, t, -1).sw, 0x9000); // chained: more than 255 bytes
    EXPECT_EQ(publicTemplate(0xB6), openPgpPublicKeyTemplate(key, sig));
    EXPECT_EQ(toHex(tlvValue(getData(0x006E).data, 0xDE)), "010202010301");
    EXPECT_EQ(counter(), 0u);
    Bytes broken = t;
    broken.pop_back();
    EXPECT_EQ(send(0xDB, 0x3F, 0xFF, broken, -1).sw, 0x6A80);
}

TEST_F(OpenPgpKeys25519, ImportX25519ScalarInGnuPgByteOrder)
{
    KeySpec dec = spec("x25519", KeyRole::dec);
    PkeyPtr key = generateOpenPgpKey(dec);
    Bytes native(32);
    size_t len = native.size();
    ASSERT_EQ(EVP_PKEY_get_raw_private_key(key.get(), native.data(), &len), 1);
    Bytes reversed(native.rbegin(), native.rend());
    ASSERT_EQ(verify(0x83, "12345678").sw, 0x9000);
    ASSERT_EQ(send(0xDB, 0x3F, 0xFF, importTemplate(0xB8, {{0x92, reversed}}), -1).sw, 0x9000);
    EXPECT_EQ(publicTemplate(0xB8), openPgpPublicKeyTemplate(key, dec));
}

TEST_F(OpenPgpKeysP256, ImportP256Scalar)
{
    KeySpec aut = spec("p256", KeyRole::aut);
    PkeyPtr key = generateOpenPgpKey(aut);
    ASSERT_EQ(verify(0x83, "12345678").sw, 0x9000);
    Bytes scalar = bnParam(key, OSSL_PKEY_PARAM_PRIV_KEY);
    ASSERT_EQ(send(0xDB, 0x3F, 0xFF, importTemplate(0xA4, {{0x92, scalar}}), -1).sw, 0x9000);
    EXPECT_EQ(publicTemplate(0xA4), openPgpPublicKeyTemplate(key, aut));
}

TEST_F(OpenPgpKeys, FactoryResetWithTerminateAndActivate)
{
    Bytes aid = getData(0x004F).data;
    EXPECT_EQ(raw("00E60000").sw, 0x6982);
    for (int i = 0; i < 3; ++i)
        verify(0x83, "00000000");
    EXPECT_EQ(raw("00E60000").sw, 0x9000);
    EXPECT_EQ(getData(0x006E).sw, 0x6285);
    EXPECT_EQ(raw("00A4040006D27600012401").sw, 0x6285);
    EXPECT_TRUE(card.state().terminated);
    EXPECT_EQ(raw("00440000").sw, 0x9000);
    EXPECT_EQ(getData(0x004F).data, aid);
    EXPECT_EQ(toHex(getData(0x00C4).data), "007F7F7F030003");
    EXPECT_EQ(send(0x47, 0x81, 0x00, Bytes{0xB6, 0x00}).sw, 0x6A88);
    EXPECT_EQ(tlvValue(getData(0x006E).data, 0xC5), Bytes(60, 0));
    EXPECT_EQ(verify(0x83, "12345678").sw, 0x9000);
    EXPECT_EQ(raw("00440000").sw, 0x9000); // not terminated: nothing to do
}

TEST(OpenPgpFingerprint, RsaPacketLayout)
{
    KeySpec s = *keySpecFromName("rsa2048", KeyRole::sig);
    PkeyPtr key = generateOpenPgpKey(s);
    Bytes body = v4PublicKeyBody(key, s, 0x5A000000);
    // 04 | time | 01 | MPI n (2048 bits) | MPI e (17 bits = 65537)
    EXPECT_EQ(toHex(ByteView(body).first(8)), "045A000000010800");
    EXPECT_EQ(toHex(ByteView(body).last(5)), "0011010001");
    EXPECT_EQ(body.size(), 6u + 2 + 256 + 2 + 3);
}

TEST(OpenPgpFingerprint, EcdhCarriesKdfParameters)
{
    KeySpec s = *keySpecFromName("x25519", KeyRole::dec);
    PkeyPtr key = generateOpenPgpKey(s);
    Bytes body = v4PublicKeyBody(key, s, 1);
    // 04 | time | 12 | 0A OID | MPI 0107 40||x | 03 01 08 07
    EXPECT_EQ(toHex(ByteView(body).first(17)), "0400000001120A2B060104019755010501");
    EXPECT_EQ(toHex(ByteView(body).subspan(17, 3)), "010740");
    EXPECT_EQ(toHex(ByteView(body).last(4)), "03010807");
}

} // namespace
} // namespace tessera::vcard::test
