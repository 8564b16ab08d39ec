// The PKCS#11 client of the secret-leak tests (dlopen of $TESSERA_MODULE, the
// sandbox's PIV card): "dump" pauses at each phase for pin_coredump.sh's gcore,
// "dump-pinentry" the same with the PIN from pinentry (pinentry_coredump.sh),
// "session SECRETS" runs log_no_secrets.sh's session. PINs come on stdin via
// read(2) into buffers wiped after use, so any copy a dump shows is the module's.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include <openssl/rand.h>

#include "p11_client.hpp"

namespace {

using namespace tessera::sectest;
namespace ossl = tessera::apitest::ossl;

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
    allowAnyTracer();
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

// pin_source = pinentry (pinentry_coredump.sh): the client never has the PIN;
// C_Login(NULL) makes the module ask the scripted pinentry.
int pinentryDumpMode()
{
    allowAnyTracer();
    std::string reversed = "yranac-pmud-aresset";
    std::string* canary = new std::string(reversed.rbegin(), reversed.rend());
    loadModule();
    check(f->C_Initialize(nullptr), "C_Initialize");
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    check(f->C_OpenSession(pivSlot(), CKF_SERIAL_SESSION, nullptr, nullptr, &s), "C_OpenSession");
    check(f->C_Login(s, CKU_USER, nullptr, 0), "C_Login with a NULL PIN (pinentry)");
    sign(s);
    decrypt(s);
    derive(s);
    sign(s);
    pause("logged-in");
    check(f->C_Logout(s), "C_Logout");
    pause("logged-out");
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
    if (argc >= 2 && std::strcmp(argv[1], "dump-pinentry") == 0) return pinentryDumpMode();
    if (argc >= 3 && std::strcmp(argv[1], "session") == 0) return sessionMode(argv[2]);
    std::fprintf(stderr, "usage: secret_client dump | dump-pinentry | session SECRETS-FILE\n");
    return 2;
}
