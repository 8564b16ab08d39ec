// events_exclusive: another application that wants the card exclusively
// (exclusive_hold.py, pyscard SCARD_SHARE_EXCLUSIVE) against the module's
// idle release of its card handle and its bounded wait for a shared connect.
//
// 1. idle release off (TESSERA_IDLE_DISCONNECT_MS=0): the module keeps its
//    shared handle, so the exclusive connect fails with
//    SCARD_E_SHARING_VIOLATION (the check below can fail);
// 2. idle release after 500 ms: a module that read the token and sat idle
//    for 2 s does not stop the exclusive connect, and signs again afterwards;
// 3. C_Sign while the other application holds the card for 3 s: it waits
//    (bounded) and succeeds after the release, or returns a clear CK_RV, never hangs;
// 4. the other application holds it for 12 s: C_Sign must answer within 10 s;
//    afterwards the module works again, login intact.
#include <filesystem>

#include "events_common.hpp"
#include "events_tests.hpp"

namespace ev {

namespace {

const char* kHold = TESSERA_EVENTS_DIR "/exclusive_hold.py";

struct Token {
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    EVP_PKEY* pub = nullptr;
};

bool start(const std::string& tag, CK_SLOT_ID& slot, Token& t)
{
    Guard g("initialise, open, log in, sign", 30);
    expectRv(initialize(), CKR_OK, tag + "C_Initialize");
    slot = slotForReader(env("TESSERA_PIV_READER"));
    if (!expect(slot != CK_UNAVAILABLE_INFORMATION, tag + "slot of the PIV reader")) return false;
    if (!expectRv(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &t.s), CKR_OK, tag + "C_OpenSession"))
        return false;
    std::string p = pin();
    expectRv(p11->C_Login(t.s, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(p.data()), p.size()), CKR_OK,
             tag + "C_Login");
    t.key = findById(t.s, CKO_PRIVATE_KEY, 0x01);
    t.pub = publicKey(t.s, 0x01);
    return expect(t.key != CK_INVALID_HANDLE && t.pub != nullptr, tag + "9A key found");
}

CK_RV signOnce(Token& t, const std::string& what, double* seconds = nullptr)
{
    Bytes msg = text(what), sig;
    auto t0 = Clock::now();
    CK_RV rv;
    {
        Guard g(("C_Sign: " + what).c_str(), 30);
        rv = sign(t.s, CKM_SHA256_RSA_PKCS, t.key, msg, sig);
    }
    if (seconds != nullptr) *seconds = since(t0);
    if (rv == CKR_OK && !verify(t.pub, CKM_SHA256_RSA_PKCS, msg, sig)) {
        fail(what + ": the signature does not verify");
        return CKR_GENERAL_ERROR;
    }
    return rv;
}

void stop(Token& t)
{
    Guard g("C_Finalize", 10);
    expectRv(p11->C_Finalize(nullptr), CKR_OK, "C_Finalize");
    EVP_PKEY_free(t.pub);
    t = Token{};
}

// Starts the exclusive holder for SECONDS; true once it has the card.
int holdInBackground(double seconds, bool& connected)
{
    const std::string ready = env("TESSERA_SANDBOX", "/tmp") + "/exclusive.ready";
    std::filesystem::remove(ready);
    int pid = spawn({"/usr/bin/python3", kHold, env("TESSERA_PIV_READER"), fmt(seconds, 1), "--ready", ready});
    connected = false;
    auto t0 = Clock::now();
    while (since(t0) < 5 && !connected) {
        connected = std::filesystem::exists(ready);
        if (!connected) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pid;
}

} // namespace

int testExclusive()
{
    loadModule();
    const std::string reader = env("TESSERA_PIV_READER");
    CK_SLOT_ID slot;
    Token t;

    // 1. no idle release: the exclusive connect must fail
    setenv("TESSERA_IDLE_DISCONNECT_MS", "0", 1);
    if (start("idle release off: ", slot, t)) {
        expectRv(signOnce(t, "idle release off"), CKR_OK, "idle release off: C_Sign");
        std::this_thread::sleep_for(std::chrono::seconds(2));
        int st = run({"/usr/bin/python3", kHold, reader, "0"});
        expect(st == 3, "idle release off: after 2 s idle the exclusive connect fails with SCARD_E_SHARING_VIOLATION",
               "holder exit " + std::to_string(st));
    }
    stop(t);

    // 2. idle release after 500 ms
    setenv("TESSERA_IDLE_DISCONNECT_MS", "500", 1);
    if (!start("idle 500 ms: ", slot, t)) return finish("events_exclusive");
    expectRv(signOnce(t, "idle 500 ms"), CKR_OK, "idle 500 ms: C_Sign");
    std::this_thread::sleep_for(std::chrono::seconds(2));
    int st = run({"/usr/bin/python3", kHold, reader, "0"});
    expect(st == 0, "idle 500 ms: after 2 s idle another application connects SCARD_SHARE_EXCLUSIVE",
           "holder exit " + std::to_string(st));
    expectRv(signOnce(t, "after the exclusive user left"), CKR_OK, "idle 500 ms: C_Sign afterwards (reconnect)");

    // 3. C_Sign while the card is held exclusively for 3 s
    std::this_thread::sleep_for(std::chrono::seconds(1));
    bool held = false;
    int pid = holdInBackground(3.0, held);
    if (expect(held, "another application holds the card exclusively (3 s)")) {
        double s = 0;
        CK_RV rv = signOnce(t, "during an exclusive hold of 3 s", &s);
        note("C_Sign during a 3 s exclusive hold -> " + rvName(rv) + " after " + fmt(s) + " s");
        if (rv == CKR_OK)
            expect(s >= 1.5 && s < 15, "C_Sign waited for the release and signed (" + fmt(s) + " s)");
        else
            expect((rv == CKR_DEVICE_ERROR || rv == CKR_FUNCTION_FAILED || rv == CKR_TOKEN_NOT_PRESENT) && s < 15,
                   "C_Sign gave up with a clear CK_RV within the bound", rvName(rv) + " after " + fmt(s) + " s");
    }
    expect(reap(pid) == 0, "the 3 s holder ran and released the card");
    expectRv(signOnce(t, "after the 3 s hold"), CKR_OK, "C_Sign after the release");

    // 4. held for 12 s: the module must not wait that long
    std::this_thread::sleep_for(std::chrono::seconds(1));
    pid = holdInBackground(12.0, held);
    if (expect(held, "another application holds the card exclusively (12 s)")) {
        double s = 0;
        CK_RV rv = signOnce(t, "during an exclusive hold of 12 s", &s);
        note("C_Sign during a 12 s exclusive hold -> " + rvName(rv) + " after " + fmt(s) + " s");
        expect(rv != CKR_OK && s < 10, "C_Sign gives up within 10 s with a clear CK_RV",
               rvName(rv) + " after " + fmt(s) + " s");
        expect(rv == CKR_DEVICE_ERROR || rv == CKR_FUNCTION_FAILED || rv == CKR_TOKEN_NOT_PRESENT ||
                   rv == CKR_DEVICE_REMOVED,
               "the CK_RV is one of CKR_DEVICE_ERROR/CKR_FUNCTION_FAILED/CKR_TOKEN_NOT_PRESENT/CKR_DEVICE_REMOVED",
               rvName(rv));
    }
    expect(reap(pid) == 0, "the 12 s holder ran and released the card");
    CK_SESSION_INFO si;
    CK_RV rv = p11->C_GetSessionInfo(t.s, &si);
    note("after the 12 s hold: C_GetSessionInfo -> " + rvName(rv) + ", state " + std::to_string(si.state));
    if (rv == CKR_OK) {
        expect(si.state == CKS_RO_USER_FUNCTIONS, "the session is still logged in");
        expectRv(signOnce(t, "after the 12 s hold"), CKR_OK, "C_Sign after the release");
    } else {
        fail("the session did not survive another application's exclusive hold: " + rvName(rv));
    }
    stop(t);
    return finish("events_exclusive");
}

} // namespace ev
