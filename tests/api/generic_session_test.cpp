// Generic.* part 2: session and login rules (PKCS#11 3.0 sections 5.6, 5.7):
// serial sessions only, invalid and closed handles across the session
// functions, session states, login/logout errors, and one wrong-PIN attempt
// per run (a card PIN has three tries; a correct login resets the counter).
#include <functional>

#include "api_fixtures.hpp"

namespace tessera::apitest {
namespace {

struct SessionCall {
    const char* name;
    std::function<CK_RV(CK_FUNCTION_LIST*, CK_SESSION_HANDLE)> fn;
};

// Session functions with plausible arguments: only the handle is wrong.
std::vector<SessionCall> sessionCalls()
{
    static CK_BYTE buf[512];
    static CK_ULONG len;
    static CK_SESSION_INFO info;
    static CK_OBJECT_HANDLE objs[4];
    static CK_ULONG n;
    static CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    static CK_ATTRIBUTE tmpl = {CKA_CLASS, &cls, sizeof cls};
    static CK_MECHANISM digestMech = {CKM_SHA256, nullptr, 0};
    static CK_MECHANISM signMech = {CKM_SHA256_RSA_PKCS, nullptr, 0};
    static CK_UTF8CHAR pin[] = "123456";
    return {
        {"C_GetSessionInfo", [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) { return f->C_GetSessionInfo(s, &info); }},
        {"C_Login", [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) { return f->C_Login(s, CKU_USER, pin, 6); }},
        {"C_Logout", [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) { return f->C_Logout(s); }},
        {"C_FindObjectsInit",
         [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) { return f->C_FindObjectsInit(s, &tmpl, 1); }},
        {"C_FindObjects", [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) { return f->C_FindObjects(s, objs, 4, &n); }},
        {"C_FindObjectsFinal", [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) { return f->C_FindObjectsFinal(s); }},
        {"C_GetAttributeValue",
         [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) { return f->C_GetAttributeValue(s, 1, &tmpl, 1); }},
        {"C_DigestInit", [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) { return f->C_DigestInit(s, &digestMech); }},
        {"C_Digest",
         [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) {
             len = sizeof buf;
             return f->C_Digest(s, buf, 3, buf, &len);
         }},
        {"C_SignInit", [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) { return f->C_SignInit(s, &signMech, 1); }},
        {"C_Sign",
         [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) {
             len = sizeof buf;
             return f->C_Sign(s, buf, 32, buf, &len);
         }},
        {"C_SignUpdate", [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) { return f->C_SignUpdate(s, buf, 32); }},
        {"C_SignFinal",
         [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) {
             len = sizeof buf;
             return f->C_SignFinal(s, buf, &len);
         }},
        {"C_VerifyInit", [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) { return f->C_VerifyInit(s, &signMech, 1); }},
        {"C_DecryptInit", [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) { return f->C_DecryptInit(s, &signMech, 1); }},
        {"C_Decrypt",
         [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) {
             len = sizeof buf;
             return f->C_Decrypt(s, buf, 256, buf, &len);
         }},
        {"C_GenerateRandom", [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) { return f->C_GenerateRandom(s, buf, 16); }},
        {"C_CloseSession", [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s) { return f->C_CloseSession(s); }},
    };
}

TEST_F(Generic, OpenSessionWithoutSerialFlag)
{
    ASSERT_NO_FATAL_FAILURE(needToken());
    if (IsSkipped()) return;
    CK_SESSION_HANDLE h = 0;
    // 5.6: CKF_SERIAL_SESSION must always be set, for backward compatibility.
    EXPECT_RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED, f->C_OpenSession(slot, 0, nullptr, nullptr, &h));
    EXPECT_RV(CKR_ARGUMENTS_BAD, f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, nullptr));
}

TEST_F(Generic, InvalidSessionHandle)
{
    ASSERT_NO_FATAL_FAILURE(needToken());
    if (IsSkipped()) return;
    constexpr CK_SESSION_HANDLE bogus = 0x7ffffff1UL;
    for (const SessionCall& c : sessionCalls()) {
        EXPECT_RV(CKR_SESSION_HANDLE_INVALID, c.fn(f, bogus)) << c.name << " with a never-issued handle";
        EXPECT_RV(CKR_SESSION_HANDLE_INVALID, c.fn(f, CK_INVALID_HANDLE)) << c.name << " with CK_INVALID_HANDLE";
    }
}

TEST_F(Generic, ClosedSessionHandle)
{
    ASSERT_NO_FATAL_FAILURE(needSession());
    if (IsSkipped()) return;
    CK_SESSION_HANDLE h = s;
    ASSERT_RV(CKR_OK, session->close());
    for (const SessionCall& c : sessionCalls()) {
        EXPECT_RV(CKR_SESSION_HANDLE_INVALID, c.fn(f, h)) << c.name << " with a closed handle";
    }
    // C_CloseAllSessions invalidates every handle of the slot.
    Session a(slot), b(slot);
    ASSERT_RV(CKR_OK, a.openRv());
    ASSERT_RV(CKR_OK, b.openRv());
    ASSERT_RV(CKR_OK, f->C_CloseAllSessions(slot));
    CK_SESSION_INFO info{};
    EXPECT_RV(CKR_SESSION_HANDLE_INVALID, f->C_GetSessionInfo(a.handle(), &info));
    EXPECT_RV(CKR_SESSION_HANDLE_INVALID, f->C_GetSessionInfo(b.handle(), &info));
}

TEST_F(Generic, SessionInfoAndStates)
{
    ASSERT_NO_FATAL_FAILURE(needToken());
    if (IsSkipped()) return;
    Session ro(slot);
    ASSERT_RV(CKR_OK, ro.openRv());
    CK_SESSION_INFO info{};
    EXPECT_RV(CKR_ARGUMENTS_BAD, f->C_GetSessionInfo(ro.handle(), nullptr));
    ASSERT_RV(CKR_OK, f->C_GetSessionInfo(ro.handle(), &info));
    EXPECT_EQ(info.slotID, slot);
    EXPECT_EQ(info.state, CKS_RO_PUBLIC_SESSION);
    EXPECT_EQ(info.flags & CKF_SERIAL_SESSION, CKF_SERIAL_SESSION);
    EXPECT_EQ(info.flags & CKF_RW_SESSION, 0u);

    // 5.6: a write-protected token allows only read-only sessions
    // (CKR_TOKEN_WRITE_PROTECTED); otherwise a R/W session is RW_PUBLIC.
    CK_SESSION_HANDLE rw = CK_INVALID_HANDLE;
    CK_RV rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &rw);
    if (tokenInfo.flags & CKF_WRITE_PROTECTED) {
        EXPECT_RV(CKR_TOKEN_WRITE_PROTECTED, rv);
    } else {
        ASSERT_RV(CKR_OK, rv);
        ASSERT_RV(CKR_OK, f->C_GetSessionInfo(rw, &info));
        EXPECT_EQ(info.state, CKS_RW_PUBLIC_SESSION);
        EXPECT_EQ(info.flags & CKF_RW_SESSION, CKF_RW_SESSION);
    }
    // Login is per application (token), so it changes every session's state.
    ASSERT_TRUE(loginUser(ro.handle()));
    EXPECT_EQ(ro.state(), CKS_RO_USER_FUNCTIONS);
    if (rv == CKR_OK) {
        ASSERT_RV(CKR_OK, f->C_GetSessionInfo(rw, &info));
        EXPECT_EQ(info.state, CKS_RW_USER_FUNCTIONS);
    }
    // A session opened after login is in a user state at once.
    Session later(slot);
    ASSERT_RV(CKR_OK, later.openRv());
    EXPECT_EQ(later.state(), CKS_RO_USER_FUNCTIONS);
    ASSERT_RV(CKR_OK, f->C_Logout(later.handle()));
    EXPECT_EQ(ro.state(), CKS_RO_PUBLIC_SESSION);
    if (rv == CKR_OK) {
        EXPECT_RV(CKR_OK, f->C_CloseSession(rw));
    }
}

TEST_F(Generic, LoginLogoutErrors)
{
    ASSERT_NO_FATAL_FAILURE(needSession());
    if (IsSkipped()) return;
    // 5.6 C_Logout lists CKR_USER_NOT_LOGGED_IN. SoftHSM 2.6 deviates: its
    // C_Logout calls token->logout() and returns CKR_OK whether or not anyone
    // was logged in (SoftHSM.cpp, SoftHSM::C_Logout), so it gets its own expectation.
    const CK_RV notLoggedIn = moduleKind() == ModuleKind::softhsm ? CKR_OK : CKR_USER_NOT_LOGGED_IN;
    EXPECT_RV(notLoggedIn, f->C_Logout(s)) << "logout without login";
    CK_UTF8CHAR somePin[] = "123456";
    EXPECT_RV(CKR_USER_TYPE_INVALID, f->C_Login(s, 0x7777UL, somePin, 6));
    // 5.7: context-specific login needs an operation in progress.
    CK_RV ctx = session->login(CKU_CONTEXT_SPECIFIC);
    EXPECT_TRUE(rvOneOf(ctx, {CKR_OPERATION_NOT_INITIALIZED, CKR_USER_NOT_LOGGED_IN}))
        << "C_Login(CKU_CONTEXT_SPECIFIC) with no operation";
    ASSERT_TRUE(loginUser(s));
    EXPECT_RV(CKR_USER_ALREADY_LOGGED_IN, session->login(CKU_USER)) << "second login";
    // Another session of the same application shares the login.
    Session other(slot);
    ASSERT_RV(CKR_OK, other.openRv());
    EXPECT_RV(CKR_USER_ALREADY_LOGGED_IN, other.login(CKU_USER));
    EXPECT_RV(CKR_OK, f->C_Logout(s));
    EXPECT_RV(notLoggedIn, f->C_Logout(other.handle())) << "logout is per application";
    EXPECT_EQ(other.state(), CKS_RO_PUBLIC_SESSION) << "logout is per application";
}

TEST_F(Generic, WrongPinOnceThenCorrect)
{
    ASSERT_NO_FATAL_FAILURE(needSession());
    if (IsSkipped()) return;
    // Exactly one wrong PIN per run: a card PIN has 3 tries, and the correct
    // login right after resets the counter.
    static bool done = false;
    ASSERT_FALSE(done) << "wrong-PIN test must run once per process";
    done = true;
    std::string wrong = env().pin == "87654321" ? "12345670" : "87654321";
    CK_RV rv = f->C_Login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(wrong.data()), wrong.size());
    EXPECT_RV(CKR_PIN_INCORRECT, rv) << "C_Login with a wrong PIN";
    EXPECT_EQ(session->state(), CKS_RO_PUBLIC_SESSION) << "a failed login leaves the session public";
    ASSERT_TRUE(loginUser(s)) << "correct PIN after one wrong one";
    CK_TOKEN_INFO ti{};
    ASSERT_RV(CKR_OK, f->C_GetTokenInfo(slot, &ti));
    EXPECT_EQ(ti.flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED), 0u)
        << "the correct login reset the retry counter";
    EXPECT_RV(CKR_OK, f->C_Logout(s));
}

} // namespace
} // namespace tessera::apitest
