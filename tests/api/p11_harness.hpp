// The PKCS#11 API test harness: loads the module named by TESSERA_TEST_MODULE
// with dlopen, hands out its function list, and offers small RAII helpers
// (Initialized, Session) and attribute/object helpers shared by the Generic.*
// and Card.* suites. Nothing here knows which module it tests.
#pragma once

// Standard headers first: p11-kit's pkcs11.h (CRYPTOKI_COMPAT) defines macros
// named value, count, parameter, params and reserved, which would rename
// members of anything included after it.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <p11-kit/pkcs11.h>

// PKCS#11 3.0 section 3.6 / 5.2: not in p11-kit's 2.40 header.
struct ApiCkInterface {
    CK_CHAR* pInterfaceName;
    CK_VOID_PTR pFunctionList;
    CK_FLAGS flags;
};
using ApiGetInterfaceFn = CK_RV (*)(CK_UTF8CHAR_PTR, CK_VERSION_PTR, ApiCkInterface**, CK_FLAGS);

namespace tessera::apitest {

using Bytes = std::vector<std::uint8_t>;

// Which module is under test, from C_GetInfo's manufacturerID: only used to
// select a per-module expectation where the specification allows several
// answers or where a module is known to deviate (always with a comment).
enum class ModuleKind { softhsm, tessera, other };

struct TestEnv {
    std::string modulePath;     // TESSERA_TEST_MODULE (required)
    std::string pin = "123456"; // TESSERA_TEST_PIN
    std::string slotLabel;      // TESSERA_TEST_SLOT_LABEL (token label)
    std::string pivReader;      // TESSERA_PIV_READER (set by with-virtual-cards)
    bool cardTests = false;     // TESSERA_TEST_CARD=1
    bool allowNoToken = false;  // TESSERA_TEST_ALLOW_NO_TOKEN=1: skip (loudly) token tests
};

const TestEnv& env();

// The loaded module; loaded once per process (dlopen is not undone).
class Library {
public:
    static Library& get();
    CK_FUNCTION_LIST* fl() const { return fl_; }
    // C_GetInterface from dlsym, or nullptr (a PKCS#11 2.40 module such as SoftHSM 2.6).
    ApiGetInterfaceFn getInterface() const { return getInterface_; }
    ModuleKind kind() const { return kind_; }
    const std::string& manufacturer() const { return manufacturer_; }
    std::string loadError() const { return error_; }

private:
    Library();
    void* handle_ = nullptr;
    CK_FUNCTION_LIST* fl_ = nullptr;
    ApiGetInterfaceFn getInterface_ = nullptr;
    ModuleKind kind_ = ModuleKind::other;
    std::string manufacturer_;
    std::string error_;
};

inline CK_FUNCTION_LIST* p11()
{
    return Library::get().fl();
}
inline ModuleKind moduleKind()
{
    return Library::get().kind();
}

// CK_RV by name, for readable assertion messages.
std::string rvName(CK_RV rv);

#define EXPECT_RV(want, call) EXPECT_EQ(::tessera::apitest::rvName(want), ::tessera::apitest::rvName(call))
#define ASSERT_RV(want, call) ASSERT_EQ(::tessera::apitest::rvName(want), ::tessera::apitest::rvName(call))

// Passes when got is one of the allowed values (where the specification
// allows several answers).
::testing::AssertionResult rvOneOf(CK_RV got, std::initializer_list<CK_RV> allowed);

// C_Initialize(NULL) on construction, C_Finalize on destruction.
class Initialized {
public:
    Initialized();
    ~Initialized();
    Initialized(const Initialized&) = delete;
    Initialized& operator=(const Initialized&) = delete;
    CK_RV rv() const { return rv_; }

private:
    CK_RV rv_;
};

// An open session, closed on destruction unless already closed.
class Session {
public:
    Session(CK_SLOT_ID slot, CK_FLAGS flags = CKF_SERIAL_SESSION);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
    CK_SESSION_HANDLE handle() const { return h_; }
    CK_RV openRv() const { return openRv_; }
    CK_RV close();
    CK_RV login(CK_USER_TYPE user = CKU_USER);
    CK_STATE state() const;

private:
    CK_SESSION_HANDLE h_ = CK_INVALID_HANDLE;
    CK_RV openRv_;
    bool open_ = false;
};

// The slot to test: token label TESSERA_TEST_SLOT_LABEL when given, else the
// slot whose description starts like TESSERA_PIV_READER, else the first slot
// with a token. Module must be initialized.
std::optional<CK_SLOT_ID> findTestSlot();
std::vector<CK_SLOT_ID> slotList(bool tokenPresent);

// Object helpers (the session must be valid; failures are gtest failures).
std::vector<CK_OBJECT_HANDLE> findObjects(CK_SESSION_HANDLE s, std::vector<CK_ATTRIBUTE> tmpl);
std::optional<Bytes> attrBytes(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
std::optional<CK_ULONG> attrUlong(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
std::optional<bool> attrBool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);

// The single object of class cls with CKA_ID id, or CK_INVALID_HANDLE.
CK_OBJECT_HANDLE findById(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const Bytes& id);

// Template builders (pointers refer to the caller's storage).
CK_ATTRIBUTE attr(CK_ATTRIBUTE_TYPE type, const void* p, std::size_t len);
template <typename T> CK_ATTRIBUTE attrOf(CK_ATTRIBUTE_TYPE type, const T& v)
{
    return attr(type, &v, sizeof v);
}

// Signs data in one C_Sign (with a length query first); empty on failure,
// with the CK_RV in *rvOut.
Bytes signOnce(CK_SESSION_HANDLE s, CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data, CK_RV* rvOut);

Bytes toBytes(const std::string& s);
std::string hex(const Bytes& b);
std::string trimField(const unsigned char* p, std::size_t n);

} // namespace tessera::apitest
