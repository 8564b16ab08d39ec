// Generic.* part 1: the general-purpose and slot functions (PKCS#11 3.0
// sections 5.2-5.5): behaviour before C_Initialize, C_Initialize's argument
// rules and mutex callbacks, C_Finalize, C_GetInfo, C_GetInterface, and the
// slot list and slot/token information rules. Holds for any conforming module.
#include <atomic>
#include <cstring>
#include <functional>
#include <iostream>
#include <mutex>

#include "api_fixtures.hpp"

namespace tessera::apitest {
namespace {

constexpr CK_SLOT_ID kBogusSlot = 0x7ffffff0UL;
constexpr CK_SESSION_HANDLE kBogusSession = 0x7ffffff1UL;

struct Call {
    const char* name;
    std::function<CK_RV(CK_FUNCTION_LIST*)> fn;
};

// Every function but C_Initialize, C_GetFunctionList and the 3.0 interface
// functions (5.2, 5.4: callable before C_Initialize), with plausible
// arguments so that only the missing initialisation can be the error.
std::vector<Call> uninitializedCalls()
{
    static CK_BYTE buf[512];
    static CK_ULONG len = sizeof buf;
    static CK_INFO info;
    static CK_SLOT_ID slots[4];
    static CK_SLOT_INFO slotInfo;
    static CK_TOKEN_INFO tokenInfo;
    static CK_MECHANISM_TYPE mechs[8];
    static CK_MECHANISM_INFO mechInfo;
    static CK_SESSION_HANDLE session;
    static CK_SESSION_INFO sessionInfo;
    static CK_OBJECT_HANDLE objs[4];
    static CK_ULONG n;
    static CK_MECHANISM mech = {CKM_SHA256, nullptr, 0};
    static CK_ATTRIBUTE tmpl = {CKA_CLASS, buf, sizeof(CK_OBJECT_CLASS)};
    static CK_UTF8CHAR pin[] = "123456";
    const CK_SESSION_HANDLE s = 1;
    return {
        {"C_Finalize", [](CK_FUNCTION_LIST* f) { return f->C_Finalize(nullptr); }},
        {"C_GetInfo", [](CK_FUNCTION_LIST* f) { return f->C_GetInfo(&info); }},
        {"C_GetSlotList",
         [](CK_FUNCTION_LIST* f) {
             n = 4;
             return f->C_GetSlotList(CK_FALSE, slots, &n);
         }},
        {"C_GetSlotInfo", [](CK_FUNCTION_LIST* f) { return f->C_GetSlotInfo(0, &slotInfo); }},
        {"C_GetTokenInfo", [](CK_FUNCTION_LIST* f) { return f->C_GetTokenInfo(0, &tokenInfo); }},
        {"C_GetMechanismList",
         [](CK_FUNCTION_LIST* f) {
             n = 8;
             return f->C_GetMechanismList(0, mechs, &n);
         }},
        {"C_GetMechanismInfo", [](CK_FUNCTION_LIST* f) { return f->C_GetMechanismInfo(0, CKM_RSA_PKCS, &mechInfo); }},
        {"C_WaitForSlotEvent",
         [](CK_FUNCTION_LIST* f) { return f->C_WaitForSlotEvent(CKF_DONT_BLOCK, slots, nullptr); }},
        {"C_OpenSession",
         [](CK_FUNCTION_LIST* f) { return f->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &session); }},
        {"C_CloseSession", [s](CK_FUNCTION_LIST* f) { return f->C_CloseSession(s); }},
        {"C_CloseAllSessions", [](CK_FUNCTION_LIST* f) { return f->C_CloseAllSessions(0); }},
        {"C_GetSessionInfo", [s](CK_FUNCTION_LIST* f) { return f->C_GetSessionInfo(s, &sessionInfo); }},
        {"C_Login", [s](CK_FUNCTION_LIST* f) { return f->C_Login(s, CKU_USER, pin, 6); }},
        {"C_Logout", [s](CK_FUNCTION_LIST* f) { return f->C_Logout(s); }},
        {"C_FindObjectsInit", [s](CK_FUNCTION_LIST* f) { return f->C_FindObjectsInit(s, &tmpl, 1); }},
        {"C_FindObjects", [s](CK_FUNCTION_LIST* f) { return f->C_FindObjects(s, objs, 4, &n); }},
        {"C_FindObjectsFinal", [s](CK_FUNCTION_LIST* f) { return f->C_FindObjectsFinal(s); }},
        {"C_GetAttributeValue", [s](CK_FUNCTION_LIST* f) { return f->C_GetAttributeValue(s, 1, &tmpl, 1); }},
        {"C_GetObjectSize", [s](CK_FUNCTION_LIST* f) { return f->C_GetObjectSize(s, 1, &n); }},
        {"C_DigestInit", [s](CK_FUNCTION_LIST* f) { return f->C_DigestInit(s, &mech); }},
        {"C_Digest",
         [s](CK_FUNCTION_LIST* f) {
             len = sizeof buf;
             return f->C_Digest(s, buf, 3, buf, &len);
         }},
        {"C_SignInit", [s](CK_FUNCTION_LIST* f) { return f->C_SignInit(s, &mech, 1); }},
        {"C_Sign",
         [s](CK_FUNCTION_LIST* f) {
             len = sizeof buf;
             return f->C_Sign(s, buf, 32, buf, &len);
         }},
        {"C_SignUpdate", [s](CK_FUNCTION_LIST* f) { return f->C_SignUpdate(s, buf, 32); }},
        {"C_SignFinal",
         [s](CK_FUNCTION_LIST* f) {
             len = sizeof buf;
             return f->C_SignFinal(s, buf, &len);
         }},
        {"C_VerifyInit", [s](CK_FUNCTION_LIST* f) { return f->C_VerifyInit(s, &mech, 1); }},
        {"C_Verify", [s](CK_FUNCTION_LIST* f) { return f->C_Verify(s, buf, 32, buf, 256); }},
        {"C_DecryptInit", [s](CK_FUNCTION_LIST* f) { return f->C_DecryptInit(s, &mech, 1); }},
        {"C_Decrypt",
         [s](CK_FUNCTION_LIST* f) {
             len = sizeof buf;
             return f->C_Decrypt(s, buf, 256, buf, &len);
         }},
        {"C_EncryptInit", [s](CK_FUNCTION_LIST* f) { return f->C_EncryptInit(s, &mech, 1); }},
        {"C_DeriveKey",
         [s](CK_FUNCTION_LIST* f) {
             CK_OBJECT_HANDLE k;
             return f->C_DeriveKey(s, &mech, 1, &tmpl, 1, &k);
         }},
        {"C_GenerateRandom", [s](CK_FUNCTION_LIST* f) { return f->C_GenerateRandom(s, buf, 16); }},
    };
}

TEST_F(Generic, FunctionListAndInterface)
{
    // 5.4: C_GetFunctionList may be called before C_Initialize; the version
    // is the Cryptoki version of the list (2.x for CK_FUNCTION_LIST).
    EXPECT_EQ(f->version.major, 2);
    EXPECT_NE(f->C_Initialize, nullptr);
    EXPECT_NE(f->C_Sign, nullptr);
    ApiGetInterfaceFn getInterface = Library::get().getInterface();
    if (getInterface == nullptr) {
        // PKCS#11 2.40 modules (SoftHSM 2.6) have no C_GetInterface; only this
        // assertion is left out, and the note is kept in the test's record.
        RecordProperty("note", "module has no C_GetInterface (PKCS#11 2.40 module)");
        std::cout << "[ NOTE     ] module has no C_GetInterface (PKCS#11 2.40): interface check not done\n";
        return;
    }
    // 5.2: NULL name = the default interface ("PKCS 11"), callable before C_Initialize.
    ApiCkInterface* iface = nullptr;
    ASSERT_RV(CKR_OK, getInterface(nullptr, nullptr, &iface, 0));
    ASSERT_NE(iface, nullptr);
    ASSERT_NE(iface->pFunctionList, nullptr);
    EXPECT_STREQ(reinterpret_cast<const char*>(iface->pInterfaceName), "PKCS 11");
    auto* list = static_cast<CK_FUNCTION_LIST*>(iface->pFunctionList);
    EXPECT_GE(list->version.major, 2);
    // A 2.40 version request gives a list whose version is 2.40 (same layout as CK_FUNCTION_LIST).
    CK_VERSION v240 = {2, 40};
    ApiCkInterface* iface240 = nullptr;
    ASSERT_RV(CKR_OK,
              getInterface(reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>("PKCS 11")), &v240, &iface240, 0));
    ASSERT_NE(iface240, nullptr);
    auto* list240 = static_cast<CK_FUNCTION_LIST*>(iface240->pFunctionList);
    EXPECT_EQ(list240->version.major, 2);
    EXPECT_EQ(list240->version.minor, 40);
    EXPECT_RV(CKR_ARGUMENTS_BAD, getInterface(nullptr, nullptr, nullptr, 0));
}

TEST_F(Generic, EveryFunctionBeforeInitializeIsNotInitialized)
{
    for (const Call& c : uninitializedCalls()) {
        EXPECT_RV(CKR_CRYPTOKI_NOT_INITIALIZED, c.fn(f)) << c.name << " before C_Initialize";
    }
    // Legacy functions (5.17): "should simply return CKR_FUNCTION_NOT_PARALLEL";
    // the list of return values also has CKR_CRYPTOKI_NOT_INITIALIZED, so both are conforming.
    EXPECT_TRUE(rvOneOf(f->C_GetFunctionStatus(1), {CKR_CRYPTOKI_NOT_INITIALIZED, CKR_FUNCTION_NOT_PARALLEL}))
        << "C_GetFunctionStatus";
    EXPECT_TRUE(rvOneOf(f->C_CancelFunction(1), {CKR_CRYPTOKI_NOT_INITIALIZED, CKR_FUNCTION_NOT_PARALLEL}))
        << "C_CancelFunction";
}

TEST_F(Generic, InitializeTwiceAndFinalizeRules)
{
    ASSERT_RV(CKR_OK, f->C_Initialize(nullptr));
    EXPECT_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED, f->C_Initialize(nullptr));
    // 5.4: pReserved of C_Finalize must be NULL.
    int dummy = 0;
    EXPECT_RV(CKR_ARGUMENTS_BAD, f->C_Finalize(&dummy));
    EXPECT_RV(CKR_OK, f->C_Finalize(nullptr));
    EXPECT_RV(CKR_CRYPTOKI_NOT_INITIALIZED, f->C_Finalize(nullptr));
    // Initialise/finalise cycles are allowed any number of times.
    for (int i = 0; i < 3; ++i) {
        ASSERT_RV(CKR_OK, f->C_Initialize(nullptr)) << "cycle " << i;
        ASSERT_RV(CKR_OK, f->C_Finalize(nullptr)) << "cycle " << i;
    }
}

TEST_F(Generic, InitializeArgumentRules)
{
    // 5.4: pReserved must be NULL.
    int dummy = 0;
    CK_C_INITIALIZE_ARGS args{};
    args.pReserved = &dummy;
    EXPECT_RV(CKR_ARGUMENTS_BAD, f->C_Initialize(&args));
    // Either all four mutex callbacks or none.
    CK_C_INITIALIZE_ARGS partial{};
    partial.CreateMutex = [](CK_VOID_PTR_PTR) -> CK_RV { return CKR_OK; };
    EXPECT_RV(CKR_ARGUMENTS_BAD, f->C_Initialize(&partial));
    partial.flags = CKF_OS_LOCKING_OK;
    EXPECT_RV(CKR_ARGUMENTS_BAD, f->C_Initialize(&partial));
    // Zeroed arguments = no threads' promises, no callbacks: fine.
    CK_C_INITIALIZE_ARGS zero{};
    ASSERT_RV(CKR_OK, f->C_Initialize(&zero));
    EXPECT_RV(CKR_OK, f->C_Finalize(nullptr));
    CK_C_INITIALIZE_ARGS osLocking{};
    osLocking.flags = CKF_OS_LOCKING_OK;
    ASSERT_RV(CKR_OK, f->C_Initialize(&osLocking));
    EXPECT_RV(CKR_OK, f->C_Finalize(nullptr));
}

std::atomic<int> gCreated{0}, gDestroyed{0}, gLocked{0}, gUnlocked{0};

CK_RV countingCreate(CK_VOID_PTR_PTR m)
{
    *m = new std::mutex;
    ++gCreated;
    return CKR_OK;
}
CK_RV countingDestroy(CK_VOID_PTR m)
{
    delete static_cast<std::mutex*>(m);
    ++gDestroyed;
    return CKR_OK;
}
CK_RV countingLock(CK_VOID_PTR m)
{
    static_cast<std::mutex*>(m)->lock();
    ++gLocked;
    return CKR_OK;
}
CK_RV countingUnlock(CK_VOID_PTR m)
{
    static_cast<std::mutex*>(m)->unlock();
    ++gUnlocked;
    return CKR_OK;
}

TEST_F(Generic, InitializeWithMutexCallbacksUsesThem)
{
    gCreated = gDestroyed = gLocked = gUnlocked = 0;
    CK_C_INITIALIZE_ARGS args{};
    args.CreateMutex = countingCreate;
    args.DestroyMutex = countingDestroy;
    args.LockMutex = countingLock;
    args.UnlockMutex = countingUnlock;
    // 5.4 case 3: callbacks and no CKF_OS_LOCKING_OK: "the library must use
    // the supplied function pointers for mutex-handling"; a library that
    // cannot returns CKR_CANT_LOCK.
    CK_RV rv = f->C_Initialize(&args);
    ASSERT_TRUE(rvOneOf(rv, {CKR_OK, CKR_CANT_LOCK}));
    if (rv == CKR_CANT_LOCK) return;
    // Exercise the module a little (slot list, sessions) so locks are taken.
    CK_ULONG n = 0;
    EXPECT_RV(CKR_OK, f->C_GetSlotList(CK_FALSE, nullptr, &n));
    std::vector<CK_SLOT_ID> slots(n + 1);
    EXPECT_RV(CKR_OK, f->C_GetSlotList(CK_FALSE, slots.data(), &n));
    if (n > 0) {
        CK_SLOT_INFO si{};
        EXPECT_RV(CKR_OK, f->C_GetSlotInfo(slots[0], &si));
    }
    EXPECT_RV(CKR_OK, f->C_Finalize(nullptr));
    std::cout << "[ NOTE     ] mutex callbacks: created " << gCreated << ", destroyed " << gDestroyed << ", locked "
              << gLocked << ", unlocked " << gUnlocked << "\n";
    EXPECT_GT(gCreated.load(), 0) << "supplied CreateMutex never called";
    EXPECT_GT(gLocked.load(), 0) << "supplied LockMutex never called";
    EXPECT_EQ(gLocked.load(), gUnlocked.load()) << "every lock is unlocked";
    EXPECT_EQ(gCreated.load(), gDestroyed.load()) << "every mutex created is destroyed by C_Finalize";
}

TEST_F(Generic, GetInfo)
{
    ASSERT_NO_FATAL_FAILURE(initialize());
    EXPECT_RV(CKR_ARGUMENTS_BAD, f->C_GetInfo(nullptr));
    CK_INFO info{};
    ASSERT_RV(CKR_OK, f->C_GetInfo(&info));
    EXPECT_GE(info.cryptokiVersion.major, 2);
    EXPECT_EQ(info.flags, 0u) << "5.4: flags reserved, must be zero";
    // Blank-padded, not NUL-terminated (3.0 section 3.1 CK_INFO).
    for (unsigned char c : info.manufacturerID)
        EXPECT_NE(c, '\0') << "manufacturerID is blank padded";
    for (unsigned char c : info.libraryDescription)
        EXPECT_NE(c, '\0') << "libraryDescription is blank padded";
}

TEST_F(Generic, SlotListRules)
{
    ASSERT_NO_FATAL_FAILURE(initialize());
    EXPECT_RV(CKR_ARGUMENTS_BAD, f->C_GetSlotList(CK_FALSE, nullptr, nullptr));
    CK_ULONG n = 0;
    ASSERT_RV(CKR_OK, f->C_GetSlotList(CK_FALSE, nullptr, &n));
    if (n >= 1) {
        // A non-NULL buffer that is too small: CKR_BUFFER_TOO_SMALL and the needed count.
        CK_SLOT_ID one[1] = {0};
        CK_ULONG small = 0;
        EXPECT_RV(CKR_BUFFER_TOO_SMALL, f->C_GetSlotList(CK_FALSE, one, &small));
        EXPECT_EQ(small, n);
    }
    std::vector<CK_SLOT_ID> slots(n + 2);
    CK_ULONG big = slots.size();
    ASSERT_RV(CKR_OK, f->C_GetSlotList(CK_FALSE, slots.data(), &big));
    EXPECT_EQ(big, n);
    // Token-present list is a subset.
    CK_ULONG withToken = 0;
    ASSERT_RV(CKR_OK, f->C_GetSlotList(CK_TRUE, nullptr, &withToken));
    EXPECT_LE(withToken, n);
    for (CK_ULONG i = 0; i < big; ++i) {
        CK_SLOT_INFO si{};
        EXPECT_RV(CKR_OK, f->C_GetSlotInfo(slots[i], &si)) << "slot " << slots[i];
        EXPECT_RV(CKR_ARGUMENTS_BAD, f->C_GetSlotInfo(slots[i], nullptr));
    }
}

TEST_F(Generic, InvalidSlotId)
{
    ASSERT_NO_FATAL_FAILURE(initialize());
    CK_SLOT_INFO si{};
    EXPECT_RV(CKR_SLOT_ID_INVALID, f->C_GetSlotInfo(kBogusSlot, &si));
    CK_TOKEN_INFO ti{};
    EXPECT_RV(CKR_SLOT_ID_INVALID, f->C_GetTokenInfo(kBogusSlot, &ti));
    CK_SESSION_HANDLE h = 0;
    EXPECT_RV(CKR_SLOT_ID_INVALID, f->C_OpenSession(kBogusSlot, CKF_SERIAL_SESSION, nullptr, nullptr, &h));
    CK_ULONG n = 0;
    EXPECT_RV(CKR_SLOT_ID_INVALID, f->C_GetMechanismList(kBogusSlot, nullptr, &n));
}

TEST_F(Generic, WaitForSlotEventDontBlock)
{
    ASSERT_NO_FATAL_FAILURE(initialize());
    // 5.5: with CKF_DONT_BLOCK, CKR_NO_EVENT when nothing happened, or OK with
    // a slot when an event is pending (first call after initialisation may
    // report the present tokens). FUNCTION_NOT_SUPPORTED is allowed too.
    CK_SLOT_ID ev = 0;
    CK_RV rv = f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev, nullptr);
    EXPECT_TRUE(rvOneOf(rv, {CKR_NO_EVENT, CKR_OK, CKR_FUNCTION_NOT_SUPPORTED}));
}

} // namespace
} // namespace tessera::apitest
