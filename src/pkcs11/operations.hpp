// Shared pieces of the cryptographic entry points: starting an operation
// (mechanism, key and parameter checks of PKCS#11 3.0 sections 5.10-5.13),
// hash and mechanism-parameter mapping, and ending an operation on error.
#pragma once

#include <optional>
#include <type_traits>

#include "pkcs11/mechanisms.hpp"
#include "pkcs11/module.hpp"

namespace tessera::pkcs11 {

enum class OpKind { sign, verify, encrypt, decrypt };

// Validates mechanism/key for the operation and returns the new Operation.
// Throws CKR_MECHANISM_INVALID, CKR_KEY_HANDLE_INVALID, CKR_KEY_TYPE_INCONSISTENT,
// CKR_KEY_FUNCTION_NOT_PERMITTED, CKR_MECHANISM_PARAM_INVALID.
Operation startOperation(Session& session, OpKind kind, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key);

std::optional<crypto::HashAlg> hashFromMechanism(CK_MECHANISM_TYPE type) noexcept;
crypto::HashAlg mgf1FromCkg(CK_RSA_PKCS_MGF_TYPE mgf); // throws CKR_MECHANISM_PARAM_INVALID

// PKCS#11 3.0 sections 5.9-5.13: C_*Init with pMechanism NULL_PTR ends the
// active operation of its kind without a result (the Operation's buffers are
// wiped as they are freed). Returns true when it did; with no operation
// active a NULL mechanism stays CKR_ARGUMENTS_BAD, as before and as SoftHSM
// answers, so a caller that passes NULL by mistake still hears of it.
bool cancelWithNullMechanism(std::optional<Operation>& slot, CK_MECHANISM_PTR mechanism) noexcept;

// The operation slot of a session for a kind.
std::optional<Operation>& operationSlot(Session& session, OpKind kind);

// RSA modulus length / signature length of a key.
std::size_t modulusBytes(const drivers::CardKey& key);
std::size_t signatureLength(const drivers::CardKey& key);

// The card key behind a private-key object; throws CKR_KEY_HANDLE_INVALID.
const drivers::CardKey& cardKeyOf(const Session& session, const Object& key);

// The public key of a key object (CKA_PUBLIC_KEY_INFO), for software operations.
crypto::PublicKey publicKeyOf(const Object& key);

// Runs body; any exception (an error other than CKR_BUFFER_TOO_SMALL, which
// is returned, not thrown) ends the operation, as PKCS#11 3.0 section 5.2 requires.
template <typename Body> auto endOnError(std::optional<Operation>& slot, Body&& body) -> decltype(body())
{
    try {
        auto result = body();
        if constexpr (std::is_same_v<decltype(result), CK_RV>) {
            if (result != CKR_OK && result != CKR_BUFFER_TOO_SMALL) slot.reset();
        }
        return result;
    } catch (...) {
        slot.reset();
        throw;
    }
}

} // namespace tessera::pkcs11
