// The harness behind every API test: environment, dlopen of the module under
// test, CK_RV names, RAII initialisation and sessions, slot choice, and the
// object/attribute helpers. Failures here are reported as gtest failures with
// the CK_RV by name, so a report says which call failed and how.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "p11_harness.hpp"

namespace tessera::apitest {

namespace {

std::string getenvOr(const char* name, const char* fallback)
{
    const char* v = std::getenv(name);
    return (v != nullptr && *v != '\0') ? std::string(v) : std::string(fallback);
}

TestEnv loadEnv()
{
    TestEnv e;
    e.modulePath = getenvOr("TESSERA_TEST_MODULE", "");
    e.pin = getenvOr("TESSERA_TEST_PIN", "123456");
    e.slotLabel = getenvOr("TESSERA_TEST_SLOT_LABEL", "");
    e.pivReader = getenvOr("TESSERA_PIV_READER", "");
    e.cardTests = getenvOr("TESSERA_TEST_CARD", "0") == "1";
    e.allowNoToken = getenvOr("TESSERA_TEST_ALLOW_NO_TOKEN", "0") == "1";
    return e;
}

} // namespace

const TestEnv& env()
{
    static const TestEnv e = loadEnv();
    return e;
}

Library& Library::get()
{
    static Library lib;
    return lib;
}

Library::Library()
{
    const std::string& path = env().modulePath;
    if (path.empty()) {
        error_ = "TESSERA_TEST_MODULE is not set (absolute path of the PKCS#11 module)";
        return;
    }
    handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
        error_ = std::string("dlopen failed: ") + dlerror();
        return;
    }
    auto getList = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle_, "C_GetFunctionList"));
    if (getList == nullptr) {
        error_ = "module has no C_GetFunctionList";
        return;
    }
    CK_RV rv = getList(&fl_);
    if (rv != CKR_OK || fl_ == nullptr) {
        error_ = "C_GetFunctionList failed: " + rvName(rv);
        fl_ = nullptr;
        return;
    }
    getInterface_ = reinterpret_cast<ApiGetInterfaceFn>(dlsym(handle_, "C_GetInterface"));
    // Identify the module once (initialise, C_GetInfo, finalise).
    if (fl_->C_Initialize(nullptr) == CKR_OK) {
        CK_INFO info{};
        if (fl_->C_GetInfo(&info) == CKR_OK) {
            manufacturer_ = trimField(info.manufacturerID, sizeof info.manufacturerID);
        }
        fl_->C_Finalize(nullptr);
    }
    if (manufacturer_.find("SoftHSM") != std::string::npos) {
        kind_ = ModuleKind::softhsm;
    } else if (manufacturer_.find("Tessera") != std::string::npos) {
        kind_ = ModuleKind::tessera;
    }
}

std::string rvName(CK_RV rv)
{
    static const std::map<CK_RV, const char*> names = {
#define API_RV(x) {x, #x}
        API_RV(CKR_OK),
        API_RV(CKR_CANCEL),
        API_RV(CKR_HOST_MEMORY),
        API_RV(CKR_SLOT_ID_INVALID),
        API_RV(CKR_GENERAL_ERROR),
        API_RV(CKR_FUNCTION_FAILED),
        API_RV(CKR_ARGUMENTS_BAD),
        API_RV(CKR_NO_EVENT),
        API_RV(CKR_NEED_TO_CREATE_THREADS),
        API_RV(CKR_CANT_LOCK),
        API_RV(CKR_ATTRIBUTE_READ_ONLY),
        API_RV(CKR_ATTRIBUTE_SENSITIVE),
        API_RV(CKR_ATTRIBUTE_TYPE_INVALID),
        API_RV(CKR_ATTRIBUTE_VALUE_INVALID),
        API_RV(CKR_DATA_INVALID),
        API_RV(CKR_DATA_LEN_RANGE),
        API_RV(CKR_DEVICE_ERROR),
        API_RV(CKR_DEVICE_MEMORY),
        API_RV(CKR_DEVICE_REMOVED),
        API_RV(CKR_ENCRYPTED_DATA_INVALID),
        API_RV(CKR_ENCRYPTED_DATA_LEN_RANGE),
        API_RV(CKR_FUNCTION_CANCELED),
        API_RV(CKR_FUNCTION_NOT_PARALLEL),
        API_RV(CKR_FUNCTION_NOT_SUPPORTED),
        API_RV(CKR_KEY_HANDLE_INVALID),
        API_RV(CKR_KEY_SIZE_RANGE),
        API_RV(CKR_KEY_TYPE_INCONSISTENT),
        API_RV(CKR_KEY_FUNCTION_NOT_PERMITTED),
        API_RV(CKR_MECHANISM_INVALID),
        API_RV(CKR_MECHANISM_PARAM_INVALID),
        API_RV(CKR_OBJECT_HANDLE_INVALID),
        API_RV(CKR_OPERATION_ACTIVE),
        API_RV(CKR_OPERATION_NOT_INITIALIZED),
        API_RV(CKR_PIN_INCORRECT),
        API_RV(CKR_PIN_INVALID),
        API_RV(CKR_PIN_LEN_RANGE),
        API_RV(CKR_PIN_EXPIRED),
        API_RV(CKR_PIN_LOCKED),
        API_RV(CKR_SESSION_CLOSED),
        API_RV(CKR_SESSION_COUNT),
        API_RV(CKR_SESSION_HANDLE_INVALID),
        API_RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED),
        API_RV(CKR_SESSION_READ_ONLY),
        API_RV(CKR_SESSION_EXISTS),
        API_RV(CKR_SESSION_READ_ONLY_EXISTS),
        API_RV(CKR_SESSION_READ_WRITE_SO_EXISTS),
        API_RV(CKR_SIGNATURE_INVALID),
        API_RV(CKR_SIGNATURE_LEN_RANGE),
        API_RV(CKR_TEMPLATE_INCOMPLETE),
        API_RV(CKR_TEMPLATE_INCONSISTENT),
        API_RV(CKR_TOKEN_NOT_PRESENT),
        API_RV(CKR_TOKEN_NOT_RECOGNIZED),
        API_RV(CKR_TOKEN_WRITE_PROTECTED),
        API_RV(CKR_USER_ALREADY_LOGGED_IN),
        API_RV(CKR_USER_NOT_LOGGED_IN),
        API_RV(CKR_USER_PIN_NOT_INITIALIZED),
        API_RV(CKR_USER_TYPE_INVALID),
        API_RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
        API_RV(CKR_USER_TOO_MANY_TYPES),
        API_RV(CKR_BUFFER_TOO_SMALL),
        API_RV(CKR_RANDOM_SEED_NOT_SUPPORTED),
        API_RV(CKR_RANDOM_NO_RNG),
        API_RV(CKR_DOMAIN_PARAMS_INVALID),
        API_RV(CKR_CRYPTOKI_NOT_INITIALIZED),
        API_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED),
        API_RV(CKR_MUTEX_BAD),
        API_RV(CKR_MUTEX_NOT_LOCKED),
        API_RV(CKR_FUNCTION_REJECTED),
#undef API_RV
    };
    auto it = names.find(rv);
    if (it != names.end()) return it->second;
    char buf[32];
    std::snprintf(buf, sizeof buf, "CKR_0x%08lX", static_cast<unsigned long>(rv));
    return buf;
}

::testing::AssertionResult rvOneOf(CK_RV got, std::initializer_list<CK_RV> allowed)
{
    std::string list;
    for (CK_RV a : allowed) {
        if (got == a) return ::testing::AssertionSuccess();
        list += (list.empty() ? "" : ", ") + rvName(a);
    }
    return ::testing::AssertionFailure() << "got " << rvName(got) << ", expected one of {" << list << "}";
}

Initialized::Initialized() : rv_(p11()->C_Initialize(nullptr)) {}

Initialized::~Initialized()
{
    if (rv_ == CKR_OK) p11()->C_Finalize(nullptr);
}

Session::Session(CK_SLOT_ID slot, CK_FLAGS flags) : openRv_(p11()->C_OpenSession(slot, flags, nullptr, nullptr, &h_))
{
    open_ = openRv_ == CKR_OK;
}

Session::~Session()
{
    if (open_) p11()->C_CloseSession(h_);
}

CK_RV Session::close()
{
    open_ = false;
    return p11()->C_CloseSession(h_);
}

CK_RV Session::login(CK_USER_TYPE user)
{
    const std::string& pin = env().pin;
    return p11()->C_Login(h_, user, reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.data())), pin.size());
}

CK_STATE Session::state() const
{
    CK_SESSION_INFO info{};
    CK_RV rv = p11()->C_GetSessionInfo(h_, &info);
    EXPECT_RV(CKR_OK, rv) << "C_GetSessionInfo";
    return info.state;
}

std::vector<CK_SLOT_ID> slotList(bool tokenPresent)
{
    CK_ULONG n = 0;
    CK_RV rv = p11()->C_GetSlotList(tokenPresent ? CK_TRUE : CK_FALSE, nullptr, &n);
    EXPECT_RV(CKR_OK, rv) << "C_GetSlotList(NULL)";
    std::vector<CK_SLOT_ID> slots(n);
    if (n == 0) return slots;
    rv = p11()->C_GetSlotList(tokenPresent ? CK_TRUE : CK_FALSE, slots.data(), &n);
    EXPECT_RV(CKR_OK, rv) << "C_GetSlotList";
    slots.resize(n);
    return slots;
}

std::optional<CK_SLOT_ID> findTestSlot()
{
    const auto slots = slotList(true);
    const TestEnv& e = env();
    for (CK_SLOT_ID id : slots) {
        if (!e.slotLabel.empty()) {
            CK_TOKEN_INFO ti{};
            if (p11()->C_GetTokenInfo(id, &ti) != CKR_OK) continue;
            if (trimField(ti.label, sizeof ti.label) == e.slotLabel) return id;
            continue;
        }
        if (!e.pivReader.empty()) {
            CK_SLOT_INFO si{};
            if (p11()->C_GetSlotInfo(id, &si) != CKR_OK) continue;
            std::string desc = trimField(si.slotDescription, sizeof si.slotDescription);
            std::string want = e.pivReader.substr(0, desc.size());
            if (!desc.empty() && desc == want) return id;
            continue;
        }
        return id;
    }
    return std::nullopt;
}

CK_ATTRIBUTE attr(CK_ATTRIBUTE_TYPE type, const void* p, std::size_t len)
{
    CK_ATTRIBUTE a{};
    a.type = type;
    a.pValue = const_cast<void*>(p);
    a.ulValueLen = len;
    return a;
}

std::vector<CK_OBJECT_HANDLE> findObjects(CK_SESSION_HANDLE s, std::vector<CK_ATTRIBUTE> tmpl)
{
    std::vector<CK_OBJECT_HANDLE> out;
    CK_RV rv = p11()->C_FindObjectsInit(s, tmpl.empty() ? nullptr : tmpl.data(), tmpl.size());
    EXPECT_RV(CKR_OK, rv) << "C_FindObjectsInit";
    if (rv != CKR_OK) return out;
    for (;;) {
        CK_OBJECT_HANDLE batch[7];
        CK_ULONG got = 0;
        rv = p11()->C_FindObjects(s, batch, 7, &got);
        EXPECT_RV(CKR_OK, rv) << "C_FindObjects";
        if (rv != CKR_OK || got == 0) break;
        out.insert(out.end(), batch, batch + got);
        if (out.size() > 100000) break;
    }
    EXPECT_RV(CKR_OK, p11()->C_FindObjectsFinal(s)) << "C_FindObjectsFinal";
    return out;
}

std::optional<Bytes> attrBytes(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
    CK_ATTRIBUTE a = attr(type, nullptr, 0);
    if (p11()->C_GetAttributeValue(s, o, &a, 1) != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
        return std::nullopt;
    }
    Bytes b(a.ulValueLen);
    a.pValue = b.data();
    if (p11()->C_GetAttributeValue(s, o, &a, 1) != CKR_OK) return std::nullopt;
    b.resize(a.ulValueLen);
    return b;
}

std::optional<CK_ULONG> attrUlong(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
    CK_ULONG v = 0;
    CK_ATTRIBUTE a = attr(type, &v, sizeof v);
    if (p11()->C_GetAttributeValue(s, o, &a, 1) != CKR_OK || a.ulValueLen != sizeof v) return std::nullopt;
    return v;
}

std::optional<bool> attrBool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
    CK_BBOOL v = CK_FALSE;
    CK_ATTRIBUTE a = attr(type, &v, sizeof v);
    if (p11()->C_GetAttributeValue(s, o, &a, 1) != CKR_OK || a.ulValueLen != sizeof v) return std::nullopt;
    return v == CK_TRUE;
}

CK_OBJECT_HANDLE findById(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const Bytes& id)
{
    auto found = findObjects(s, {attrOf(CKA_CLASS, cls), attr(CKA_ID, id.data(), id.size())});
    EXPECT_LE(found.size(), 1u) << "more than one object of class " << cls << " with CKA_ID " << hex(id);
    return found.empty() ? CK_INVALID_HANDLE : found.front();
}

Bytes signOnce(CK_SESSION_HANDLE s, CK_MECHANISM mech, CK_OBJECT_HANDLE key, const Bytes& data, CK_RV* rvOut)
{
    CK_RV rv = p11()->C_SignInit(s, &mech, key);
    if (rv == CKR_OK) {
        CK_ULONG len = 0;
        rv = p11()->C_Sign(s, const_cast<CK_BYTE_PTR>(data.data()), data.size(), nullptr, &len);
        if (rv == CKR_OK) {
            Bytes sig(len);
            rv = p11()->C_Sign(s, const_cast<CK_BYTE_PTR>(data.data()), data.size(), sig.data(), &len);
            if (rv == CKR_OK) {
                sig.resize(len);
                if (rvOut != nullptr) *rvOut = rv;
                return sig;
            }
        }
    }
    if (rvOut != nullptr) *rvOut = rv;
    return {};
}

Bytes toBytes(const std::string& s)
{
    return Bytes(s.begin(), s.end());
}

std::string hex(const Bytes& b)
{
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (std::uint8_t c : b) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

std::string trimField(const unsigned char* p, std::size_t n)
{
    std::string s(reinterpret_cast<const char*>(p), n);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0'))
        s.pop_back();
    return s;
}

} // namespace tessera::apitest
