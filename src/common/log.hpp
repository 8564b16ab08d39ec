// Debug log: off unless TESSERA_DEBUG is set (1 = PKCS#11 calls, 2 = also the
// APDU trace) or the config file says so; to stderr or TESSERA_LOG_FILE.
// Nothing secret is ever passed here: APDUs marked sensitive are redacted by
// the APDU layer before they reach the log.
#pragma once

#include <cstddef>
#include <string_view>

namespace tessera::log {

// warning: always written, also with the debug log off (a broken
// configuration must be seen); calls and apdu: TESSERA_DEBUG 1 and 2.
enum class Level { off = 0, warning = 0, calls = 1, apdu = 2 };

// Reads TESSERA_DEBUG / TESSERA_LOG_FILE; called by C_Initialize, idempotent.
// false when `file` cannot be opened for appending (the log then goes to stderr).
bool configure(int level, std::string_view file);
void configureFromEnvironment();
bool enabled(Level l) noexcept;
void write(Level l, std::string_view message) noexcept;

// pthread_atfork (src/pkcs11/module.cpp): hold the sink's lock across fork().
void lockForFork() noexcept;
void unlockAfterFork() noexcept;

// APDU counters (per thread), so the C ABI trampoline can log "n APDUs" per call.
void countApdu() noexcept;
std::size_t apduCount() noexcept;
void resetApduCount() noexcept;

} // namespace tessera::log
