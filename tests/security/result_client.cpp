// The client of result_coredump.sh: decrypted plaintext and ECDH secrets
// (issue 12, "Secrets that are not PINs") against the sandbox's PIV card. It
// builds each RSA block itself (PKCS#1 v1.5 and OAEP by hand, then raw RSA with
// the certificate's key), so it knows every intermediate the module computes,
// writes them as "NAME HEX" lines to the file named on its command line,
// wipes its own copies, and pauses ("ready PHASE") for a gcore after: calls
// that succeeded; calls left at CKR_BUFFER_TOO_SMALL and abandoned by
// C_CloseSession; calls that ended in an error; C_Finalize.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "p11_client.hpp"

namespace {

using namespace tessera::sectest;
namespace ossl = tessera::apitest::ossl;

constexpr std::size_t kHashLen = 32; // OAEP with SHA-256 and MGF1-SHA-256
constexpr std::uint8_t kPivKeyMgmt = 3, kPivCardAuth = 4;

// A client copy of a secret, wiped when dropped, so that whatever a dump shows
// is the module's. Fixed size: it never reallocates.
class Secret {
public:
    explicit Secret(std::size_t n) : b_(n) {}
    explicit Secret(Bytes&& b) : b_(std::move(b)) {}
    Secret(Secret&&) = default;
    Secret& operator=(Secret&&) = delete;
    Secret(const Secret&) = delete;
    ~Secret() { OPENSSL_cleanse(b_.data(), b_.size()); }
    std::uint8_t* data() { return b_.data(); }
    const std::uint8_t* data() const { return b_.data(); }
    std::size_t size() const { return b_.size(); }
    std::uint8_t& operator[](std::size_t i) { return b_[i]; }
    bool equals(const std::uint8_t* p, std::size_t n) const { return n == size() && CRYPTO_memcmp(p, data(), n) == 0; }

private:
    Bytes b_;
};

Secret randomSecret(std::size_t n)
{
    Secret s(n);
    if (RAND_bytes(s.data(), static_cast<int>(n)) != 1) die("RAND_bytes");
    return s;
}

int recordFd = -1;

// One "NAME HEX" line for the script, written with write(2) from a wiped
// stack buffer (hex text is not the bytes the dump is searched for anyway).
void record(const char* name, const std::uint8_t* p, std::size_t n)
{
    char line[1200];
    int used = std::snprintf(line, sizeof line, "%s ", name);
    if (used < 0 || static_cast<std::size_t>(used) + 2 * n + 1 >= sizeof line) die("record too long");
    for (std::size_t i = 0; i < n; ++i)
        used += std::snprintf(line + used, 3, "%02x", p[i]);
    line[used++] = '\n';
    if (write(recordFd, line, static_cast<std::size_t>(used)) != used) die("write of the record file");
    OPENSSL_cleanse(line, sizeof line);
}
void record(const char* name, const Secret& s)
{
    record(name, s.data(), s.size());
}

// RFC 8017 B.2.1 MGF1 with SHA-256.
Secret mgf1(const std::uint8_t* seed, std::size_t seedLen, std::size_t length)
{
    Secret out(length);
    std::uint8_t block[kHashLen];
    for (std::uint32_t counter = 0, done = 0; done < length; ++counter) {
        const std::uint8_t c[4] = {static_cast<std::uint8_t>(counter >> 24), static_cast<std::uint8_t>(counter >> 16),
                                   static_cast<std::uint8_t>(counter >> 8), static_cast<std::uint8_t>(counter)};
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        unsigned len = 0;
        if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1 ||
            EVP_DigestUpdate(ctx, seed, seedLen) != 1 || EVP_DigestUpdate(ctx, c, 4) != 1 ||
            EVP_DigestFinal_ex(ctx, block, &len) != 1)
            die("SHA-256");
        EVP_MD_CTX_free(ctx);
        for (std::size_t i = 0; i < kHashLen && done < length; ++i)
            out[done++] = block[i];
    }
    OPENSSL_cleanse(block, sizeof block);
    return out;
}

// Raw RSA (RSA_NO_PADDING) of a k-byte block: the card's private operation
// gives this block back to the module.
Bytes rawRsaEncrypt(EVP_PKEY* key, const Secret& block)
{
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
    std::size_t len = static_cast<std::size_t>(EVP_PKEY_get_size(key));
    Bytes out(len);
    if (ctx == nullptr || EVP_PKEY_encrypt_init(ctx) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) != 1 ||
        EVP_PKEY_encrypt(ctx, out.data(), &len, block.data(), block.size()) != 1)
        die("raw RSA encryption: " + ossl::lastError());
    EVP_PKEY_CTX_free(ctx);
    out.resize(len);
    return out;
}

// RFC 8017 7.2.1 step 2: EM = 00 || 02 || PS (non-zero) || 00 || M.
Secret pkcs1Block(const Secret& m, std::size_t k)
{
    Secret em = randomSecret(k);
    em[0] = 0x00;
    em[1] = 0x02;
    for (std::size_t i = 2; i < k - m.size() - 1; ++i)
        em[i] = em[i] == 0 ? 0x5A : em[i];
    em[k - m.size() - 1] = 0x00;
    std::memcpy(em.data() + k - m.size(), m.data(), m.size());
    return em;
}

// RFC 8017 7.1.1 step 2 (EME-OAEP, SHA-256): EM = 00 || maskedSeed || maskedDB.
// Records the block and every intermediate the module's decoding recomputes.
Secret oaepBlock(const char* tag, const Secret& m, std::size_t k, const std::string& label)
{
    const std::size_t dbLen = k - kHashLen - 1;
    Secret em(k);
    std::uint8_t* maskedSeed = em.data() + 1;
    std::uint8_t* db = em.data() + 1 + kHashLen;
    unsigned lLen = 0;
    if (EVP_Digest(label.data(), label.size(), db, &lLen, EVP_sha256(), nullptr) != 1) die("SHA-256");
    db[dbLen - m.size() - 1] = 0x01;
    std::memcpy(db + dbLen - m.size(), m.data(), m.size());
    Secret seed = randomSecret(kHashLen);
    Secret dbMask = mgf1(seed.data(), kHashLen, dbLen);
    for (std::size_t i = 0; i < dbLen; ++i)
        db[i] ^= dbMask[i];
    Secret seedMask = mgf1(db, dbLen, kHashLen);
    for (std::size_t i = 0; i < kHashLen; ++i)
        maskedSeed[i] = seed[i] ^ seedMask[i];
    const std::string t(tag);
    record((t + "-oaep-seed").c_str(), seed);
    record((t + "-oaep-dbMask").c_str(), dbMask);
    record((t + "-oaep-seedMask").c_str(), seedMask);
    return em;
}

CK_MECHANISM kPkcs1 = {CKM_RSA_PKCS, nullptr, 0};
CK_RSA_PKCS_OAEP_PARAMS kOaepParams = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
CK_MECHANISM kOaep = {CKM_RSA_PKCS_OAEP, &kOaepParams, sizeof kOaepParams};

// The RSA cases. `block` makes EM from the plaintext; `expect` is the CK_RV of
// the C_Decrypt with a full buffer, or CKR_BUFFER_TOO_SMALL for the abandoned case
// (a NULL length query, then a 4-byte buffer: PKCS#11 3.0 section 5.2).
void decryptCase(CK_SESSION_HANDLE s, const char* tag, CK_MECHANISM* mech, Secret em, const Secret& m, CK_RV expect)
{
    ossl::Pkey pub = certKey(s, kPivKeyMgmt);
    record((std::string(tag) + "-block").c_str(), em);
    if (m.size() != 0) record((std::string(tag) + "-plaintext").c_str(), m);
    const Bytes cipher = rawRsaEncrypt(pub.get(), em);
    check(f->C_DecryptInit(s, mech, byId(s, CKO_PRIVATE_KEY, kPivKeyMgmt)), std::string("C_DecryptInit ") + tag);
    Secret out(512);
    CK_ULONG len = expect == CKR_BUFFER_TOO_SMALL ? 0 : out.size();
    CK_BYTE_PTR buf = const_cast<CK_BYTE_PTR>(cipher.data());
    if (expect == CKR_BUFFER_TOO_SMALL) {
        check(f->C_Decrypt(s, buf, cipher.size(), nullptr, &len), std::string("C_Decrypt length query ") + tag);
        if (len < m.size()) die(std::string("C_Decrypt length query too short ") + tag);
        len = 4;
    }
    CK_RV rv = f->C_Decrypt(s, buf, cipher.size(), out.data(), &len);
    if (rv != expect)
        die(std::string("C_Decrypt ") + tag + " (unexpected CK_RV)", rv == CKR_OK ? CKR_GENERAL_ERROR : rv);
    if (rv == CKR_OK && !m.equals(out.data(), len)) {
        OPENSSL_cleanse(out.data(), out.size());
        die(std::string(tag) + ": the card decrypted something else");
    }
}

Secret randomPlaintext()
{
    return randomSecret(48);
}

// C_DeriveKey (CKM_ECDH1_DERIVE, CKD_NULL) with the card's key 9E against a fresh
// P-256 peer; the shared secret, as OpenSSL computes it, is recorded. Returns
// the new key's handle (CK_INVALID_HANDLE when `expect` is an error).
CK_OBJECT_HANDLE deriveCase(CK_SESSION_HANDLE s, const char* tag, bool sensitive, CK_ULONG valueLen, CK_RV expect)
{
    ossl::Pkey peer = ossl::generateP256();
    ossl::Pkey card = certKey(s, kPivCardAuth);
    Secret expected(ossl::ecdh(peer.get(), card.get()));
    if (expected.size() != 32) die("OpenSSL ECDH");
    record((std::string(tag) + "-ecdh-secret").c_str(), expected);
    Bytes point = ossl::ecPublicPoint(peer.get());
    CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, nullptr, point.size(), point.data()};
    CK_MECHANISM m = {CKM_ECDH1_DERIVE, &p, sizeof p};
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},
                        {CKA_KEY_TYPE, &kt, sizeof kt},
                        {CKA_TOKEN, &no, sizeof no},
                        {CKA_SENSITIVE, sensitive ? &yes : &no, sizeof no},
                        {CKA_EXTRACTABLE, sensitive ? &no : &yes, sizeof yes},
                        {CKA_VALUE_LEN, &valueLen, sizeof valueLen}};
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    CK_RV rv = f->C_DeriveKey(s, &m, byId(s, CKO_PRIVATE_KEY, kPivCardAuth), t, valueLen == 0 ? 5 : 6, &key);
    if (rv != expect)
        die(std::string("C_DeriveKey ") + tag + " (unexpected CK_RV)", rv == CKR_OK ? CKR_GENERAL_ERROR : rv);
    if (rv != CKR_OK || sensitive) return key;
    Secret got(expected.size());
    CK_ATTRIBUTE a = {CKA_VALUE, got.data(), got.size()};
    check(f->C_GetAttributeValue(s, key, &a, 1), std::string("C_GetAttributeValue CKA_VALUE ") + tag);
    if (!got.equals(expected.data(), a.ulValueLen)) die(std::string(tag) + ": ECDH secret differs from OpenSSL's");
    return key;
}

// A derived key's CKA_VALUE asked for with a NULL buffer, then a too-small one.
void valueTooSmall(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key)
{
    CK_ATTRIBUTE a = {CKA_VALUE, nullptr, 0};
    check(f->C_GetAttributeValue(s, key, &a, 1), "C_GetAttributeValue length");
    std::uint8_t small[4];
    a = {CKA_VALUE, small, sizeof small};
    if (f->C_GetAttributeValue(s, key, &a, 1) != CKR_BUFFER_TOO_SMALL) die("CKA_VALUE into 4 bytes: not too small");
}

void pause(const char* phase)
{
    std::printf("ready %s\n", phase);
    std::fflush(stdout);
    char line[16];
    readLine(line, sizeof line);
}

void succeeded(CK_SESSION_HANDLE s, std::size_t k)
{
    Secret m1 = randomPlaintext();
    decryptCase(s, "ok-pkcs1", &kPkcs1, pkcs1Block(m1, k), m1, CKR_OK);
    Secret m2 = randomPlaintext();
    decryptCase(s, "ok-oaep", &kOaep, oaepBlock("ok", m2, k, ""), m2, CKR_OK);
    deriveCase(s, "ok-live-key", false, 0, CKR_OK); // stays alive until C_Finalize
    CK_OBJECT_HANDLE gone = deriveCase(s, "ok-destroyed-sensitive-key", true, 0, CKR_OK);
    check(f->C_DestroyObject(s, gone), "C_DestroyObject");
}

void abandoned(CK_SLOT_ID slot, std::size_t k)
{
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    check(f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s), "C_OpenSession");
    Secret m3 = randomPlaintext();
    decryptCase(s, "small-pkcs1", &kPkcs1, pkcs1Block(m3, k), m3, CKR_BUFFER_TOO_SMALL);
    valueTooSmall(s, deriveCase(s, "small-key", false, 0, CKR_OK));
    // PKCS#11 3.0 section 5.2: CKR_BUFFER_TOO_SMALL leaves the operation active;
    // closing the session ends it and destroys the session's objects (5.6.3).
    check(f->C_CloseSession(s), "C_CloseSession");
}

void failed(CK_SESSION_HANDLE s, std::size_t k)
{
    Secret bad = randomSecret(k); // 00 03 ...: not an encryption block (RFC 8017 7.2.2 step 3)
    bad[0] = 0x00;
    bad[1] = 0x03;
    Secret none(0);
    decryptCase(s, "error-pkcs1", &kPkcs1, std::move(bad), none, CKR_ENCRYPTED_DATA_INVALID);
    Secret m5 = randomPlaintext(); // encoded under another label: lHash check fails after unmasking
    decryptCase(s, "error-oaep", &kOaep, oaepBlock("error", m5, k, "another label"), m5, CKR_ENCRYPTED_DATA_INVALID);
    deriveCase(s, "error-key", false, 64, CKR_TEMPLATE_INCONSISTENT); // longer than the 32-byte secret
}

int run(const char* recordPath)
{
    allowAnyTracer();
    recordFd = open(recordPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (recordFd < 0) die("cannot create the record file");
    std::string reversed = "yranac-pmud-aresset"; // in ordinary heap memory: the dump and search work
    std::string* canary = new std::string(reversed.rbegin(), reversed.rend());
    loadModule();
    check(f->C_Initialize(nullptr), "C_Initialize");
    CK_SLOT_ID slot = pivSlot();
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    check(f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s), "C_OpenSession");
    char pin[64];
    std::size_t n = readLine(pin, sizeof pin);
    check(f->C_Login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin), n), "C_Login");
    OPENSSL_cleanse(pin, sizeof pin);
    const std::size_t k = static_cast<std::size_t>(EVP_PKEY_get_size(certKey(s, kPivKeyMgmt).get()));

    succeeded(s, k);
    pause("succeeded");
    abandoned(slot, k);
    pause("abandoned");
    failed(s, k);
    pause("failed");
    check(f->C_Finalize(nullptr), "C_Finalize");
    pause("finalized");
    delete canary;
    close(recordFd);
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc == 2) return run(argv[1]);
    std::fprintf(stderr, "usage: result_client RECORD-FILE (PIN on stdin, then 'next' after each 'ready PHASE')\n");
    return 2;
}
