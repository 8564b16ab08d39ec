// `tessera doctor`: the questions a user asks when a program does not find
// the card, answered in order — is pcscd reachable, which readers and cards
// does it see, can the module be loaded, what would an application see, and
// is the module registered with p11-kit (and is OpenSC registered too, so the
// card shows twice). Each line starts with ok / warn / FAIL; the exit code
// is the worst of them (module.hpp).
#include <PCSC/winscard.h>
#include <limits.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "module.hpp"

namespace tessera::cli {

namespace {

struct Verdict {
    int code = exitOk;
    void ok(const std::string& what) { std::printf("ok   %s\n", what.c_str()); }
    void warn(const std::string& what)
    {
        std::printf("warn %s\n", what.c_str());
        if (code == exitOk) code = exitAttention;
    }
    void fail(const std::string& what)
    {
        std::printf("FAIL %s\n", what.c_str());
        code = exitFailure;
    }
};

std::vector<std::string> splitMultiString(const std::vector<char>& buffer)
{
    std::vector<std::string> out;
    for (std::size_t i = 0; i < buffer.size() && buffer[i] != '\0';) {
        std::string s(&buffer[i]);
        i += s.size() + 1;
        out.push_back(std::move(s));
    }
    return out;
}

// pcscd and its readers, as the module will see them.
void checkPcsc(Verdict& v)
{
    SCARDCONTEXT ctx = 0;
    LONG rc = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx);
    if (rc != SCARD_S_SUCCESS) {
        v.fail(std::string("pcscd: not reachable (") + pcsc_stringify_error(rc) +
               "); start it, e.g. `systemctl start pcscd.socket`");
        return;
    }
    v.ok("pcscd: reachable");
    DWORD size = 0;
    rc = SCardListReaders(ctx, nullptr, nullptr, &size);
    std::vector<std::string> readers;
    if (rc == SCARD_S_SUCCESS) {
        std::vector<char> buffer(size);
        rc = SCardListReaders(ctx, nullptr, buffer.data(), &size);
        if (rc == SCARD_S_SUCCESS) readers = splitMultiString(buffer);
    }
    if (readers.empty()) {
        v.warn("readers: none (plug one in; a reader needs its IFD handler, e.g. libccid)");
    } else {
        for (const auto& reader : readers) {
            SCARD_READERSTATE state{};
            state.szReader = reader.c_str();
            state.dwCurrentState = SCARD_STATE_UNAWARE;
            const bool present = SCardGetStatusChange(ctx, 0, &state, 1) == SCARD_S_SUCCESS &&
                                 (state.dwEventState & SCARD_STATE_PRESENT);
            const bool exclusive = present && (state.dwEventState & SCARD_STATE_EXCLUSIVE);
            std::string line = "reader: " + reader + (present ? ", card present" : ", no card");
            if (exclusive)
                v.warn(line + ", but another program holds it exclusively (gpg's scdaemon? see README)");
            else
                v.ok(line);
        }
    }
    SCardReleaseContext(ctx);
}

std::string canonical(const std::string& path)
{
    char resolved[PATH_MAX];
    return realpath(path.c_str(), resolved) != nullptr ? std::string(resolved) : path;
}

// The "module:" value of a p11-kit module file, or empty.
std::string moduleOf(const std::filesystem::path& file)
{
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        const auto start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line.compare(start, 7, "module:") != 0) continue;
        std::string value = line.substr(start + 7);
        value.erase(0, value.find_first_not_of(" \t"));
        value.erase(value.find_last_not_of(" \t\r") + 1);
        // p11-kit resolves a bare name in its module directory.
        if (!value.empty() && value.front() != '/') value = std::string(TESSERA_P11KIT_MODULE_PATH) + "/" + value;
        return value;
    }
    return {};
}

// p11-kit's configuration directories, user first (p11-kit's pkcs11.conf(5)).
std::vector<std::filesystem::path> p11kitDirectories()
{
    std::vector<std::filesystem::path> dirs;
    if (const char* home = std::getenv("HOME")) dirs.emplace_back(std::string(home) + "/.config/pkcs11/modules");
    dirs.emplace_back("/etc/pkcs11/modules");
    dirs.emplace_back(TESSERA_P11KIT_MODULE_CONFIGS);
    return dirs;
}

void checkRegistration(Verdict& v, const std::string& loaded)
{
    const std::string ours = canonical(loaded);
    std::string registered, other, opensc;
    for (const auto& dir : p11kitDirectories()) {
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
            if (entry.path().extension() != ".module") continue;
            const std::string target = moduleOf(entry.path());
            if (target.empty()) continue;
            if (canonical(target) == ours)
                registered = entry.path().string();
            else if (target.find("tessera-pkcs11") != std::string::npos)
                other = entry.path().string() + " -> " + target;
            else if (target.find("opensc-pkcs11") != std::string::npos)
                opensc = entry.path().string();
        }
    }
    if (!registered.empty())
        v.ok("p11-kit: registered (" + registered + ")");
    else if (!other.empty())
        v.warn("p11-kit: registered with another copy of the module (" + other + ")");
    else
        v.warn("p11-kit: not registered; p11-kit clients (GnuTLS, p11-kit-proxy) will not find the card "
               "(install conf/tessera.module; README, \"Installing\")");
    if (!opensc.empty())
        v.warn("p11-kit: OpenSC is registered too (" + opensc +
               "): p11-kit clients see each card twice (README, \"p11-kit, and which module serves a card\")");
}

// What an application that loads the module sees.
void checkModule(Verdict& v, const std::string& path)
{
    std::string error;
    auto module = LoadedModule::load(path, error);
    if (!module) {
        v.fail("module: cannot load " + path + ": " + error);
        return;
    }
    v.ok("module: " + path + " loads and initialises");
    CK_RV rv = CKR_OK;
    const auto slots = module->slots(false, rv);
    if (rv != CKR_OK) {
        v.fail("module: C_GetSlotList failed: " + rvName(rv));
        return;
    }
    int tokens = 0;
    for (CK_SLOT_ID slot : slots) {
        CK_SLOT_INFO si{};
        if (module.value()->C_GetSlotInfo(slot, &si) != CKR_OK || !(si.flags & CKF_TOKEN_PRESENT)) continue;
        const std::string reader = fieldString(si.slotDescription, sizeof si.slotDescription);
        CK_TOKEN_INFO ti{};
        if (CK_RV trv = module.value()->C_GetTokenInfo(slot, &ti); trv != CKR_OK) {
            v.warn("token: the card in " + reader + " is not served (" + rvName(trv) +
                   (trv == CKR_TOKEN_NOT_RECOGNIZED ? ": no PIV or OpenPGP application" : "") + ")");
            continue;
        }
        ++tokens;
        std::string line = "token: \"" + fieldString(ti.label, sizeof ti.label) + "\" in " + reader;
        if (ti.flags & CKF_USER_PIN_LOCKED)
            v.warn(line + ", user PIN blocked (unblock with the PUK / reset code; README)");
        else
            v.ok(line);
    }
    if (tokens == 0) v.warn("module: " + std::to_string(slots.size()) + " slot(s), no token an application can use");
}

} // namespace

int runDoctor(const std::string& path)
{
    Verdict v;
    checkPcsc(v);
    checkModule(v, path);
    checkRegistration(v, path);
    return v.code;
}

} // namespace tessera::cli
