// Slots are PC/SC readers; a Token is one recognised card in a reader, with
// its model and objects read once, and the user's login state. A Token is
// replaced (never mutated into another card) when the card changes, so a
// session holding the old Token knows its card is gone.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "card-drivers/driver.hpp"
#include "card-drivers/registry.hpp"
#include "common/secure_bytes.hpp"
#include "pcsc/pcsc.hpp"
#include "pkcs11/config.hpp"
#include "pkcs11/idle_reaper.hpp"
#include "pkcs11/locking.hpp"
#include "pkcs11/object.hpp"
#include "pkcs11/pcsc_channel.hpp"
#include "pkcs11/token_cache.hpp"

namespace tessera::pkcs11 {

// A token's object list is immutable once published: a write (key_admin.cpp)
// or a re-read builds a new list and publishes it whole, and a reader keeps
// the list it took (and each object its card key, Object::cardKey) for as
// long as it uses them, so no reader ever sees a list being changed.
using ObjectList = std::vector<ObjectPtr>;
using ObjectListPtr = std::shared_ptr<const ObjectList>;

struct Token {
    std::unique_ptr<pcsc::Context> context; // one per token: a slow card never blocks another slot
    std::unique_ptr<PcscChannel> channel;
    std::unique_ptr<drivers::Card> card;
    // Identity, PIN state and keys. keys (and userPin/soPin counters) are
    // guarded by Slot::stateMutex once the token is published; readers
    // outside that lock use objects() and Object::cardKey instead.
    drivers::TokenModel model;
    std::function<CK_OBJECT_HANDLE()> nextHandle; // numbers the objects when they are built
    std::uint16_t eventCounter = 0;               // pcscd's event counter when the token was read
    bool readerPinPad = false;                    // the reader has VERIFY_PIN_DIRECT (set at load)
    std::atomic<bool> gone{false};                // card removed: sessions on this token end
    std::atomic<std::chrono::steady_clock::time_point> lastUse{std::chrono::steady_clock::now()};

    // Login state (PKCS#11: per application, shared by all sessions). Guarded by Slot::stateMutex.
    bool userLoggedIn = false;
    SecureBytes userPin;
    bool soLoggedIn = false; // CKU_SO (OpenPGP PW3); exclusive with the user login
    SecureBytes soPin;
    bool keypadLogin = false; // the user logged in on the reader's keypad: no PIN cached (keypad_login.hpp)
    void logout()
    {
        userLoggedIn = soLoggedIn = keypadLogin = false;
        userPin.clear();
        soPin.clear();
    }

    ~Token();
    // The current object list (a snapshot); nullptr until the keys are read.
    ObjectListPtr objects() const;
    bool objectsLoaded() const { return objects() != nullptr; }
    // Replaces the object list; writers hold Slot::stateMutex (one writer at a time).
    void publishObjects(ObjectListPtr list);
    ObjectPtr object(CK_OBJECT_HANDLE handle) const;
    // The card key an object stands for; the object keeps it alive.
    const drivers::CardKey* cardKey(const Object& o) const { return o.cardKey.get(); }

private:
    // A leaf lock (taken under any other, nothing under it), held only to
    // copy or swap the pointer: after Slot::stateMutex (6) in locking.hpp.
    mutable std::mutex objectsMutex_;
    ObjectListPtr objects_;
};

using TokenPtr = std::shared_ptr<Token>;

class Slot {
public:
    Slot(CK_SLOT_ID id, std::string reader) : id_(id), reader_(std::move(reader)) {}
    CK_SLOT_ID id() const { return id_; }
    const std::string& reader() const { return reader_; }

    std::atomic<bool> readerPresent{true};

    // Current token or nullptr; never touches the card.
    TokenPtr currentToken();
    // Loads the token when a card is present and none is loaded (card I/O,
    // under ioMutex). Throws Error(tokenNotPresent / tokenNotRecognized ...).
    TokenPtr loadToken(const drivers::Registry& registry, std::uint16_t eventCounter,
                       const std::function<CK_OBJECT_HANDLE()>& nextHandle);
    // Reads the keys and builds the objects of a token loaded with its
    // identity only (card I/O under ioMutex, once per token). Callers: the
    // object search and the mechanism list, the first things that need keys.
    void ensureObjects(const TokenPtr& token);
    // Issue 9, writes by other processes: when the card was reset by someone
    // else or given up while idle since we last looked (PcscChannel::
    // takeOutsideChange; SCardStatus, no APDU), asks the driver's cheap check
    // (Card::cachedKeysCurrent against the keys we hold) and, if the keys
    // changed, reads them again and publishes new objects; objects of
    // unchanged keys keep their handles. Called by C_FindObjectsInit.
    void recheckObjects(const TokenPtr& token);
    // A copy of the token's model taken under stateMutex (keys and PIN
    // counters change under it).
    drivers::TokenModel modelOf(const TokenPtr& token);
    // The card went away or changed: drop the token, wipe the cached PIN.
    void dropToken(const TokenPtr& token, const char* reason);
    // Exit path: wipe the cached PINs unless another thread holds the state lock.
    void logoutAtExit() noexcept;

    // Runs f(channel, card) under the slot's I/O lock. A card reset by another
    // application (SCARD_W_RESET_CARD) is answered with a reconnect and one
    // retry (the command was not executed); removal drops the token.
    template <typename F>
    auto withCard(const TokenPtr& token, F&& f)
        -> decltype(f(std::declval<apdu::Channel&>(), std::declval<drivers::Card&>()));

    // Set once by the module (before the slot is published) when idle release
    // is on; told of every card use. Weak: the module owns the reaper, and a
    // slot (held by a session or by a reaper sweep) may outlive the module.
    std::weak_ptr<IdleReaper> reaper;
    // Set once by the module (before the slot is published); nullptr = cache off.
    std::shared_ptr<const TokenCache> cache;
    // Set once by the module (before the slot is published): the application
    // a card with several serves (config.hpp): by reader name or the global
    // choice ("" = ATR order), and the rules to try on the card's serial.
    std::string application;
    std::vector<ApplicationRule> serialRules;

    ModuleMutex ioMutex;    // card I/O and token (re)load
    ModuleMutex stateMutex; // token pointer and login state; never held across card I/O

private:
    void checkUsable(const TokenPtr& token);
    void applySerialRule(const drivers::Registry& registry, Token& token);
    void buildObjects(Token& token);
    void replaceKeys(Token& token, std::vector<drivers::CardKey> keys);
    void handleCardError(const TokenPtr& token, const Error& e);
    CK_SLOT_ID id_;
    std::string reader_;
    TokenPtr token_; // guarded by stateMutex
};

template <typename F>
auto Slot::withCard(const TokenPtr& token, F&& f)
    -> decltype(f(std::declval<apdu::Channel&>(), std::declval<drivers::Card&>()))
{
    // The reaper is told after the I/O lock is released (declared first,
    // destroyed last): its thread takes ioMutex, so it is never stopped, nor
    // its lock taken, under that lock.
    struct TellReaper {
        Slot& slot;
        ~TellReaper()
        {
            if (auto r = slot.reaper.lock()) r->touch();
        }
    } tell{*this};
    std::scoped_lock io(ioMutex);
    checkUsable(token);
    struct Touch {
        Token& token;
        ~Touch() { token.lastUse = std::chrono::steady_clock::now(); }
    } touch{*token};
    for (int attempt = 0;; ++attempt) {
        try {
            return f(*token->channel, *token->card);
        } catch (const Error& e) {
            if (e.code() == Errc::cardReset && attempt == 0) {
                token->channel->reconnect();
                continue;
            }
            handleCardError(token, e);
            throw;
        }
    }
}

} // namespace tessera::pkcs11
