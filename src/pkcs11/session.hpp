// A PKCS#11 session: its slot and token, flags, the object search and the
// active cryptographic operations (PKCS#11 3.0 section 5.6). Operation state
// is guarded by Session::mutex.
#pragma once

#include <optional>
#include <vector>

#include "common/secure_bytes.hpp"
#include "common/sensitive_bytes.hpp"
#include "crypto/crypto.hpp"
#include "pkcs11/locking.hpp"
#include "pkcs11/object.hpp"
#include "pkcs11/slot.hpp"

namespace tessera::pkcs11 {

struct Operation {
    CK_MECHANISM_TYPE mechanism = 0;
    ObjectPtr key;
    std::optional<crypto::Hasher> hasher; // hashing mechanisms
    std::optional<crypto::HashAlg> hash;
    crypto::PssParams pss;
    crypto::OaepParams oaep;
    Bytes data;           // accumulated input of a multi-part operation
    bool updated = false; // C_*Update was called: single-part call not allowed
    // Computed result kept for a CKR_BUFFER_TOO_SMALL retry. It may be
    // plaintext, so it is page-backed and wiped however the operation ends
    // (success, error, abandonment, C_CloseSession, C_Finalize): destroying
    // the Operation frees it through the wiping allocator.
    std::optional<SensitiveBytes> result;
    SecureBytes contextPin; // CKU_CONTEXT_SPECIFIC PIN for this one operation
    bool contextLogin = false;
};

struct FindState {
    std::vector<CK_OBJECT_HANDLE> handles;
    std::size_t position = 0;
};

class Session {
public:
    Session(CK_SESSION_HANDLE h, std::shared_ptr<Slot> s, TokenPtr t, CK_FLAGS f)
        : handle(h), slot(std::move(s)), token(std::move(t)), flags(f)
    {
    }
    const CK_SESSION_HANDLE handle;
    const std::shared_ptr<Slot> slot;
    const TokenPtr token;
    const CK_FLAGS flags;

    ModuleMutex mutex;
    std::optional<Operation> sign, verify, encrypt, decrypt, digest;
    std::optional<FindState> find;
    std::vector<ObjectPtr> sessionObjects;

    bool readWrite() const { return (flags & CKF_RW_SESSION) != 0; }
    // Token object or one of this session's objects; nullptr when unknown.
    ObjectPtr object(CK_OBJECT_HANDLE h) const;
};

using SessionPtr = std::shared_ptr<Session>;

} // namespace tessera::pkcs11
