// The PKCS#11 misuse table: rows of (function, setup, expected CK_RV set,
// PKCS#11 3.0 clause), a context that hands each row fresh sessions, keys and
// scratch buffers, and the runner that checks every row, prints the table and
// the pass rate (rows conforming / rows run) of the module under test.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "api_fixtures.hpp"

namespace tessera::apitest::misuse {

// PKCS#11 3.0 section 3.6 CK_FUNCTION_LIST_3_0: the 2.40 list, then the 3.0
// additions (section 5 prototypes), in this order.
struct FunctionList30 {
    CK_FUNCTION_LIST base;
    CK_RV (*C_GetInterfaceList)(ApiCkInterface*, CK_ULONG_PTR);
    ApiGetInterfaceFn C_GetInterface;
    CK_RV (*C_LoginUser)(CK_SESSION_HANDLE, CK_USER_TYPE, CK_UTF8CHAR_PTR, CK_ULONG, CK_UTF8CHAR_PTR, CK_ULONG);
    CK_RV (*C_SessionCancel)(CK_SESSION_HANDLE, CK_FLAGS);
    CK_RV (*C_MessageEncryptInit)(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE);
    CK_RV(*C_EncryptMessage)
    (CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR);
    CK_RV (*C_EncryptMessageBegin)(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG);
    CK_RV(*C_EncryptMessageNext)
    (CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR, CK_FLAGS);
    CK_RV (*C_MessageEncryptFinal)(CK_SESSION_HANDLE);
    CK_RV (*C_MessageDecryptInit)(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE);
    CK_RV(*C_DecryptMessage)
    (CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR);
    CK_RV (*C_DecryptMessageBegin)(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG);
    CK_RV(*C_DecryptMessageNext)
    (CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR, CK_FLAGS);
    CK_RV (*C_MessageDecryptFinal)(CK_SESSION_HANDLE);
    CK_RV (*C_MessageSignInit)(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE);
    CK_RV (*C_SignMessage)(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR);
    CK_RV (*C_SignMessageBegin)(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG);
    CK_RV(*C_SignMessageNext)
    (CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR);
    CK_RV (*C_MessageSignFinal)(CK_SESSION_HANDLE);
    CK_RV (*C_MessageVerifyInit)(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE);
    CK_RV (*C_VerifyMessage)(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG);
    CK_RV (*C_VerifyMessageBegin)(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG);
    CK_RV(*C_VerifyMessageNext)
    (CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG);
    CK_RV (*C_MessageVerifyFinal)(CK_SESSION_HANDLE);
};

// The 3.0 list from C_GetInterface("PKCS 11", 3.0), or nullptr (a 2.40 module).
const FunctionList30* functionList30();

// Row outcomes that are not a CK_RV of the function under test.
constexpr CK_RV kSetupFailed = CKR_VENDOR_DEFINED | 0x5E7UL;  // a preparatory call failed (see detail)
constexpr CK_RV kCheckFailed = CKR_VENDOR_DEFINED | 0xC4ECUL; // the CK_RV was right, an output was not
constexpr CK_RV kNotApplicable = CKR_VENDOR_DEFINED | 0x0AUL; // the token cannot express the case
constexpr CK_RV kCrashed = CKR_VENDOR_DEFINED | 0xDEADUL;     // a forked row died on a signal

std::string name(CK_RV rv);

constexpr CK_SLOT_ID kBogusSlot = 0x7ffffff0UL;
constexpr CK_SESSION_HANDLE kBogusSession = 0x7ffffff1UL;
constexpr CK_OBJECT_HANDLE kBogusObject = 0x7ffffff2UL;

// What a row works with. Sessions are opened on first use and all closed
// (which also logs out, 3.0 section 5.6 C_CloseAllSessions) after each row, so rows are independent.
class Ctx {
public:
    CK_FUNCTION_LIST* f = nullptr;
    const FunctionList30* f30 = nullptr;
    CK_SLOT_ID slot = 0;
    std::string detail; // why a row ended in kSetupFailed / kCheckFailed / kNotApplicable

    CK_SESSION_HANDLE ro();
    CK_SESSION_HANDLE rw();
    CK_SESSION_HANDLE open(CK_FLAGS flags); // one more session (closed with the others)
    bool login(CK_SESSION_HANDLE s, CK_USER_TYPE user = CKU_USER);
    void reset(); // C_CloseAllSessions on the slot

    // Token objects, looked up in session s (after login when needed).
    CK_OBJECT_HANDLE object(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, std::uint8_t id);
    CK_OBJECT_HANDLE rsaSignKey(CK_SESSION_HANDLE s);   // logs in
    CK_OBJECT_HANDLE rsaPublicKey(CK_SESSION_HANDLE s); // the public key with the signing key's CKA_ID
    CK_OBJECT_HANDLE anyCertificate(CK_SESSION_HANDLE s);

    // Records why a row could not run, and returns kSetupFailed.
    CK_RV setupFailed(const std::string& what, CK_RV rv = CKR_OK);
    CK_RV checkFailed(const std::string& what);
    CK_RV notApplicable(const std::string& why);

private:
    CK_SESSION_HANDLE ro_ = CK_INVALID_HANDLE, rw_ = CK_INVALID_HANDLE;
};

enum class Phase { beforeInitialize, initialized, afterFinalize };

// A known departure of one module from the specification, explained.
struct Deviation {
    std::vector<CK_RV> rvs;
    std::string note;
};

struct Row {
    std::string id;              // "SESS-INV-C_Sign"
    std::string function;        // "C_Sign"
    std::string setup;           // "never-issued session handle"
    std::string clause;          // "5.1.2; 5.13.2"
    std::vector<CK_RV> expected; // the specification's allowed answers (first = preferred)
    std::function<CK_RV(Ctx&)> run;
    Phase phase = Phase::initialized;
    Deviation softhsm;   // where SoftHSM 2.6.1 answers otherwise (empty: it does not)
    bool forked = false; // run in a child process: the row may crash a faulty module
};

struct Tally {
    int passed = 0, deviations = 0, failed = 0, notApplicable = 0;
    int run() const { return passed + deviations + failed; }
};

// Runs the rows of one phase against ctx (already in that phase); every row
// that is neither expected nor a documented deviation is a gtest failure.
void runRows(const std::vector<Row>& rows, Phase phase, Ctx& ctx, Tally& tally);
// Prints "[ MISUSE   ] <group> on <module>: passed/run rows conform ..." and records it.
void report(const char* group, const Tally& tally);

// Calls with plausible arguments (only the state or the handle is wrong), so
// the table can try every function: general-purpose and slot functions, and
// session functions (2.40 and, when the module has them, 3.0).
struct Call {
    std::string name;
    bool optional; // a function a module may leave as a stub (CKR_FUNCTION_NOT_SUPPORTED, 3.0 section 5)
    std::function<CK_RV(Ctx&, CK_SESSION_HANDLE)> fn;
};
std::vector<Call> generalAndSlotCalls(); // every 2.40/3.0 function that takes no session handle
std::vector<Call> sessionCalls();        // every function that takes a session handle

// A row (phase: initialized; no deviation; not forked).
Row mk(std::string id, std::string fn, std::string setup, std::string clause, std::vector<CK_RV> expected,
       std::function<CK_RV(Ctx&)> run);
// "5.13 C_Sign": the PKCS#11 3.0 base specification section of a function.
std::string clauseOf(const std::string& fn);

// Rows of the generic table (card-independent) and of the card table.
std::vector<Row> genericRows();
void lengthAndHandleRows(std::vector<Row>& rows); // misuse_state_rows.cpp
void operationRows(std::vector<Row>& rows);       // misuse_op_rows.cpp
std::vector<Row> cardRows();

// PIN and PIN-sized buffers for rows.
CK_UTF8CHAR_PTR pinPtr();
CK_ULONG pinLen();

} // namespace tessera::apitest::misuse
