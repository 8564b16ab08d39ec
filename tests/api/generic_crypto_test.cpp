// Generic.* part 4: cryptographic operation state (PKCS#11 3.0 sections 5.2
// "conventions for functions returning output in a variable-length buffer",
// 5.10-5.13, 5.15): sign operation life cycle, length queries, buffer-too-
// small, errors ending an operation, key/mechanism mismatch, digest and random.
#include "api_fixtures.hpp"

namespace tessera::apitest {
namespace {

TEST_F(Generic, SignWithoutInitAndInitTwice)
{
    ASSERT_NO_FATAL_FAILURE(needRsaKey());
    if (IsSkipped()) return;
    Bytes data = toBytes("sign me");
    CK_BYTE sig[512];
    CK_ULONG len = sizeof sig;
    EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f->C_Sign(s, data.data(), data.size(), sig, &len));
    EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f->C_SignUpdate(s, data.data(), data.size()));
    EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f->C_SignFinal(s, sig, &len));
    CK_MECHANISM mech = {CKM_SHA256_RSA_PKCS, nullptr, 0};
    ASSERT_RV(CKR_OK, f->C_SignInit(s, &mech, key));
    EXPECT_RV(CKR_OPERATION_ACTIVE, f->C_SignInit(s, &mech, key));
    // The first operation is still there and completes.
    len = sizeof sig;
    ASSERT_RV(CKR_OK, f->C_Sign(s, data.data(), data.size(), sig, &len));
    EXPECT_TRUE(ossl::verifyRsaPkcs1(certKey.get(), "SHA256", data, Bytes(sig, sig + len))) << ossl::lastError();
    // 5.2: NULL mechanism with no operation active is ARGUMENTS_BAD.
    EXPECT_RV(CKR_ARGUMENTS_BAD, f->C_SignInit(s, nullptr, key));
}

TEST_F(Generic, InitWithNullMechanismEndsTheActiveOperation)
{
    ASSERT_NO_FATAL_FAILURE(needRsaKey());
    if (IsSkipped()) return;
    Bytes data = toBytes("abandoned");
    CK_MECHANISM mech = {CKM_SHA256_RSA_PKCS, nullptr, 0};
    ASSERT_RV(CKR_OK, f->C_SignInit(s, &mech, key));
    ASSERT_RV(CKR_OK, f->C_SignUpdate(s, data.data(), data.size()));
    CK_BYTE sig[512];
    CK_ULONG len = sizeof sig;
    if (moduleKind() == ModuleKind::softhsm) {
        // SoftHSM 2.6 predates the 3.0 rule: NULL is ARGUMENTS_BAD and the
        // operation stays active.
        EXPECT_RV(CKR_ARGUMENTS_BAD, f->C_SignInit(s, nullptr, key));
        EXPECT_RV(CKR_OK, f->C_SignFinal(s, sig, &len));
        return;
    }
    // PKCS#11 3.0 section 5.11: C_SignInit(NULL_PTR) ends the active signing.
    ASSERT_RV(CKR_OK, f->C_SignInit(s, nullptr, key));
    EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f->C_SignFinal(s, sig, &len));
    // A new operation starts normally afterwards.
    ASSERT_RV(CKR_OK, f->C_SignInit(s, &mech, key));
    len = sizeof sig;
    ASSERT_RV(CKR_OK, f->C_Sign(s, data.data(), data.size(), sig, &len));
    // The same for a digest.
    CK_MECHANISM sha = {CKM_SHA256, nullptr, 0};
    ASSERT_RV(CKR_OK, f->C_DigestInit(s, &sha));
    ASSERT_RV(CKR_OK, f->C_DigestInit(s, nullptr));
    CK_BYTE digest[64];
    CK_ULONG dlen = sizeof digest;
    EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f->C_DigestFinal(s, digest, &dlen));
    EXPECT_RV(CKR_ARGUMENTS_BAD, f->C_DigestInit(s, nullptr));
}

TEST_F(Generic, SignLengthQueryAndBufferTooSmall)
{
    ASSERT_NO_FATAL_FAILURE(needRsaKey());
    if (IsSkipped()) return;
    Bytes data = toBytes("the quick brown fox");
    CK_MECHANISM mech = {CKM_SHA256_RSA_PKCS, nullptr, 0};
    ASSERT_RV(CKR_OK, f->C_SignInit(s, &mech, key));
    // 5.2 (variable-length output): NULL buffer -> OK and the length; the
    // operation stays active.
    CK_ULONG len = 0;
    ASSERT_RV(CKR_OK, f->C_Sign(s, data.data(), data.size(), nullptr, &len));
    const CK_ULONG modBytes =
        EVP_PKEY_get_size(certKey.get()) > 0 ? static_cast<CK_ULONG>(EVP_PKEY_get_size(certKey.get())) : 0;
    EXPECT_EQ(len, modBytes) << "signature length = modulus length";
    // Too small: BUFFER_TOO_SMALL with the needed length; still active.
    Bytes sig(len);
    CK_ULONG small = len - 1;
    EXPECT_RV(CKR_BUFFER_TOO_SMALL, f->C_Sign(s, data.data(), data.size(), sig.data(), &small));
    EXPECT_EQ(small, len);
    // The right buffer now succeeds (the module may not redo the card operation; not observable here).
    CK_ULONG right = sig.size();
    ASSERT_RV(CKR_OK, f->C_Sign(s, data.data(), data.size(), sig.data(), &right));
    EXPECT_EQ(right, len);
    EXPECT_TRUE(ossl::verifyRsaPkcs1(certKey.get(), "SHA256", data, sig)) << ossl::lastError();
    // A successful C_Sign ends the operation.
    EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f->C_Sign(s, data.data(), data.size(), sig.data(), &right));
}

TEST_F(Generic, MultiPartSignEqualsVerifiable)
{
    ASSERT_NO_FATAL_FAILURE(needRsaKey());
    if (IsSkipped()) return;
    Bytes data = toBytes("part one, part two, part three");
    CK_MECHANISM mech = {CKM_SHA256_RSA_PKCS, nullptr, 0};
    ASSERT_RV(CKR_OK, f->C_SignInit(s, &mech, key));
    ASSERT_RV(CKR_OK, f->C_SignUpdate(s, data.data(), 10));
    ASSERT_RV(CKR_OK, f->C_SignUpdate(s, data.data() + 10, data.size() - 10));
    // After C_SignUpdate, C_Sign is not allowed (5.13); the spec lets the
    // module answer OPERATION_ACTIVE or end the operation; not tested here.
    CK_ULONG len = 0;
    ASSERT_RV(CKR_OK, f->C_SignFinal(s, nullptr, &len));
    Bytes sig(len);
    ASSERT_RV(CKR_OK, f->C_SignFinal(s, sig.data(), &len));
    sig.resize(len);
    EXPECT_TRUE(ossl::verifyRsaPkcs1(certKey.get(), "SHA256", data, sig)) << ossl::lastError();
    EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f->C_SignFinal(s, sig.data(), &len));
}

TEST_F(Generic, ErrorEndsOperation)
{
    ASSERT_NO_FATAL_FAILURE(needRsaKey());
    if (IsSkipped()) return;
    // CKM_RSA_PKCS takes at most k-11 bytes (PKCS#11 mechanisms 2.1.6): too
    // much data is CKR_DATA_LEN_RANGE, and an error ends the operation (5.13).
    CK_MECHANISM mech = {CKM_RSA_PKCS, nullptr, 0};
    ASSERT_RV(CKR_OK, f->C_SignInit(s, &mech, key));
    Bytes tooLong(600, 0x41);
    Bytes sig(1024);
    CK_ULONG len = sig.size();
    // SoftHSM 2.6.1 does not check the length for CKM_RSA_PKCS: the OpenSSL
    // padding call fails inside its AsymSign and it answers CKR_GENERAL_ERROR
    // (it still ends the operation, which is what this test is about).
    const CK_RV tooLongRv = moduleKind() == ModuleKind::softhsm ? CKR_GENERAL_ERROR : CKR_DATA_LEN_RANGE;
    EXPECT_RV(tooLongRv, f->C_Sign(s, tooLong.data(), tooLong.size(), sig.data(), &len));
    len = sig.size();
    Bytes ok = toBytes("short");
    EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f->C_Sign(s, ok.data(), ok.size(), sig.data(), &len))
        << "the operation that failed is gone";
    // And a new one can start.
    ASSERT_RV(CKR_OK, f->C_SignInit(s, &mech, key));
    len = sig.size();
    EXPECT_RV(CKR_OK, f->C_Sign(s, ok.data(), ok.size(), sig.data(), &len));
}

TEST_F(Generic, MechanismInvalidForKeyType)
{
    ASSERT_NO_FATAL_FAILURE(needRsaKey());
    if (IsSkipped()) return;
    // ECDSA with an RSA key: 5.13 lists KEY_TYPE_INCONSISTENT ("the key is not
    // the correct type for the mechanism"); a module may also reject the
    // mechanism itself for this key (MECHANISM_INVALID). Both are conforming.
    CK_MECHANISM ecdsa = {CKM_ECDSA, nullptr, 0};
    Bytes data = toBytes("x");
    Bytes sig(1024);
    CK_ULONG len = sig.size();
    CK_RV rv = f->C_SignInit(s, &ecdsa, key);
    if (moduleKind() == ModuleKind::softhsm) {
        // SoftHSM 2.6.1 deviates: AsymSignInit picks the algorithm from the
        // mechanism alone and loads "EC public key" attributes from the RSA
        // object without comparing CKA_KEY_TYPE, so C_SignInit succeeds and
        // the mismatch surfaces at C_Sign as CKR_GENERAL_ERROR (ending the operation).
        EXPECT_RV(CKR_OK, rv) << "SoftHSM accepts ECDSA with an RSA key at C_SignInit";
        EXPECT_RV(CKR_GENERAL_ERROR, f->C_Sign(s, data.data(), data.size(), sig.data(), &len));
        len = sig.size();
    } else {
        EXPECT_TRUE(rvOneOf(rv, {CKR_KEY_TYPE_INCONSISTENT, CKR_MECHANISM_INVALID}));
    }
    // A failed init (or failed operation) leaves no operation behind.
    EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f->C_Sign(s, data.data(), data.size(), sig.data(), &len));
    // An unknown mechanism is MECHANISM_INVALID.
    CK_MECHANISM unknown = {CKM_VENDOR_DEFINED | 0x4242UL, nullptr, 0};
    EXPECT_RV(CKR_MECHANISM_INVALID, f->C_SignInit(s, &unknown, key));
    // An invalid key handle is KEY_HANDLE_INVALID.
    CK_MECHANISM rsa = {CKM_SHA256_RSA_PKCS, nullptr, 0};
    // 5.13 lists CKR_KEY_HANDLE_INVALID for C_SignInit (not OBJECT_HANDLE_INVALID).
    // SoftHSM 2.6.1 answers CKR_OBJECT_HANDLE_INVALID from its common key
    // look-up; kept as its per-module expectation.
    const CK_RV badKey = moduleKind() == ModuleKind::softhsm ? CKR_OBJECT_HANDLE_INVALID : CKR_KEY_HANDLE_INVALID;
    EXPECT_RV(badKey, f->C_SignInit(s, &rsa, 0x7ffff123UL));
}

TEST_F(Generic, DigestKnownAnswerAndMultiPart)
{
    ASSERT_NO_FATAL_FAILURE(needSession());
    if (IsSkipped()) return;
    CK_MECHANISM mech = {CKM_SHA256, nullptr, 0};
    Bytes abc = toBytes("abc");
    // FIPS 180-2 appendix B.1.
    const std::string want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    ASSERT_RV(CKR_OK, f->C_DigestInit(s, &mech));
    EXPECT_RV(CKR_OPERATION_ACTIVE, f->C_DigestInit(s, &mech));
    CK_ULONG len = 0;
    ASSERT_RV(CKR_OK, f->C_Digest(s, abc.data(), abc.size(), nullptr, &len));
    EXPECT_EQ(len, 32u);
    Bytes out(len);
    CK_ULONG small = 31;
    EXPECT_RV(CKR_BUFFER_TOO_SMALL, f->C_Digest(s, abc.data(), abc.size(), out.data(), &small));
    EXPECT_EQ(small, 32u);
    ASSERT_RV(CKR_OK, f->C_Digest(s, abc.data(), abc.size(), out.data(), &len));
    EXPECT_EQ(hex(out), want);

    Bytes msg(1000);
    for (std::size_t i = 0; i < msg.size(); ++i)
        msg[i] = static_cast<std::uint8_t>(i * 7);
    ASSERT_RV(CKR_OK, f->C_DigestInit(s, &mech));
    Bytes single(32);
    len = 32;
    ASSERT_RV(CKR_OK, f->C_Digest(s, msg.data(), msg.size(), single.data(), &len));
    ASSERT_RV(CKR_OK, f->C_DigestInit(s, &mech));
    ASSERT_RV(CKR_OK, f->C_DigestUpdate(s, msg.data(), 1));
    ASSERT_RV(CKR_OK, f->C_DigestUpdate(s, msg.data() + 1, 499));
    ASSERT_RV(CKR_OK, f->C_DigestUpdate(s, msg.data() + 500, 0));
    ASSERT_RV(CKR_OK, f->C_DigestUpdate(s, msg.data() + 500, 500));
    Bytes multi(32);
    len = 32;
    ASSERT_RV(CKR_OK, f->C_DigestFinal(s, multi.data(), &len));
    EXPECT_EQ(multi, single);
    EXPECT_EQ(single, ossl::digest("SHA256", msg));
    EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f->C_DigestFinal(s, multi.data(), &len));
}

TEST_F(Generic, GenerateRandom)
{
    ASSERT_NO_FATAL_FAILURE(needSession());
    if (IsSkipped()) return;
    // 5.15: NULL output with a non-zero length is ARGUMENTS_BAD; a token
    // without an RNG (no CKF_RNG) may answer RANDOM_NO_RNG instead.
    const bool rng = (tokenInfo.flags & CKF_RNG) != 0;
    CK_RV rv = f->C_GenerateRandom(s, nullptr, 16);
    if (rng) {
        EXPECT_RV(CKR_ARGUMENTS_BAD, rv);
    } else {
        EXPECT_TRUE(rvOneOf(rv, {CKR_ARGUMENTS_BAD, CKR_RANDOM_NO_RNG}));
    }
    Bytes a(32), b(32);
    rv = f->C_GenerateRandom(s, a.data(), a.size());
    if (!rng) {
        EXPECT_TRUE(rvOneOf(rv, {CKR_OK, CKR_RANDOM_NO_RNG}));
        return;
    }
    ASSERT_RV(CKR_OK, rv);
    ASSERT_RV(CKR_OK, f->C_GenerateRandom(s, b.data(), b.size()));
    EXPECT_NE(a, b);
}

} // namespace
} // namespace tessera::apitest
