// Logins whose PIN the user types on the reader's keypad (PC/SC part 10):
// C_Login(CKU_USER, NULL, 0), C_SetPIN(NULL, NULL) and every private-key
// operation after such a login, on a token that announces
// CKF_PROTECTED_AUTHENTICATION_PATH because its reader has VERIFY_PIN_DIRECT.
// The module never holds that PIN, so it cannot cache one: each operation
// that needs the PIN asks the keypad again, inside the operation's own
// transaction (pin_rule.hpp withKeypadPin). README, "PIN-pad readers".
#pragma once

#include "pkcs11/module.hpp"
#include "pkcs11/private_ops.hpp"

namespace tessera::pkcs11 {

// A NULL PIN means the reader's keypad (its reader has a PIN pad).
bool usesKeypad(const Session& session);
// The user logged in through the keypad (no PIN is cached).
bool keypadLoggedIn(const Session& session);

// C_Login with a NULL PIN: CKU_USER verifies on the keypad (then resets the
// card's PIN state); CKU_CONTEXT_SPECIFIC takes the consent for the active
// operation, which the keypad entry of that operation gives.
void keypadLogin(Module& module, Session& session, CK_USER_TYPE userType);
// C_SetPIN with NULL PINs: CHANGE REFERENCE DATA through MODIFY_PIN_DIRECT.
void keypadSetPin(Session& session);
// runKeyOperation after a keypad login: the keypad VERIFY, the operation and
// the reset in one transaction.
SensitiveBytes runKeypadOperation(Module& module, Session& session, Operation& op, const drivers::CardKey& key,
                                  const CardOp& fn);

} // namespace tessera::pkcs11
