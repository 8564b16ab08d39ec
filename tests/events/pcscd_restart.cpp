// events_pcscd_restart: pcscd goes away under a module that has read its
// token and holds a logged-in session (and a thread blocked in
// C_WaitForSlotEvent); calls answer at once meanwhile, and once pcscd is back
// the module works again without being re-initialised.
//
// Round 1 kills pcscd (SIGKILL) and calls the module while it is down: every
// call must answer at once (a watchdog per call) with CKR_OK for slot list and
// slot info, or CKR_DEVICE_ERROR / CKR_TOKEN_NOT_PRESENT / CKR_DEVICE_REMOVED /
// CKR_SESSION_HANDLE_INVALID, never a signature. Once pcscd is back,
// C_GetSlotList, C_OpenSession, C_Login and C_Sign work again, the slot IDs
// are the same, and the blocked waiter reports a later card removal. Round 2
// stops pcscd with SIGTERM; round 3 is a quick restart (vcard-ctl add-reader)
// with no call in between, then a signature on the old session.
#include <set>

#include "events_common.hpp"
#include "events_tests.hpp"

namespace ev {

namespace {

int pcscdCtl(const std::string& action)
{
    auto t0 = Clock::now();
    int st = run({TESSERA_EVENTS_DIR "/pcscd_ctl.sh", action});
    note("pcscd_ctl.sh " + action + ": exit " + std::to_string(st) + " after " + fmt(since(t0)) + " s");
    return st;
}

bool allowed(CK_RV rv, bool okAllowed)
{
    return (okAllowed && rv == CKR_OK) || rv == CKR_DEVICE_ERROR || rv == CKR_TOKEN_NOT_PRESENT ||
           rv == CKR_DEVICE_REMOVED || rv == CKR_SESSION_HANDLE_INVALID;
}

// One call while pcscd is down: answered within 10 s, with an allowed CK_RV.
void downCall(const std::string& tag, const char* what, bool okAllowed, const std::function<CK_RV()>& f)
{
    auto t0 = Clock::now();
    CK_RV rv;
    {
        Guard g(what, 10);
        rv = f();
    }
    double s = since(t0);
    expect(allowed(rv, okAllowed), tag + what + " while pcscd is down -> " + rvName(rv) + " (" + fmt(s, 3) + " s)");
}

struct Fixture {
    CK_SLOT_ID slot = CK_UNAVAILABLE_INFORMATION;
    CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    EVP_PKEY* pub = nullptr;
};

// Opens a session, logs in, signs once (verified).
bool ready(Fixture& f, const std::string& tag)
{
    Guard g((tag + "open/login/sign").c_str(), 30);
    std::string p = pin();
    CK_RV rv = p11->C_OpenSession(f.slot, CKF_SERIAL_SESSION, nullptr, nullptr, &f.session);
    if (!expectRv(rv, CKR_OK, tag + "C_OpenSession")) return false;
    rv = p11->C_Login(f.session, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(p.data()), p.size());
    if (!expect(rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN, tag + "C_Login", rvName(rv))) return false;
    f.key = findById(f.session, CKO_PRIVATE_KEY, 0x01);
    if (f.pub == nullptr) f.pub = publicKey(f.session, 0x01);
    Bytes msg = text(tag + "message"), sig;
    rv = sign(f.session, CKM_SHA256_RSA_PKCS, f.key, msg, sig);
    return expect(rv == CKR_OK && verify(f.pub, CKM_SHA256_RSA_PKCS, msg, sig), tag + "C_Sign, verified", rvName(rv));
}

void downRound(Fixture& f, Waiter& waiter, const std::string& tag, const std::string& how)
{
    const auto slotsBefore = slotList(false);
    if (pcscdCtl(how) != 0) fail(tag + "pcscd_ctl.sh " + how);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    downCall(tag, "C_GetSlotList(NULL)", true, [] {
        CK_ULONG n = 0;
        return p11->C_GetSlotList(CK_FALSE, nullptr, &n);
    });
    downCall(tag, "C_GetSlotInfo", true, [&] {
        CK_SLOT_INFO si;
        return p11->C_GetSlotInfo(f.slot, &si);
    });
    note(tag + "slot flags while pcscd is down: " + std::to_string(slotFlags(f.slot)));
    downCall(tag, "C_GetTokenInfo", true, [&] {
        CK_TOKEN_INFO ti;
        return p11->C_GetTokenInfo(f.slot, &ti);
    });
    downCall(tag, "C_SignInit+C_Sign", false, [&] {
        Bytes sig;
        return sign(f.session, CKM_SHA256_RSA_PKCS, f.key, text("while down"), sig);
    });
    downCall(tag, "C_OpenSession", false, [&] {
        CK_SESSION_HANDLE s;
        return p11->C_OpenSession(f.slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s);
    });
    CK_SLOT_ID got;
    {
        Guard g("C_WaitForSlotEvent(CKF_DONT_BLOCK)", 10);
        CK_RV rv = p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &got, nullptr);
        expect(rv == CKR_OK || rv == CKR_NO_EVENT || rv == CKR_DEVICE_ERROR,
               tag + "C_WaitForSlotEvent(CKF_DONT_BLOCK) while pcscd is down -> " + rvName(rv));
    }

    if (pcscdCtl("start") != 0) fail(tag + "pcscd_ctl.sh start");
    {
        Guard g("calls after pcscd is back", 30);
        auto slotsAfter = slotList(false);
        expect(slotsAfter == slotsBefore, tag + "pcscd back: C_GetSlotList(NULL) gives the same slots");
        expect((slotFlags(f.slot) & CKF_TOKEN_PRESENT) != 0, tag + "pcscd back: CKF_TOKEN_PRESENT");
        Bytes sig;
        CK_RV rv = sign(f.session, CKM_SHA256_RSA_PKCS, f.key, text("old session"), sig);
        note(tag + "the session from before: C_SignInit/C_Sign -> " + rvName(rv));
        expect(rv != CKR_OK || verify(f.pub, CKM_SHA256_RSA_PKCS, text("old session"), sig),
               tag + "the old session signs correctly or not at all");
        p11->C_CloseSession(f.session);
    }
    ready(f, tag + "pcscd back: ");

    // the blocked waiter survived: it reports a card removal after the restart
    std::this_thread::sleep_for(std::chrono::milliseconds(1200)); // past its 500 ms retry
    auto pending = waiter.drain();
    std::string evs;
    for (const auto& e : pending)
        evs += " " + std::to_string(e.slot) + (e.rv == CKR_OK ? "" : ":" + rvName(e.rv));
    note(tag + "events seen by the waiter across the restart:" + (evs.empty() ? " none" : evs));
    for (const auto& e : pending)
        expectRv(e.rv, CKR_OK, tag + "the waiter's C_WaitForSlotEvent");
    auto t0 = Clock::now();
    if (vcardCtl({"remove", "piv"}) != 0) fail(tag + "vcard-ctl remove piv");
    auto e =
        waiter.await([&](const Event& x) { return x.rv != CKR_OK || x.slot == f.slot; }, t0 + std::chrono::seconds(3));
    expect(e && e->rv == CKR_OK, tag + "after the restart the blocked waiter reports a card removal within 3 s",
           e ? rvName(e->rv) : "no event");
    if (vcardCtl({"insert", "piv"}) != 0) fail(tag + "vcard-ctl insert piv");
    waiter.await([&](const Event& x) { return x.rv != CKR_OK || x.slot == f.slot; },
                 Clock::now() + std::chrono::seconds(3));
    {
        Guard g("reopen after reinsertion", 30);
        p11->C_CloseSession(f.session);
    }
    ready(f, tag + "after reinsertion: ");
}

} // namespace

int testPcscdRestart()
{
    loadModule();
    expectRv(initialize(), CKR_OK, "C_Initialize");
    Fixture f;
    f.slot = slotForReader(env("TESSERA_PIV_READER"));
    if (!expect(f.slot != CK_UNAVAILABLE_INFORMATION, "slot of the PIV reader")) return finish("events_pcscd_restart");
    if (!ready(f, "start: ")) return finish("events_pcscd_restart");
    Waiter waiter;
    waiter.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));

    downRound(f, waiter, "SIGKILL: ", "kill");
    downRound(f, waiter, "SIGTERM: ", "stop");

    // quick restart, no call while pcscd is down
    const std::string tag = "quick restart: ";
    if (vcardCtl({"add-reader", "Quick"}) != 0) fail(tag + "vcard-ctl add-reader");
    {
        Guard g("sign after a quick restart", 30);
        Bytes sig;
        CK_RV rv = sign(f.session, CKM_SHA256_RSA_PKCS, f.key, text("quick"), sig);
        note(tag + "first signature on the session from before -> " + rvName(rv));
        expect(rv == CKR_OK || allowed(rv, false), tag + "the old session: a signature or a clear CK_RV", rvName(rv));
        if (rv == CKR_OK) expect(verify(f.pub, CKM_SHA256_RSA_PKCS, text("quick"), sig), tag + "and it verifies");
        CK_SESSION_INFO si;
        CK_RV rv2 = p11->C_GetSessionInfo(f.session, &si);
        CK_RV rv3 = p11->C_GetSessionInfo(f.session, &si);
        note(tag + "then C_GetSessionInfo on it -> " + rvName(rv2) + ", again -> " + rvName(rv3));
        p11->C_CloseSession(f.session);
    }
    ready(f, tag + "new session: ");
    waiter.drain();

    {
        Guard g("C_Finalize", 10);
        expectRv(p11->C_Finalize(nullptr), CKR_OK, "C_Finalize");
        waiter.join();
    }
    auto last = waiter.drain();
    expect(!last.empty() && last.back().rv == CKR_CRYPTOKI_NOT_INITIALIZED, "the waiter ended with C_Finalize");
    EVP_PKEY_free(f.pub);
    return finish("events_pcscd_restart");
}

} // namespace ev
