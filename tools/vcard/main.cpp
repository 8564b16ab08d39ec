// tessera-vcard: software PIV and OpenPGP cards with real crypto, reached through
// vsmartcard's vpcd reader driver. `provision` writes a card's state file, `serve` plugs
// the card into vpcd; the test harness (scripts/with-virtual-cards) relies on
// this command line exactly.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hostile_card.hpp"
#include "hostile_modes.hpp"
#include "multi_app_card.hpp"
#include "openpgp_card.hpp"
#include "openpgp_persistence.hpp"
#include "openpgp_provisioning.hpp"
#include "persistence.hpp"
#include "piv_card.hpp"
#include "provisioning.hpp"
#include "vpcd_server.hpp"

namespace {

using namespace tessera::vcard;

constexpr const char* kUsage =
    "usage:\n"
    "  tessera-vcard provision --type piv --profile yubikey|plain --state FILE [--empty]\n"
    "                          [--mgmt-alg 3des|aes128|aes192|aes256]\n"
    "  tessera-vcard provision --type openpgp --profile default|v34|v34-p256|v34-25519|v21 --state FILE\n"
    "                          [--empty] [--keys sig=ALG,dec=ALG,aut=ALG]\n"
    "                          (ALG: rsa2048 rsa3072 rsa4096 p256 p384 p521 ed25519 x25519 none)\n"
    "  provision ... --hostile MODE   (or --profile hostile-MODE): a card that corrupts answers;\n"
    "                                 MODE: see tools/vcard/hostile_modes.hpp\n"
    "  tessera-vcard serve --state FILE [--host 127.0.0.1] --port PORT [--trace]\n"
    "                      [--openpgp-state FILE2]   (a PIV card that also carries the OpenPGP\n"
    "                                                 application of FILE2, as a YubiKey does)\n"
    "  tessera-vcard fingerprints --state FILE   (OpenPGP: stored vs computed v4 fingerprints)\n";

int usage(const std::string& why)
{
    if (!why.empty()) std::fprintf(stderr, "tessera-vcard: %s\n", why.c_str());
    std::fputs(kUsage, stderr);
    return 2;
}

// --name value pairs and bare --flags; throws std::invalid_argument on anything else.
std::map<std::string, std::string> parseOptions(const std::vector<std::string>& args,
                                                const std::vector<std::string>& flags)
{
    std::map<std::string, std::string> out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument '" + a + "'");
        std::string name = a.substr(2), value;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        } else if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
            value = "1";
        } else if (i + 1 < args.size()) {
            value = args[++i];
        } else {
            throw std::invalid_argument("option --" + name + " needs a value");
        }
        out[name] = value;
    }
    return out;
}

std::uint8_t parseMgmtAlg(const std::string& s)
{
    if (s == "3des" || s == "tdes") return alg::tdes;
    if (s == "aes128") return alg::aes128;
    if (s == "aes192") return alg::aes192;
    if (s == "aes256") return alg::aes256;
    throw std::invalid_argument("unknown management key algorithm '" + s + "'");
}

// --hostile MODE, or --profile hostile-MODE (the type's default profile): the
// mode goes into the state file as a marker (hostile_modes.hpp). Removes the
// option and returns the mode; throws std::invalid_argument on a bad one.
std::optional<HostileMode> takeHostileOption(std::map<std::string, std::string>& o, bool openPgp)
{
    std::string name;
    if (o.count("profile") && o["profile"].rfind("hostile-", 0) == 0) {
        name = o["profile"].substr(8);
        o.erase("profile");
    }
    if (o.count("hostile")) {
        name = o["hostile"];
        o.erase("hostile");
    }
    if (name.empty()) return std::nullopt;
    auto mode = parseHostileMode(name);
    if (!mode || isOpenPgpMode(*mode) != openPgp) {
        std::string known;
        for (const auto& n : hostileModeNames(openPgp))
            known += " " + n;
        throw std::invalid_argument("unknown hostile mode '" + name + "' for this card type; known:" + known);
    }
    return mode;
}

int provisionOpenPgp(std::map<std::string, std::string>& o)
{
    auto hostile = takeHostileOption(o, true);
    for (const auto& [k, v] : o)
        if (k != "type" && k != "profile" && k != "state" && k != "empty" && k != "keys")
            return usage("unknown option --" + k + " for an OpenPGP card");
    OpenPgpProvisionOptions p = openPgpProvisionDefaults(o.count("profile") ? o["profile"] : "default");
    p.empty = o.count("empty") != 0;
    if (o.count("keys")) applyKeyList(p, o["keys"]);
    saveOpenPgpState(o["state"], provisionOpenPgpCard(p));
    if (hostile) addHostileMarker(o["state"], *hostile);
    return 0;
}

int provision(const std::vector<std::string>& args)
{
    auto o = parseOptions(args, {"empty"});
    if (o["type"] == "openpgp") {
        if (o["state"].empty()) return usage("provision needs --state FILE");
        return provisionOpenPgp(o);
    }
    auto hostile = takeHostileOption(o, false);
    for (const auto& [k, v] : o)
        if (k != "type" && k != "profile" && k != "state" && k != "empty" && k != "mgmt-alg")
            return usage("unknown option --" + k);
    if (o["type"] != "piv") return usage("provision needs --type piv|openpgp");
    if (o["state"].empty()) return usage("provision needs --state FILE");
    ProvisionOptions p;
    p.profile = parseProfile(o.count("profile") ? o["profile"] : "yubikey");
    p.empty = o.count("empty") != 0;
    if (o.count("mgmt-alg")) p.mgmtAlgorithm = parseMgmtAlg(o["mgmt-alg"]);
    saveState(o["state"], provisionCard(p));
    if (hostile) addHostileMarker(o["state"], *hostile);
    return 0;
}

// A PIV card (the --state file) that also carries an OpenPGP application.
int serveMultiApp(const ServeOptions& s, const std::string& openPgpPath, bool hostile)
{
    if (hostile) return usage("--openpgp-state does not combine with a hostile card");
    if (isOpenPgpStateFile(s.statePath) || !isOpenPgpStateFile(openPgpPath))
        return usage("--openpgp-state needs a PIV --state and an OpenPGP state FILE2");
    PivCard piv(loadState(s.statePath));
    OpenPgpCard openpgp(loadOpenPgpState(openPgpPath));
    MultiAppCard card(piv, openpgp, openPgpPath);
    return serveCard(s, card);
}

int serveCommand(const std::vector<std::string>& args)
{
    auto o = parseOptions(args, {"trace"});
    for (const auto& [k, v] : o)
        if (k != "state" && k != "host" && k != "port" && k != "trace" && k != "openpgp-state")
            return usage("unknown option --" + k);
    ServeOptions s;
    s.statePath = o["state"];
    if (s.statePath.empty()) return usage("serve needs --state FILE");
    if (o.count("host")) s.host = o["host"];
    unsigned long port = std::stoul(o.count("port") ? o["port"] : "0");
    if (port == 0 || port > 65535) return usage("serve needs --port PORT (1-65535)");
    s.port = static_cast<std::uint16_t>(port);
    s.trace = o.count("trace") != 0 || std::getenv("TESSERA_VCARD_TRACE") != nullptr;
    s.latency = LatencyModel::fromEnvironment(); // TESSERA_VCARD_LATENCY=usb-token (bench/README.md)
    if (s.latency.enabled) std::fprintf(stderr, "tessera-vcard: latency model usb-token\n");
    auto hostile = readHostileMarker(s.statePath);
    if (o.count("openpgp-state")) return serveMultiApp(s, o["openpgp-state"], hostile.has_value());
    if (isOpenPgpStateFile(s.statePath)) {
        OpenPgpCard card(loadOpenPgpState(s.statePath));
        if (!hostile) return serveCard(s, card);
        HostileCard h(card, *hostile);
        return serveCard(s, h);
    }
    if (!hostile) return serve(s);
    PivCard piv(loadState(s.statePath));
    auto inner = pivVirtualCard(piv);
    HostileCard h(*inner, *hostile);
    return serveCard(s, h);
}

// Exit 0 when every key's stored fingerprint is its v4 fingerprint, 1 otherwise.
int fingerprintsCommand(const std::vector<std::string>& args)
{
    auto o = parseOptions(args, {});
    if (o.size() != 1 || o["state"].empty()) return usage("fingerprints needs --state FILE");
    std::string report;
    bool ok = checkFingerprints(loadOpenPgpState(o["state"]), report);
    std::fputs(report.c_str(), stdout);
    return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h") return usage(args.empty() ? "no command" : "");
    std::string command = args[0];
    args.erase(args.begin());
    try {
        if (command == "provision") return provision(args);
        if (command == "serve") return serveCommand(args);
        if (command == "fingerprints") return fingerprintsCommand(args);
        return usage("unknown command '" + command + "'");
    } catch (const std::invalid_argument& e) {
        return usage(e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tessera-vcard: %s\n", e.what());
        return 1;
    }
}
