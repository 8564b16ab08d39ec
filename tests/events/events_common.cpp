// Helpers shared by the event tests; see events_common.hpp. Reporting is
// thread-safe (several tests print from worker threads); the watchdog uses
// alarm() and a SIGALRM handler that only calls async-signal-safe functions.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <dlfcn.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "events_common.hpp"

extern char** environ;

namespace ev {

CK_FUNCTION_LIST* p11 = nullptr;

namespace {
std::mutex gPrint;
std::atomic<int> gFailures{0};
char gGuardWhat[256];

void onAlarm(int)
{
    const char head[] = "FAIL - watchdog: no answer from ";
    (void)!write(STDOUT_FILENO, head, sizeof head - 1);
    (void)!write(STDOUT_FILENO, gGuardWhat, strnlen(gGuardWhat, sizeof gGuardWhat));
    (void)!write(STDOUT_FILENO, " (hung?)\n", 9);
    _exit(3);
}

std::string trimmed(const unsigned char* s, std::size_t n)
{
    std::string out(reinterpret_cast<const char*>(s), n);
    out.erase(out.find_last_not_of(' ') + 1);
    return out;
}

void line(const std::string& s)
{
    std::scoped_lock lock(gPrint);
    std::fputs(s.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}
} // namespace

void ok(const std::string& what)
{
    line("ok   - " + what);
}
void fail(const std::string& what)
{
    gFailures.fetch_add(1);
    line("FAIL - " + what);
}
void note(const std::string& what)
{
    line("# " + what);
}
bool expect(bool cond, const std::string& what, const std::string& detail)
{
    if (cond)
        ok(what);
    else
        fail(detail.empty() ? what : what + ": " + detail);
    return cond;
}
bool expectRv(CK_RV got, CK_RV want, const std::string& what)
{
    return expect(got == want, what + " -> " + rvName(want), "got " + rvName(got));
}
int failures()
{
    return gFailures.load();
}
int finish(const char* name)
{
    if (failures() != 0) {
        line(std::string(name) + ": " + std::to_string(failures()) + " failure(s)");
        return 1;
    }
    line(std::string(name) + ": all passed");
    return 0;
}

std::string rvName(CK_RV rv)
{
    switch (rv) {
        // clang-format off
#define RV(x) case x: return #x;
        RV(CKR_OK)
        RV(CKR_CANCEL)
        RV(CKR_HOST_MEMORY)
        RV(CKR_SLOT_ID_INVALID)
        RV(CKR_GENERAL_ERROR)
        RV(CKR_FUNCTION_FAILED)
        RV(CKR_ARGUMENTS_BAD)
        RV(CKR_NO_EVENT)
        RV(CKR_CANT_LOCK)
        RV(CKR_ATTRIBUTE_TYPE_INVALID)
        RV(CKR_DATA_INVALID)
        RV(CKR_DATA_LEN_RANGE)
        RV(CKR_DEVICE_ERROR)
        RV(CKR_DEVICE_MEMORY)
        RV(CKR_DEVICE_REMOVED)
        RV(CKR_FUNCTION_CANCELED)
        RV(CKR_FUNCTION_NOT_SUPPORTED)
        RV(CKR_KEY_HANDLE_INVALID)
        RV(CKR_KEY_TYPE_INCONSISTENT)
        RV(CKR_MECHANISM_INVALID)
        RV(CKR_OBJECT_HANDLE_INVALID)
        RV(CKR_OPERATION_ACTIVE)
        RV(CKR_OPERATION_NOT_INITIALIZED)
        RV(CKR_PIN_INCORRECT)
        RV(CKR_PIN_LOCKED)
        RV(CKR_SESSION_CLOSED)
        RV(CKR_SESSION_HANDLE_INVALID)
        RV(CKR_SESSION_READ_ONLY)
        RV(CKR_SIGNATURE_INVALID)
        RV(CKR_TOKEN_NOT_PRESENT)
        RV(CKR_TOKEN_NOT_RECOGNIZED)
        RV(CKR_USER_ALREADY_LOGGED_IN)
        RV(CKR_USER_NOT_LOGGED_IN)
        RV(CKR_BUFFER_TOO_SMALL)
        RV(CKR_CRYPTOKI_NOT_INITIALIZED)
        RV(CKR_CRYPTOKI_ALREADY_INITIALIZED)
        // clang-format on
#undef RV
    default: {
        char buf[32];
        std::snprintf(buf, sizeof buf, "CK_RV 0x%08lX", rv);
        return buf;
    }
    }
}

double since(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string fmt(double v, int decimals)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

void loadModule(const char* path)
{
    std::string module = path != nullptr ? path : env("TESSERA_MODULE");
    if (module.empty()) {
        fail("TESSERA_MODULE is not set: run me inside scripts/with-virtual-cards");
        std::exit(1);
    }
    void* lib = dlopen(module.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
        fail("dlopen " + module + ": " + dlerror());
        std::exit(1);
    }
    auto getList = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList"));
    if (getList == nullptr || getList(&p11) != CKR_OK || p11 == nullptr) {
        fail("C_GetFunctionList of " + module);
        std::exit(1);
    }
}

CK_RV initialize()
{
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    return p11->C_Initialize(&args);
}

Guard::Guard(const char* what, unsigned seconds)
{
    std::snprintf(gGuardWhat, sizeof gGuardWhat, "%s within %u s", what, seconds);
    struct sigaction sa {};
    sa.sa_handler = onAlarm;
    sigaction(SIGALRM, &sa, nullptr);
    alarm(seconds);
}

Guard::~Guard()
{
    alarm(0);
}

std::string env(const char* name, const char* fallback)
{
    const char* v = std::getenv(name);
    return v != nullptr ? v : fallback;
}

std::string pin()
{
    return env("VCARD_PIN", "123456");
}

int spawn(const std::vector<std::string>& argv)
{
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    // stdout of children goes to stderr: our stdout holds the ok/FAIL lines
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
    int err = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    return err != 0 ? -1 : pid;
}

int reap(int pid)
{
    if (pid <= 0) return -1;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int reapWithin(int pid, double seconds)
{
    if (pid <= 0) return -1;
    auto t0 = Clock::now();
    while (since(t0) < seconds) {
        int status = 0;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0 && errno != EINTR) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid, SIGKILL);
    reap(pid);
    return -2;
}

int run(const std::vector<std::string>& argv)
{
    return reap(spawn(argv));
}

std::string capture(const std::vector<std::string>& argv, int* status)
{
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int fds[2];
    if (pipe(fds) != 0) {
        if (status != nullptr) *status = -1;
        return {};
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    pid_t pid = 0;
    int err = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    std::string out;
    char buf[4096];
    ssize_t n = 0;
    while (err == 0 && ((n = read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)))
        if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    close(fds[0]);
    int st = 0;
    if (err == 0)
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
    if (status != nullptr) *status = err != 0 ? -1 : (WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    return out;
}

int vcardCtl(const std::vector<std::string>& args, double* seconds)
{
    std::vector<std::string> argv{env("VCARD_CTL", TESSERA_SOURCE_DIR "/scripts/vcard-ctl")};
    argv.insert(argv.end(), args.begin(), args.end());
    auto t0 = Clock::now();
    int status = run(argv);
    double s = since(t0);
    if (seconds != nullptr) *seconds = s;
    std::string cmd;
    for (const auto& a : args)
        cmd += " " + a;
    note("vcard-ctl" + cmd + ": exit " + std::to_string(status) + " after " + fmt(s) + " s");
    return status;
}

std::vector<CK_SLOT_ID> slotList(bool tokenPresent, CK_RV* rvOut)
{
    CK_ULONG n = 0;
    CK_RV rv = p11->C_GetSlotList(tokenPresent ? CK_TRUE : CK_FALSE, nullptr, &n);
    std::vector<CK_SLOT_ID> slots(n);
    if (rv == CKR_OK && n > 0) rv = p11->C_GetSlotList(tokenPresent ? CK_TRUE : CK_FALSE, slots.data(), &n);
    if (rvOut != nullptr) *rvOut = rv;
    if (rv != CKR_OK) return {};
    slots.resize(n);
    return slots;
}

std::string slotReader(CK_SLOT_ID id)
{
    CK_SLOT_INFO si;
    if (p11->C_GetSlotInfo(id, &si) != CKR_OK) return {};
    return trimmed(si.slotDescription, sizeof si.slotDescription);
}

CK_FLAGS slotFlags(CK_SLOT_ID id, CK_RV* rvOut)
{
    CK_SLOT_INFO si;
    CK_RV rv = p11->C_GetSlotInfo(id, &si);
    if (rvOut != nullptr) *rvOut = rv;
    return rv == CKR_OK ? si.flags : 0;
}

CK_SLOT_ID slotForReader(const std::string& reader)
{
    for (CK_SLOT_ID id : slotList(false)) {
        std::string desc = slotReader(id);
        if (!desc.empty() && reader.rfind(desc, 0) == 0) return id;
    }
    return CK_UNAVAILABLE_INFORMATION;
}

CK_OBJECT_HANDLE findById(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, unsigned char id, CK_RV* rvOut)
{
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, &id, 1}};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_ULONG n = 0;
    CK_RV rv = p11->C_FindObjectsInit(s, tmpl, 2);
    if (rv == CKR_OK) {
        rv = p11->C_FindObjects(s, &h, 1, &n);
        CK_RV rv2 = p11->C_FindObjectsFinal(s);
        if (rv == CKR_OK) rv = rv2;
    }
    if (rvOut != nullptr) *rvOut = rv;
    return (rv == CKR_OK && n == 1) ? h : CK_INVALID_HANDLE;
}

namespace {
Bytes attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
    CK_ATTRIBUTE a{type, nullptr, 0};
    if (p11->C_GetAttributeValue(s, h, &a, 1) != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION) return {};
    Bytes v(a.ulValueLen);
    a.pValue = v.data();
    if (p11->C_GetAttributeValue(s, h, &a, 1) != CKR_OK) return {};
    v.resize(a.ulValueLen);
    return v;
}
} // namespace

EVP_PKEY* publicKey(CK_SESSION_HANDLE s, unsigned char id)
{
    CK_OBJECT_HANDLE h = findById(s, CKO_PUBLIC_KEY, id);
    if (h != CK_INVALID_HANDLE) {
        Bytes spki = attribute(s, h, CKA_PUBLIC_KEY_INFO);
        const unsigned char* p = spki.data();
        if (!spki.empty())
            if (EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()))) return k;
    }
    h = findById(s, CKO_CERTIFICATE, id);
    if (h == CK_INVALID_HANDLE) return nullptr;
    Bytes der = attribute(s, h, CKA_VALUE);
    const unsigned char* p = der.data();
    X509* cert = der.empty() ? nullptr : d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (cert == nullptr) return nullptr;
    EVP_PKEY* k = X509_get_pubkey(cert);
    X509_free(cert);
    return k;
}

CK_RV sign(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE key, const Bytes& data, Bytes& sig)
{
    CK_MECHANISM m{mech, nullptr, 0};
    CK_RV rv = p11->C_SignInit(s, &m, key);
    if (rv != CKR_OK) return rv;
    CK_ULONG len = 0;
    rv = p11->C_Sign(s, const_cast<unsigned char*>(data.data()), data.size(), nullptr, &len);
    if (rv != CKR_OK) return rv;
    sig.assign(len, 0);
    rv = p11->C_Sign(s, const_cast<unsigned char*>(data.data()), data.size(), sig.data(), &len);
    if (rv == CKR_OK) sig.resize(len);
    return rv;
}

Bytes sha256(const Bytes& data)
{
    Bytes h(SHA256_DIGEST_LENGTH);
    SHA256(data.data(), data.size(), h.data());
    return h;
}

Bytes sha256DigestInfo(const Bytes& data)
{
    Bytes di{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
             0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    Bytes h = sha256(data);
    di.insert(di.end(), h.begin(), h.end());
    return di;
}

Bytes text(const std::string& s)
{
    return Bytes(s.begin(), s.end());
}

bool verify(EVP_PKEY* pub, CK_MECHANISM_TYPE mech, const Bytes& data, const Bytes& sig)
{
    if (pub == nullptr) return false;
    Bytes digest = data;
    Bytes der = sig;
    bool good = false;
    if (mech == CKM_ECDSA || mech == CKM_ECDSA_SHA256) {
        if (mech == CKM_ECDSA_SHA256) digest = sha256(data);
        if (sig.empty() || sig.size() % 2 != 0) return false;
        std::size_t half = sig.size() / 2;
        ECDSA_SIG* es = ECDSA_SIG_new();
        BIGNUM* r = BN_bin2bn(sig.data(), static_cast<int>(half), nullptr);
        BIGNUM* s = BN_bin2bn(sig.data() + half, static_cast<int>(half), nullptr);
        ECDSA_SIG_set0(es, r, s);
        unsigned char* out = nullptr;
        int n = i2d_ECDSA_SIG(es, &out);
        der.assign(out, out + std::max(n, 0));
        OPENSSL_free(out);
        ECDSA_SIG_free(es);
    } else if (mech == CKM_SHA256_RSA_PKCS) {
        digest = sha256(data);
    } else if (mech == CKM_RSA_PKCS) {
        if (data.size() != 51) return false; // a SHA-256 DigestInfo
        digest.assign(data.begin() + 19, data.end());
    } else {
        return false;
    }
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pub, nullptr);
    if (ctx != nullptr && EVP_PKEY_verify_init(ctx) == 1) {
        bool params = true;
        if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA)
            params = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
                     EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1;
        good = params && EVP_PKEY_verify(ctx, der.data(), der.size(), digest.data(), digest.size()) == 1;
    }
    EVP_PKEY_CTX_free(ctx);
    return good;
}

} // namespace ev
