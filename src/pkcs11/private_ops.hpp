// Card operations that need the PIN, run by the PIN rule of design.md: one
// transaction of SELECT -> VERIFY -> operation -> PIN reset, with the PIN
// chosen here: the context-specific PIN for CKA_ALWAYS_AUTHENTICATE keys (the
// key holder's consent for this one operation), else the cached login PIN.
#pragma once

#include <functional>

#include "pkcs11/module.hpp"

namespace tessera::pkcs11 {

// The card answer may be a secret (plaintext, ECDH secret): SensitiveBytes.
using CardOp = std::function<SensitiveBytes(drivers::Card&)>;

// Runs op with the key's PIN verified per its policy. Throws
// CKR_USER_NOT_LOGGED_IN when the needed PIN is not available.
SensitiveBytes runKeyOperation(Module& module, Session& session, Operation& op, const drivers::CardKey& key,
                               const CardOp& fn);

// C_Login(CKU_USER): verifies the PIN (and resets the card's PIN state) in one
// transaction, then caches it. C_Login(CKU_CONTEXT_SPECIFIC) for the active
// operation: verifies it the same way and keeps it for that operation only.
void loginUser(Session& session, const SecureBytes& pin);
void loginContextSpecific(Session& session, const SecureBytes& pin);
// C_Login(CKU_SO): the card's administrator PIN (OpenPGP PW3), verified then cached.
void loginSecurityOfficer(Module& module, Session& session, const SecureBytes& pin);
// C_InitPIN: with the SO logged in, a new user PIN and a fresh retry counter.
void initUserPin(Session& session, const SecureBytes& newPin);

} // namespace tessera::pkcs11
