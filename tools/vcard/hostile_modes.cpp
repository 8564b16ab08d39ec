// Names of the hostile modes (hostile_modes.hpp) and the marker line that keeps
// the mode in the card's state file across saves; the state parsers skip it as
// a comment, so a hostile state file is still a valid state file.
#include "hostile_modes.hpp"

#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "persistence.hpp"

namespace tessera::vcard {

namespace {

constexpr std::string_view kMarker = "# tessera-vcard-hostile ";

using M = HostileMode;
constexpr std::array<std::pair<M, std::string_view>, 21> kNames{{
    {M::certTruncated, "cert-truncated"},
    {M::certLengthOverflow, "cert-length-overflow"},
    {M::certOverlong, "cert-overlong"},
    {M::certNestedDeep, "cert-nested-deep"},
    {M::certGarbage, "cert-garbage"},
    {M::certHuge, "cert-huge"},
    {M::getDataEndless61, "getdata-61-forever"},
    {M::getData6CLoop, "getdata-6c-loop"},
    {M::rapduShort, "rapdu-short"},
    {M::swSelect, "sw-select"},
    {M::swGetData, "sw-getdata"},
    {M::swVerify, "sw-verify"},
    {M::swAuth, "sw-auth"},
    {M::vanishMidChain, "vanish-mid-chain"},
    {M::signatureShort, "signature-short"},
    {M::verifyAcceptsAny, "verify-accepts-any"},
    {M::pgpTruncated6E, "pgp-truncated-6e"},
    {M::pgpC4Short, "pgp-c4-short"},
    {M::pgp7F49No81, "pgp-7f49-no-81"},
    {M::pgpHuge7F21, "pgp-huge-7f21"},
    {M::pgpNestedDeep, "pgp-nested-deep"},
}};

} // namespace

std::optional<HostileMode> parseHostileMode(std::string_view name)
{
    for (const auto& [mode, n] : kNames)
        if (n == name) return mode;
    return std::nullopt;
}

std::string hostileModeName(HostileMode mode)
{
    for (const auto& [m, n] : kNames)
        if (m == mode) return std::string(n);
    return "unknown";
}

bool isOpenPgpMode(HostileMode mode)
{
    return hostileModeName(mode).rfind("pgp-", 0) == 0;
}

std::vector<std::string> hostileModeNames(bool openPgp)
{
    std::vector<std::string> out;
    for (const auto& [m, n] : kNames)
        if (isOpenPgpMode(m) == openPgp) out.emplace_back(n);
    return out;
}

std::optional<HostileMode> readHostileMarker(const std::string& statePath)
{
    std::ifstream in(statePath);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(kMarker, 0) != 0) continue;
        std::string name = line.substr(kMarker.size());
        if (auto mode = parseHostileMode(name)) return mode;
        throw std::runtime_error("unknown hostile mode '" + name + "' in " + statePath);
    }
    return std::nullopt;
}

void addHostileMarker(const std::string& statePath, HostileMode mode)
{
    std::ifstream in(statePath);
    if (!in) throw std::runtime_error("cannot read " + statePath);
    std::ostringstream text;
    text << kMarker << hostileModeName(mode) << "\n";
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(kMarker, 0) != 0) text << line << "\n";
    writeFileAtomically(statePath, text.str());
}

} // namespace tessera::vcard
