// C_Login(CKU_USER or CKU_CONTEXT_SPECIFIC, NULL_PTR, 0) on a token that
// announces CKF_PROTECTED_AUTHENTICATION_PATH because pin_source = pinentry
// (PKCS#11 3.0 section 5.6.8: "the PIN is entered through the protected
// path"): the module asks the user through pinentry (pinentry.hpp) and owns
// the retry, because clients do not retry sensibly: measured, Firefox answers
// a CKR_PIN_INCORRECT of a NULL-PIN login with an immediate new C_Login, 147
// in 30 s, which would block a real card in a second.
//
// The policy, per C_Login:
//  - the tries left are read first (no VERIFY spent); a blocked PIN is
//    CKR_PIN_LOCKED without a dialog;
//  - at most kMaxPinentryPrompts PIN dialogs; after a wrong PIN the next
//    dialog says so (SETERROR) and shows the tries left; a PIN of the wrong
//    length is refused before it reaches the card;
//  - the card's last try is spent only after the user confirms it (CONFIRM);
//  - cancel, a declined confirmation, a missing pinentry, no display or
//    terminal, a timeout: CKR_FUNCTION_CANCELED (Firefox then gives up);
//  - still wrong after the last dialog: CKR_PIN_INCORRECT. A client that
//    retries gets new dialogs, each needing the user, and never the last try
//    without the confirmation.
// The PIN typed is verified and cached exactly as one given by the
// application (private_ops.hpp): in SecureBytes, wiped at C_Logout.
#pragma once

#include "pkcs11/module.hpp"

namespace tessera::pkcs11 {

inline constexpr int kMaxPinentryPrompts = 2;

void loginWithPinentry(Module& module, Session& session, CK_USER_TYPE userType);

} // namespace tessera::pkcs11
