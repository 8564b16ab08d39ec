// Reading and writing the virtual card's state file (format documented in
// persistence.hpp): text records, keys as PKCS#8 DER in hex, atomic replace.
#include "persistence.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tessera::vcard {

namespace {

constexpr const char* kMagic = "tessera-vcard-state";
constexpr int kFormatVersion = 1;

std::string hexByte(std::uint8_t b)
{
    return toHex(ByteView(&b, 1));
}

std::uint32_t parseHexNumber(const std::string& s, std::uint32_t max)
{
    std::size_t used = 0;
    unsigned long v = std::stoul(s, &used, 16);
    if (used != s.size() || v > max) throw std::runtime_error("bad number '" + s + "'");
    return static_cast<std::uint32_t>(v);
}

std::uint8_t hexU8(const std::string& s)
{
    return static_cast<std::uint8_t>(parseHexNumber(s, 0xFF));
}

std::uint8_t decU8(const std::string& s)
{
    std::size_t used = 0;
    unsigned long v = std::stoul(s, &used, 10);
    if (used != s.size() || v > 0xFF) throw std::runtime_error("bad number '" + s + "'");
    return static_cast<std::uint8_t>(v);
}

bool flag(const std::string& s)
{
    if (s != "0" && s != "1") throw std::runtime_error("bad flag '" + s + "'");
    return s == "1";
}

std::string pinLine(const char* name, const PinState& p)
{
    return std::string(name) + " " + toHex(p.value) + " " + std::to_string(p.triesLeft) + " " +
           std::to_string(p.maxTries) + " " + (p.isDefault ? "1" : "0") + "\n";
}

PinState parsePin(const std::vector<std::string>& f)
{
    if (f.size() != 5) throw std::runtime_error("pin record needs 4 fields");
    PinState p{fromHex(f[1]), decU8(f[2]), decU8(f[3]), flag(f[4])};
    if (p.value.size() != 8 || p.triesLeft > p.maxTries) throw std::runtime_error("bad pin record");
    return p;
}

void parseRecord(const std::vector<std::string>& f, CardState& s)
{
    const std::string& kind = f[0];
    auto need = [&](std::size_t n) {
        if (f.size() != n + 1) throw std::runtime_error(kind + " record needs " + std::to_string(n) + " fields");
    };
    if (kind == "profile") {
        need(1);
        s.profile = parseProfile(f[1]);
    } else if (kind == "version") {
        need(1);
        Bytes v = fromHex(f[1]);
        if (v.size() != 3) throw std::runtime_error("version needs 3 bytes");
        s.version = {v[0], v[1], v[2]};
    } else if (kind == "serial") {
        need(1);
        s.serial = parseHexNumber(f[1], 0xFFFFFFFF);
    } else if (kind == "pin") {
        s.pin = parsePin(f);
    } else if (kind == "puk") {
        s.puk = parsePin(f);
    } else if (kind == "mgmt") {
        need(4);
        s.mgmt = MgmtKeyState{hexU8(f[1]), fromHex(f[2]), hexU8(f[3]), flag(f[4])};
        if (s.mgmt.key.size() != symmetricKeyLength(s.mgmt.algorithm)) throw std::runtime_error("bad mgmt key");
    } else if (kind == "key") {
        need(6);
        KeySlot k{hexU8(f[2]), hexU8(f[3]), hexU8(f[4]), hexU8(f[5]), decodePrivateKey(fromHex(f[6]))};
        s.keys[hexU8(f[1])] = std::move(k);
    } else if (kind == "object") {
        need(2);
        s.objects[parseHexNumber(f[1], 0xFFFFFF)] = fromHex(f[2]);
    } else {
        throw std::runtime_error("unknown record '" + kind + "'");
    }
}

} // namespace

std::string serializeState(const CardState& s)
{
    std::ostringstream out;
    out << "# Tessera virtual PIV card state; format in tools/vcard/persistence.hpp. Holds private keys.\n";
    out << kMagic << " " << kFormatVersion << "\n";
    out << "profile " << profileName(s.profile) << "\n";
    out << "version " << toHex(s.version) << "\n";
    Bytes serial{static_cast<std::uint8_t>(s.serial >> 24), static_cast<std::uint8_t>(s.serial >> 16),
                 static_cast<std::uint8_t>(s.serial >> 8), static_cast<std::uint8_t>(s.serial)};
    out << "serial " << toHex(serial) << "\n";
    out << pinLine("pin", s.pin) << pinLine("puk", s.puk);
    out << "mgmt " << hexByte(s.mgmt.algorithm) << " " << toHex(s.mgmt.key) << " " << hexByte(s.mgmt.touchPolicy) << " "
        << (s.mgmt.isDefault ? 1 : 0) << "\n";
    for (const auto& [ref, k] : s.keys) {
        out << "key " << hexByte(ref) << " " << hexByte(k.algorithm) << " " << hexByte(k.pinPolicy) << " "
            << hexByte(k.touchPolicy) << " " << hexByte(k.origin) << " " << toHex(encodePrivateKey(k.key)) << "\n";
    }
    for (const auto& [t, content] : s.objects) {
        char tagText[16];
        std::snprintf(tagText, sizeof tagText, "%X", static_cast<unsigned>(t));
        out << "object " << tagText << " " << toHex(content) << "\n";
    }
    out << "end\n";
    return out.str();
}

CardState parseState(const std::string& text)
{
    std::istringstream in(text);
    std::string line;
    CardState s = defaultCardState(Profile::yubikey);
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
                if (f.size() != 2 || f[0] != kMagic || f[1] != std::to_string(kFormatVersion))
                    throw std::runtime_error("not a tessera-vcard-state 1 file");
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

CardState loadState(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read state file " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return parseState(text.str());
}

void saveState(const std::string& path, const CardState& state)
{
    writeFileAtomically(path, serializeState(state));
}

void writeFileAtomically(const std::string& path, const std::string& text)
{
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot create " + tmp + ": " + std::strerror(errno));
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            ::unlink(tmp.c_str());
            throw std::runtime_error("cannot write " + tmp);
        }
        done += static_cast<std::size_t>(n);
    }
    bool ok = ::fsync(fd) == 0;
    ok = ::close(fd) == 0 && ok;
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        throw std::runtime_error("cannot replace " + path + ": " + std::strerror(errno));
    }
}

} // namespace tessera::vcard
