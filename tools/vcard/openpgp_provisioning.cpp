// Provisioning of the virtual OpenPGP card: a random serial in the AID, keys
// generated per slot with their v4 fingerprints (RFC 4880 section 12.2) and
// creation times written to C7-C9 / CE-D0, as GnuPG would after GENERATE.
#include "openpgp_provisioning.hpp"

#include <ctime>
#include <stdexcept>

#include "openpgp_algorithms.hpp"

namespace tessera::vcard {

namespace {

constexpr const char* kRoleNames[kKeyRoles] = {"sig", "dec", "aut"};

Bytes ascii(const std::string& s)
{
    return Bytes(s.begin(), s.end());
}

// Eight decimal digits as BCD, like the serial numbers of real cards.
std::uint32_t randomBcdSerial()
{
    Bytes r = randomBytes(8);
    std::uint32_t v = 0;
    for (std::uint8_t b : r)
        v = (v << 4) | (b % 10u);
    return v == 0 ? 1 : v;
}

} // namespace

OpenPgpProvisionOptions openPgpProvisionDefaults(const std::string& name)
{
    OpenPgpProvisionOptions o;
    if (name == "default" || name == "v34") return o;
    if (name == "v34-p256") {
        o.keys = {"p256", "p256", "p256"};
        return o;
    }
    if (name == "v34-25519") {
        o.keys = {"ed25519", "x25519", "ed25519"};
        return o;
    }
    if (name == "v21") {
        o.profile = OpenPgpProfile::v21;
        return o;
    }
    throw std::invalid_argument("unknown OpenPGP profile '" + name + "' (default, v34, v34-p256, v34-25519, v21)");
}

void applyKeyList(OpenPgpProvisionOptions& o, const std::string& list)
{
    std::size_t start = 0;
    while (start <= list.size()) {
        std::size_t end = list.find(',', start);
        std::string item = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
        std::size_t eq = item.find('=');
        bool known = false;
        for (std::size_t i = 0; i < kKeyRoles && eq != std::string::npos; ++i)
            if (item.substr(0, eq) == kRoleNames[i]) {
                o.keys[i] = item.substr(eq + 1);
                known = true;
            }
        if (!known) throw std::invalid_argument("--keys wants sig=ALG,dec=ALG,aut=ALG, not '" + item + "'");
        if (end == std::string::npos) break;
        start = end + 1;
    }
}

OpenPgpState provisionOpenPgpCard(const OpenPgpProvisionOptions& o)
{
    OpenPgpState s = defaultOpenPgpState(o.profile, randomBcdSerial());
    if (o.empty) return s;
    s.name = ascii("Cardholder<<Tessera");
    s.language = ascii("en");
    s.sex = ascii("9");
    auto now = static_cast<std::uint32_t>(std::time(nullptr));
    for (std::size_t i = 0; i < kKeyRoles; ++i) {
        if (o.keys[i] == "none") continue;
        auto role = static_cast<KeyRole>(i);
        auto spec = keySpecFromName(o.keys[i], role);
        if (spec && o.profile == OpenPgpProfile::v21 && !spec->isRsa()) spec.reset();
        if (!spec)
            throw std::invalid_argument(std::string("the ") + kRoleNames[i] + " key cannot be '" + o.keys[i] +
                                        "' on a " + openPgpProfileName(o.profile) + " card");
        OpenPgpKeySlot& k = slot(s, role);
        k.attributes = spec->attributes();
        k.key = generateOpenPgpKey(*spec);
        k.status = keystatus::generated;
        k.created = now;
        k.fingerprint = v4Fingerprint(k.key, *spec, now);
    }
    return s;
}

bool checkFingerprints(const OpenPgpState& s, std::string& report)
{
    bool allMatch = true;
    for (std::size_t i = 0; i < kKeyRoles; ++i) {
        const OpenPgpKeySlot& k = s.keys[i];
        auto spec = parseKeyAttributes(k.attributes, static_cast<KeyRole>(i), false);
        if (!k.key || !spec) continue;
        auto computed = v4Fingerprint(k.key, *spec, k.created);
        bool same = computed == k.fingerprint;
        allMatch = allMatch && same;
        report += std::string(kRoleNames[i]) + " " + toHex(k.fingerprint) + " " + toHex(computed) +
                  (same ? " ok\n" : " DIFFERENT\n");
    }
    return allMatch;
}

} // namespace tessera::vcard
