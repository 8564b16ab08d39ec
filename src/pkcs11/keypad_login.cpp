// Keypad logins and operations; see keypad_login.hpp. Each keypad entry is
// one VERIFY inside one transaction that ends with the PIN state reset, so
// no other application ever finds the card verified (design.md, the PIN
// rule). The reader's answers (timeout, cancel, length) arrive as typed
// errors from PcscChannel and leave the card's retry counter untouched: the
// card never saw a VERIFY.
#include "pkcs11/keypad_login.hpp"

#include "card-drivers/pin_rule.hpp"
#include "common/log.hpp"
#include "pkcs11/rv.hpp"

namespace tessera::pkcs11 {

namespace {

// A wrong PIN typed (63Cx, 6983) updates what C_GetTokenInfo reports.
template <typename F> void keepingTries(Session& session, F&& f)
{
    try {
        f();
    } catch (const Error& e) {
        std::scoped_lock lock(session.slot->stateMutex);
        auto& info = session.token->model.userPin;
        if (e.code() == Errc::pinIncorrect && e.retriesLeft() >= 0) info.triesLeft = e.retriesLeft();
        if (e.code() == Errc::pinLocked) info.triesLeft = 0;
        throw;
    }
    std::scoped_lock lock(session.slot->stateMutex);
    session.token->model.userPin.triesLeft = session.token->model.userPin.maxTries;
}

void loginUserOnKeypad(Session& session)
{
    auto& token = session.token;
    {
        std::scoped_lock lock(session.slot->stateMutex);
        if (token->userLoggedIn) failRv(CKR_USER_ALREADY_LOGGED_IN);
        if (token->soLoggedIn) failRv(CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
    }
    const std::uint8_t reference = token->model.userPin.reference;
    log::write(log::Level::calls, "C_Login: asking the reader's keypad for the user PIN");
    keepingTries(session, [&] {
        session.slot->withCard(token, [&](apdu::Channel& ch, drivers::Card& card) {
            return drivers::withKeypadPin(ch, card, reference, [] { return 0; });
        });
    });
    std::scoped_lock lock(session.slot->stateMutex);
    token->userPin.clear();
    token->userLoggedIn = true;
    token->keypadLogin = true;
}

Operation* activeKeyOperation(Session& session)
{
    if (session.sign && session.sign->key) return &*session.sign;
    if (session.decrypt && session.decrypt->key) return &*session.decrypt;
    return nullptr;
}

} // namespace

// Also on a PIN-pad reader whose card cannot take a keypad PIN (OpenPGP
// with a KDF-DO): the token does not announce the flag, and a NULL-PIN login
// gets the driver's clear refusal rather than "NULL PIN".
bool usesKeypad(const Session& session)
{
    return session.token && (session.token->model.userPin.pinPad || session.token->readerPinPad);
}

bool keypadLoggedIn(const Session& session)
{
    std::scoped_lock lock(session.slot->stateMutex);
    return session.token->userLoggedIn && session.token->keypadLogin;
}

void keypadLogin(Module& module, Session& session, CK_USER_TYPE userType)
{
    (void)module;
    switch (userType) {
    case CKU_USER: return loginUserOnKeypad(session);
    case CKU_CONTEXT_SPECIFIC: {
        // The consent for this one operation is the keypad entry the
        // operation itself asks for: asking here too would make the user
        // type the PIN twice for one signature.
        std::scoped_lock opLock(session.mutex);
        Operation* op = activeKeyOperation(session);
        if (op == nullptr) failRv(CKR_OPERATION_NOT_INITIALIZED, "no operation for a context-specific login");
        if (!keypadLoggedIn(session)) failRv(CKR_USER_NOT_LOGGED_IN, "context-specific keypad login before C_Login");
        op->contextPin.clear();
        op->contextLogin = true;
        return;
    }
    case CKU_SO: failRv(CKR_ARGUMENTS_BAD, "the SO PIN cannot come from the PIN pad here: give it to C_Login");
    default: failRv(CKR_USER_TYPE_INVALID, "not CKU_USER, CKU_SO or CKU_CONTEXT_SPECIFIC");
    }
}

void keypadSetPin(Session& session)
{
    auto& token = session.token;
    {
        std::scoped_lock lock(session.slot->stateMutex);
        if (token->soLoggedIn) failRv(CKR_ARGUMENTS_BAD, "SO PIN changes need the PINs given to C_SetPIN");
    }
    const std::uint8_t reference = token->model.userPin.reference;
    log::write(log::Level::calls, "C_SetPIN: current and new user PIN from the reader's keypad");
    keepingTries(session, [&] {
        session.slot->withCard(token, [&](apdu::Channel& ch, drivers::Card& card) {
            if (!ch.hasPinPadChange()) failRv(CKR_FUNCTION_NOT_SUPPORTED, "the PIN pad cannot change PINs");
            apdu::Transaction tx(ch);
            card.select();
            card.changePinOnPad(reference);
            // CHANGE REFERENCE DATA verifies the PIN as it changes it
            // (ISO 7816-4 11.5.7): reset that state as after any VERIFY.
            const bool reset = card.resetPinState(reference);
            tx.end(!reset);
            return 0;
        });
    });
}

SensitiveBytes runKeypadOperation(Module& module, Session& session, Operation& op, const drivers::CardKey& key,
                                  const CardOp& fn)
{
    if (key.pinPolicy == drivers::PinPolicy::always && !op.contextLogin &&
        !module.config().cachedPinForAlwaysAuthenticate)
        failRv(CKR_USER_NOT_LOGGED_IN, "key needs a context-specific login (CKA_ALWAYS_AUTHENTICATE)");
    op.contextPin.clear();
    op.contextLogin = false;
    log::write(log::Level::calls, "private-key operation: asking the reader's keypad for the PIN");
    SensitiveBytes result;
    keepingTries(session, [&] {
        result = session.slot->withCard(session.token, [&](apdu::Channel& ch, drivers::Card& card) {
            return drivers::withKeypadPin(ch, card, key.pinReference, [&] { return fn(card); });
        });
    });
    return result;
}

} // namespace tessera::pkcs11
