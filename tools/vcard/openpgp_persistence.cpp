// Reading and writing the virtual OpenPGP card's state file (format documented
// in openpgp_persistence.hpp): text records, keys as PKCS#8 DER in hex, every
// attribute checked against the card's algorithm table when read back.
#include "openpgp_persistence.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "openpgp_algorithms.hpp"
#include "persistence.hpp"

namespace tessera::vcard {

namespace {

constexpr const char* kMagic = "tessera-vcard-openpgp-state";
constexpr const char* kFormatVersion = "1";

std::string hexOrDash(ByteView b)
{
    return b.empty() ? "-" : toHex(b);
}
Bytes parseHexOrDash(const std::string& s)
{
    return s == "-" ? Bytes{} : fromHex(s);
}

std::uint32_t parseHexNumber(const std::string& s, std::uint32_t max)
{
    std::size_t used = 0;
    unsigned long v = std::stoul(s, &used, 16);
    if (used != s.size() || v > max) throw std::runtime_error("bad number '" + s + "'");
    return static_cast<std::uint32_t>(v);
}

std::uint8_t parseDecimal(const std::string& s, unsigned max)
{
    std::size_t used = 0;
    unsigned long v = std::stoul(s, &used, 10);
    if (used != s.size() || v > max) throw std::runtime_error("bad number '" + s + "'");
    return static_cast<std::uint8_t>(v);
}

std::string hexNumber(std::uint32_t v, int width)
{
    char text[16];
    std::snprintf(text, sizeof text, "%0*X", width, static_cast<unsigned>(v));
    return text;
}

std::string passwordLine(const char* name, const OpenPgpPassword& p)
{
    return std::string(name) + " " + hexOrDash(p.value) + " " + std::to_string(p.triesLeft) + " " +
           std::to_string(p.maxTries) + "\n";
}

OpenPgpPassword parsePassword(const std::vector<std::string>& f)
{
    if (f.size() != 4) throw std::runtime_error(f[0] + " record needs 3 fields");
    OpenPgpPassword p{parseHexOrDash(f[1]), parseDecimal(f[2], 15), parseDecimal(f[3], 15)};
    if (p.triesLeft > p.maxTries) throw std::runtime_error("bad " + f[0] + " record");
    return p;
}

template <std::size_t N> std::array<std::uint8_t, N> fixedHex(const std::string& s)
{
    Bytes b = fromHex(s);
    if (b.size() != N) throw std::runtime_error("expected " + std::to_string(N) + " bytes");
    std::array<std::uint8_t, N> out{};
    std::copy(b.begin(), b.end(), out.begin());
    return out;
}

void parseKey(const std::vector<std::string>& f, OpenPgpState& s)
{
    if (f.size() != 8) throw std::runtime_error("key record needs 7 fields");
    std::uint8_t ref = parseDecimal(f[1], 3);
    if (ref == 0) throw std::runtime_error("key reference 1-3");
    auto role = static_cast<KeyRole>(ref - 1);
    OpenPgpKeySlot k;
    k.attributes = fromHex(f[2]);
    auto spec = parseKeyAttributes(k.attributes, role, s.profile == OpenPgpProfile::v21);
    if (!spec) throw std::runtime_error("unsupported algorithm attributes");
    k.status = static_cast<std::uint8_t>(parseHexNumber(f[3], 2));
    k.created = parseHexNumber(f[4], 0xFFFFFFFF);
    k.fingerprint = fixedHex<20>(f[5]);
    k.caFingerprint = fixedHex<20>(f[6]);
    if (f[7] != "-") {
        k.key = decodePrivateKey(fromHex(f[7]));
        if (!keyMatchesSpec(k.key, *spec)) throw std::runtime_error("key does not match its attributes");
    }
    slot(s, role) = std::move(k);
}

void parseDataObject(const std::vector<std::string>& f, OpenPgpState& s)
{
    if (f.size() != 3) throw std::runtime_error("do record needs 2 fields");
    std::uint32_t tag = parseHexNumber(f[1], 0xFFFF);
    Bytes value = parseHexOrDash(f[2]);
    switch (tag) {
    case 0x5B: s.name = value; break;
    case 0x5E: s.login = value; break;
    case 0x5F2D: s.language = value; break;
    case 0x5F35: s.sex = value; break;
    case 0x5F50: s.url = value; break;
    case 0xF9: s.kdf = value; break;
    default:
        if (tag < 0x0101 || tag > 0x0104) throw std::runtime_error("unknown data object " + f[1]);
        s.privateDos[tag - 0x0101] = value;
    }
}

void parseRecord(const std::vector<std::string>& f, OpenPgpState& s)
{
    const std::string& kind = f[0];
    auto need = [&](std::size_t n) {
        if (f.size() != n + 1) throw std::runtime_error(kind + " record needs " + std::to_string(n) + " fields");
    };
    if (kind == "profile") {
        need(1);
        if (f[1] != "v34" && f[1] != "v21") throw std::runtime_error("unknown profile " + f[1]);
        s.profile = f[1] == "v34" ? OpenPgpProfile::v34 : OpenPgpProfile::v21;
    } else if (kind == "manufacturer") {
        need(1);
        s.manufacturer = static_cast<std::uint16_t>(parseHexNumber(f[1], 0xFFFF));
    } else if (kind == "serial") {
        need(1);
        s.serial = parseHexNumber(f[1], 0xFFFFFFFF);
    } else if (kind == "pw1" || kind == "pw3" || kind == "rc") {
        (kind == "pw1" ? s.pw1 : kind == "pw3" ? s.pw3 : s.rc) = parsePassword(f);
    } else if (kind == "pw1-mode") {
        need(1);
        s.pw1Mode = static_cast<std::uint8_t>(parseHexNumber(f[1], 1));
    } else if (kind == "counter") {
        need(1);
        s.signatureCounter = parseHexNumber(f[1], 0xFFFFFF);
    } else if (kind == "terminated") {
        need(1);
        s.terminated = parseDecimal(f[1], 1) == 1;
    } else if (kind == "key") {
        parseKey(f, s);
    } else if (kind == "do") {
        parseDataObject(f, s);
    } else if (kind == "cert") {
        need(2);
        s.certificates[parseDecimal(f[1], 2)] = parseHexOrDash(f[2]);
    } else {
        throw std::runtime_error("unknown record '" + kind + "'");
    }
}

} // namespace

std::string serializeOpenPgpState(const OpenPgpState& s)
{
    std::ostringstream out;
    out << "# Tessera virtual OpenPGP card state; format in tools/vcard/openpgp_persistence.hpp. "
           "Holds private keys.\n";
    out << kMagic << " " << kFormatVersion << "\n";
    out << "profile " << openPgpProfileName(s.profile) << "\n";
    out << "manufacturer " << hexNumber(s.manufacturer, 4) << "\nserial " << hexNumber(s.serial, 8) << "\n";
    out << passwordLine("pw1", s.pw1) << passwordLine("pw3", s.pw3) << passwordLine("rc", s.rc);
    out << "pw1-mode " << hexNumber(s.pw1Mode, 2) << "\ncounter " << hexNumber(s.signatureCounter, 6) << "\n";
    out << "terminated " << (s.terminated ? 1 : 0) << "\n";
    for (std::size_t i = 0; i < kKeyRoles; ++i) {
        const OpenPgpKeySlot& k = s.keys[i];
        out << "key " << i + 1 << " " << toHex(k.attributes) << " " << hexNumber(k.status, 2) << " "
            << hexNumber(k.created, 8) << " " << toHex(k.fingerprint) << " " << toHex(k.caFingerprint) << " "
            << (k.key ? toHex(encodePrivateKey(k.key)) : std::string("-")) << "\n";
    }
    const std::pair<unsigned, const Bytes*> dos[] = {{0x5B, &s.name},
                                                     {0x5E, &s.login},
                                                     {0x5F2D, &s.language},
                                                     {0x5F35, &s.sex},
                                                     {0x5F50, &s.url},
                                                     {0xF9, &s.kdf},
                                                     {0x0101, &s.privateDos[0]},
                                                     {0x0102, &s.privateDos[1]},
                                                     {0x0103, &s.privateDos[2]},
                                                     {0x0104, &s.privateDos[3]}};
    for (const auto& [tag, value] : dos)
        if (!value->empty()) out << "do " << hexNumber(tag, 2) << " " << toHex(*value) << "\n";
    for (std::size_t i = 0; i < s.certificates.size(); ++i)
        if (!s.certificates[i].empty()) out << "cert " << i << " " << toHex(s.certificates[i]) << "\n";
    out << "end\n";
    return out.str();
}

OpenPgpState parseOpenPgpState(const std::string& text)
{
    std::istringstream in(text);
    std::string line;
    OpenPgpState s = defaultOpenPgpState(OpenPgpProfile::v34, 0);
    bool header = false, ended = false;
    for (int number = 1; std::getline(in, line); ++number) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream words(line);
        std::vector<std::string> f;
        for (std::string w; words >> w;)
            f.push_back(w);
        try {
            if (ended) throw std::runtime_error("data after 'end'");
            if (!header) {
                if (f.size() != 2 || f[0] != kMagic || f[1] != kFormatVersion)
                    throw std::runtime_error("not a tessera-vcard-openpgp-state 1 file");
                header = true;
            } else if (f[0] == "end") {
                ended = true;
            } else {
                parseRecord(f, s);
            }
        } catch (const std::exception& e) {
            throw std::runtime_error("state file line " + std::to_string(number) + ": " + e.what());
        }
    }
    if (!ended) throw std::runtime_error("state file is truncated (no 'end' record)");
    return s;
}

bool isOpenPgpStateFile(const std::string& path)
{
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        return line.rfind(kMagic, 0) == 0;
    }
    return false;
}

OpenPgpState loadOpenPgpState(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read state file " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return parseOpenPgpState(text.str());
}

void saveOpenPgpState(const std::string& path, const OpenPgpState& state)
{
    writeFileAtomically(path, serializeOpenPgpState(state));
}

} // namespace tessera::vcard
