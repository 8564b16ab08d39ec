// Message digesting (PKCS#11 3.0 section 5.11, in software), random numbers
// (5.15), and the functions the module does not support: dual-function
// operations (5.14), legacy parallel functions (5.16).
#include "pkcs11/entry.hpp"
#include "pkcs11/operations.hpp"

using namespace tessera;
using namespace tessera::pkcs11;

namespace {

CK_RV digestFinish(Session& s, std::optional<ByteView> data, CK_BYTE_PTR out, CK_ULONG_PTR outLen)
{
    auto& slot = s.digest;
    if (!slot) failRv(CKR_OPERATION_NOT_INITIALIZED, "no digest is active in the session");
    return endOnError(slot, [&] {
        requireNonNull(outLen);
        Operation& op = *slot;
        if (data && op.updated) failRv(CKR_OPERATION_ACTIVE, "single-part call after an Update of the same operation");
        if (out == nullptr && !op.result) {
            *outLen = crypto::hashLength(*op.hash);
            return CKR_OK;
        }
        if (!op.result) {
            if (data) op.hasher->update(*data);
            const Bytes digest = op.hasher->finish();
            op.result.emplace(digest.begin(), digest.end());
        }
        CK_RV rv = writeOutput(*op.result, out, outLen);
        if (rv == CKR_OK && out != nullptr) slot.reset();
        return rv;
    });
}

} // namespace

extern "C" {

CK_RV C_DigestInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism)
{
    return guarded(TESSERA_CALL("C_DigestInit", hSession, pMechanism), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (cancelWithNullMechanism(s->digest, pMechanism)) return CKR_OK;
        requireNonNull(pMechanism);
        if (s->digest) failRv(CKR_OPERATION_ACTIVE, "a digest is already active in the session");
        auto hash = hashFromMechanism(pMechanism->mechanism);
        if (!hash) failRv(CKR_MECHANISM_INVALID, "not a digest mechanism");
        Operation op;
        op.mechanism = pMechanism->mechanism;
        op.hash = hash;
        op.hasher.emplace(*hash);
        s->digest = std::move(op);
        return CKR_OK;
    });
}

CK_RV C_Digest(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pDigest,
               CK_ULONG_PTR pulDigestLen)
{
    return guarded(TESSERA_CALL("C_Digest", hSession, pData, ulDataLen, pDigest, pulDigestLen), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (!s->digest) failRv(CKR_OPERATION_NOT_INITIALIZED, "no digest is active in the session");
        ByteView data = endOnError(s->digest, [&] { return inputView(pData, ulDataLen); });
        return digestFinish(*s, data, pDigest, pulDigestLen);
    });
}

CK_RV C_DigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    return guarded(TESSERA_CALL("C_DigestUpdate", hSession, pPart, ulPartLen), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (!s->digest) failRv(CKR_OPERATION_NOT_INITIALIZED, "no digest is active in the session");
        return endOnError(s->digest, [&] {
            s->digest->updated = true;
            s->digest->hasher->update(inputView(pPart, ulPartLen));
            return CKR_OK;
        });
    });
}

CK_RV C_DigestKey(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey)
{
    return guarded(TESSERA_CALL("C_DigestKey", hSession, hKey), [&]() -> CK_RV {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (!s->digest) failRv(CKR_OPERATION_NOT_INITIALIZED, "no digest is active in the session");
        s->digest.reset();
        if (!s->object(hKey)) failRv(CKR_KEY_HANDLE_INVALID, "no such object in the session");
        failRv(CKR_KEY_INDIGESTIBLE, "no key value is readable for digesting");
    });
}

CK_RV C_DigestFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen)
{
    return guarded(TESSERA_CALL("C_DigestFinal", hSession, pDigest, pulDigestLen), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        return digestFinish(*s, std::nullopt, pDigest, pulDigestLen);
    });
}

CK_RV C_SeedRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen)
{
    return guarded(TESSERA_CALL("C_SeedRandom", hSession, pSeed, ulSeedLen), [&]() -> CK_RV {
        Module::get()->session(hSession);
        inputView(pSeed, ulSeedLen);
        failRv(CKR_RANDOM_SEED_NOT_SUPPORTED, "random numbers come from OpenSSL's DRBG, which takes no seed");
    });
}

// Random bytes come from OpenSSL's DRBG: a PIV card has no GET CHALLENGE, and
// a round trip to the card per request would gain nothing for the caller.
CK_RV C_GenerateRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pRandomData, CK_ULONG ulRandomLen)
{
    return guarded(TESSERA_CALL("C_GenerateRandom", hSession, pRandomData, ulRandomLen), [&] {
        Module::get()->session(hSession);
        if (pRandomData == nullptr && ulRandomLen != 0) failRv(CKR_ARGUMENTS_BAD, "NULL buffer with non-zero length");
        if (ulRandomLen == 0) return CKR_OK;
        Bytes r = crypto::randomBytes(ulRandomLen);
        std::memcpy(pRandomData, r.data(), r.size());
        secureWipe(r.data(), r.size());
        return CKR_OK;
    });
}

CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE hSession)
{
    return guarded(TESSERA_CALL("C_GetFunctionStatus", hSession), [&]() -> CK_RV {
        Module::get()->session(hSession);
        failRv(CKR_FUNCTION_NOT_PARALLEL, "legacy function (PKCS#11 3.0 section 5.16)");
    });
}

CK_RV C_CancelFunction(CK_SESSION_HANDLE hSession)
{
    return guarded(TESSERA_CALL("C_CancelFunction", hSession), [&]() -> CK_RV {
        Module::get()->session(hSession);
        failRv(CKR_FUNCTION_NOT_PARALLEL, "legacy function (PKCS#11 3.0 section 5.16)");
    });
}

CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return guarded(TESSERA_CALL("C_DigestEncryptUpdate", hSession), [&]() -> CK_RV {
        Module::get()->session(hSession);
        failRv(CKR_FUNCTION_NOT_SUPPORTED, "dual-function operations are not supported");
    });
}

CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return guarded(TESSERA_CALL("C_DecryptDigestUpdate", hSession), [&]() -> CK_RV {
        Module::get()->session(hSession);
        failRv(CKR_FUNCTION_NOT_SUPPORTED, "dual-function operations are not supported");
    });
}

CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return guarded(TESSERA_CALL("C_SignEncryptUpdate", hSession), [&]() -> CK_RV {
        Module::get()->session(hSession);
        failRv(CKR_FUNCTION_NOT_SUPPORTED, "dual-function operations are not supported");
    });
}

CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return guarded(TESSERA_CALL("C_DecryptVerifyUpdate", hSession), [&]() -> CK_RV {
        Module::get()->session(hSession);
        failRv(CKR_FUNCTION_NOT_SUPPORTED, "dual-function operations are not supported");
    });
}

} // extern "C"
