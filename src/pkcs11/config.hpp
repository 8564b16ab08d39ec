// Module configuration: built-in defaults, then /etc/tessera/tessera.conf (or
// TESSERA_CONF), then environment variables. Documented in conf/tessera.conf.
#pragma once

#include <string>

namespace tessera::pkcs11 {

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
    bool threadsAllowed = true; // false under CKF_LIBRARY_CANT_CREATE_OS_THREADS

    static Config load();
};

} // namespace tessera::pkcs11
