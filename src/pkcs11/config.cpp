// Config loading: "key = value" lines, '#' comments; see config.hpp. Each
// option is one branch of apply(), which returns "" when it took the value
// and the problem otherwise; the setters check the value's form and range.
#include "pkcs11/config.hpp"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace tessera::pkcs11 {

namespace {
// A binary file given as TESSERA_CONF must not flood the log.
constexpr std::size_t kMaxProblemsPerFile = 10;
constexpr std::size_t kMaxQuoted = 64;

std::string trim(const std::string& s)
{
    auto b = s.find_first_not_of(" \t\r");
    auto e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// A value or key as it may appear in a log line: printable, bounded.
std::string quoted(const std::string& s)
{
    std::string out = "'";
    for (std::size_t i = 0; i < s.size() && i < kMaxQuoted; ++i)
        out += (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (s.size() > kMaxQuoted) out += "...";
    return out + "'";
}

// '#' starts a comment at the start of a line or after blanks, so
// "debug = 1  # calls" works and a path like /tmp/a#b stays whole.
std::string stripComment(const std::string& line)
{
    for (std::size_t i = 0; i < line.size(); ++i)
        if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) return line.substr(0, i);
    return line;
}

// Setters: "" when the value was taken, else what a valid value looks like.
std::string setBool(bool& out, const std::string& v)
{
    if (v == "1" || v == "true" || v == "yes" || v == "on") {
        out = true;
        return {};
    }
    if (v == "0" || v == "false" || v == "no" || v == "off") {
        out = false;
        return {};
    }
    return "true or false (also yes/no, on/off, 1/0)";
}

std::string setInt(int& out, const std::string& v, long min, long max)
{
    errno = 0;
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || errno == ERANGE || n < min || n > max)
        return "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    out = static_cast<int>(n);
    return {};
}

// PATTERN[, PATTERN...]: appended to `out` (several lines add up); empty clears it.
std::string addPatterns(std::vector<std::string>& out, const std::string& v)
{
    if (v.empty()) { // "reader_include =": no filter (the shipped file's default)
        out.clear();
        return {};
    }
    std::vector<std::string> patterns;
    std::size_t start = 0;
    while (start <= v.size()) {
        const std::size_t comma = std::min(v.find(',', start), v.size());
        if (std::string p = trim(v.substr(start, comma - start)); !p.empty()) patterns.push_back(p);
        start = comma + 1;
    }
    if (patterns.empty()) return "a comma-separated list of reader-name patterns";
    out.insert(out.end(), patterns.begin(), patterns.end());
    return {};
}

std::string setApplication(std::string& out, const std::string& v)
{
    std::string low = v;
    std::transform(low.begin(), low.end(), low.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (low != "piv" && low != "openpgp") return "piv or openpgp";
    out = low;
    return {};
}

std::string setPinSource(Config::PinSource& out, const std::string& v)
{
    if (v == "application")
        out = Config::PinSource::application;
    else if (v == "pinentry")
        out = Config::PinSource::pinentry;
    else
        return "application or pinentry";
    return {};
}

// application.PATTERN = piv|openpgp
std::string addApplicationRule(Config& c, const std::string& pattern, const std::string& v)
{
    ApplicationRule rule{pattern, {}};
    if (pattern.empty()) return "application.PATTERN with a reader-name or serial pattern";
    if (std::string want = setApplication(rule.application, v); !want.empty()) return want;
    c.applicationRules.push_back(std::move(rule));
    return {};
}

bool matchesAny(const std::vector<std::string>& patterns, const std::string& name)
{
    for (const auto& p : patterns)
        if (fnmatch(p.c_str(), name.c_str(), 0) == 0) return true;
    return false;
}

// Applies one "key = value": "" when taken, "unknown key" or what a valid
// value looks like otherwise (the setting then keeps its earlier value).
std::string apply(Config& c, const std::string& key, const std::string& value)
{
    if (key == "debug")
        return setInt(c.debugLevel, value, 0, 2);
    else if (key == "log_file")
        c.logFile = value;
    else if (key == "allow_cached_pin_for_always_authenticate")
        return setBool(c.cachedPinForAlwaysAuthenticate, value);
    else if (key == "idle_disconnect_ms")
        return setInt(c.idleDisconnectMs, value, 0, 86'400'000);
    else if (key == "cache")
        return setBool(c.cacheEnabled, value);
    else if (key == "cache_dir")
        c.cacheDir = value;
    else if (key == "pin_source")
        return setPinSource(c.pinSource, value);
    else if (key == "pinentry_program")
        c.pinentryProgram = value;
    else if (key == "pinentry_timeout")
        return setInt(c.pinentryTimeoutS, value, 1, 3600);
    else if (key == "reader_include")
        return addPatterns(c.readerInclude, value);
    else if (key == "reader_exclude")
        return addPatterns(c.readerExclude, value);
    else if (key == "application")
        return setApplication(c.application, value);
    else if (key.rfind("application.", 0) == 0)
        return addApplicationRule(c, trim(key.substr(12)), value);
    else
        return "unknown key";
    return {};
}

// The file at `path`; `named` = given by TESSERA_CONF (a missing system file
// is normal: the module may run from a build tree).
void loadFile(Config& c, const std::string& path, bool named)
{
    const std::string what = named ? "TESSERA_CONF " + quoted(path) : "config file " + quoted(path);
    struct stat st {};
    if (path.empty()) {
        c.problems.push_back("TESSERA_CONF is set but empty; using the defaults");
        return;
    }
    if (stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT && !named) return;
        c.problems.push_back(what + " cannot be read (" + std::strerror(errno) + "); using the defaults");
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        c.problems.push_back(what + " is not a regular file; using the defaults");
        return;
    }
    std::ifstream in(path);
    if (!in) {
        c.problems.push_back(what + " cannot be read (" + std::strerror(errno) + "); using the defaults");
        return;
    }
    Config::parse(c, in, path);
}

// An environment override: a bad value is one problem, and is ignored.
void envInt(Config& c, const char* name, int& out, long min, long max)
{
    const char* v = std::getenv(name);
    if (v == nullptr) return;
    if (std::string want = setInt(out, v, min, max); !want.empty())
        c.problems.push_back(std::string(name) + "=" + quoted(v) + " is not " + want + "; ignored");
}
} // namespace

bool Config::readerAllowed(const std::string& reader) const
{
    return (readerInclude.empty() || matchesAny(readerInclude, reader)) && !matchesAny(readerExclude, reader);
}

std::string matchApplication(const std::vector<ApplicationRule>& rules, const std::string& name)
{
    for (const auto& r : rules)
        if (fnmatch(r.pattern.c_str(), name.c_str(), 0) == 0) return r.application;
    return {};
}

std::string Config::applicationForReader(const std::string& reader) const
{
    std::string byRule = matchApplication(applicationRules, reader);
    return byRule.empty() ? application : byRule;
}

void Config::parse(Config& c, std::istream& in, const std::string& source)
{
    std::string line;
    std::size_t number = 0, found = 0;
    auto problem = [&](const std::string& text) {
        if (++found <= kMaxProblemsPerFile)
            c.problems.push_back(source + " line " + std::to_string(number) + ": " + text);
        else if (found == kMaxProblemsPerFile + 1)
            c.problems.push_back(source + ": more problems after line " + std::to_string(number) + " not shown");
    };
    while (std::getline(in, line)) {
        ++number;
        if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3); // UTF-8 byte order mark
        line = trim(stripComment(line));
        if (line.empty()) continue;
        auto eq = line.find('=');
        const std::string key = eq == std::string::npos ? std::string() : trim(line.substr(0, eq));
        if (key.empty()) {
            problem("not a \"key = value\" line; ignored");
            continue;
        }
        const std::string value = trim(line.substr(eq + 1));
        const std::string want = apply(c, key, value);
        if (want == "unknown key")
            problem("unknown key " + quoted(key) + "; ignored");
        else if (!want.empty())
            problem(key + " = " + quoted(value) + " is not " + want + "; ignored");
    }
}

Config Config::load()
{
    Config c;
    const char* path = std::getenv("TESSERA_CONF");
    loadFile(c, path != nullptr ? path : TESSERA_CONFIG_FILE, path != nullptr); // cmake/install_paths.cmake
    envInt(c, "TESSERA_DEBUG", c.debugLevel, 0, 2);
    if (const char* f = std::getenv("TESSERA_LOG_FILE")) c.logFile = f;
    envInt(c, "TESSERA_IDLE_DISCONNECT_MS", c.idleDisconnectMs, 0, 86'400'000);
    return c;
}

} // namespace tessera::pkcs11
