// Module configuration: built-in defaults, then /etc/tessera/tessera.conf (or
// TESSERA_CONF), then environment variables. Documented in conf/tessera.conf.
// A module lives in other people's processes, so a broken configuration never
// fails C_Initialize: each problem (unknown key, bad value, garbage line,
// unreadable file) becomes one line in `problems`, logged at C_Initialize,
// and the setting keeps its default.
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace tessera::pkcs11 {

// application.PATTERN = piv|openpgp: which application of a card with several
// a matching reader, or a card with a matching serial number, serves.
struct ApplicationRule {
    std::string pattern;     // fnmatch glob on the reader name or the card's serial
    std::string application; // "piv" or "openpgp" (a driver name, registry.hpp)
};

// The application of the first rule whose pattern matches `name`; "" if none.
std::string matchApplication(const std::vector<ApplicationRule>& rules, const std::string& name);

struct Config {
    int debugLevel = 0;  // debug = 0|1|2 (TESSERA_DEBUG)
    std::string logFile; // log_file = PATH (TESSERA_LOG_FILE); empty = stderr
    // allow_cached_pin_for_always_authenticate = false: a key with
    // CKA_ALWAYS_AUTHENTICATE uses only the PIN of its context-specific login.
    bool cachedPinForAlwaysAuthenticate = false;
    // idle_disconnect_ms = 3000 (TESSERA_IDLE_DISCONNECT_MS): release the card
    // handle after this long without card I/O; 0 keeps it.
    int idleDisconnectMs = 3000;
    // cache = on|off: the persistent cache of public card data (token_cache.hpp);
    // cache_dir = PATH: where (empty: $XDG_CACHE_HOME/tessera or ~/.cache/tessera).
    bool cacheEnabled = true;
    std::string cacheDir;
    // pin_source = application|pinentry: with pinentry, tokens announce
    // CKF_PROTECTED_AUTHENTICATION_PATH and C_Login(NULL PIN) asks the
    // pinentry_program (empty: the first of pinentry.hpp's defaults found)
    // over Assuan, giving the user pinentry_timeout seconds (pinentry_login.hpp).
    enum class PinSource { application, pinentry };
    PinSource pinSource = PinSource::application;
    std::string pinentryProgram;
    int pinentryTimeoutS = 60;
    // reader_include = PATTERN[, PATTERN...] and reader_exclude = ...: fnmatch
    // globs on the PC/SC reader name, applied before readers become slots.
    std::vector<std::string> readerInclude, readerExclude;
    // application = piv|openpgp: what a card with several applications
    // serves; empty = the card's ATR decides, then PIV (a YubiKey serves PIV).
    std::string application;
    std::vector<ApplicationRule> applicationRules; // application.PATTERN = ..., in file order
    bool threadsAllowed = true;                    // false under CKF_LIBRARY_CANT_CREATE_OS_THREADS

    // One line per problem found while loading, without the "config" prefix
    // the module adds when it logs them (Module::Module).
    std::vector<std::string> problems;

    // A reader is used when it matches an include pattern (or none is set)
    // and no exclude pattern.
    bool readerAllowed(const std::string& reader) const;

    // The application a reader's cards serve by reader name, else the global
    // choice ("" = ATR order). A rule matching the card's serial outranks it
    // (Slot::loadToken).
    std::string applicationForReader(const std::string& reader) const;

    static Config load();
    // Parses one file's text into c (tests use it directly); `source` names
    // the file in problem lines.
    static void parse(Config& c, std::istream& in, const std::string& source);
};

} // namespace tessera::pkcs11
