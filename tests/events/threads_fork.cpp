// events_threads_processes and events_fork: many threads in two processes
// signing at once, and a module used across fork() (the child re-initialises,
// the parent is unaffected).
//
// threads_processes: two processes (this program again, "sign_many") x 4
// threads x 100 CKM_ECDSA signatures with PIV key 9E (no PIN), each thread in
// its own session; every signature verified with OpenSSL; total time printed.
// fork: the parent initialises, logs in and signs; a forked child must call
// C_Initialize again (CKR_CRYPTOKI_NOT_INITIALIZED before, CKR_OK then: a
// fresh module, not logged in), list slots, log in and sign; a second child
// exits with exit(0) without touching the module; a third signs alongside the
// parent. The parent's session, login and signatures are unaffected. Then
// ten children forked while a parent thread signs in a loop each initialise,
// list slots and sign (no lock left held by the fork).
#include <openssl/crypto.h>
#include <sys/wait.h>

#include <cctype>
#include <cstring>
#include <unistd.h>

#include "events_common.hpp"
#include "events_tests.hpp"

namespace ev {

namespace {

struct Count {
    std::atomic<int> made{0};
    std::atomic<int> verified{0};
};

void signer(CK_SLOT_ID slot, EVP_PKEY* pub, int index, int n, Count& c)
{
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    CK_RV rv = p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s);
    if (rv != CKR_OK) return fail("thread " + std::to_string(index) + ": C_OpenSession " + rvName(rv));
    CK_OBJECT_HANDLE key = findById(s, CKO_PRIVATE_KEY, 0x04);
    if (key == CK_INVALID_HANDLE) return fail("thread " + std::to_string(index) + ": 9E key not found");
    for (int i = 0; i < n; ++i) {
        Bytes hash = sha256(
            text("pid " + std::to_string(getpid()) + " thread " + std::to_string(index) + " #" + std::to_string(i)));
        Bytes sig;
        rv = sign(s, CKM_ECDSA, key, hash, sig);
        if (rv != CKR_OK) {
            fail("thread " + std::to_string(index) + " #" + std::to_string(i) + ": " + rvName(rv));
            continue;
        }
        ++c.made;
        if (verify(pub, CKM_ECDSA, hash, sig))
            ++c.verified;
        else
            fail("thread " + std::to_string(index) + " #" + std::to_string(i) + ": signature does not verify");
    }
    p11->C_CloseSession(s);
}

// Where the child's memory holds PIN (ASCII, or the PIV VERIFY form padded
// with FF): the writable private mappings but the main stack (the test's own
// copies live there; the module keeps the PIN in heap or locked pages).
std::vector<std::string> pinCopies(const std::string& pin)
{
    std::vector<std::string> hits;
    const std::string padded = pin + std::string(pin.size() < 8 ? 8 - pin.size() : 0, '\xff');
    std::FILE* maps = std::fopen("/proc/self/maps", "r");
    std::FILE* mem = std::fopen("/proc/self/mem", "rb");
    if (maps == nullptr || mem == nullptr) return {"cannot read /proc/self/mem"};
    char line[512];
    while (std::fgets(line, sizeof line, maps) != nullptr) {
        unsigned long lo = 0, hi = 0;
        char perms[5] = {};
        if (std::sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) != 3) continue;
        if (perms[0] != 'r' || perms[1] != 'w' || std::strstr(line, "[stack]") != nullptr) continue;
        if (std::strstr(line, "[vvar") != nullptr || hi - lo > (256ul << 20)) continue;
        std::string region(hi - lo, '\0');
        if (fseeko(mem, static_cast<off_t>(lo), SEEK_SET) != 0 ||
            std::fread(region.data(), 1, region.size(), mem) != region.size())
            continue;
        for (const std::string* f : {&padded, &pin}) {
            const std::string& form = *f;
            for (auto at = region.find(form); at != std::string::npos; at = region.find(form, at + 1)) {
                // Not a PIN but a digit table ("0123456789" in libc's printf).
                auto digit = [&](std::size_t i) {
                    return i < region.size() && std::isdigit(static_cast<unsigned char>(region[i]));
                };
                if (f == &pin && ((at > 0 && digit(at - 1)) || digit(at + pin.size()))) continue;
                std::string around = region.substr(at >= 24 ? at - 24 : 0, 56);
                for (char& c : around)
                    if (c < 32 || c > 126) c = '.';
                char where[700];
                std::snprintf(where, sizeof where, "%lx [%s] in %s", lo + at, around.c_str(), line);
                hits.push_back(where);
            }
        }
    }
    std::fclose(maps);
    std::fclose(mem);
    return hits;
}

// fork() while another thread signs in a loop (so may hold one of the
// module's locks at the fork; pthread_atfork in module.cpp keeps the
// module-global ones consistent): each child initialises, lists the slots
// and makes a verified signature within its watchdog. Ten forks.
void forkWhileSigning(CK_SLOT_ID slot, std::string& parentPin)
{
    // The parent is logged in with its PIN cached; the test's own heap copy
    // is wiped first, so whatever the child finds is the module's.
    const std::string pinText = parentPin;
    OPENSSL_cleanse(parentPin.data(), parentPin.size());
    std::atomic<bool> stop{false};
    std::atomic<int> made{0};
    std::thread busy([&] {
        CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
        if (p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) return;
        CK_OBJECT_HANDLE k = findById(s, CKO_PRIVATE_KEY, 0x04);
        while (!stop) {
            Bytes sig;
            if (sign(s, CKM_ECDSA, k, sha256(text("busy")), sig) == CKR_OK) ++made;
        }
        p11->C_CloseSession(s);
    });
    while (made == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    int passed = 0;
    for (int i = 0; i < 10; ++i) {
        std::fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            alarm(30); // a deadlocked child dies (SIGALRM) instead of hanging
            if (i == 0) {
                auto hits = pinCopies(pinText);
                for (const auto& h : hits)
                    note("child: PIN found at " + h);
                expect(hits.empty(), "child: the parent's cached PIN is not in the child's memory",
                       std::to_string(hits.size()) + " copies");
            }
            int bad = initialize() != CKR_OK;
            CK_ULONG n = 0;
            bad += p11->C_GetSlotList(CK_TRUE, nullptr, &n) != CKR_OK || n == 0;
            CK_SLOT_ID cslot = slotForReader(env("TESSERA_PIV_READER"));
            CK_SESSION_HANDLE cs = CK_INVALID_HANDLE;
            bad += p11->C_OpenSession(cslot, CKF_SERIAL_SESSION, nullptr, nullptr, &cs) != CKR_OK;
            CK_OBJECT_HANDLE k = findById(cs, CKO_PRIVATE_KEY, 0x04);
            EVP_PKEY* pk = publicKey(cs, 0x04);
            Bytes h = sha256(text("child of a busy parent")), sig;
            bad += sign(cs, CKM_ECDSA, k, h, sig) != CKR_OK || pk == nullptr || !verify(pk, CKM_ECDSA, h, sig);
            p11->C_Finalize(nullptr);
            _exit(bad == 0 && failures() == 0 ? 0 : 1);
        }
        passed += reapWithin(pid, 40) == 0;
    }
    stop = true;
    busy.join();
    expect(passed == 10, "10 children forked while a thread signs: each initialised, listed slots and signed",
           std::to_string(passed) + " of 10");
}

} // namespace

// One process: THREADS x N signatures.
int testSignMany(int argc, char** argv)
{
    const int threads = argc > 0 ? std::atoi(argv[0]) : 4;
    const int n = argc > 1 ? std::atoi(argv[1]) : 100;
    const std::string me = "pid " + std::to_string(getpid()) + ": ";
    loadModule();
    expectRv(initialize(), CKR_OK, me + "C_Initialize");
    CK_SLOT_ID slot = slotForReader(env("TESSERA_PIV_READER"));
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    if (!expectRv(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_OK, me + "C_OpenSession"))
        return finish("sign_many");
    EVP_PKEY* pub = publicKey(s, 0x04);
    if (!expect(pub != nullptr, me + "9E public key")) return finish("sign_many");
    Count c;
    auto t0 = Clock::now();
    std::vector<std::thread> ts;
    for (int i = 0; i < threads; ++i)
        ts.emplace_back(signer, slot, pub, i, n, std::ref(c));
    for (auto& t : ts)
        t.join();
    double secs = since(t0);
    note(me + std::to_string(threads) + " threads x " + std::to_string(n) + ": " + std::to_string(c.made.load()) +
         " signed, " + std::to_string(c.verified.load()) + " verified in " + fmt(secs) + " s");
    expect(c.verified.load() == threads * n, me + "all " + std::to_string(threads * n) + " signatures verify");
    p11->C_CloseSession(s);
    EVP_PKEY_free(pub);
    expectRv(p11->C_Finalize(nullptr), CKR_OK, me + "C_Finalize");
    return finish("sign_many");
}

int testThreadsProcesses()
{
    const std::string self = "/proc/self/exe";
    char path[4096];
    ssize_t n = readlink(self.c_str(), path, sizeof path - 1);
    if (n <= 0) {
        fail("readlink /proc/self/exe");
        return finish("events_threads_processes");
    }
    path[n] = '\0';
    auto t0 = Clock::now();
    // children print their own ok/FAIL lines on our stdout
    std::fflush(stdout);
    std::vector<pid_t> pids;
    for (int i = 0; i < 2; ++i) {
        pid_t pid = fork();
        if (pid == 0) {
            execl(path, path, "sign_many", "4", "100", static_cast<char*>(nullptr));
            _exit(127);
        }
        pids.push_back(pid);
    }
    int i = 0;
    for (pid_t pid : pids) {
        int st = reap(pid);
        expect(st == 0, "process " + std::to_string(++i) + " (4 threads x 100 signatures) succeeded",
               "exit " + std::to_string(st));
    }
    double secs = since(t0);
    note("2 processes x 4 threads x 100 signatures (CKM_ECDSA, 9E): " + fmt(secs) + " s in all, " + fmt(800 / secs, 1) +
         " signatures/s");
    return finish("events_threads_processes");
}

int testFork()
{
    loadModule();
    expectRv(initialize(), CKR_OK, "parent: C_Initialize");
    CK_SLOT_ID slot = slotForReader(env("TESSERA_PIV_READER"));
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    expectRv(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_OK, "parent: C_OpenSession");
    std::string p = pin();
    expectRv(p11->C_Login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(p.data()), p.size()), CKR_OK,
             "parent: C_Login");
    CK_OBJECT_HANDLE key = findById(s, CKO_PRIVATE_KEY, 0x01);
    EVP_PKEY* pub = publicKey(s, 0x01);
    auto parentSign = [&](const std::string& what) {
        Guard g(("parent C_Sign " + what).c_str(), 30);
        Bytes msg = text("parent " + what), sig;
        CK_RV rv = sign(s, CKM_SHA256_RSA_PKCS, key, msg, sig);
        expect(rv == CKR_OK && verify(pub, CKM_SHA256_RSA_PKCS, msg, sig), "parent: signature " + what + " verifies",
               rvName(rv));
    };
    parentSign("before fork");

    std::fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        Guard g("child", 60);
        CK_ULONG n = 0;
        expectRv(p11->C_GetSlotList(CK_FALSE, nullptr, &n), CKR_CRYPTOKI_NOT_INITIALIZED,
                 "child: C_GetSlotList before C_Initialize");
        expectRv(initialize(), CKR_OK, "child: C_Initialize (a fresh module)");
        CK_SLOT_ID cslot = slotForReader(env("TESSERA_PIV_READER"));
        expect(cslot != CK_UNAVAILABLE_INFORMATION, "child: slots listed, PIV slot " + std::to_string(cslot));
        CK_SESSION_HANDLE cs = CK_INVALID_HANDLE;
        expectRv(p11->C_OpenSession(cslot, CKF_SERIAL_SESSION, nullptr, nullptr, &cs), CKR_OK, "child: C_OpenSession");
        CK_SESSION_INFO si;
        CK_RV rv = p11->C_GetSessionInfo(cs, &si);
        expect(rv == CKR_OK && si.state == CKS_RO_PUBLIC_SESSION,
               "child: not logged in (the parent's login stays with the parent)");
        expectRv(p11->C_Login(cs, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(p.data()), p.size()), CKR_OK,
                 "child: C_Login");
        CK_OBJECT_HANDLE ckey = findById(cs, CKO_PRIVATE_KEY, 0x01);
        Bytes msg = text("child"), sig;
        rv = sign(cs, CKM_SHA256_RSA_PKCS, ckey, msg, sig);
        expect(rv == CKR_OK && verify(pub, CKM_SHA256_RSA_PKCS, msg, sig), "child: signature verifies", rvName(rv));
        expectRv(p11->C_Finalize(nullptr), CKR_OK, "child: C_Finalize");
        std::fflush(stdout);
        _exit(failures() == 0 ? 0 : 1);
    }
    expect(reapWithin(pid, 60) == 0, "child 1 (re-initialises and signs) passed");
    parentSign("after child 1");
    CK_SESSION_INFO si;
    CK_RV rv = p11->C_GetSessionInfo(s, &si);
    expect(rv == CKR_OK && si.state == CKS_RO_USER_FUNCTIONS, "parent: session still logged in");

    std::fflush(stdout);
    pid = fork();
    if (pid == 0) exit(0); // runs static destructors and atexit handlers, touches nothing
    int st = reapWithin(pid, 10);
    expect(st == 0, "child 2 exited (exit(0), no module call) within 10 s",
           st == -2 ? std::string("it hung in exit (killed): the module's static destructors in a forked child")
                    : "exit " + std::to_string(st));
    parentSign("after child 2");

    // a child that signs while the parent signs
    std::fflush(stdout);
    pid = fork();
    if (pid == 0) {
        Guard g("child 3", 60);
        int bad = initialize() != CKR_OK;
        CK_SLOT_ID cslot = slotForReader(env("TESSERA_PIV_READER"));
        CK_SESSION_HANDLE cs = CK_INVALID_HANDLE;
        bad += p11->C_OpenSession(cslot, CKF_SERIAL_SESSION, nullptr, nullptr, &cs) != CKR_OK;
        CK_OBJECT_HANDLE k = findById(cs, CKO_PRIVATE_KEY, 0x04);
        EVP_PKEY* pk = publicKey(cs, 0x04);
        for (int i = 0; i < 20; ++i) {
            Bytes h = sha256(text("child 3 #" + std::to_string(i))), sig;
            bad += sign(cs, CKM_ECDSA, k, h, sig) != CKR_OK || !verify(pk, CKM_ECDSA, h, sig);
        }
        p11->C_Finalize(nullptr);
        _exit(bad == 0 ? 0 : 1);
    }
    for (int i = 0; i < 10; ++i)
        parentSign("alongside child 3 #" + std::to_string(i));
    expect(reapWithin(pid, 60) == 0, "child 3 made 20 verified 9E signatures alongside the parent");
    forkWhileSigning(slot, p);
    expectRv(p11->C_Finalize(nullptr), CKR_OK, "parent: C_Finalize");
    EVP_PKEY_free(pub);
    return finish("events_fork");
}

} // namespace ev
