// The persistent cache of public card data (issue 8): the key list a driver
// read from a card (public keys, certificates, labels, capabilities, PIN
// policies; never a PIN or any secret) kept in the user's cache directory, so
// a new process need not read the certificates again. Each entry is keyed by
// the driver name and the card's identity (TokenModel::identity) and is only
// used after the driver's cheap check (Card::cachedKeysCurrent) says the card
// still holds the same keys and certificates. Files are the user's alone:
// directory 0700, files 0600 written atomically (temporary file + rename),
// and a directory or file owned by someone else or writable by group or world
// is refused. A corrupt, truncated or old-version file is ignored and rewritten.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "card-drivers/driver.hpp"
#include "common/bytes.hpp"

namespace tessera::pkcs11 {

struct Config;

struct CacheEntry {
    std::vector<drivers::CardKey> keys;
    Bytes stamp; // Card::cacheStamp() at the time the keys were read
};

// The file format, versioned, every length checked (token_cache_format.cpp).
inline constexpr std::uint8_t kCacheFormatVersion = 1;
Bytes serializeCacheEntry(const std::string& driver, ByteView identity, const CacheEntry& entry);
// nullopt (with the reason in `why`) for a file that is not a valid entry of
// this version for this driver and identity; never throws on bad input.
std::optional<CacheEntry> parseCacheEntry(ByteView file, const std::string& driver, ByteView identity,
                                          std::string& why);

class TokenCache {
public:
    explicit TokenCache(std::string directory) : directory_(std::move(directory)) {}
    // nullptr when the cache is off (cache = off) or no directory can be
    // found (cache_dir, else $XDG_CACHE_HOME/tessera, else ~/.cache/tessera).
    static std::shared_ptr<const TokenCache> fromConfig(const Config& config);

    const std::string& directory() const { return directory_; }
    // File name of an entry: driver name and hex of the identity (its SHA-256 when long).
    static std::string fileName(const std::string& driver, ByteView identity);

    // nullopt when absent, unsafe, unreadable or invalid (one log line each).
    std::optional<CacheEntry> load(const std::string& driver, ByteView identity) const;
    // Best effort: a failure is logged, never thrown.
    void store(const std::string& driver, ByteView identity, const CacheEntry& entry) const noexcept;
    // Forgets a card's entry. Called after every write through Tessera
    // (key_admin.cpp refreshKeyObjects: certificates written or deleted, keys
    // generated or imported), so the next process reads the card again.
    void invalidate(const std::string& driver, ByteView identity) const noexcept;

private:
    std::string directory_;
};

// Completes `model` (from Card::readIdentity) with its keys: from the cache
// when there is an entry and the card confirms it, else from Card::readKeys,
// storing what was read. cache == nullptr: readKeys only. Inside a
// transaction, after Card::select().
void readKeysThroughCache(const TokenCache* cache, drivers::Card& card, drivers::TokenModel& model);

} // namespace tessera::pkcs11
