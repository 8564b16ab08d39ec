// The retry policy of pinentry_login.hpp over the dialogs of pinentry.hpp.
#include "pkcs11/pinentry_login.hpp"

#include "pkcs11/pinentry.hpp"
#include "pkcs11/private_ops.hpp"
#include "pkcs11/rv.hpp"

namespace tessera::pkcs11 {

namespace {

// The counter of the user PIN, from the card without spending a try (PIV:
// VERIFY without data; OpenPGP: PW status bytes).
int readTriesLeft(Session& session)
{
    const std::uint8_t reference = session.token->model.userPin.reference;
    return session.slot->withCard(session.token, [&](apdu::Channel& ch, drivers::Card& card) {
        apdu::Transaction tx(ch);
        card.select();
        int tries = card.readPinInfo(reference).triesLeft;
        tx.end(false);
        return tries;
    });
}

std::string triesText(int tries)
{
    if (tries < 0) return {};
    return "\n" + std::to_string(tries) + (tries == 1 ? " try left." : " tries left.");
}

PinDialog pinDialog(const Token& token, bool context, int tries, const std::string& error)
{
    PinDialog d;
    d.description = context ? "Please enter the PIN of the smart card \"" + token.model.label +
                                  "\" to allow one use of a key that asks for it each time."
                            : "Please enter the PIN of the smart card \"" + token.model.label + "\".";
    d.description += triesText(tries);
    d.prompt = "PIN:";
    d.error = error;
    return d;
}

PinDialog lastTryDialog(const Token& token)
{
    PinDialog d;
    d.description = "The smart card \"" + token.model.label +
                    "\" has one PIN try left: a wrong PIN now blocks the PIN. Use the last try?";
    d.error = "Last PIN try";
    return d;
}

PinentryOptions optionsFrom(const Config& config)
{
    PinentryOptions o;
    o.program = findPinentry(config.pinentryProgram);
    o.userTimeout = std::chrono::seconds(std::max(1, config.pinentryTimeoutS));
    return o;
}

} // namespace

void loginWithPinentry(Module& module, Session& session, CK_USER_TYPE userType)
{
    auto& token = session.token;
    const bool context = userType == CKU_CONTEXT_SPECIFIC;
    if (!context) {
        std::scoped_lock lock(session.slot->stateMutex); // no dialog for a login that cannot happen
        if (token->userLoggedIn) failRv(CKR_USER_ALREADY_LOGGED_IN);
        if (token->soLoggedIn) failRv(CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
    }
    int tries = readTriesLeft(session);
    if (tries == 0) failRv(CKR_PIN_LOCKED, "the PIN is blocked: pinentry not asked");
    const auto& info = token->model.userPin;
    Pinentry dialog(optionsFrom(module.config()));
    std::string error;
    for (int prompt = 1; prompt <= kMaxPinentryPrompts; ++prompt) {
        if (tries == 1 && !dialog.confirm(lastTryDialog(*token)))
            failRv(CKR_FUNCTION_CANCELED, "pinentry: the user did not confirm spending the last PIN try");
        SecureBytes pin = dialog.getPin(pinDialog(*token, context, tries, error));
        if (pin.size() < info.minLength || pin.size() > info.maxLength) {
            error = "The PIN has " + std::to_string(info.minLength) + " to " + std::to_string(info.maxLength) +
                    " characters (no try was spent)";
            continue;
        }
        try {
            if (context)
                loginContextSpecific(session, pin);
            else
                loginUser(session, pin);
            log::write(log::Level::calls, "pinentry: PIN verified after " + std::to_string(prompt) + " dialog(s)");
            return;
        } catch (const Error& e) {
            if (e.code() != Errc::pinIncorrect) throw;
            tries = e.retriesLeft();
            error = "Wrong PIN";
        }
    }
    failRv(CKR_PIN_INCORRECT, "wrong PIN in " + std::to_string(kMaxPinentryPrompts) +
                                  " pinentry dialogs; tries left: " + std::to_string(tries));
}

} // namespace tessera::pkcs11
