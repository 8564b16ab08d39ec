// The card-independent rows of the misuse table (Generic.MisuseTable, run on
// SoftHSM2 and on Tessera): every function before C_Initialize and after
// C_Finalize, NULL output pointers, never-issued and closed session handles,
// invalid slot IDs. Operation, parameter and login rows: misuse_state_rows.cpp.
#include "misuse_table.hpp"

namespace tessera::apitest::misuse {

namespace {

// The extra answers the specification allows for a call whatever the state:
// a stub for an optional function (section 5: "simply returns
// CKR_FUNCTION_NOT_SUPPORTED"), and the legacy parallel functions (5.20).
std::vector<CK_RV> withAlternatives(std::vector<CK_RV> rvs, const Call& c)
{
    if (c.optional) rvs.push_back(CKR_FUNCTION_NOT_SUPPORTED);
    if (c.name == "C_GetFunctionStatus" || c.name == "C_CancelFunction") rvs.push_back(CKR_FUNCTION_NOT_PARALLEL);
    return rvs;
}

void notInitializedRows(std::vector<Row>& rows, Phase phase)
{
    const std::string when = phase == Phase::beforeInitialize ? "before C_Initialize" : "after C_Finalize";
    const std::string tag = phase == Phase::beforeInitialize ? "NI-BEFORE-" : "NI-AFTER-";
    for (const Call& c : generalAndSlotCalls()) {
        Row r = mk(tag + c.name, c.name, when, "5.1.1; " + clauseOf(c.name),
                   withAlternatives({CKR_CRYPTOKI_NOT_INITIALIZED}, c), [c](Ctx& x) { return c.fn(x, 0); });
        r.phase = phase;
        rows.push_back(r);
    }
    for (const Call& c : sessionCalls()) {
        Row r = mk(tag + c.name, c.name, when, "5.1.1; " + clauseOf(c.name),
                   withAlternatives({CKR_CRYPTOKI_NOT_INITIALIZED}, c), [c](Ctx& x) { return c.fn(x, 1); });
        r.phase = phase;
        rows.push_back(r);
    }
    // The functions that work without initialisation (5.4: C_GetFunctionList, C_GetInterfaceList, C_GetInterface).
    Row list = mk(tag + "C_GetFunctionList", "C_GetFunctionList", when + " (allowed)", "5.4 C_GetFunctionList",
                  {CKR_OK}, [](Ctx& x) {
                      CK_FUNCTION_LIST_PTR p = nullptr;
                      return x.f->C_GetFunctionList(&p);
                  });
    list.phase = phase;
    rows.push_back(list);
    Row ifl = mk(tag + "C_GetInterfaceList", "C_GetInterfaceList", when + " (allowed)", "5.4 C_GetInterfaceList",
                 {CKR_OK}, [](Ctx& x) {
                     if (x.f30 == nullptr) return x.notApplicable("PKCS#11 2.40 module");
                     CK_ULONG n = 0;
                     return x.f30->C_GetInterfaceList(nullptr, &n);
                 });
    ifl.phase = phase;
    rows.push_back(ifl);
    Row gi =
        mk(tag + "C_GetInterface", "C_GetInterface", when + " (allowed)", "5.4 C_GetInterface", {CKR_OK}, [](Ctx& x) {
            if (x.f30 == nullptr) return x.notApplicable("PKCS#11 2.40 module");
            ApiCkInterface* iface = nullptr;
            return x.f30->C_GetInterface(nullptr, nullptr, &iface, 0);
        });
    gi.phase = phase;
    rows.push_back(gi);
}

// NULL for each output pointer (and for inputs given with a non-zero length):
// CKR_ARGUMENTS_BAD, 5.1.6 ("the arguments supplied to the Cryptoki function
// were in some way not appropriate").
void nullPointerRows(std::vector<Row>& rows)
{
    const std::vector<CK_RV> bad = {CKR_ARGUMENTS_BAD};
    rows.push_back(mk("ARG-C_GetInfo", "C_GetInfo", "pInfo NULL", "5.1.6; 5.4", bad,
                      [](Ctx& c) { return c.f->C_GetInfo(nullptr); }));
    rows.push_back(mk("ARG-C_GetFunctionList", "C_GetFunctionList", "ppFunctionList NULL", "5.1.6; 5.4", bad,
                      [](Ctx& c) { return c.f->C_GetFunctionList(nullptr); }));
    rows.push_back(mk("ARG-C_GetInterfaceList", "C_GetInterfaceList", "pulCount NULL", "5.1.6; 5.4", bad, [](Ctx& c) {
        if (c.f30 == nullptr) return c.notApplicable("PKCS#11 2.40 module");
        return c.f30->C_GetInterfaceList(nullptr, nullptr);
    }));
    rows.push_back(mk("ARG-C_GetInterface", "C_GetInterface", "ppInterface NULL", "5.1.6; 5.4", bad, [](Ctx& c) {
        if (c.f30 == nullptr) return c.notApplicable("PKCS#11 2.40 module");
        return c.f30->C_GetInterface(nullptr, nullptr, nullptr, 0);
    }));
    rows.push_back(mk("ARG-C_GetSlotList", "C_GetSlotList", "pulCount NULL", "5.1.6; 5.5", bad,
                      [](Ctx& c) { return c.f->C_GetSlotList(CK_FALSE, nullptr, nullptr); }));
    rows.push_back(mk("ARG-C_GetSlotInfo", "C_GetSlotInfo", "pInfo NULL", "5.1.6; 5.5", bad,
                      [](Ctx& c) { return c.f->C_GetSlotInfo(c.slot, nullptr); }));
    rows.push_back(mk("ARG-C_GetTokenInfo", "C_GetTokenInfo", "pInfo NULL", "5.1.6; 5.5", bad,
                      [](Ctx& c) { return c.f->C_GetTokenInfo(c.slot, nullptr); }));
    rows.push_back(mk("ARG-C_WaitForSlotEvent", "C_WaitForSlotEvent", "CKF_DONT_BLOCK, pSlot NULL", "5.1.6; 5.5",
                      {CKR_ARGUMENTS_BAD, CKR_FUNCTION_NOT_SUPPORTED},
                      [](Ctx& c) { return c.f->C_WaitForSlotEvent(CKF_DONT_BLOCK, nullptr, nullptr); }));
    rows.back().softhsm = {{CKR_NO_EVENT},
                           "SoftHSM's C_WaitForSlotEvent ignores pSlot and answers CKR_NO_EVENT to "
                           "CKF_DONT_BLOCK (its slots never change)"};
    rows.push_back(mk("ARG-C_GetMechanismList", "C_GetMechanismList", "pulCount NULL", "5.1.6; 5.5", bad,
                      [](Ctx& c) { return c.f->C_GetMechanismList(c.slot, nullptr, nullptr); }));
    rows.push_back(mk("ARG-C_GetMechanismInfo", "C_GetMechanismInfo", "a listed mechanism, pInfo NULL", "5.1.6; 5.5",
                      bad, [](Ctx& c) {
                          CK_MECHANISM_TYPE m[128];
                          CK_ULONG n = 128;
                          CK_RV rv = c.f->C_GetMechanismList(c.slot, m, &n);
                          if (rv != CKR_OK || n == 0) return c.setupFailed("C_GetMechanismList", rv);
                          return c.f->C_GetMechanismInfo(c.slot, m[0], nullptr);
                      }));
    rows.push_back(mk("ARG-C_OpenSession", "C_OpenSession", "phSession NULL", "5.1.6; 5.6", bad, [](Ctx& c) {
        return c.f->C_OpenSession(c.slot, CKF_SERIAL_SESSION, nullptr, nullptr, nullptr);
    }));
    rows.push_back(mk("ARG-C_GetSessionInfo", "C_GetSessionInfo", "pInfo NULL", "5.1.6; 5.6", bad, [](Ctx& c) {
        CK_SESSION_HANDLE s = c.ro();
        if (s == CK_INVALID_HANDLE) return kSetupFailed;
        return c.f->C_GetSessionInfo(s, nullptr);
    }));
    rows.push_back(mk("ARG-C_GetOperationState", "C_GetOperationState", "pulOperationStateLen NULL", "5.1.6; 5.6",
                      {CKR_ARGUMENTS_BAD, CKR_FUNCTION_NOT_SUPPORTED}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (s == CK_INVALID_HANDLE) return kSetupFailed;
                          return c.f->C_GetOperationState(s, nullptr, nullptr);
                      }));
    rows.push_back(mk("ARG-C_Login-pin", "C_Login", "CKU_USER, pPin NULL with a length, no PIN pad", "5.1.6; 5.6", bad,
                      [](Ctx& c) {
                          CK_TOKEN_INFO ti{};
                          if (c.f->C_GetTokenInfo(c.slot, &ti) != CKR_OK) return c.setupFailed("C_GetTokenInfo");
                          if ((ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH) != 0) {
                              return c.notApplicable("token has a protected authentication path: NULL is valid");
                          }
                          CK_SESSION_HANDLE s = c.ro();
                          if (s == CK_INVALID_HANDLE) return kSetupFailed;
                          return c.f->C_Login(s, CKU_USER, nullptr, pinLen());
                      }));
    rows.push_back(
        mk("ARG-C_LoginUser-pin", "C_LoginUser", "CKU_USER, pPin NULL with a length", "5.1.6; 5.6", bad, [](Ctx& c) {
            if (c.f30 == nullptr) return c.notApplicable("PKCS#11 2.40 module");
            CK_SESSION_HANDLE s = c.ro();
            if (s == CK_INVALID_HANDLE) return kSetupFailed;
            return c.f30->C_LoginUser(s, CKU_USER, nullptr, pinLen(), nullptr, 0);
        }));
    rows.push_back(
        mk("ARG-C_SetPIN-old", "C_SetPIN", "R/W session, pOldPin NULL with a length", "5.1.6; 5.5", bad, [](Ctx& c) {
            CK_SESSION_HANDLE s = c.rw();
            if (s == CK_INVALID_HANDLE) return kSetupFailed;
            return c.f->C_SetPIN(s, nullptr, pinLen(), pinPtr(), pinLen());
        }));
    rows.push_back(
        mk("ARG-C_SetPIN-new", "C_SetPIN", "R/W session, pNewPin NULL with a length", "5.1.6; 5.5", bad, [](Ctx& c) {
            CK_SESSION_HANDLE s = c.rw();
            if (s == CK_INVALID_HANDLE) return kSetupFailed;
            return c.f->C_SetPIN(s, pinPtr(), pinLen(), nullptr, pinLen());
        }));
    rows.push_back(mk("ARG-C_CreateObject-handle", "C_CreateObject", "session data object, phObject NULL", "5.1.6; 5.7",
                      {CKR_ARGUMENTS_BAD, CKR_FUNCTION_NOT_SUPPORTED}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (s == CK_INVALID_HANDLE) return kSetupFailed;
                          CK_OBJECT_CLASS cls = CKO_DATA;
                          CK_BBOOL no = CK_FALSE;
                          CK_ATTRIBUTE t[] = {attrOf(CKA_CLASS, cls), attrOf(CKA_TOKEN, no)};
                          return c.f->C_CreateObject(s, t, 2, nullptr);
                      }));
    rows.push_back(mk("ARG-C_CreateObject-template", "C_CreateObject", "pTemplate NULL with ulCount 2", "5.1.6; 5.7",
                      {CKR_ARGUMENTS_BAD, CKR_FUNCTION_NOT_SUPPORTED}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (s == CK_INVALID_HANDLE) return kSetupFailed;
                          CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
                          return c.f->C_CreateObject(s, nullptr, 2, &h);
                      }));
    rows.push_back(mk("ARG-C_CopyObject", "C_CopyObject", "a certificate, phNewObject NULL", "5.1.6; 5.7",
                      {CKR_ARGUMENTS_BAD, CKR_FUNCTION_NOT_SUPPORTED}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (s == CK_INVALID_HANDLE) return kSetupFailed;
                          CK_OBJECT_HANDLE cert = c.anyCertificate(s);
                          if (cert == CK_INVALID_HANDLE) return kSetupFailed;
                          return c.f->C_CopyObject(s, cert, nullptr, 0, nullptr);
                      }));
    rows.push_back(
        mk("ARG-C_GetObjectSize", "C_GetObjectSize", "a certificate, pulSize NULL", "5.1.6; 5.7", bad, [](Ctx& c) {
            CK_SESSION_HANDLE s = c.ro();
            if (s == CK_INVALID_HANDLE) return kSetupFailed;
            CK_OBJECT_HANDLE cert = c.anyCertificate(s);
            if (cert == CK_INVALID_HANDLE) return kSetupFailed;
            return c.f->C_GetObjectSize(s, cert, nullptr);
        }));
    rows.push_back(mk("ARG-C_GetAttributeValue", "C_GetAttributeValue", "a certificate, pTemplate NULL, ulCount 1",
                      "5.1.6; 5.7", bad, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (s == CK_INVALID_HANDLE) return kSetupFailed;
                          CK_OBJECT_HANDLE cert = c.anyCertificate(s);
                          if (cert == CK_INVALID_HANDLE) return kSetupFailed;
                          return c.f->C_GetAttributeValue(s, cert, nullptr, 1);
                      }));
    rows.push_back(
        mk("ARG-C_FindObjectsInit", "C_FindObjectsInit", "pTemplate NULL, ulCount 1", "5.1.6; 5.7", bad, [](Ctx& c) {
            CK_SESSION_HANDLE s = c.ro();
            if (s == CK_INVALID_HANDLE) return kSetupFailed;
            return c.f->C_FindObjectsInit(s, nullptr, 1);
        }));
    rows.push_back(mk("ARG-C_FindObjects-count", "C_FindObjects", "after C_FindObjectsInit, pulObjectCount NULL",
                      "5.1.6; 5.7", bad, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (s == CK_INVALID_HANDLE) return kSetupFailed;
                          if (CK_RV rv = c.f->C_FindObjectsInit(s, nullptr, 0); rv != CKR_OK) {
                              return c.setupFailed("C_FindObjectsInit", rv);
                          }
                          CK_OBJECT_HANDLE h[4];
                          return c.f->C_FindObjects(s, h, 4, nullptr);
                      }));
    rows.push_back(mk("ARG-C_FindObjects-handles", "C_FindObjects",
                      "after C_FindObjectsInit, phObject NULL with ulMaxObjectCount 4", "5.1.6; 5.7", bad, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (s == CK_INVALID_HANDLE) return kSetupFailed;
                          if (CK_RV rv = c.f->C_FindObjectsInit(s, nullptr, 0); rv != CKR_OK) {
                              return c.setupFailed("C_FindObjectsInit", rv);
                          }
                          CK_ULONG n = 0;
                          return c.f->C_FindObjects(s, nullptr, 4, &n);
                      }));
    rows.push_back(
        mk("ARG-C_GenerateRandom", "C_GenerateRandom", "pRandomData NULL, length 16", "5.1.6; 5.19", bad, [](Ctx& c) {
            CK_SESSION_HANDLE s = c.ro();
            if (s == CK_INVALID_HANDLE) return kSetupFailed;
            return c.f->C_GenerateRandom(s, nullptr, 16);
        }));
}

// Every session function with a never-issued handle, and with the handle of
// a session that was closed: CKR_SESSION_HANDLE_INVALID (5.1.2).
void sessionHandleRows(std::vector<Row>& rows)
{
    for (const Call& c : sessionCalls()) {
        rows.push_back(mk("SESS-BOGUS-" + c.name, c.name, "never-issued session handle", "5.1.2; " + clauseOf(c.name),
                          withAlternatives({CKR_SESSION_HANDLE_INVALID}, c),
                          [c](Ctx& x) { return c.fn(x, kBogusSession); }));
        rows.push_back(mk("SESS-CLOSED-" + c.name, c.name, "handle of a closed session (another session open)",
                          "5.1.2; " + clauseOf(c.name), withAlternatives({CKR_SESSION_HANDLE_INVALID}, c), [c](Ctx& x) {
                              CK_SESSION_HANDLE keep = x.ro(); // the token keeps an open session
                              CK_SESSION_HANDLE gone = x.open(CKF_SERIAL_SESSION);
                              if (keep == CK_INVALID_HANDLE || gone == CK_INVALID_HANDLE) return kSetupFailed;
                              if (CK_RV rv = x.f->C_CloseSession(gone); rv != CKR_OK) {
                                  return x.setupFailed("C_CloseSession", rv);
                              }
                              return c.fn(x, gone);
                          }));
    }
    rows.push_back(mk("SESS-CLOSEALL-C_GetSessionInfo", "C_GetSessionInfo", "after C_CloseAllSessions", "5.1.2; 5.6",
                      {CKR_SESSION_HANDLE_INVALID}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.rw();
                          if (s == CK_INVALID_HANDLE) return kSetupFailed;
                          if (CK_RV rv = c.f->C_CloseAllSessions(c.slot); rv != CKR_OK) {
                              return c.setupFailed("C_CloseAllSessions", rv);
                          }
                          CK_SESSION_INFO info{};
                          return c.f->C_GetSessionInfo(s, &info);
                      }));
    rows.push_back(mk("SESS-SERIAL-C_OpenSession", "C_OpenSession", "flags without CKF_SERIAL_SESSION", "5.6",
                      {CKR_SESSION_PARALLEL_NOT_SUPPORTED}, [](Ctx& c) {
                          CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
                          return c.f->C_OpenSession(c.slot, 0, nullptr, nullptr, &h);
                      }));
}

// Slot functions with a never-issued slot ID: CKR_SLOT_ID_INVALID (5.1.6).
void slotRows(std::vector<Row>& rows)
{
    for (const Call& c : generalAndSlotCalls()) {
        static const char* const slotFunctions[] = {"C_GetSlotInfo",      "C_GetTokenInfo", "C_GetMechanismList",
                                                    "C_GetMechanismInfo", "C_InitToken",    "C_OpenSession",
                                                    "C_CloseAllSessions"};
        bool isSlotFunction = false;
        for (const char* s : slotFunctions)
            isSlotFunction = isSlotFunction || c.name == s;
        if (!isSlotFunction) continue;
        rows.push_back(mk("SLOT-BOGUS-" + c.name, c.name, "never-issued slot ID", "5.1.6; " + clauseOf(c.name),
                          withAlternatives({CKR_SLOT_ID_INVALID}, c), [c](Ctx& x) { return c.fn(x, kBogusSlot); }));
    }
    rows.push_back(mk("SLOT-MECH-C_GetMechanismInfo", "C_GetMechanismInfo", "a vendor mechanism nobody has", "5.5",
                      {CKR_MECHANISM_INVALID}, [](Ctx& c) {
                          CK_MECHANISM_INFO mi{};
                          return c.f->C_GetMechanismInfo(c.slot, CKM_VENDOR_DEFINED | 0x7E55UL, &mi);
                      }));
    rows.push_back(mk("INIT-TWICE-C_Initialize", "C_Initialize", "already initialised", "5.4",
                      {CKR_CRYPTOKI_ALREADY_INITIALIZED}, [](Ctx& c) { return c.f->C_Initialize(nullptr); }));
}

} // namespace

std::string clauseOf(const std::string& fn)
{
    struct Section {
        const char* prefix;
        const char* clause;
    };
    // PKCS#11 3.0 base specification, chapter 5 (by function).
    static const std::pair<const char*, const char*> exact[] = {
        {"C_Initialize", "5.4"},
        {"C_Finalize", "5.4"},
        {"C_GetInfo", "5.4"},
        {"C_GetFunctionList", "5.4"},
        {"C_GetInterfaceList", "5.4"},
        {"C_GetInterface", "5.4"},
        {"C_GetSlotList", "5.5"},
        {"C_GetSlotInfo", "5.5"},
        {"C_GetTokenInfo", "5.5"},
        {"C_WaitForSlotEvent", "5.5"},
        {"C_GetMechanismList", "5.5"},
        {"C_GetMechanismInfo", "5.5"},
        {"C_InitToken", "5.5"},
        {"C_InitPIN", "5.5"},
        {"C_SetPIN", "5.5"},
        {"C_OpenSession", "5.6"},
        {"C_CloseSession", "5.6"},
        {"C_CloseAllSessions", "5.6"},
        {"C_GetSessionInfo", "5.6"},
        {"C_SessionCancel", "5.6"},
        {"C_GetOperationState", "5.6"},
        {"C_SetOperationState", "5.6"},
        {"C_Login", "5.6"},
        {"C_LoginUser", "5.6"},
        {"C_Logout", "5.6"},
        {"C_CreateObject", "5.7"},
        {"C_CopyObject", "5.7"},
        {"C_DestroyObject", "5.7"},
        {"C_GetObjectSize", "5.7"},
        {"C_GetAttributeValue", "5.7"},
        {"C_SetAttributeValue", "5.7"},
        {"C_FindObjectsInit", "5.7"},
        {"C_FindObjects", "5.7"},
        {"C_FindObjectsFinal", "5.7"},
        {"C_DigestEncryptUpdate", "5.17"},
        {"C_DecryptDigestUpdate", "5.17"},
        {"C_SignEncryptUpdate", "5.17"},
        {"C_DecryptVerifyUpdate", "5.17"},
        {"C_GenerateKey", "5.18"},
        {"C_GenerateKeyPair", "5.18"},
        {"C_WrapKey", "5.18"},
        {"C_UnwrapKey", "5.18"},
        {"C_DeriveKey", "5.18"},
        {"C_SeedRandom", "5.19"},
        {"C_GenerateRandom", "5.19"},
        {"C_GetFunctionStatus", "5.20"},
        {"C_CancelFunction", "5.20"},
        {"C_MessageEncryptInit", "5.9"},
        {"C_EncryptMessage", "5.9"},
        {"C_EncryptMessageBegin", "5.9"},
        {"C_EncryptMessageNext", "5.9"},
        {"C_MessageEncryptFinal", "5.9"},
        {"C_MessageDecryptInit", "5.11"},
        {"C_DecryptMessage", "5.11"},
        {"C_DecryptMessageBegin", "5.11"},
        {"C_DecryptMessageNext", "5.11"},
        {"C_MessageDecryptFinal", "5.11"},
        {"C_MessageSignInit", "5.14"},
        {"C_SignMessage", "5.14"},
        {"C_SignMessageBegin", "5.14"},
        {"C_SignMessageNext", "5.14"},
        {"C_MessageSignFinal", "5.14"},
        {"C_MessageVerifyInit", "5.16"},
        {"C_VerifyMessage", "5.16"},
        {"C_VerifyMessageBegin", "5.16"},
        {"C_VerifyMessageNext", "5.16"},
        {"C_MessageVerifyFinal", "5.16"},
    };
    for (const auto& [name, clause] : exact)
        if (fn == name) return std::string(clause) + " " + fn;
    // Single- and multi-part operations by family.
    static const Section families[] = {{"C_Encrypt", "5.8"},      {"C_Decrypt", "5.10"}, {"C_Digest", "5.12"},
                                       {"C_SignRecover", "5.13"}, {"C_Sign", "5.13"},    {"C_VerifyRecover", "5.15"},
                                       {"C_Verify", "5.15"}};
    for (const Section& s : families)
        if (fn.rfind(s.prefix, 0) == 0) return std::string(s.clause) + " " + fn;
    return fn;
}

std::vector<Row> genericRows()
{
    std::vector<Row> rows;
    notInitializedRows(rows, Phase::beforeInitialize);
    nullPointerRows(rows);
    sessionHandleRows(rows);
    slotRows(rows);
    lengthAndHandleRows(rows);
    operationRows(rows);
    notInitializedRows(rows, Phase::afterFinalize);
    return rows;
}

} // namespace tessera::apitest::misuse
