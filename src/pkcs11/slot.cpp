// Slot and Token: see slot.hpp.
#include "pkcs11/slot.hpp"

#include "common/log.hpp"
#include "pkcs11/rv.hpp"
#include "pkcs11/token_objects.hpp"

namespace tessera::pkcs11 {

Token::~Token()
{
    // Drop the card before the channel, the channel before the context.
    card.reset();
    channel.reset();
    context.reset();
}

ObjectListPtr Token::objects() const
{
    std::scoped_lock lock(objectsMutex_);
    return objects_;
}

void Token::publishObjects(ObjectListPtr list)
{
    std::scoped_lock lock(objectsMutex_);
    objects_ = std::move(list);
}

ObjectPtr Token::object(CK_OBJECT_HANDLE handle) const
{
    if (const auto list = objects())
        for (const auto& o : *list)
            if (o->handle == handle) return o;
    return nullptr;
}

TokenPtr Slot::currentToken()
{
    std::scoped_lock lock(stateMutex);
    return token_;
}

TokenPtr Slot::loadToken(const drivers::Registry& registry, std::uint16_t eventCounter,
                         const std::function<CK_OBJECT_HANDLE()>& nextHandle)
{
    std::scoped_lock io(ioMutex);
    if (auto existing = currentToken()) return existing;
    auto token = std::make_shared<Token>();
    token->eventCounter = eventCounter;
    token->nextHandle = nextHandle;
    token->context = std::make_unique<pcsc::Context>();
    token->channel = std::make_unique<PcscChannel>(*token->context, reader_, eventCounter);
    {
        // Identity and PIN state only: C_GetTokenInfo needs no more, and
        // certificates are the bulk of a card's public data (issue 8).
        apdu::Transaction tx(*token->channel);
        token->card = registry.recognise(*token->channel, application);
        if (!token->card) fail(Errc::tokenNotRecognized, "no driver recognises the card in " + reader_);
        token->model = token->card->readIdentity();
        applySerialRule(registry, *token);
        // PC/SC part 10: a PIN-pad reader makes the token's PIN a protected
        // authentication path (the features were asked in this transaction).
        token->readerPinPad = token->channel->hasPinPad();
        token->model.userPin.pinPad = token->readerPinPad && token->card->pinPadUsable();
    }
    if (token->model.keysRead) buildObjects(*token);
    log::write(log::Level::calls, "token '" + token->model.label + "' read from " + reader_);
    token->lastUse = std::chrono::steady_clock::now();
    if (auto r = reaper.lock()) r->touch();
    std::scoped_lock lock(stateMutex);
    token_ = token;
    return token;
}

// A rule matching the card's serial (as the application chosen so far
// reports it) outranks the reader's choice: one slot holds one token, so a
// card with several applications serves the one the configuration names.
void Slot::applySerialRule(const drivers::Registry& registry, Token& token)
{
    const std::string want = matchApplication(serialRules, token.model.serial);
    if (want.empty() || drivers::sameDriverName(want, token.card->driverName())) return;
    auto other = registry.probeOnly(*token.channel, want);
    if (!other) {
        log::write(log::Level::calls, "card " + token.model.serial + " in " + reader_ + ": configured for " + want +
                                          ", which it does not have; serving " + token.card->driverName());
        token.card->select(); // the failed probe may have deselected it
        return;
    }
    log::write(log::Level::calls, "card " + token.model.serial + " in " + reader_ + ": serving " + other->driverName() +
                                      " (application rule for its serial)");
    token.card = std::move(other);
    token.model = token.card->readIdentity();
}

// Caller holds stateMutex, or the token is not published yet.
void Slot::buildObjects(Token& token)
{
    auto list = std::make_shared<ObjectList>(buildTokenObjects(token.model));
    for (auto& o : *list)
        o->handle = token.nextHandle();
    log::write(log::Level::calls, "token '" + token.model.label + "': " + std::to_string(token.model.keys.size()) +
                                      " keys, " + std::to_string(list->size()) + " objects");
    token.publishObjects(std::move(list));
}

void Slot::ensureObjects(const TokenPtr& token)
{
    if (token->objectsLoaded()) return;
    withCard(token, [&](apdu::Channel& channel, drivers::Card& card) {
        if (token->objectsLoaded()) return; // another thread read them while we waited
        drivers::TokenModel model;
        {
            // A new transaction: another application may have selected its own
            // applet since the identity was read.
            apdu::Transaction tx(channel);
            card.select();
            model = modelOf(token);
            readKeysThroughCache(cache.get(), card, model); // issue 8: the persistent cache
        }
        std::scoped_lock lock(stateMutex);
        token->model.keys = std::move(model.keys);
        token->model.keysRead = true;
        buildObjects(*token);
    });
}

void Slot::recheckObjects(const TokenPtr& token)
{
    if (!token->objectsLoaded()) return; // ensureObjects reads them (and checks a cache entry)
    withCard(token, [&](apdu::Channel& channel, drivers::Card& card) {
        token->channel->probeReset();
        if (!token->channel->takeOutsideChange()) return;
        drivers::TokenModel model = modelOf(token);
        {
            apdu::Transaction tx(channel);
            card.select();
            bool current = false;
            try {
                current = card.cachedKeysCurrent(model, model.keys, card.cacheStamp());
            } catch (const Error& e) {
                if (e.code() != Errc::malformedResponse) throw;
            }
            if (current) return;
            // The full read: the driver's own state (OpenPGP application
            // data) may be as old as the keys.
            model.keys = card.readToken().keys;
            if (cache && !model.identity.empty())
                cache->store(card.driverName(), model.identity, CacheEntry{model.keys, card.cacheStamp()});
        }
        log::write(log::Level::calls,
                   "token '" + model.label + "': keys changed by another application; objects rebuilt");
        std::scoped_lock lock(stateMutex);
        replaceKeys(*token, std::move(model.keys));
    });
}

// Caller holds stateMutex. Objects of a key that is the same at the same
// index are kept (handles stay valid); the others are built anew.
void Slot::replaceKeys(Token& token, std::vector<drivers::CardKey> keys)
{
    const auto old = token.objects();
    const std::vector<drivers::CardKey> before = std::move(token.model.keys);
    token.model.keys = std::move(keys);
    auto list = std::make_shared<ObjectList>();
    auto fresh = buildTokenObjects(token.model);
    for (std::size_t i = 0; i < token.model.keys.size(); ++i) {
        const bool same = i < before.size() && before[i] == token.model.keys[i];
        if (same && old)
            for (const auto& o : *old)
                if (o->keyIndex == static_cast<int>(i)) list->push_back(o);
        if (same && old) continue;
        for (auto& o : fresh)
            if (o->keyIndex == static_cast<int>(i)) {
                o->handle = token.nextHandle();
                list->push_back(o);
            }
    }
    token.publishObjects(std::move(list));
}

drivers::TokenModel Slot::modelOf(const TokenPtr& token)
{
    std::scoped_lock lock(stateMutex);
    return token->model;
}

void Slot::dropToken(const TokenPtr& token, const char* reason)
{
    std::scoped_lock lock(stateMutex);
    if (!token || token_ != token) return;
    token->gone = true;
    token->logout();
    token_.reset();
    log::write(log::Level::calls, std::string("token in ") + reader_ + " dropped: " + reason);
}

void Slot::logoutAtExit() noexcept
{
    if (!stateMutex.try_lock()) return;
    if (token_) token_->logout();
    stateMutex.unlock();
}

void Slot::checkUsable(const TokenPtr& token)
{
    if (!token || token->gone) failRv(CKR_DEVICE_REMOVED, "card removed");
}

void Slot::handleCardError(const TokenPtr& token, const Error& e)
{
    switch (e.code()) {
    case Errc::deviceRemoved:
    case Errc::tokenNotPresent:
    case Errc::noService: dropToken(token, e.what()); break;
    default: break;
    }
}

} // namespace tessera::pkcs11
