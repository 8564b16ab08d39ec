// Encryption and decryption (PKCS#11 3.0 sections 5.8, 5.9). RSA decryption
// runs on the card under the PIN rule and the padding is removed here;
// encryption is done in software with the public key.
#include "pkcs11/entry.hpp"
#include "pkcs11/operations.hpp"
#include "pkcs11/private_ops.hpp"

using namespace tessera;
using namespace tessera::pkcs11;

namespace {

// Every buffer here holds plaintext: SensitiveBytes, never Bytes.
SensitiveBytes leftPad(ByteView in, std::size_t k)
{
    if (in.size() > k) failRv(CKR_ENCRYPTED_DATA_INVALID, "card result longer than the modulus");
    SensitiveBytes out(k - in.size(), 0);
    out.insert(out.end(), in.begin(), in.end());
    return out;
}

SensitiveBytes unpad(const Operation& op, const drivers::CardKey& key, const SensitiveBytes& fromCard)
{
    const std::size_t k = modulusBytes(key);
    const MechanismSpec* spec = findMechanism(op.mechanism);
    try {
        switch (spec->family) {
        case MechFamily::rsaPkcs:
            if (!key.rsaDecryptReturnsPaddedBlock) return fromCard;
            return crypto::pkcs1v15DecryptUnpad(fromCard, k);
        case MechFamily::rsaOaep: return crypto::oaepUnpad(fromCard, k, op.oaep);
        default: return leftPad(fromCard, k);
        }
    } catch (const Error& e) {
        if (e.code() == Errc::dataInvalid) failRv(CKR_ENCRYPTED_DATA_INVALID, "padding check failed");
        throw;
    }
}

// m: the module the call holds, taken before the session lock (see signFinish in fn_sign.cpp).
CK_RV decryptOnce(Module& m, Session& s, ByteView cipher, CK_BYTE_PTR out, CK_ULONG_PTR outLen)
{
    auto& slot = s.decrypt;
    return endOnError(slot, [&] {
        requireNonNull(outLen);
        Operation& op = *slot;
        const drivers::CardKey& key = cardKeyOf(s, *op.key);
        if (out == nullptr && !op.result) {
            *outLen = modulusBytes(key); // an upper bound; the operation stays active
            return CKR_OK;
        }
        if (!op.result) {
            if (cipher.size() != modulusBytes(key)) failRv(CKR_ENCRYPTED_DATA_LEN_RANGE);
            Bytes input(cipher.begin(), cipher.end());
            const SensitiveBytes raw =
                runKeyOperation(m, s, op, key, [&](drivers::Card& card) { return card.decrypt(key, input); });
            op.result = unpad(op, key, raw);
        }
        CK_RV rv = writeOutput(*op.result, out, outLen);
        if (rv == CKR_OK && out != nullptr) slot.reset(); // the allocator wipes the result
        return rv;
    });
}

crypto::EncryptScheme encryptScheme(const Operation& op)
{
    crypto::EncryptScheme scheme;
    switch (findMechanism(op.mechanism)->family) {
    case MechFamily::rsaOaep: scheme.kind = crypto::EncryptKind::rsaOaep; break;
    case MechFamily::rsaX509: scheme.kind = crypto::EncryptKind::rsaX509; break;
    default: scheme.kind = crypto::EncryptKind::rsaPkcs1v15; break;
    }
    scheme.oaep = op.oaep;
    return scheme;
}

} // namespace

extern "C" {

CK_RV C_EncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    return guarded(TESSERA_CALL("C_EncryptInit", hSession, pMechanism, hKey), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (cancelWithNullMechanism(s->encrypt, pMechanism)) return CKR_OK;
        if (s->encrypt) failRv(CKR_OPERATION_ACTIVE, "an encryption is already active in the session");
        s->encrypt = startOperation(*s, OpKind::encrypt, pMechanism, hKey);
        return CKR_OK;
    });
}

CK_RV C_Encrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pEncryptedData,
                CK_ULONG_PTR pulEncryptedDataLen)
{
    return guarded(TESSERA_CALL("C_Encrypt", hSession, pData, ulDataLen, pEncryptedData, pulEncryptedDataLen), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (!s->encrypt) failRv(CKR_OPERATION_NOT_INITIALIZED, "no encryption is active in the session");
        return endOnError(s->encrypt, [&] {
            requireNonNull(pulEncryptedDataLen);
            Operation& op = *s->encrypt;
            auto pub = publicKeyOf(*op.key);
            if (pEncryptedData == nullptr) {
                *pulEncryptedDataLen = pub.signatureLength();
                return CKR_OK;
            }
            if (!op.result) {
                const Bytes cipher = pub.encrypt(encryptScheme(op), inputView(pData, ulDataLen));
                op.result.emplace(cipher.begin(), cipher.end());
            }
            CK_RV rv = writeOutput(*op.result, pEncryptedData, pulEncryptedDataLen);
            if (rv == CKR_OK) s->encrypt.reset();
            return rv;
        });
    });
}

CK_RV C_EncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return guarded(TESSERA_CALL("C_EncryptUpdate", hSession), [&]() -> CK_RV {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (!s->encrypt) failRv(CKR_OPERATION_NOT_INITIALIZED, "no encryption is active in the session");
        s->encrypt.reset(); // RSA mechanisms are single-part only
        failRv(CKR_FUNCTION_NOT_SUPPORTED, "multi-part encryption is not supported (RSA is single-part)");
    });
}

CK_RV C_EncryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return guarded(TESSERA_CALL("C_EncryptFinal", hSession), [&]() -> CK_RV {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (!s->encrypt) failRv(CKR_OPERATION_NOT_INITIALIZED, "no encryption is active in the session");
        s->encrypt.reset();
        failRv(CKR_FUNCTION_NOT_SUPPORTED, "multi-part encryption is not supported (RSA is single-part)");
    });
}

CK_RV C_DecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    return guarded(TESSERA_CALL("C_DecryptInit", hSession, pMechanism, hKey), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (cancelWithNullMechanism(s->decrypt, pMechanism)) return CKR_OK;
        if (s->decrypt) failRv(CKR_OPERATION_ACTIVE, "a decryption is already active in the session");
        s->decrypt = startOperation(*s, OpKind::decrypt, pMechanism, hKey);
        return CKR_OK;
    });
}

CK_RV C_Decrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedData, CK_ULONG ulEncryptedDataLen, CK_BYTE_PTR pData,
                CK_ULONG_PTR pulDataLen)
{
    return guarded(TESSERA_CALL("C_Decrypt", hSession, pEncryptedData, ulEncryptedDataLen, pData, pulDataLen), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (!s->decrypt) failRv(CKR_OPERATION_NOT_INITIALIZED, "no decryption is active in the session");
        ByteView cipher = endOnError(s->decrypt, [&] { return inputView(pEncryptedData, ulEncryptedDataLen); });
        return decryptOnce(*s.module, *s, cipher, pData, pulDataLen);
    });
}

CK_RV C_DecryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return guarded(TESSERA_CALL("C_DecryptUpdate", hSession), [&]() -> CK_RV {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (!s->decrypt) failRv(CKR_OPERATION_NOT_INITIALIZED, "no decryption is active in the session");
        s->decrypt.reset();
        failRv(CKR_FUNCTION_NOT_SUPPORTED, "multi-part decryption is not supported (RSA is single-part)");
    });
}

CK_RV C_DecryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return guarded(TESSERA_CALL("C_DecryptFinal", hSession), [&]() -> CK_RV {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (!s->decrypt) failRv(CKR_OPERATION_NOT_INITIALIZED, "no decryption is active in the session");
        s->decrypt.reset();
        failRv(CKR_FUNCTION_NOT_SUPPORTED, "multi-part decryption is not supported (RSA is single-part)");
    });
}

} // extern "C"
