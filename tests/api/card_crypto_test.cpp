// Card.* part 2: private-key operations on the virtual PIV card, each checked
// by OpenSSL against the certificate's key: RSA signatures (PKCS#1 v1.5, PSS),
// ECDSA with the PIN-always key 9C and the no-PIN key 9E, RSA decryption
// (v1.5, OAEP), ECDH derivation, and 8 threads signing concurrently.
#include <algorithm>
#include <atomic>
#include <iostream>
#include <thread>

#include "card_fixture.hpp"

namespace tessera::apitest {
namespace {

TEST_F(Card, RsaSignaturesWith9A)
{
    ASSERT_TRUE(loginUser(s));
    key = object(s, CKO_PRIVATE_KEY, 1);
    ASSERT_NE(key, CK_INVALID_HANDLE);
    ossl::Pkey pub = certKeyOf(1);
    ASSERT_NE(pub, nullptr);
    const Bytes data = toBytes("Tessera signs with the PIV authentication key");
    const Bytes hash = ossl::digest("SHA256", data);

    Bytes sig = sign({CKM_SHA256_RSA_PKCS, nullptr, 0}, key, data);
    EXPECT_EQ(sig.size(), 256u);
    EXPECT_TRUE(ossl::verifyRsaPkcs1(pub.get(), "SHA256", data, sig)) << "CKM_SHA256_RSA_PKCS " << ossl::lastError();

    sig = sign({CKM_RSA_PKCS, nullptr, 0}, key, ossl::sha256DigestInfo(data));
    EXPECT_TRUE(ossl::verifyRsaPkcs1(pub.get(), "SHA256", data, sig))
        << "CKM_RSA_PKCS over DigestInfo " << ossl::lastError();

    CK_RSA_PKCS_PSS_PARAMS pss = {CKM_SHA256, CKG_MGF1_SHA256, 32};
    sig = sign({CKM_SHA256_RSA_PKCS_PSS, &pss, sizeof pss}, key, data);
    EXPECT_TRUE(ossl::verifyRsaPssHash(pub.get(), "SHA256", 32, hash, sig))
        << "CKM_SHA256_RSA_PKCS_PSS " << ossl::lastError();
    sig = sign({CKM_RSA_PKCS_PSS, &pss, sizeof pss}, key, hash);
    EXPECT_TRUE(ossl::verifyRsaPssHash(pub.get(), "SHA256", 32, hash, sig))
        << "CKM_RSA_PKCS_PSS over a hash " << ossl::lastError();
    // Two PSS signatures of the same data differ (random salt) and both verify.
    Bytes again = sign({CKM_RSA_PKCS_PSS, &pss, sizeof pss}, key, hash);
    EXPECT_NE(sig, again);
    // CKM_RSA_PKCS_PSS with a hash of the wrong length is DATA_LEN_RANGE (mechanisms 2.1.10).
    CK_RV rv = CKR_OK;
    signOnce(s, {CKM_RSA_PKCS_PSS, &pss, sizeof pss}, key, Bytes(20, 1), &rv);
    EXPECT_TRUE(rvOneOf(rv, {CKR_DATA_LEN_RANGE, CKR_DATA_INVALID})) << "PSS over a 20-byte hash with SHA-256 params";
}

TEST_F(Card, EcdsaWith9CNeedsContextLogin)
{
    ASSERT_TRUE(loginUser(s));
    key = object(s, CKO_PRIVATE_KEY, 2);
    ASSERT_NE(key, CK_INVALID_HANDLE);
    ASSERT_EQ(attrBool(s, key, CKA_ALWAYS_AUTHENTICATE), std::optional<bool>(true));
    ossl::Pkey pub = certKeyOf(2);
    ASSERT_NE(pub, nullptr);
    const Bytes hash = ossl::digest("SHA256", toBytes("signed with consent"));
    CK_MECHANISM mech = {CKM_ECDSA, nullptr, 0};
    Bytes sig(64);
    CK_ULONG len = sig.size();

    // Without the context-specific login: USER_NOT_LOGGED_IN, which ends the operation (5.13).
    ASSERT_RV(CKR_OK, f->C_SignInit(s, &mech, key));
    EXPECT_RV(CKR_USER_NOT_LOGGED_IN, f->C_Sign(s, const_cast<CK_BYTE_PTR>(hash.data()), hash.size(), sig.data(), &len))
        << "9C without CKU_CONTEXT_SPECIFIC";

    // With it: one signature.
    ASSERT_RV(CKR_OK, f->C_SignInit(s, &mech, key));
    ASSERT_RV(CKR_OK, session->login(CKU_CONTEXT_SPECIFIC)) << "C_Login(CKU_CONTEXT_SPECIFIC) after C_SignInit";
    len = sig.size();
    ASSERT_RV(CKR_OK, f->C_Sign(s, const_cast<CK_BYTE_PTR>(hash.data()), hash.size(), sig.data(), &len));
    ASSERT_EQ(len, 64u) << "raw r||s of a P-256 signature";
    sig.resize(len);
    EXPECT_TRUE(ossl::verifyEcdsaRawHash(pub.get(), hash, sig)) << ossl::lastError();

    // The consent was for that one signature: the next one needs a new context login.
    ASSERT_RV(CKR_OK, f->C_SignInit(s, &mech, key));
    len = 64;
    EXPECT_RV(CKR_USER_NOT_LOGGED_IN, f->C_Sign(s, const_cast<CK_BYTE_PTR>(hash.data()), hash.size(), sig.data(), &len))
        << "second C_Sign with 9C reuses no consent";

    // A wrong context-specific PIN is PIN_INCORRECT would cost a try: not tested.
    // Length query then sign within one consent.
    ASSERT_RV(CKR_OK, f->C_SignInit(s, &mech, key));
    ASSERT_RV(CKR_OK, session->login(CKU_CONTEXT_SPECIFIC));
    CK_ULONG q = 0;
    ASSERT_RV(CKR_OK, f->C_Sign(s, const_cast<CK_BYTE_PTR>(hash.data()), hash.size(), nullptr, &q));
    EXPECT_EQ(q, 64u);
    Bytes sig2(q);
    ASSERT_RV(CKR_OK, f->C_Sign(s, const_cast<CK_BYTE_PTR>(hash.data()), hash.size(), sig2.data(), &q))
        << "the length query must not use up the consent";
    EXPECT_TRUE(ossl::verifyEcdsaRawHash(pub.get(), hash, sig2)) << ossl::lastError();
}

TEST_F(Card, EcdsaWith9EWithoutLogin)
{
    // 9E (card authentication) has PIN policy "never": usable with no login.
    key = object(s, CKO_PRIVATE_KEY, 4);
    ASSERT_NE(key, CK_INVALID_HANDLE) << "9E private key visible without login";
    ossl::Pkey pub = certKeyOf(4);
    ASSERT_NE(pub, nullptr);
    const Bytes data = toBytes("card authentication challenge");
    Bytes sig = sign({CKM_ECDSA_SHA256, nullptr, 0}, key, data);
    ASSERT_EQ(sig.size(), 64u);
    EXPECT_TRUE(ossl::verifyEcdsaRawHash(pub.get(), ossl::digest("SHA256", data), sig)) << ossl::lastError();
    const Bytes hash = ossl::digest("SHA256", data);
    sig = sign({CKM_ECDSA, nullptr, 0}, key, hash);
    ASSERT_EQ(sig.size(), 64u);
    EXPECT_TRUE(ossl::verifyEcdsaRawHash(pub.get(), hash, sig)) << ossl::lastError();
}

TEST_F(Card, RsaDecryptWith9D)
{
    ASSERT_TRUE(loginUser(s));
    key = object(s, CKO_PRIVATE_KEY, 3);
    ASSERT_NE(key, CK_INVALID_HANDLE);
    EXPECT_EQ(attrBool(s, key, CKA_DECRYPT), std::optional<bool>(true));
    ossl::Pkey pub = certKeyOf(3);
    ASSERT_NE(pub, nullptr);
    const Bytes secret = toBytes("a 32-byte session key, honestly!");

    Bytes c = ossl::rsaEncrypt(pub.get(), nullptr, secret);
    ASSERT_FALSE(c.empty()) << ossl::lastError();
    EXPECT_EQ(hex(decrypt({CKM_RSA_PKCS, nullptr, 0}, key, c)), hex(secret)) << "PKCS#1 v1.5";

    CK_RSA_PKCS_OAEP_PARAMS sha1 = {CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, nullptr, 0};
    c = ossl::rsaEncrypt(pub.get(), "SHA1", secret);
    ASSERT_FALSE(c.empty()) << ossl::lastError();
    EXPECT_EQ(hex(decrypt({CKM_RSA_PKCS_OAEP, &sha1, sizeof sha1}, key, c)), hex(secret)) << "OAEP SHA-1";

    CK_RSA_PKCS_OAEP_PARAMS sha256 = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
    c = ossl::rsaEncrypt(pub.get(), "SHA256", secret);
    ASSERT_FALSE(c.empty()) << ossl::lastError();
    EXPECT_EQ(hex(decrypt({CKM_RSA_PKCS_OAEP, &sha256, sizeof sha256}, key, c)), hex(secret)) << "OAEP SHA-256";

    // A tampered cryptogram fails (v1.5: ENCRYPTED_DATA_INVALID; the spec
    // also allows DATA_INVALID-family answers; not OK with garbage).
    c = ossl::rsaEncrypt(pub.get(), "SHA256", secret);
    c[10] ^= 0x55;
    CK_MECHANISM mech = {CKM_RSA_PKCS_OAEP, &sha256, sizeof sha256};
    ASSERT_RV(CKR_OK, f->C_DecryptInit(s, &mech, key));
    Bytes out(256);
    CK_ULONG len = out.size();
    EXPECT_TRUE(rvOneOf(f->C_Decrypt(s, c.data(), c.size(), out.data(), &len),
                        {CKR_ENCRYPTED_DATA_INVALID, CKR_DATA_INVALID, CKR_FUNCTION_FAILED}))
        << "tampered OAEP cryptogram";
}

TEST_F(Card, EcdhDerive)
{
    ASSERT_TRUE(loginUser(s));
    // Use a P-256 private key that allows derivation and needs no per-use
    // consent (C_DeriveKey has no Init for a context-specific login to follow).
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_KEY_TYPE kt = CKK_EC;
    key = CK_INVALID_HANDLE;
    std::uint8_t keyId = 0;
    for (CK_OBJECT_HANDLE k : findObjects(s, {attrOf(CKA_CLASS, cls), attrOf(CKA_KEY_TYPE, kt)})) {
        auto id = attrBytes(s, k, CKA_ID);
        std::cout << "[ NOTE     ] EC private key CKA_ID " << (id ? hex(*id) : "?")
                  << " CKA_DERIVE=" << attrBool(s, k, CKA_DERIVE).value_or(false) << "\n";
        if (attrBool(s, k, CKA_DERIVE).value_or(false) && !attrBool(s, k, CKA_ALWAYS_AUTHENTICATE).value_or(false) &&
            id.has_value() && id->size() == 1 && key == CK_INVALID_HANDLE) {
            key = k;
            keyId = (*id)[0];
        }
    }
    ASSERT_NE(key, CK_INVALID_HANDLE) << "no P-256 private key with CKA_DERIVE=TRUE and no CKA_ALWAYS_AUTHENTICATE";
    ossl::Pkey cardPub = certKeyOf(keyId);
    ASSERT_NE(cardPub, nullptr);
    ossl::Pkey peer = ossl::generateP256();
    ASSERT_NE(peer, nullptr);
    const Bytes expected = ossl::ecdh(peer.get(), cardPub.get());
    ASSERT_EQ(expected.size(), 32u) << ossl::lastError();
    const Bytes raw = ossl::ecPublicPoint(peer.get());
    ASSERT_EQ(raw.size(), 65u);
    Bytes der(raw.size() + 2);
    der[0] = 0x04; // OCTET STRING
    der[1] = static_cast<std::uint8_t>(raw.size());
    std::copy(raw.begin(), raw.end(), der.begin() + 2);

    const Bytes* points[] = {&raw, &der};
    for (const Bytes* point : points) {
        SCOPED_TRACE(point == &raw ? "public data 04||X||Y" : "public data DER OCTET STRING");
        CK_ECDH1_DERIVE_PARAMS params = {CKD_NULL, 0, nullptr, point->size(), const_cast<CK_BYTE_PTR>(point->data())};
        CK_MECHANISM mech = {CKM_ECDH1_DERIVE, &params, sizeof params};
        CK_OBJECT_CLASS secretClass = CKO_SECRET_KEY;
        CK_KEY_TYPE secretType = CKK_GENERIC_SECRET;
        CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
        CK_ULONG valueLen = 32;
        CK_ATTRIBUTE tmpl[] = {attrOf(CKA_CLASS, secretClass), attrOf(CKA_KEY_TYPE, secretType),
                               attrOf(CKA_TOKEN, no),          attrOf(CKA_SENSITIVE, no),
                               attrOf(CKA_EXTRACTABLE, yes),   attrOf(CKA_VALUE_LEN, valueLen)};
        CK_OBJECT_HANDLE derived = CK_INVALID_HANDLE;
        ASSERT_RV(CKR_OK, f->C_DeriveKey(s, &mech, key, tmpl, 6, &derived)) << "C_DeriveKey CKM_ECDH1_DERIVE";
        auto value = attrBytes(s, derived, CKA_VALUE);
        ASSERT_TRUE(value.has_value()) << "CKA_VALUE of the derived key";
        EXPECT_EQ(hex(*value), hex(expected)) << "card ECDH = OpenSSL ECDH";
        EXPECT_RV(CKR_OK, f->C_DestroyObject(s, derived)) << "session object destroyed";
    }
}

TEST_F(Card, EightThreadsSignConcurrently)
{
    ASSERT_TRUE(loginUser(s));
    key = object(s, CKO_PRIVATE_KEY, 1);
    ASSERT_NE(key, CK_INVALID_HANDLE);
    ossl::Pkey pub = certKeyOf(1);
    ASSERT_NE(pub, nullptr);
    constexpr int kThreads = 8, kEach = 50;
    std::atomic<int> good{0};
    std::vector<std::string> errors(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
            CK_RV rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h);
            if (rv != CKR_OK) {
                errors[t] = "C_OpenSession " + rvName(rv);
                return;
            }
            for (int i = 0; i < kEach; ++i) {
                Bytes data = toBytes("thread " + std::to_string(t) + " signature " + std::to_string(i));
                CK_MECHANISM mech = {CKM_SHA256_RSA_PKCS, nullptr, 0};
                rv = f->C_SignInit(h, &mech, key);
                Bytes sig(256);
                CK_ULONG len = sig.size();
                if (rv == CKR_OK) rv = f->C_Sign(h, data.data(), data.size(), sig.data(), &len);
                if (rv != CKR_OK) {
                    errors[t] = "signature " + std::to_string(i) + ": " + rvName(rv);
                    break;
                }
                sig.resize(len);
                if (!ossl::verifyRsaPkcs1(pub.get(), "SHA256", data, sig)) {
                    errors[t] = "signature " + std::to_string(i) + " does not verify";
                    break;
                }
                ++good;
            }
            f->C_CloseSession(h);
        });
    }
    for (auto& th : threads)
        th.join();
    for (int t = 0; t < kThreads; ++t)
        EXPECT_EQ(errors[t], "") << "thread " << t;
    EXPECT_EQ(good.load(), kThreads * kEach);
}

} // namespace
} // namespace tessera::apitest
