// CKU_SO on cards whose administrator is not an SO PIN (PIV: the management
// key or the PUK, told apart by the driver) and the token writes it allows:
// the login, C_InitPIN / C_SetPIN through the administrator, and the refresh
// of a token's objects after a write. Every card access runs by
// card-drivers/admin_rule.hpp: one transaction ended with a card reset.
#pragma once

#include <functional>
#include <optional>

#include "pkcs11/module.hpp"

namespace tessera::pkcs11 {

// C_Login(CKU_SO): checks the credential on the card, then caches it.
void loginAdministrator(Module& module, Session& session, const SecureBytes& credential);
// C_InitPIN in such an SO session: unblock and set the user PIN (PIV: PUK).
void initPinAsAdministrator(Session& session, const SecureBytes& newPin);
// C_SetPIN in such an SO session: a new credential of the same kind.
void changeAdministrator(Session& session, const SecureBytes& oldCredential, const SecureBytes& newCredential);
// C_SetPIN(SO credential, "rc:CODE") in an SO session sets the code that
// unblocks the user PIN without the SO (OpenPGP resetting code); the SO
// credential stays as it is.
bool isResettingCodeForm(const SecureBytes& newPin);
void setResettingCode(Session& session, const SecureBytes& oldPin, const SecureBytes& newPin);
// C_SetPIN with nobody logged in: changes the user PIN, or, when the card
// says the PIN is blocked, takes `oldPin` as the PUK and unblocks it
// (pkcs11-tool --unlock-pin).
// ykcs11's forms work too, in a public or a user session: old "puk:PUK"
// changes the PUK, and with new "pin:NEW" unblocks the PIN.
void setPinPublic(Session& session, const SecureBytes& oldPin, const SecureBytes& newPin);
bool isYkcs11PukForm(const SecureBytes& oldPin);
// C_SetPIN of the logged-in user's own PIN, or of the SO PIN (OpenPGP PW3)
// in an SO session, whose `oldPin` must be the one the SO logged in with.
// CHANGE REFERENCE DATA ends as withPinChange() does: nothing stays verified.
void changeLoggedInPin(Session& session, bool so, const SecureBytes& oldPin, const SecureBytes& newPin);

// Runs op(card, credential) with the logged-in administrator's credential,
// by admin_rule.hpp. CKR_USER_NOT_LOGGED_IN without such an SO login.
void runAsAdministrator(Session& session, const std::function<void(drivers::Card&, const SecureBytes&)>& op);

// After a write: the card key of `id` becomes `key` (nullopt: no key there
// any more), its objects are rebuilt with new handles, the others keep
// theirs. Returns the key's index in the token model (-1 when gone).
int refreshKeyObjects(Session& session, ByteView id, const std::optional<drivers::CardKey>& key);
// The handle of the token object of `cls` built for key `index`, or 0.
CK_OBJECT_HANDLE objectFor(Session& session, int index, CK_OBJECT_CLASS cls);

// C_CreateObject / C_DestroyObject of token objects (fn_keys.cpp).
CK_OBJECT_HANDLE createTokenObject(Session& session, CK_ATTRIBUTE_PTR templ, CK_ULONG count);
CK_RV destroyTokenObject(Session& session, const ObjectPtr& object);

} // namespace tessera::pkcs11
