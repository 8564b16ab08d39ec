// Module configuration: built-in defaults, then /etc/tessera/tessera.conf (or
// TESSERA_CONF), then environment variables. Documented in conf/tessera.conf.
#pragma once

#include <string>

namespace tessera::pkcs11 {

struct Config {
    int debugLevel = 0;          // debug = 0|1|2 (TESSERA_DEBUG)
    std::string logFile;         // log_file = PATH (TESSERA_LOG_FILE); empty = stderr
    // allow_cached_pin_for_always_authenticate = false: a key with
    // CKA_ALWAYS_AUTHENTICATE uses only the PIN of its context-specific login.
    bool cachedPinForAlwaysAuthenticate = false;

    static Config load();
};

} // namespace tessera::pkcs11
