// Signing and verification (PKCS#11 3.0 sections 5.12, 5.13). Signing runs on
// the card under the PIN rule (private_ops.cpp); hashing and RSA padding are
// done here with OpenSSL; verification is done in software with the public key.
#include "pkcs11/entry.hpp"
#include "pkcs11/operations.hpp"
#include "pkcs11/private_ops.hpp"

using namespace tessera;
using namespace tessera::pkcs11;

namespace {

constexpr std::size_t kMaxBufferedInput = 1 << 20;

// Data or hash that the mechanism's formatting takes: the hash of everything
// for hashing mechanisms, else the data itself.
Bytes collectInput(Operation& op, std::optional<ByteView> singlePart)
{
    if (singlePart) {
        if (op.hash) return crypto::digest(*op.hash, *singlePart);
        return Bytes(singlePart->begin(), singlePart->end());
    }
    if (op.hasher) return op.hasher->finish();
    return op.data;
}

// What the card gets for a signature (see drivers::CardKey::rsaSignInput).
Bytes cardSignInput(const Operation& op, const drivers::CardKey& key, const Bytes& input)
{
    const MechanismSpec* spec = findMechanism(op.mechanism);
    switch (spec->family) {
    case MechFamily::rsaPkcs: {
        Bytes t = op.hash ? crypto::digestInfo(*op.hash, input) : input;
        if (key.rsaSignInput == drivers::RsaSignInput::digestInfo) return t;
        return crypto::pkcs1v15SignBlock(t, modulusBytes(key));
    }
    case MechFamily::rsaX509: return crypto::x509Block(input, modulusBytes(key));
    case MechFamily::rsaPss:
        if (input.size() != crypto::hashLength(op.pss.hash)) failRv(CKR_DATA_LEN_RANGE, "PSS input is not the hash");
        return crypto::pssBlock(input, op.pss, key.bits);
    default: return input; // ECDSA takes the hash, EdDSA the message
    }
}

void accumulate(Operation& op, ByteView part)
{
    op.updated = true;
    if (op.hasher) {
        op.hasher->update(part);
        return;
    }
    if (op.data.size() + part.size() > kMaxBufferedInput) failRv(CKR_DATA_LEN_RANGE);
    op.data.insert(op.data.end(), part.begin(), part.end());
}

crypto::SignatureScheme schemeFor(const Operation& op)
{
    const MechanismSpec* spec = findMechanism(op.mechanism);
    crypto::SignatureScheme scheme;
    switch (spec->family) {
    case MechFamily::rsaPkcs: scheme.kind = crypto::SignKind::rsaPkcs1v15; break;
    case MechFamily::rsaX509: scheme.kind = crypto::SignKind::rsaX509; break;
    case MechFamily::rsaPss: scheme.kind = crypto::SignKind::rsaPss; break;
    case MechFamily::ecdsa: scheme.kind = crypto::SignKind::ecdsa; break;
    default: scheme.kind = crypto::SignKind::eddsa; break;
    }
    scheme.pss = op.pss;
    return scheme;
}

// What C_Verify would compute for this operation's input (the DigestInfo for
// hash-and-sign RSA, else the hash or data as the mechanism defines it).
Bytes verifyInput(const Operation& op, Bytes input)
{
    if (op.hash && findMechanism(op.mechanism)->family == MechFamily::rsaPkcs)
        return crypto::digestInfo(*op.hash, input);
    return input;
}

// A card that answers 9000 with a wrong or damaged signature (a fault, a
// hostile card) must not hand the caller CKR_OK: check it with the public key
// (microseconds next to the card operation).
void checkCardSignature(const Operation& op, const Bytes& input, const Bytes& signature)
{
    bool good = false;
    try {
        auto pub = publicKeyOf(*op.key);
        good =
            signature.size() == pub.signatureLength() && pub.verify(schemeFor(op), verifyInput(op, input), signature);
    } catch (const Error&) {
        good = false;
    }
    if (!good) fail(Errc::deviceError, "the card's signature does not verify with its public key");
}

// m is the module the call already holds (its SessionCall), taken before the
// session lock: Module::get() here would take gInstanceMutex (2) under
// Session::mutex (1), and could name a module other than the session's
// (another thread's C_Finalize + C_Initialize while this call waited).
CK_RV signFinish(Module& m, Session& s, std::optional<ByteView> data, CK_BYTE_PTR out, CK_ULONG_PTR outLen)
{
    auto& slot = s.sign;
    if (!slot) failRv(CKR_OPERATION_NOT_INITIALIZED, "no signing is active in the session");
    return endOnError(slot, [&] {
        requireNonNull(outLen);
        Operation& op = *slot;
        const drivers::CardKey& key = cardKeyOf(s, *op.key);
        if (data && op.updated) failRv(CKR_OPERATION_ACTIVE, "single-part call after an Update of the same operation");
        if (out == nullptr && !op.result) {
            *outLen = signatureLength(key); // length query keeps the operation
            return CKR_OK;
        }
        // The signature length is known exactly: a short buffer is answered
        // without a card operation (and without spending a context-specific login).
        if (!op.result && *outLen < signatureLength(key)) {
            *outLen = signatureLength(key);
            return CKR_BUFFER_TOO_SMALL;
        }
        if (!op.result) {
            Bytes input = collectInput(op, data);
            Bytes cardInput = cardSignInput(op, key, input);
            const SensitiveBytes answer = runKeyOperation(m, s, op, key, [&](drivers::Card& card) {
                const Bytes sig = card.sign(key, cardInput);
                return SensitiveBytes(sig.begin(), sig.end());
            });
            const Bytes signature(answer.begin(), answer.end()); // a signature is public
            checkCardSignature(op, input, signature);
            op.result.emplace(signature.begin(), signature.end());
        }
        CK_RV rv = writeOutput(*op.result, out, outLen);
        if (rv == CKR_OK && out != nullptr) slot.reset();
        return rv;
    });
}

CK_RV verifyFinish(Session& s, std::optional<ByteView> data, ByteView signature)
{
    auto& slot = s.verify;
    if (!slot) failRv(CKR_OPERATION_NOT_INITIALIZED, "no verification is active in the session");
    return endOnError(slot, [&] {
        Operation& op = *slot;
        if (data && op.updated) failRv(CKR_OPERATION_ACTIVE, "single-part call after an Update of the same operation");
        Bytes input = verifyInput(op, collectInput(op, data));
        auto pub = publicKeyOf(*op.key);
        slot.reset();
        if (signature.size() != pub.signatureLength())
            failRv(CKR_SIGNATURE_LEN_RANGE, "signature length is not the key's");
        if (!pub.verify(schemeFor(op), input, signature)) failRv(CKR_SIGNATURE_INVALID, "signature does not verify");
        return CKR_OK;
    });
}

} // namespace

extern "C" {

CK_RV C_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    return guarded(TESSERA_CALL("C_SignInit", hSession, pMechanism, hKey), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (cancelWithNullMechanism(s->sign, pMechanism)) return CKR_OK;
        if (s->sign) failRv(CKR_OPERATION_ACTIVE, "a signing is already active in the session");
        s->sign = startOperation(*s, OpKind::sign, pMechanism, hKey);
        return CKR_OK;
    });
}

CK_RV C_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
             CK_ULONG_PTR pulSignatureLen)
{
    return guarded(TESSERA_CALL("C_Sign", hSession, pData, ulDataLen, pSignature, pulSignatureLen), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (!s->sign) failRv(CKR_OPERATION_NOT_INITIALIZED, "no signing is active in the session");
        ByteView data = endOnError(s->sign, [&] { return inputView(pData, ulDataLen); });
        return signFinish(*s.module, *s, data, pSignature, pulSignatureLen);
    });
}

CK_RV C_SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    return guarded(TESSERA_CALL("C_SignUpdate", hSession, pPart, ulPartLen), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (!s->sign) failRv(CKR_OPERATION_NOT_INITIALIZED, "no signing is active in the session");
        return endOnError(s->sign, [&] {
            accumulate(*s->sign, inputView(pPart, ulPartLen));
            return CKR_OK;
        });
    });
}

CK_RV C_SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
    return guarded(TESSERA_CALL("C_SignFinal", hSession, pSignature, pulSignatureLen), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        return signFinish(*s.module, *s, std::nullopt, pSignature, pulSignatureLen);
    });
}

CK_RV C_VerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    return guarded(TESSERA_CALL("C_VerifyInit", hSession, pMechanism, hKey), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (cancelWithNullMechanism(s->verify, pMechanism)) return CKR_OK;
        if (s->verify) failRv(CKR_OPERATION_ACTIVE, "a verification is already active in the session");
        s->verify = startOperation(*s, OpKind::verify, pMechanism, hKey);
        return CKR_OK;
    });
}

CK_RV C_Verify(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
               CK_ULONG ulSignatureLen)
{
    return guarded(TESSERA_CALL("C_Verify", hSession, pData, ulDataLen, pSignature, ulSignatureLen), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (!s->verify) failRv(CKR_OPERATION_NOT_INITIALIZED, "no verification is active in the session");
        auto views = endOnError(
            s->verify, [&] { return std::pair(inputView(pData, ulDataLen), inputView(pSignature, ulSignatureLen)); });
        return verifyFinish(*s, views.first, views.second);
    });
}

CK_RV C_VerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    return guarded(TESSERA_CALL("C_VerifyUpdate", hSession, pPart, ulPartLen), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (!s->verify) failRv(CKR_OPERATION_NOT_INITIALIZED, "no verification is active in the session");
        return endOnError(s->verify, [&] {
            accumulate(*s->verify, inputView(pPart, ulPartLen));
            return CKR_OK;
        });
    });
}

CK_RV C_VerifyFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
    return guarded(TESSERA_CALL("C_VerifyFinal", hSession, pSignature, ulSignatureLen), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (!s->verify) failRv(CKR_OPERATION_NOT_INITIALIZED, "no verification is active in the session");
        ByteView sig = endOnError(s->verify, [&] { return inputView(pSignature, ulSignatureLen); });
        return verifyFinish(*s, std::nullopt, sig);
    });
}

CK_RV C_SignRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR, CK_OBJECT_HANDLE)
{
    return guarded(TESSERA_CALL("C_SignRecoverInit", hSession), [&]() -> CK_RV {
        Module::get()->session(hSession);
        failRv(CKR_MECHANISM_INVALID, "no mechanism with message recovery is supported");
    });
}

CK_RV C_SignRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return guarded(TESSERA_CALL("C_SignRecover", hSession), [&]() -> CK_RV {
        Module::get()->session(hSession);
        failRv(CKR_OPERATION_NOT_INITIALIZED, "no operation with message recovery can be active");
    });
}

CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR, CK_OBJECT_HANDLE)
{
    return guarded(TESSERA_CALL("C_VerifyRecoverInit", hSession), [&]() -> CK_RV {
        Module::get()->session(hSession);
        failRv(CKR_MECHANISM_INVALID, "no mechanism with message recovery is supported");
    });
}

CK_RV C_VerifyRecover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return guarded(TESSERA_CALL("C_VerifyRecover", hSession), [&]() -> CK_RV {
        Module::get()->session(hSession);
        failRv(CKR_OPERATION_NOT_INITIALIZED, "no operation with message recovery can be active");
    });
}

} // extern "C"
