// events_finalize_race and events_reaper_lock_fails: C_Finalize landing in
// the middle of every long call, and the idle-release thread meeting an
// application mutex that fails (issue 12, lifetimes).
//
// finalize_race [ITERATIONS]: for each of C_Login, C_Sign, C_SetPIN,
// C_InitPIN, C_WaitForSlotEvent and C_FindObjects, two worker threads call
// it in a loop (each in its own session, opened again after every
// re-initialisation) while the main thread calls C_Finalize and then
// C_Initialize again ITERATIONS times at random moments. Every call must
// return one of the CK_RVs a finalised module may give (PKCS#11 3.0 section
// 5.4: CKR_CRYPTOKI_NOT_INITIALIZED, CKR_SESSION_HANDLE_INVALID, ...), none
// may crash or hang, and afterwards a signature still verifies. Under
// ThreadSanitizer (tests/sanitizers/run.sh tsan) every data race fails it.
// The PINs are the virtual cards' (PIN $VCARD_PIN; C_InitPIN on the OpenPGP
// card as SO with PW3 12345678, PIV having no SO here); SetPIN
// and InitPIN set the PIN to its own value, so the card is unchanged.
//
// reaper_lock_fails: C_Initialize with application mutex callbacks (no
// CKF_OS_LOCKING_OK) whose LockMutex fails on demand; idle release at 100 ms
// (TESSERA_IDLE_DISCONNECT_MS). After a signature the reaper's sweep runs
// while every LockMutex fails: the process must survive (before, the
// exception left the thread and std::terminate took the host down), and once
// locking works again the module signs as before.
#include <algorithm>
#include <cstdlib>
#include <random>
#include <set>

#include "events_common.hpp"
#include "events_tests.hpp"

namespace ev {

namespace {

enum class Kind { login, sign, setPin, initPin, wait, find };

const char* kindName(Kind k)
{
    switch (k) {
    case Kind::login: return "C_Login";
    case Kind::sign: return "C_Sign";
    case Kind::setPin: return "C_SetPIN";
    case Kind::initPin: return "C_InitPIN";
    case Kind::wait: return "C_WaitForSlotEvent";
    case Kind::find: return "C_FindObjects";
    }
    return "?";
}

// What a call may return when C_Finalize (and a new C_Initialize) lands
// before, during or after it.
bool acceptable(CK_RV rv)
{
    static const std::set<CK_RV> ok = {CKR_OK,
                                       CKR_CRYPTOKI_NOT_INITIALIZED,
                                       CKR_SESSION_HANDLE_INVALID,
                                       CKR_SESSION_CLOSED,
                                       CKR_USER_ALREADY_LOGGED_IN,
                                       CKR_USER_NOT_LOGGED_IN,
                                       CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
                                       CKR_OPERATION_NOT_INITIALIZED,
                                       CKR_OPERATION_ACTIVE,
                                       CKR_FUNCTION_CANCELED,
                                       CKR_NO_EVENT,
                                       CKR_OBJECT_HANDLE_INVALID,
                                       CKR_KEY_HANDLE_INVALID,
                                       CKR_SESSION_READ_ONLY_EXISTS};
    return ok.count(rv) != 0;
}

struct Race {
    CK_SLOT_ID slot = CK_UNAVAILABLE_INFORMATION;
    std::atomic<bool> stop{false};
    std::atomic<long> calls{0};
    std::atomic<long> succeeded{0};
    std::atomic<int> bad{0};

    // Records one call's rv; false if the loop should start over.
    bool check(Kind k, const char* call, CK_RV rv)
    {
        ++calls;
        if (rv == CKR_OK) {
            ++succeeded;
            return true;
        }
        if (!acceptable(rv) && bad++ < 10)
            fail(std::string(kindName(k)) + " worker: " + call + " returned " + rvName(rv));
        return false;
    }
};

CK_RV login(CK_SESSION_HANDLE s, CK_USER_TYPE who, const std::string& p)
{
    return p11->C_Login(s, who, reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(p.data())), p.size());
}

// One pass of a worker in its own session.
void once(Race& r, Kind k, CK_SESSION_HANDLE s, const std::string& p)
{
    const std::string puk = "12345678";
    CK_UTF8CHAR_PTR pp = reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(p.data()));
    switch (k) {
    case Kind::login:
        if (r.check(k, "C_Login", login(s, CKU_USER, p))) r.check(k, "C_Logout", p11->C_Logout(s));
        return;
    case Kind::sign: {
        CK_RV rv = CKR_OK;
        CK_OBJECT_HANDLE key = findById(s, CKO_PRIVATE_KEY, 0x04, &rv);
        if (!r.check(k, "find 9E", rv) || key == CK_INVALID_HANDLE) return;
        Bytes sig;
        r.check(k, "C_SignInit/C_Sign", sign(s, CKM_ECDSA, key, sha256(text("race")), sig));
        return;
    }
    case Kind::setPin: r.check(k, "C_SetPIN", p11->C_SetPIN(s, pp, p.size(), pp, p.size())); return;
    case Kind::initPin:
        if (!r.check(k, "C_Login(CKU_SO)", login(s, CKU_SO, puk))) return;
        r.check(k, "C_InitPIN", p11->C_InitPIN(s, pp, p.size()));
        r.check(k, "C_Logout", p11->C_Logout(s));
        return;
    case Kind::wait: {
        CK_SLOT_ID slot = CK_UNAVAILABLE_INFORMATION;
        r.check(k, "C_WaitForSlotEvent", p11->C_WaitForSlotEvent(0, &slot, nullptr));
        return;
    }
    case Kind::find: {
        if (!r.check(k, "C_FindObjectsInit", p11->C_FindObjectsInit(s, nullptr, 0))) return;
        CK_OBJECT_HANDLE found[4];
        CK_ULONG n = 0;
        do {
            if (!r.check(k, "C_FindObjects", p11->C_FindObjects(s, found, 4, &n))) break;
        } while (n == 4);
        r.check(k, "C_FindObjectsFinal", p11->C_FindObjectsFinal(s));
        return;
    }
    }
}

void worker(Race& r, Kind k)
{
    const std::string p = pin();
    while (!r.stop) {
        CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
        CK_RV rv = p11->C_OpenSession(r.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s);
        if (!r.check(k, "C_OpenSession", rv)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1)); // finalised: wait for the next module
            continue;
        }
        for (int i = 0; i < 3 && !r.stop; ++i)
            once(r, k, s, p);
        CK_RV closed = p11->C_CloseSession(s);
        if (closed != CKR_OK && closed != CKR_CRYPTOKI_NOT_INITIALIZED && closed != CKR_SESSION_HANDLE_INVALID)
            r.check(k, "C_CloseSession", closed);
    }
}

void racePhase(Kind k, int iterations, CK_SLOT_ID slot, std::mt19937& rng)
{
    Race r;
    r.slot = slot;
    Guard g(kindName(k), 240);
    std::vector<std::thread> ts;
    for (int i = 0; i < 2; ++i)
        ts.emplace_back(worker, std::ref(r), k);
    std::uniform_int_distribution<int> pause(0, 30);
    int finalizeFailures = 0;
    for (int i = 0; i < iterations; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(pause(rng)));
        if (p11->C_Finalize(nullptr) != CKR_OK) ++finalizeFailures;
        std::this_thread::sleep_for(std::chrono::milliseconds(pause(rng) / 3));
        if (initialize() != CKR_OK) ++finalizeFailures;
    }
    // Let the workers see the last module, then stop them.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    r.stop = true;
    if (k == Kind::wait) p11->C_Finalize(nullptr); // wakes the blocked waiters
    for (auto& t : ts)
        t.join();
    if (k == Kind::wait) initialize();
    expect(finalizeFailures == 0,
           std::string(kindName(k)) + ": " + std::to_string(iterations) + " x C_Finalize + C_Initialize succeeded");
    expect(r.bad == 0,
           std::string(kindName(k)) + ": " + std::to_string(r.calls.load()) + " calls (" +
               std::to_string(r.succeeded.load()) + " CKR_OK) under C_Finalize returned valid CK_RVs",
           std::to_string(r.bad.load()) + " unexpected");
    expect(k == Kind::wait || r.succeeded > 0, std::string(kindName(k)) + ": some calls reached the card");
}

bool signsOnce(CK_SLOT_ID slot, const std::string& what)
{
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    if (!expectRv(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_OK, what + ": C_OpenSession"))
        return false;
    CK_OBJECT_HANDLE key = findById(s, CKO_PRIVATE_KEY, 0x04);
    EVP_PKEY* pub = publicKey(s, 0x04);
    Bytes hash = sha256(text(what)), sig;
    CK_RV rv = sign(s, CKM_ECDSA, key, hash, sig);
    bool good = expect(rv == CKR_OK && pub != nullptr && verify(pub, CKM_ECDSA, hash, sig),
                       what + ": a signature verifies", rvName(rv));
    EVP_PKEY_free(pub);
    p11->C_CloseSession(s);
    return good;
}

} // namespace

int testFinalizeRace(int argc, char** argv)
{
    const int iterations = argc > 0 ? std::atoi(argv[0]) : 25;
    loadModule();
    expectRv(initialize(), CKR_OK, "C_Initialize");
    CK_SLOT_ID slot = slotForReader(env("TESSERA_PIV_READER"));
    if (!expect(slot != CK_UNAVAILABLE_INFORMATION, "PIV slot found")) return finish("events_finalize_race");
    std::mt19937 rng(12);
    // PIV has no SO PIN in this module: C_InitPIN runs on the OpenPGP card (PW3 12345678).
    CK_SLOT_ID pgp = slotForReader(env("TESSERA_OPENPGP_READER"));
    expect(pgp != CK_UNAVAILABLE_INFORMATION, "OpenPGP slot found");
    for (Kind k : {Kind::login, Kind::sign, Kind::setPin, Kind::initPin, Kind::wait, Kind::find})
        racePhase(k, iterations, k == Kind::initPin ? pgp : slot, rng);
    signsOnce(slot, "after the races");
    expectRv(p11->C_Finalize(nullptr), CKR_OK, "C_Finalize");
    return finish("events_finalize_race");
}

// ---- reaper_lock_fails ----

namespace {

std::atomic<bool> gLockFails{false};
std::atomic<long> gLockRefused{0};

CK_RV appCreate(CK_VOID_PTR_PTR out)
{
    *out = new std::mutex;
    return CKR_OK;
}
CK_RV appDestroy(CK_VOID_PTR m)
{
    delete static_cast<std::mutex*>(m);
    return CKR_OK;
}
CK_RV appLock(CK_VOID_PTR m)
{
    if (gLockFails) {
        ++gLockRefused;
        return CKR_GENERAL_ERROR;
    }
    static_cast<std::mutex*>(m)->lock();
    return CKR_OK;
}
CK_RV appUnlock(CK_VOID_PTR m)
{
    static_cast<std::mutex*>(m)->unlock();
    return CKR_OK;
}

} // namespace

int testReaperLockFails()
{
    setenv("TESSERA_IDLE_DISCONNECT_MS", "100", 1);
    loadModule();
    CK_C_INITIALIZE_ARGS args{};
    args.CreateMutex = appCreate;
    args.DestroyMutex = appDestroy;
    args.LockMutex = appLock;
    args.UnlockMutex = appUnlock;
    args.flags = 0; // the module must use these callbacks
    expectRv(p11->C_Initialize(&args), CKR_OK, "C_Initialize with application mutex callbacks");
    CK_SLOT_ID slot = slotForReader(env("TESSERA_PIV_READER"));
    if (!expect(slot != CK_UNAVAILABLE_INFORMATION, "PIV slot found")) return finish("events_reaper_lock_fails");
    signsOnce(slot, "before the failing locks"); // the idle release thread starts now
    {
        Guard g("idle release with failing LockMutex", 30);
        gLockFails = true;
        // Several idle delays: the reaper's sweep locks a slot's I/O mutex and fails.
        std::this_thread::sleep_for(std::chrono::milliseconds(800));
        gLockFails = false;
    }
    expect(gLockRefused > 0, "the idle release thread met a failing LockMutex and the process lives",
           std::to_string(gLockRefused.load()) + " refused");
    signsOnce(slot, "after the failing locks");
    expectRv(p11->C_Finalize(nullptr), CKR_OK, "C_Finalize");
    return finish("events_reaper_lock_fails");
}

} // namespace ev
