// The helpers of p11_client.hpp.
#include "p11_client.hpp"

#include <dlfcn.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace tessera::sectest {

CK_FUNCTION_LIST* f = nullptr;

void die(const std::string& what, CK_RV rv)
{
    if (rv == CKR_OK)
        std::fprintf(stderr, "secret client: %s\n", what.c_str());
    else
        std::fprintf(stderr, "secret client: %s failed: CK_RV 0x%lX\n", what.c_str(), static_cast<unsigned long>(rv));
    std::exit(2);
}

void check(CK_RV rv, const std::string& what)
{
    if (rv != CKR_OK) die(what, rv);
}

std::size_t readLine(char* buf, std::size_t cap)
{
    std::size_t n = 0;
    for (;;) {
        char c = 0;
        ssize_t r = read(0, &c, 1);
        if (r <= 0) die("stdin closed");
        if (c == '\n') break;
        if (n + 1 < cap) buf[n++] = c;
    }
    return n;
}

void loadModule()
{
    const char* path = std::getenv("TESSERA_MODULE");
    if (path == nullptr) die("TESSERA_MODULE is not set");
    void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) die(std::string("dlopen: ") + dlerror());
    auto getList = reinterpret_cast<CK_C_GetFunctionList>(dlsym(h, "C_GetFunctionList"));
    if (getList == nullptr) die("no C_GetFunctionList");
    check(getList(&f), "C_GetFunctionList");
}

CK_SLOT_ID pivSlot()
{
    const char* reader = std::getenv("TESSERA_PIV_READER");
    CK_ULONG n = 0;
    check(f->C_GetSlotList(CK_TRUE, nullptr, &n), "C_GetSlotList");
    std::vector<CK_SLOT_ID> slots(n);
    check(f->C_GetSlotList(CK_TRUE, slots.data(), &n), "C_GetSlotList");
    for (CK_ULONG i = 0; i < n; ++i) {
        CK_SLOT_INFO si{};
        if (f->C_GetSlotInfo(slots[i], &si) != CKR_OK) continue;
        std::string desc(reinterpret_cast<const char*>(si.slotDescription), sizeof si.slotDescription);
        while (!desc.empty() && desc.back() == ' ')
            desc.pop_back();
        if (reader == nullptr || std::string(reader).rfind(desc, 0) == 0) return slots[i];
    }
    die("no slot for the PIV reader");
}

CK_OBJECT_HANDLE byId(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, std::uint8_t id)
{
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, &id, 1}};
    check(f->C_FindObjectsInit(s, t, 2), "C_FindObjectsInit");
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_ULONG got = 0;
    check(f->C_FindObjects(s, &h, 1, &got), "C_FindObjects");
    check(f->C_FindObjectsFinal(s), "C_FindObjectsFinal");
    if (got != 1) die("no object of class " + std::to_string(cls) + " with CKA_ID " + std::to_string(id));
    return h;
}

Bytes attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
    CK_ATTRIBUTE a = {type, nullptr, 0};
    check(f->C_GetAttributeValue(s, o, &a, 1), "C_GetAttributeValue (length)");
    Bytes v(a.ulValueLen);
    a.pValue = v.data();
    check(f->C_GetAttributeValue(s, o, &a, 1), "C_GetAttributeValue");
    v.resize(a.ulValueLen);
    return v;
}

apitest::ossl::Pkey certKey(CK_SESSION_HANDLE s, std::uint8_t id)
{
    apitest::ossl::Pkey k = apitest::ossl::publicKeyFromCertDer(attribute(s, byId(s, CKO_CERTIFICATE, id), CKA_VALUE));
    if (!k) die("certificate " + std::to_string(id));
    return k;
}

void allowAnyTracer()
{
    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
}

} // namespace tessera::sectest
