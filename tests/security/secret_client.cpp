// The PKCS#11 client of the secret-leak tests (dlopen of $TESSERA_MODULE, the
// sandbox's PIV card): "dump" pauses at each phase for pin_coredump.sh's gcore,
// "session SECRETS" runs log_no_secrets.sh's session. PINs come on stdin via
// read(2) into buffers wiped after use, so any copy a dump shows is the module's.
#include <dlfcn.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <openssl/rand.h>

#include "ossl.hpp"

#include <p11-kit/pkcs11.h>

namespace {

using Bytes = std::vector<std::uint8_t>;
namespace ossl = tessera::apitest::ossl;

CK_FUNCTION_LIST* f = nullptr;

[[noreturn]] void die(const std::string& what, CK_RV rv = CKR_OK)
{
    if (rv == CKR_OK)
        std::fprintf(stderr, "secret_client: %s\n", what.c_str());
    else
        std::fprintf(stderr, "secret_client: %s failed: CK_RV 0x%lX\n", what.c_str(), static_cast<unsigned long>(rv));
    std::exit(2);
}

void check(CK_RV rv, const std::string& what)
{
    if (rv != CKR_OK) die(what, rv);
}

// One line from stdin, byte by byte with read(2) (no stdio buffer keeps a copy).
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

// The slot of the PIV reader (TESSERA_PIV_READER starts with its description).
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

ossl::Pkey certKey(CK_SESSION_HANDLE s, std::uint8_t id)
{
    ossl::Pkey k = ossl::publicKeyFromCertDer(attribute(s, byId(s, CKO_CERTIFICATE, id), CKA_VALUE));
    if (!k) die("certificate " + std::to_string(id));
    return k;
}

std::string hex(const Bytes& b)
{
    std::string out;
    char t[3];
    for (auto c : b) {
        std::snprintf(t, sizeof t, "%02x", c);
        out += t;
    }
    return out;
}

// Signs with 9A (ID 01), PIN from the login cache.
void sign(CK_SESSION_HANDLE s)
{
    CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, nullptr, 0};
    check(f->C_SignInit(s, &m, byId(s, CKO_PRIVATE_KEY, 1)), "C_SignInit 9A");
    Bytes data(100, 0x42), sig(512);
    CK_ULONG len = sig.size();
    check(f->C_Sign(s, data.data(), data.size(), sig.data(), &len), "C_Sign 9A");
}

// Decrypts with 9D (ID 03) what OpenSSL encrypted to its certificate; returns the plaintext.
Bytes decrypt(CK_SESSION_HANDLE s)
{
    Bytes rnd(12);
    RAND_bytes(rnd.data(), static_cast<int>(rnd.size()));
    std::string text = "TESSERA-PLAINTEXT-";
    for (auto c : rnd)
        text += "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"[c % 32];
    Bytes plain(text.begin(), text.end());
    ossl::Pkey pub = certKey(s, 3);
    Bytes cipher = ossl::rsaEncrypt(pub.get(), nullptr, plain);
    CK_MECHANISM m = {CKM_RSA_PKCS, nullptr, 0};
    check(f->C_DecryptInit(s, &m, byId(s, CKO_PRIVATE_KEY, 3)), "C_DecryptInit 9D");
    Bytes out(512);
    CK_ULONG len = out.size();
    check(f->C_Decrypt(s, cipher.data(), cipher.size(), out.data(), &len), "C_Decrypt 9D");
    out.resize(len);
    if (out != plain) die("9D decrypted something else");
    return plain;
}

// ECDH with 9E (ID 04) against a fresh peer; returns the shared secret (checked against OpenSSL).
Bytes derive(CK_SESSION_HANDLE s)
{
    ossl::Pkey peer = ossl::generateP256();
    ossl::Pkey card = certKey(s, 4);
    Bytes expected = ossl::ecdh(peer.get(), card.get());
    Bytes point = ossl::ecPublicPoint(peer.get());
    CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, nullptr, point.size(), point.data()};
    CK_MECHANISM m = {CKM_ECDH1_DERIVE, &p, sizeof p};
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_KEY_TYPE, &kt, sizeof kt},
                        {CKA_TOKEN, &no, sizeof no},
                        {CKA_SENSITIVE, &no, sizeof no},
                        {CKA_EXTRACTABLE, &yes, sizeof yes}};
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    check(f->C_DeriveKey(s, &m, byId(s, CKO_PRIVATE_KEY, 4), t, 5, &key), "C_DeriveKey 9E");
    Bytes got = attribute(s, key, CKA_VALUE);
    if (got != expected) die("ECDH secret differs from OpenSSL's");
    check(f->C_DestroyObject(s, key), "C_DestroyObject");
    return expected;
}

// The script's turn: say where we are, wait for "next".
void pause(const char* phase)
{
    std::printf("ready %s\n", phase);
    std::fflush(stdout);
    char line[16];
    readLine(line, sizeof line);
}

int dumpMode()
{
    // Let the test's gcore attach even under Yama ptrace_scope=1 (it is not our parent).
    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
    // A canary in ordinary heap memory proves that the dump and the search work.
    std::string reversed = "yranac-pmud-aresset";
    std::string* canary = new std::string(reversed.rbegin(), reversed.rend());
    loadModule();
    check(f->C_Initialize(nullptr), "C_Initialize");
    CK_SLOT_ID slot = pivSlot();
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE, w = CK_INVALID_HANDLE;
    check(f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s), "C_OpenSession");
    check(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &w), "C_OpenSession RW");

    char pin[64], newPin[64];
    std::size_t n = readLine(pin, sizeof pin);
    check(f->C_Login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin), n), "C_Login");
    explicit_bzero(pin, sizeof pin);
    sign(s);
    decrypt(s);
    derive(s);
    sign(s);
    pause("logged-in");

    check(f->C_Logout(s), "C_Logout");
    pause("logged-out");

    // C_SetPIN to a second PIN and back (old and new PIN arrive now).
    n = readLine(pin, sizeof pin);
    std::size_t m = readLine(newPin, sizeof newPin);
    check(f->C_SetPIN(w, reinterpret_cast<CK_UTF8CHAR_PTR>(pin), n, reinterpret_cast<CK_UTF8CHAR_PTR>(newPin), m),
          "C_SetPIN to the second PIN");
    check(f->C_SetPIN(w, reinterpret_cast<CK_UTF8CHAR_PTR>(newPin), m, reinterpret_cast<CK_UTF8CHAR_PTR>(pin), n),
          "C_SetPIN back");
    explicit_bzero(pin, sizeof pin);
    explicit_bzero(newPin, sizeof newPin);
    pause("pin-changed");

    check(f->C_Finalize(nullptr), "C_Finalize");
    pause("finalized");
    delete canary;
    return 0;
}

int sessionMode(const char* secretsPath)
{
    loadModule();
    char pin[64], newPin[64];
    std::size_t n = readLine(pin, sizeof pin);
    std::size_t m = readLine(newPin, sizeof newPin);
    check(f->C_Initialize(nullptr), "C_Initialize");
    CK_SLOT_ID slot = pivSlot();
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    check(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s), "C_OpenSession");
    check(f->C_Login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin), n), "C_Login");
    sign(s);
    Bytes plain = decrypt(s);
    Bytes secret = derive(s);
    check(f->C_SetPIN(s, reinterpret_cast<CK_UTF8CHAR_PTR>(pin), n, reinterpret_cast<CK_UTF8CHAR_PTR>(newPin), m),
          "C_SetPIN to the new PIN");
    sign(s); // with the cached (new) PIN
    check(f->C_SetPIN(s, reinterpret_cast<CK_UTF8CHAR_PTR>(newPin), m, reinterpret_cast<CK_UTF8CHAR_PTR>(pin), n),
          "C_SetPIN back");
    check(f->C_Logout(s), "C_Logout");
    check(f->C_CloseSession(s), "C_CloseSession");
    check(f->C_Finalize(nullptr), "C_Finalize");
    explicit_bzero(pin, sizeof pin);
    explicit_bzero(newPin, sizeof newPin);
    std::ofstream out(secretsPath);
    out << "plaintext " << hex(plain) << "\n"
        << "ecdh " << hex(secret) << "\n";
    std::printf("session done: signed, decrypted %zu bytes, derived %zu bytes, changed the PIN and back\n",
                plain.size(), secret.size());
    return out ? 0 : 2;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc >= 2 && std::strcmp(argv[1], "dump") == 0) return dumpMode();
    if (argc >= 3 && std::strcmp(argv[1], "session") == 0) return sessionMode(argv[2]);
    std::fprintf(stderr, "usage: secret_client dump | session SECRETS-FILE\n");
    return 2;
}
