// The card administrator as PKCS#11's SO (see key_admin.hpp). Wrong
// credentials keep the retry counters of the token model current, as the
// user PIN's path in private_ops.cpp does; nothing is written after a
// refused authentication because the driver authenticates first.
#include "pkcs11/key_admin.hpp"

#include <algorithm>

#include "card-drivers/admin_rule.hpp"
#include "pkcs11/rv.hpp"
#include "pkcs11/token_objects.hpp"

namespace tessera::pkcs11 {

namespace {

SecureBytes administratorCredential(Session& session)
{
    std::scoped_lock lock(session.slot->stateMutex);
    const Token& token = *session.token;
    // PIV: the management key or the PUK; OpenPGP: PW3 (token.model.soPin).
    if (!token.soLoggedIn) failRv(CKR_USER_NOT_LOGGED_IN, "this needs the SO (card administrator)");
    return token.soPin;
}

// The user PIN's counter after an operation that used it.
void notePinResult(Session& session, const Error* e)
{
    std::scoped_lock lock(session.slot->stateMutex);
    auto& info = session.token->model.userPin;
    if (e == nullptr)
        info.triesLeft = info.maxTries;
    else if (e->code() == Errc::pinLocked)
        info.triesLeft = 0;
}

} // namespace

void runAsAdministrator(Session& session, const std::function<void(drivers::Card&, const SecureBytes&)>& op)
{
    const SecureBytes credential = administratorCredential(session);
    session.slot->withCard(session.token, [&](apdu::Channel& ch, drivers::Card& card) {
        return drivers::withAdministrator(ch, card, [&] {
            op(card, credential);
            return 0;
        });
    });
}

void loginAdministrator(Module& module, Session& session, const SecureBytes& credential)
{
    auto& token = session.token;
    {
        std::scoped_lock lock(session.slot->stateMutex);
        if (token->soLoggedIn) failRv(CKR_USER_ALREADY_LOGGED_IN);
        if (token->userLoggedIn) failRv(CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
    }
    // PKCS#11 3.0 section 5.6.7: no SO login while a read-only session is open.
    if (module.sessionCount(session.slot->id(), false) != module.sessionCount(session.slot->id(), true))
        failRv(CKR_SESSION_READ_ONLY_EXISTS);
    // A wrong PUK answers with its tries left (pinIncorrect/pinLocked); a
    // wrong management key has no counter (authenticationFailed) and changes
    // no flag. The PUK form is 6-8 characters (README: PIV credentials).
    const bool puk = credential.size() <= token->model.administratorPin.maxLength;
    drivers::PinInfo& counter = token->model.administratorPin;
    try {
        session.slot->withCard(token, [&](apdu::Channel& ch, drivers::Card& card) {
            return drivers::withAdministrator(ch, card, [&] {
                card.verifyAdministrator(credential);
                return 0;
            });
        });
    } catch (const Error& e) {
        std::scoped_lock lock(session.slot->stateMutex);
        if (puk && e.code() == Errc::pinIncorrect) counter.triesLeft = e.retriesLeft();
        if (puk && e.code() == Errc::pinLocked) counter.triesLeft = 0;
        throw;
    }
    std::scoped_lock lock(session.slot->stateMutex);
    if (puk) counter.triesLeft = counter.maxTries;
    token->soPin = credential;
    token->soLoggedIn = true;
}

void initPinAsAdministrator(Session& session, const SecureBytes& newPin)
{
    runAsAdministrator(
        session, [&](drivers::Card& card, const SecureBytes& credential) { card.unblockPin(credential, newPin); });
    notePinResult(session, nullptr);
}

namespace {

// The old credential of an SO C_SetPIN must be the one logged in with:
// C_SetPIN must not become a way to try credentials past the login.
void requireLoggedInCredential(Session& session, const SecureBytes& oldCredential)
{
    const SecureBytes current = administratorCredential(session);
    const auto a = current.view(), b = oldCredential.view();
    if (!std::equal(a.begin(), a.end(), b.begin(), b.end())) failRv(CKR_PIN_INCORRECT, "not the SO credential");
}

constexpr std::string_view kResettingCodePrefix = "rc:";

} // namespace

bool isResettingCodeForm(const SecureBytes& newPin)
{
    const ByteView v = newPin.view();
    return v.size() >= kResettingCodePrefix.size() &&
           std::equal(kResettingCodePrefix.begin(), kResettingCodePrefix.end(), v.begin());
}

void setResettingCode(Session& session, const SecureBytes& oldPin, const SecureBytes& newPin)
{
    requireLoggedInCredential(session, oldPin);
    const SecureBytes code(newPin.view().subspan(kResettingCodePrefix.size()));
    runAsAdministrator(
        session, [&](drivers::Card& card, const SecureBytes& credential) { card.setResettingCode(credential, code); });
}

void changeAdministrator(Session& session, const SecureBytes& oldCredential, const SecureBytes& newCredential)
{
    requireLoggedInCredential(session, oldCredential);
    runAsAdministrator(session, [&](drivers::Card& card, const SecureBytes& credential) {
        card.changeAdministrator(credential, newCredential);
    });
    std::scoped_lock lock(session.slot->stateMutex);
    session.token->soPin = newCredential;
}

namespace {

// ykcs11's C_SetPIN forms: "puk:PUK" as the old PIN changes the PUK, and
// with "pin:NEW" as the new one unblocks the PIN.
std::optional<SecureBytes> withoutPrefix(const SecureBytes& value, std::string_view prefix)
{
    const ByteView v = value.view();
    if (v.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), v.begin())) return std::nullopt;
    return SecureBytes(v.subspan(prefix.size()));
}

void setPinOnCard(drivers::Card& card, std::uint8_t reference, const SecureBytes& oldPin, const SecureBytes& newPin)
{
    if (auto puk = withoutPrefix(oldPin, "puk:")) {
        if (auto pin = withoutPrefix(newPin, "pin:"))
            card.unblockPin(*puk, *pin);
        else
            card.changeAdministrator(*puk, newPin);
        return;
    }
    // A blocked PIN cannot be changed; the one thing C_SetPIN can then mean
    // is the PUK and a new PIN (OpenSC's "set_pin_in_unlogged_session").
    if (card.readPinInfo(reference).triesLeft == 0)
        card.unblockPin(oldPin, newPin);
    else
        card.changePin(reference, oldPin, newPin);
}

} // namespace

bool isYkcs11PukForm(const SecureBytes& oldPin)
{
    return withoutPrefix(oldPin, "puk:").has_value();
}

void setPinPublic(Session& session, const SecureBytes& oldPin, const SecureBytes& newPin)
{
    const std::uint8_t reference = session.token->model.userPin.reference;
    try {
        session.slot->withCard(session.token, [&](apdu::Channel& ch, drivers::Card& card) {
            return drivers::withPinChange(ch, card, reference, [&] {
                setPinOnCard(card, reference, oldPin, newPin);
                return 0;
            });
        });
    } catch (const Error& e) {
        notePinResult(session, &e);
        throw;
    }
    notePinResult(session, nullptr);
}

void changeLoggedInPin(Session& session, bool so, const SecureBytes& oldPin, const SecureBytes& newPin)
{
    // C_SetPIN must not become a way to try PW3 past the login.
    if (so) requireLoggedInCredential(session, oldPin);
    Token& token = *session.token;
    drivers::PinInfo& info = so ? *token.model.soPin : token.model.userPin;
    const std::uint8_t reference = info.reference;
    session.slot->withCard(session.token, [&](apdu::Channel& ch, drivers::Card& card) {
        return drivers::withPinChange(ch, card, reference, [&] {
            card.changePin(reference, oldPin, newPin);
            return 0;
        });
    });
    std::scoped_lock lock(session.slot->stateMutex);
    if (so)
        token.soPin = newPin;
    else if (token.userLoggedIn)
        token.userPin = newPin;
    info.triesLeft = info.maxTries;
}

int refreshKeyObjects(Session& session, ByteView id, const std::optional<drivers::CardKey>& key)
{
    Token& token = *session.token;
    std::scoped_lock lock(session.slot->stateMutex);
    auto& keys = token.model.keys;
    auto it = std::find_if(keys.begin(), keys.end(), [&](const drivers::CardKey& k) {
        return std::equal(k.id.begin(), k.id.end(), id.begin(), id.end());
    });
    if (it == keys.end() && !key) return -1;
    int index = static_cast<int>(it - keys.begin());
    if (it == keys.end()) {
        keys.push_back(*key);
    } else if (key) {
        *it = *key;
    } else {
        // Kept as an entry without public data (no objects): indices of the
        // other keys, which live objects refer to, must not move.
        it->publicKeySpki.clear();
        it->certificate.reset();
    }
    // A new list, published whole: readers keep the one they hold (slot.hpp).
    auto list = std::make_shared<ObjectList>();
    if (const auto old = token.objects()) list->assign(old->begin(), old->end());
    std::erase_if(*list, [&](const ObjectPtr& o) { return o->keyIndex == index; });
    // The persistent cache entry of this card is stale now: dropped, so the
    // next process reads the keys from the card (and stores them again).
    if (session.slot->cache && !token.model.identity.empty())
        session.slot->cache->invalidate(token.card->driverName(), token.model.identity);
    if (key) {
        drivers::TokenModel one;
        one.keys.push_back(keys[static_cast<std::size_t>(index)]);
        for (auto& o : buildTokenObjects(one)) {
            o->keyIndex = index;
            o->handle = token.nextHandle();
            list->push_back(o);
        }
    }
    token.publishObjects(std::move(list));
    return key ? index : -1;
}

CK_OBJECT_HANDLE objectFor(Session& session, int index, CK_OBJECT_CLASS cls)
{
    if (const auto list = session.token->objects())
        for (const auto& o : *list)
            if (o->keyIndex == index && o->objectClass() == cls) return o->handle;
    return 0;
}

} // namespace tessera::pkcs11
