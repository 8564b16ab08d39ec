// Config loading: "key = value" lines, '#' comments; see config.hpp.
#include "pkcs11/config.hpp"

#include <cstdlib>
#include <fstream>

namespace tessera::pkcs11 {

namespace {
std::string trim(const std::string& s)
{
    auto b = s.find_first_not_of(" \t\r");
    auto e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool truthy(const std::string& v)
{
    return v == "1" || v == "true" || v == "yes" || v == "on";
}

void apply(Config& c, const std::string& key, const std::string& value)
{
    if (key == "debug")
        c.debugLevel = std::atoi(value.c_str());
    else if (key == "log_file")
        c.logFile = value;
    else if (key == "allow_cached_pin_for_always_authenticate")
        c.cachedPinForAlwaysAuthenticate = truthy(value);
    else if (key == "idle_disconnect_ms")
        c.idleDisconnectMs = std::atoi(value.c_str());
    else if (key == "cache")
        c.cacheEnabled = truthy(value);
    else if (key == "cache_dir")
        c.cacheDir = value;
    else if (key == "pin_source")
        c.pinSource = value == "pinentry" ? Config::PinSource::pinentry : Config::PinSource::application;
    else if (key == "pinentry_program")
        c.pinentryProgram = value;
    else if (key == "pinentry_timeout")
        c.pinentryTimeoutS = std::atoi(value.c_str());
}

void loadFile(Config& c, const std::string& path)
{
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        line = trim(line);
        if (line.empty() || line[0] == '#') continue;
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        apply(c, trim(line.substr(0, eq)), trim(line.substr(eq + 1)));
    }
}
} // namespace

Config Config::load()
{
    Config c;
    const char* path = std::getenv("TESSERA_CONF");
    loadFile(c, path != nullptr ? path : TESSERA_CONFIG_FILE); // cmake/install_paths.cmake
    if (const char* d = std::getenv("TESSERA_DEBUG")) c.debugLevel = std::atoi(d);
    if (const char* f = std::getenv("TESSERA_LOG_FILE")) c.logFile = f;
    if (const char* i = std::getenv("TESSERA_IDLE_DISCONNECT_MS")) c.idleDisconnectMs = std::atoi(i);
    return c;
}

} // namespace tessera::pkcs11
