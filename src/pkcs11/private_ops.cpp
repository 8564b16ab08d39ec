// PIN selection and the PIN rule for key operations; see private_ops.hpp.
#include "pkcs11/private_ops.hpp"

#include "card-drivers/pin_rule.hpp"
#include "pkcs11/key_admin.hpp"
#include "pkcs11/keypad_login.hpp"
#include "pkcs11/rv.hpp"

namespace tessera::pkcs11 {

namespace {

// Verifies pin inside one transaction and leaves nothing verified behind;
// keeps the retry counter of `info` (user or SO PIN) up to date.
void verifyOnly(Session& session, drivers::PinInfo& info, std::uint8_t reference, const SecureBytes& pin)
{
    auto& token = session.token;
    try {
        session.slot->withCard(token, [&](apdu::Channel& ch, drivers::Card& card) {
            return drivers::withVerifiedPin(ch, card, reference, &pin, [] { return 0; });
        });
    } catch (const Error& e) {
        std::scoped_lock lock(session.slot->stateMutex);
        if (e.code() == Errc::pinIncorrect) info.triesLeft = e.retriesLeft();
        if (e.code() == Errc::pinLocked) info.triesLeft = 0;
        throw;
    }
    std::scoped_lock lock(session.slot->stateMutex);
    info.triesLeft = info.maxTries;
}

Operation* activeKeyOperation(Session& session)
{
    if (session.sign && session.sign->key) return &*session.sign;
    if (session.decrypt && session.decrypt->key) return &*session.decrypt;
    return nullptr;
}

} // namespace

void loginUser(Session& session, const SecureBytes& pin)
{
    auto& token = session.token;
    {
        std::scoped_lock lock(session.slot->stateMutex);
        if (token->userLoggedIn) failRv(CKR_USER_ALREADY_LOGGED_IN);
        if (token->soLoggedIn) failRv(CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
    }
    verifyOnly(session, token->model.userPin, token->model.userPin.reference, pin);
    std::scoped_lock lock(session.slot->stateMutex);
    token->userPin = pin;
    token->userLoggedIn = true;
}

void loginContextSpecific(Session& session, const SecureBytes& pin)
{
    std::scoped_lock opLock(session.mutex);
    Operation* op = activeKeyOperation(session);
    if (op == nullptr) failRv(CKR_OPERATION_NOT_INITIALIZED, "no operation for a context-specific login");
    const drivers::CardKey* key = session.token->cardKey(*op->key);
    if (key == nullptr) failRv(CKR_KEY_HANDLE_INVALID);
    verifyOnly(session, session.token->model.userPin, key->pinReference, pin);
    op->contextPin = pin;
    op->contextLogin = true;
}

void loginSecurityOfficer(Module& module, Session& session, const SecureBytes& pin)
{
    auto& token = session.token;
    if (!token->model.soPin && token->model.administratorLogin) return loginAdministrator(module, session, pin);
    if (!token->model.soPin) failRv(CKR_USER_TYPE_INVALID, "the card has no SO PIN");
    {
        std::scoped_lock lock(session.slot->stateMutex);
        if (token->soLoggedIn) failRv(CKR_USER_ALREADY_LOGGED_IN);
        if (token->userLoggedIn) failRv(CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
    }
    if (module.sessionCount(session.slot->id(), false) != module.sessionCount(session.slot->id(), true))
        failRv(CKR_SESSION_READ_ONLY_EXISTS);
    verifyOnly(session, *token->model.soPin, token->model.soPin->reference, pin);
    std::scoped_lock lock(session.slot->stateMutex);
    token->soPin = pin;
    token->soLoggedIn = true;
}

void initUserPin(Session& session, const SecureBytes& newPin)
{
    auto& token = session.token;
    if (!token->model.soPin) return initPinAsAdministrator(session, newPin); // PIV: the PUK
    SecureBytes so;
    {
        std::scoped_lock lock(session.slot->stateMutex);
        if (!token->soLoggedIn) failRv(CKR_USER_NOT_LOGGED_IN, "C_InitPIN needs the SO login");
        so = token->soPin;
    }
    const std::uint8_t reference = token->model.soPin->reference;
    session.slot->withCard(token, [&](apdu::Channel& ch, drivers::Card& card) {
        return drivers::withVerifiedPin(ch, card, reference, &so, [&] {
            card.initPin(newPin);
            return 0;
        });
    });
    std::scoped_lock lock(session.slot->stateMutex);
    token->model.userPin.triesLeft = token->model.userPin.maxTries;
}

SensitiveBytes runKeyOperation(Module& module, Session& session, Operation& op, const drivers::CardKey& key,
                               const CardOp& fn)
{
    auto& token = session.token;
    if (key.pinPolicy != drivers::PinPolicy::never && keypadLoggedIn(session))
        return runKeypadOperation(module, session, op, key, fn);
    SecureBytes pin;
    bool needPin = key.pinPolicy != drivers::PinPolicy::never;
    bool fromCache = false;
    if (needPin) {
        std::scoped_lock lock(session.slot->stateMutex);
        if (key.pinPolicy == drivers::PinPolicy::always && op.contextLogin) {
            pin = op.contextPin;
        } else if (key.pinPolicy == drivers::PinPolicy::always && !module.config().cachedPinForAlwaysAuthenticate) {
            failRv(CKR_USER_NOT_LOGGED_IN, "key needs a context-specific login (CKA_ALWAYS_AUTHENTICATE)");
        } else if (token->userLoggedIn) {
            pin = token->userPin;
            fromCache = true;
        } else {
            failRv(CKR_USER_NOT_LOGGED_IN);
        }
    }
    // The consent of a context-specific login is for this one operation.
    op.contextPin.clear();
    op.contextLogin = false;
    try {
        return session.slot->withCard(token, [&](apdu::Channel& ch, drivers::Card& card) {
            return drivers::withVerifiedPin(ch, card, key.pinReference, needPin ? &pin : nullptr,
                                            [&] { return fn(card); });
        });
    } catch (const Error& e) {
        // A cached PIN the card now rejects (changed elsewhere) must not burn
        // the remaining tries: log out.
        if (fromCache && (e.code() == Errc::pinIncorrect || e.code() == Errc::pinLocked)) {
            std::scoped_lock lock(session.slot->stateMutex);
            token->userLoggedIn = false;
            token->userPin.clear();
        }
        throw;
    }
}

} // namespace tessera::pkcs11
