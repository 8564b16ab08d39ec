// Model -> objects mapping: one CKA_ID links certificate, public and private
// key; always-authenticate and CKA_PRIVATE follow the PIN policy; mechanisms
// follow the keys.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pkcs11/mechanisms.hpp"
#include "pkcs11/token_objects.hpp"

using namespace tessera;
using namespace tessera::pkcs11;

namespace {
Bytes spkiOf(EVP_PKEY* key)
{
    int n = i2d_PUBKEY(key, nullptr);
    Bytes out(static_cast<std::size_t>(n));
    unsigned char* p = out.data();
    i2d_PUBKEY(key, &p);
    return out;
}

Bytes selfSigned(EVP_PKEY* key)
{
    X509* x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 42);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("test"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_sign(x, key, EVP_sha256());
    int n = i2d_X509(x, nullptr);
    Bytes out(static_cast<std::size_t>(n));
    unsigned char* p = out.data();
    i2d_X509(x, &p);
    X509_free(x);
    return out;
}

drivers::TokenModel model()
{
    EVP_PKEY* rsa = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
    EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    drivers::TokenModel m;
    drivers::CardKey auth;
    auth.reference = 0x9A;
    auth.id = {0x01};
    auth.label = "PIV AUTH key";
    auth.certificateLabel = "Certificate for PIV Authentication";
    auth.bits = 2048;
    auth.publicKeySpki = spkiOf(rsa);
    auth.certificate = selfSigned(rsa);
    auth.canSign = auth.canDecrypt = true;
    drivers::CardKey sig;
    sig.reference = 0x9C;
    sig.id = {0x02};
    sig.label = "SIGN key";
    sig.algorithm = drivers::KeyAlgorithm::ecP256;
    sig.bits = 256;
    sig.publicKeySpki = spkiOf(ec);
    sig.canSign = true;
    sig.pinPolicy = drivers::PinPolicy::always;
    m.keys = {auth, sig};
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
    return m;
}

std::vector<ObjectPtr> withId(const std::vector<ObjectPtr>& all, std::uint8_t id)
{
    std::vector<ObjectPtr> out;
    for (auto& o : all)
        if (*o->getBytes(CKA_ID) == Bytes{id}) out.push_back(o);
    return out;
}
} // namespace

TEST(TokenObjects, CertificatePublicAndPrivateShareTheId)
{
    auto objects = buildTokenObjects(model());
    auto auth = withId(objects, 1);
    ASSERT_EQ(auth.size(), 3u);
    EXPECT_EQ(auth[0]->objectClass(), CKO_CERTIFICATE);
    EXPECT_EQ(auth[1]->objectClass(), CKO_PUBLIC_KEY);
    EXPECT_EQ(auth[2]->objectClass(), CKO_PRIVATE_KEY);
    EXPECT_EQ(*auth[1]->getBytes(CKA_MODULUS), *auth[2]->getBytes(CKA_MODULUS));
    EXPECT_FALSE(auth[2]->getBool(CKA_ALWAYS_AUTHENTICATE));
    EXPECT_EQ(*auth[0]->getBytes(CKA_SUBJECT), *auth[2]->getBytes(CKA_SUBJECT));
}

TEST(TokenObjects, KeyWithoutCertificateStillHasItsKeysAndPolicy)
{
    auto objects = buildTokenObjects(model());
    auto sig = withId(objects, 2);
    ASSERT_EQ(sig.size(), 2u);
    EXPECT_EQ(sig[0]->getUlong(CKA_KEY_TYPE), CKK_EC);
    EXPECT_TRUE(sig[1]->getBool(CKA_ALWAYS_AUTHENTICATE));
    EXPECT_EQ(sig[0]->getBytes(CKA_EC_POINT)->size(), 2u + 65u); // DER OCTET STRING around 04||X||Y
    CK_ATTRIBUTE value{CKA_VALUE, nullptr, 0};
    EXPECT_EQ(sig[1]->getAttributeValues(&value, 1), CKR_ATTRIBUTE_SENSITIVE);
}

// PKCS#11 3.0 section 4.4: a key that needs the PIN is a private object (found
// after C_Login, which is how libp11 knows to log in); a key the card lets
// anyone use (PIV 9E, PIN policy never) stays public, as in OpenSC.
TEST(TokenObjects, PrivateFollowsThePinPolicy)
{
    auto m = model();
    m.keys[1].pinPolicy = drivers::PinPolicy::never;
    auto objects = buildTokenObjects(m);
    auto auth = withId(objects, 1);
    ASSERT_EQ(auth.size(), 3u);
    EXPECT_FALSE(auth[0]->isPrivate());                      // certificate
    EXPECT_FALSE(auth[1]->isPrivate());                      // public key
    EXPECT_TRUE(auth[2]->isPrivate());                       // PIN once
    EXPECT_TRUE(buildTokenObjects(model())[4]->isPrivate()); // 9C, PIN always
    auto none = withId(objects, 2);
    ASSERT_EQ(none.size(), 2u);
    EXPECT_EQ(none[1]->objectClass(), CKO_PRIVATE_KEY);
    EXPECT_FALSE(none[1]->isPrivate()); // PIN never
    CK_BBOOL value = CK_TRUE;
    CK_ATTRIBUTE read{CKA_PRIVATE, &value, sizeof value};
    EXPECT_EQ(none[1]->getAttributeValues(&read, 1), CKR_OK);
    EXPECT_EQ(value, CK_FALSE);
}

TEST(TokenObjects, GarbageCertificateIsSkippedNotFatal)
{
    auto m = model();
    m.keys[0].certificate = Bytes{0x30, 0x03, 0x02, 0x01};
    auto objects = buildTokenObjects(m);
    EXPECT_EQ(withId(objects, 1).size(), 2u);
}

TEST(Mechanisms, FollowTheKeysOnTheCard)
{
    auto mechs = advertisedMechanisms(model());
    auto has = [&](CK_MECHANISM_TYPE t) {
        for (auto& m : mechs)
            if (m.type == t) return true;
        return false;
    };
    EXPECT_TRUE(has(CKM_RSA_PKCS));
    EXPECT_TRUE(has(CKM_RSA_PKCS_PSS));
    EXPECT_TRUE(has(CKM_ECDSA_SHA256));
    EXPECT_FALSE(has(CKM_EDDSA));
    EXPECT_FALSE(has(CKM_ECDH1_DERIVE)); // no key with canDerive in this model
}
