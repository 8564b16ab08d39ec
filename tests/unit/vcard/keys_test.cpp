// Key use on the virtual card (SP 800-73-4 part 2 sections 3.2.4 and 3.3.2): PIN
// policies (9A once, 9C always, 9E never), RSA raw signatures and ECDSA checked
// with OpenSSL, GENERATE, ECDH, and parameter errors.
#include "apdu/tlv.hpp"
#include "vcard_test_support.hpp"
#include "x509_util.hpp"

namespace tessera::vcard::test {
namespace {

class VcardKeys : public CardTest {};

// PKCS#1 v1.5 type 1 block of `size` bytes around `payload` (the host's job on PIV).
Bytes pkcs1Block(std::size_t size, ByteView payload)
{
    Bytes b(size, 0xFF);
    b[0] = 0x00;
    b[1] = 0x01;
    b[size - payload.size() - 1] = 0x00;
    std::copy(payload.begin(), payload.end(), b.end() - static_cast<std::ptrdiff_t>(payload.size()));
    return b;
}

Bytes signature(const Answer& a)
{
    return childValue(childValue(a.data, 0x7C), 0x82);
}

TEST_F(VcardKeys, AuthenticationKeyNeedsPinOnce)
{
    Bytes block = pkcs1Block(256, randomBytes(51));
    EXPECT_EQ(sign(alg::rsa2048, 0x9A, block).sw, 0x6982);
    ASSERT_EQ(verifyPin("123456").sw, 0x9000);
    Answer a = sign(alg::rsa2048, 0x9A, block);
    ASSERT_EQ(a.sw, 0x9000);
    EXPECT_EQ(sign(alg::rsa2048, 0x9A, block).sw, 0x9000); // once is enough
    PkeyPtr pub = certificatePublicKey(certificate(0x9A));
    EXPECT_EQ(rsaPublicRaw(pub, signature(a)), block);
}

TEST_F(VcardKeys, RsaInputMustBeModulusLength)
{
    ASSERT_EQ(verifyPin("123456").sw, 0x9000);
    EXPECT_EQ(sign(alg::rsa2048, 0x9A, randomBytes(100)).sw, 0x6A80);
    Bytes tooBig(256, 0xFF); // >= n
    EXPECT_EQ(sign(alg::rsa2048, 0x9A, tooBig).sw, 0x6A80);
}

TEST_F(VcardKeys, SignatureKeyNeedsPinImmediatelyBeforeEachUse)
{
    Bytes hash = randomBytes(32);
    EXPECT_EQ(sign(alg::eccP256, 0x9C, hash).sw, 0x6982);
    ASSERT_EQ(verifyPin("123456").sw, 0x9000);
    Answer a = sign(alg::eccP256, 0x9C, hash);
    ASSERT_EQ(a.sw, 0x9000);
    EXPECT_TRUE(verifyEcdsa(certificatePublicKey(certificate(0x9C)), hash, signature(a)));
    EXPECT_EQ(sign(alg::eccP256, 0x9C, hash).sw, 0x6982); // a second signature needs a new VERIFY
    ASSERT_EQ(verifyPin("123456").sw, 0x9000);
    ASSERT_EQ(getData(0x5FC102).sw, 0x9000); // any command in between spends the VERIFY
    EXPECT_EQ(sign(alg::eccP256, 0x9C, hash).sw, 0x6982);
    ASSERT_EQ(verifyPin("123456").sw, 0x9000);
    EXPECT_EQ(sign(alg::eccP256, 0x9C, hash).sw, 0x9000);
    // The PIN stays verified for PIN-once keys.
    EXPECT_EQ(sign(alg::rsa2048, 0x9A, pkcs1Block(256, hash)).sw, 0x9000);
}

TEST_F(VcardKeys, CardAuthenticationKeyNeedsNoPin)
{
    Bytes hash = randomBytes(32);
    Answer a = sign(alg::eccP256, 0x9E, hash);
    ASSERT_EQ(a.sw, 0x9000);
    EXPECT_TRUE(verifyEcdsa(certificatePublicKey(certificate(0x9E)), hash, signature(a)));
}

TEST_F(VcardKeys, KeyManagementKeyDecrypts)
{
    ASSERT_EQ(verifyPin("123456").sw, 0x9000);
    PkeyPtr pub = certificatePublicKey(certificate(0x9D));
    Bytes plain = randomBytes(256);
    plain[0] = 0;
    Bytes cipher = rsaPublicRaw(pub, plain);
    Answer a = sign(alg::rsa2048, 0x9D, cipher);
    ASSERT_EQ(a.sw, 0x9000);
    EXPECT_EQ(signature(a), plain);
}

TEST_F(VcardKeys, ParameterErrors)
{
    ASSERT_EQ(verifyPin("123456").sw, 0x9000);
    EXPECT_EQ(sign(alg::rsa2048, 0x9C, randomBytes(32)).sw, 0x6A86); // 9C is P-256
    EXPECT_EQ(sign(alg::eccP256, 0x82, randomBytes(32)).sw, 0x6A80); // empty slot
    EXPECT_EQ(sign(alg::eccP256, 0x42, randomBytes(32)).sw, 0x6A86); // no such key
    EXPECT_EQ(send(0x87, alg::eccP256, 0x9E, fromHex("7C028200"), 0).sw, 0x6A80);
    EXPECT_EQ(send(0x87, alg::eccP256, 0x9E, fromHex("7D028200"), 0).sw, 0x6A80);
}

TEST_F(VcardKeys, GenerateEcKeyAndSign)
{
    ASSERT_EQ(authenticateDefault().sw, 0x9000);
    Answer g = send(0x47, 0x00, 0x82, fromHex("AC03800114"), 0);
    ASSERT_EQ(g.sw, 0x9000);
    Bytes point = childValue(childValue(g.data, 0x7F49), 0x86);
    ASSERT_EQ(point.size(), 97u);
    ASSERT_EQ(verifyPin("123456").sw, 0x9000);
    Bytes hash = randomBytes(48);
    Answer a = sign(alg::eccP384, 0x82, hash);
    ASSERT_EQ(a.sw, 0x9000);
    EXPECT_TRUE(verifyEcdsa(ecPublicFromPoint(alg::eccP384, point), hash, signature(a)));
    EXPECT_TRUE(card.takeDirty());
}

TEST_F(VcardKeys, GenerateRsaKeyAnswersModulusAndExponent)
{
    ASSERT_EQ(authenticateDefault().sw, 0x9000);
    Answer g = send(0x47, 0x00, 0x9A, fromHex("AC03800107"), 0);
    ASSERT_EQ(g.sw, 0x9000);
    Bytes templ = childValue(g.data, 0x7F49);
    EXPECT_EQ(childValue(templ, 0x81).size(), 256u);
    EXPECT_EQ(childValue(templ, 0x82), fromHex("010001"));
    EXPECT_EQ(send(0x47, 0x00, 0x9A, fromHex("AC03800199"), 0).sw, 0x6A80); // unknown algorithm
    EXPECT_EQ(send(0x47, 0x00, 0x9B, fromHex("AC03800111"), 0).sw, 0x6A86); // not an asymmetric slot
}

TEST_F(VcardKeys, GeneratePolicyFromTemplate)
{
    ASSERT_EQ(authenticateDefault().sw, 0x9000);
    ASSERT_EQ(send(0x47, 0x00, 0x85, fromHex("AC09800111AA0103AB0101"), 0).sw, 0x9000);
    EXPECT_EQ(card.state().keys.at(0x85).pinPolicy, policy::pinAlways);
}

TEST_F(VcardKeys, EcdhMatchesOpenSsl)
{
    ASSERT_EQ(authenticateDefault().sw, 0x9000);
    Answer g = send(0x47, 0x00, 0x83, fromHex("AC03800111"), 0);
    ASSERT_EQ(g.sw, 0x9000);
    Bytes cardPoint = childValue(childValue(g.data, 0x7F49), 0x86);
    PkeyPtr peer = generateKey(alg::eccP256);
    Bytes peerPoint = childValue(publicKeyTemplate(peer), 0x86);
    ASSERT_EQ(verifyPin("123456").sw, 0x9000);
    Bytes inner = apdu::TlvWriter().add(0x82, {}).add(0x85, peerPoint).bytes();
    Answer a = send(0x87, alg::eccP256, 0x83, apdu::tlv(0x7C, inner), 0);
    ASSERT_EQ(a.sw, 0x9000);
    EXPECT_EQ(signature(a), ecdhDerive(peer, cardPoint));
}

} // namespace
} // namespace tessera::vcard::test
