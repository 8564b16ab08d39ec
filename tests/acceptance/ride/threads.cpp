// Acceptance: many threads share one token of tessera-pkcs11.so. Eight
// threads, each with its own session on the PIV card's slot, make 50
// CKM_SHA256_RSA_PKCS signatures each with the 9A key after one C_Login (login
// state is per token, PKCS#11 3.0 section 5.6.1), while two more threads keep
// asking C_GetTokenInfo, C_GetSessionInfo and C_FindObjects as NSS does. Every
// signature is verified with OpenSSL against the 9A certificate read through
// the module. Exits non-zero on any error. Runs inside scripts/with-virtual-cards
// (TESSERA_MODULE, TESSERA_PIV_READER); a PyKCS11 version could not overlap
// calls (it holds the GIL), hence C++.

// Standard headers before p11-kit's pkcs11.h, whose CRYPTOKI_COMPAT macros
// (value, count, ...) would rename members of anything included after it.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <dlfcn.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <p11-kit/pkcs11.h>

namespace {

using Bytes = std::vector<unsigned char>;
using Clock = std::chrono::steady_clock;

constexpr int kSignerThreads = 8;
constexpr int kSignaturesPerThread = 50;
constexpr int kReaderThreads = 2;

CK_FUNCTION_LIST* p11 = nullptr;
std::atomic<int> failures{0};
std::mutex printMutex;

void report(const char* fmt, const std::string& a = {}, unsigned long b = 0)
{
    std::scoped_lock lock(printMutex);
    std::printf(fmt, a.c_str(), b);
    std::fflush(stdout);
}

void fail(const std::string& what, CK_RV rv = CKR_OK)
{
    failures.fetch_add(1);
    report("FAIL - %s (CK_RV 0x%08lX)\n", what, rv);
}

std::string trimmed(const unsigned char* s, std::size_t n)
{
    std::string out(reinterpret_cast<const char*>(s), n);
    out.erase(out.find_last_not_of(' ') + 1);
    return out;
}

// The first object of CLASS with CKA_ID id in session, or CK_INVALID_HANDLE.
CK_OBJECT_HANDLE findById(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, unsigned char id, CK_RV& rv)
{
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, &id, 1}};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_ULONG n = 0;
    rv = p11->C_FindObjectsInit(s, tmpl, 2);
    if (rv != CKR_OK) return CK_INVALID_HANDLE;
    rv = p11->C_FindObjects(s, &h, 1, &n);
    CK_RV rv2 = p11->C_FindObjectsFinal(s);
    if (rv == CKR_OK) rv = rv2;
    return (rv == CKR_OK && n == 1) ? h : CK_INVALID_HANDLE;
}

bool verifySha256RsaPkcs1(EVP_PKEY* key, const Bytes& data, const Bytes& sig)
{
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool good = ctx && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                EVP_DigestVerify(ctx, sig.data(), sig.size(), data.data(), data.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return good;
}

struct SignerResult {
    int signedOk = 0;
    int verified = 0;
    double maxSignMs = 0;
};

void signer(int index, CK_SLOT_ID slot, EVP_PKEY* pub, std::latch& start, SignerResult& out)
{
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    CK_RV rv = p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s);
    start.arrive_and_wait();
    if (rv != CKR_OK) return fail("thread " + std::to_string(index) + ": C_OpenSession", rv);
    CK_OBJECT_HANDLE key = findById(s, CKO_PRIVATE_KEY, 0x01, rv);
    if (key == CK_INVALID_HANDLE) {
        p11->C_CloseSession(s);
        return fail("thread " + std::to_string(index) + ": 9A private key not found", rv);
    }
    CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
    for (int i = 0; i < kSignaturesPerThread; ++i) {
        std::string text = "thread " + std::to_string(index) + " signature " + std::to_string(i);
        Bytes data(text.begin(), text.end());
        std::string where = "thread " + std::to_string(index) + " #" + std::to_string(i) + ": ";
        auto t0 = Clock::now();
        rv = p11->C_SignInit(s, &mech, key);
        if (rv != CKR_OK) {
            fail(where + "C_SignInit", rv);
            continue;
        }
        CK_ULONG len = 0;
        rv = p11->C_Sign(s, data.data(), data.size(), nullptr, &len);
        if (rv != CKR_OK || len == 0 || len > 1024) {
            fail(where + "C_Sign (length query), length " + std::to_string(len), rv);
            continue;
        }
        Bytes sig(len);
        rv = p11->C_Sign(s, data.data(), data.size(), sig.data(), &len);
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        out.maxSignMs = std::max(out.maxSignMs, ms);
        if (rv != CKR_OK) {
            fail(where + "C_Sign", rv);
            continue;
        }
        sig.resize(len);
        ++out.signedOk;
        if (verifySha256RsaPkcs1(pub, data, sig))
            ++out.verified;
        else
            fail(where + "signature does not verify with the 9A certificate's key");
    }
    rv = p11->C_CloseSession(s);
    if (rv != CKR_OK) fail("thread " + std::to_string(index) + ": C_CloseSession", rv);
}

struct ReaderResult {
    long calls = 0;
    double maxTokenInfoMs = 0;
};

// NSS-like background traffic: token/session info and object searches must
// keep working (and should not wait for the card) while others sign.
void reader(int index, CK_SLOT_ID slot, std::atomic<bool>& stop, std::latch& start, ReaderResult& out)
{
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    CK_RV rv = p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s);
    start.arrive_and_wait();
    if (rv != CKR_OK) return fail("reader " + std::to_string(index) + ": C_OpenSession", rv);
    while (!stop.load()) {
        CK_TOKEN_INFO ti;
        auto t0 = Clock::now();
        rv = p11->C_GetTokenInfo(slot, &ti);
        out.maxTokenInfoMs =
            std::max(out.maxTokenInfoMs, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (rv != CKR_OK) {
            fail("reader " + std::to_string(index) + ": C_GetTokenInfo", rv);
            break;
        }
        CK_SESSION_INFO si;
        rv = p11->C_GetSessionInfo(s, &si);
        if (rv != CKR_OK || si.state != CKS_RO_USER_FUNCTIONS) {
            fail("reader " + std::to_string(index) + ": C_GetSessionInfo (state " + std::to_string(si.state) + ")", rv);
            break;
        }
        unsigned char id = static_cast<unsigned char>(1 + out.calls % 4);
        if (findById(s, CKO_CERTIFICATE, id, rv) == CK_INVALID_HANDLE) {
            fail("reader " + std::to_string(index) + ": certificate " + std::to_string(id) + " not found", rv);
            break;
        }
        ++out.calls;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    p11->C_CloseSession(s);
}

CK_SLOT_ID findPivSlot()
{
    const char* readerEnv = std::getenv("TESSERA_PIV_READER");
    std::string reader = readerEnv ? readerEnv : "";
    CK_ULONG n = 0;
    if (p11->C_GetSlotList(CK_TRUE, nullptr, &n) != CKR_OK || n == 0) return CK_UNAVAILABLE_INFORMATION;
    std::vector<CK_SLOT_ID> slots(n);
    if (p11->C_GetSlotList(CK_TRUE, slots.data(), &n) != CKR_OK) return CK_UNAVAILABLE_INFORMATION;
    slots.resize(n);
    for (CK_SLOT_ID id : slots) {
        CK_SLOT_INFO si;
        CK_TOKEN_INFO ti;
        if (p11->C_GetSlotInfo(id, &si) != CKR_OK || p11->C_GetTokenInfo(id, &ti) != CKR_OK) continue;
        std::string desc = trimmed(si.slotDescription, sizeof si.slotDescription);
        std::string label = trimmed(ti.label, sizeof ti.label);
        report("# slot %s\n", std::to_string(id) + ": " + desc + ", token " + label);
        if (!reader.empty() ? (!desc.empty() && reader.rfind(desc, 0) == 0) : label.find("PIV") != std::string::npos)
            return id;
    }
    return CK_UNAVAILABLE_INFORMATION;
}

int run()
{
    const char* module = std::getenv("TESSERA_MODULE");
    if (!module) {
        std::printf("FAIL - TESSERA_MODULE is not set: run me inside scripts/with-virtual-cards\n");
        return 1;
    }
    const char* pinEnv = std::getenv("VCARD_PIN");
    std::string pin = pinEnv ? pinEnv : "123456";
    void* lib = dlopen(module, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        std::printf("FAIL - dlopen %s: %s\n", module, dlerror());
        return 1;
    }
    auto getList = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList"));
    if (!getList || getList(&p11) != CKR_OK || !p11) {
        std::printf("FAIL - C_GetFunctionList\n");
        return 1;
    }
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    CK_RV rv = p11->C_Initialize(&args);
    if (rv != CKR_OK) {
        fail("C_Initialize(CKF_OS_LOCKING_OK)", rv);
        return 1;
    }
    std::printf("ok   - module loaded and initialised: %s\n", module);
    CK_SLOT_ID slot = findPivSlot();
    if (slot == CK_UNAVAILABLE_INFORMATION) {
        fail("no slot for the PIV card");
        p11->C_Finalize(nullptr);
        return 1;
    }

    // first session: read the 9A certificate, log in once for the token
    CK_SESSION_HANDLE first = CK_INVALID_HANDLE;
    rv = p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &first);
    if (rv != CKR_OK) {
        fail("C_OpenSession", rv);
        p11->C_Finalize(nullptr);
        return 1;
    }
    CK_OBJECT_HANDLE certH = findById(first, CKO_CERTIFICATE, 0x01, rv);
    Bytes der;
    if (certH != CK_INVALID_HANDLE) {
        CK_ATTRIBUTE a{CKA_VALUE, nullptr, 0};
        if (p11->C_GetAttributeValue(first, certH, &a, 1) == CKR_OK && a.ulValueLen > 0 &&
            a.ulValueLen != CK_UNAVAILABLE_INFORMATION) {
            der.resize(a.ulValueLen);
            a.pValue = der.data();
            if (p11->C_GetAttributeValue(first, certH, &a, 1) != CKR_OK) der.clear();
        }
    }
    const unsigned char* p = der.data();
    X509* cert = der.empty() ? nullptr : d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    EVP_PKEY* pub = cert ? X509_get0_pubkey(cert) : nullptr;
    if (!pub) {
        fail("9A certificate not read or not parsed", rv);
        p11->C_Finalize(nullptr);
        return 1;
    }
    std::printf("ok   - 9A certificate read (%zu bytes)\n", der.size());
    rv = p11->C_Login(first, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin.data()), pin.size());
    if (rv != CKR_OK) {
        fail("C_Login", rv);
        p11->C_Finalize(nullptr);
        return 1;
    }
    std::printf("ok   - C_Login (once, for all sessions)\n");

    std::vector<SignerResult> results(kSignerThreads);
    std::vector<ReaderResult> readerResults(kReaderThreads);
    std::atomic<bool> stop{false};
    std::latch startLatch(kSignerThreads + kReaderThreads + 1);
    std::vector<std::thread> signers, readers;
    for (int i = 0; i < kReaderThreads; ++i)
        readers.emplace_back(reader, i, slot, std::ref(stop), std::ref(startLatch), std::ref(readerResults[i]));
    for (int i = 0; i < kSignerThreads; ++i)
        signers.emplace_back(signer, i, slot, pub, std::ref(startLatch), std::ref(results[i]));
    auto t0 = Clock::now();
    startLatch.arrive_and_wait();
    for (auto& t : signers)
        t.join();
    double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    stop.store(true);
    for (auto& t : readers)
        t.join();

    int signedOk = 0, verified = 0;
    double maxSign = 0;
    for (const auto& r : results) {
        signedOk += r.signedOk;
        verified += r.verified;
        maxSign = std::max(maxSign, r.maxSignMs);
    }
    long readerCalls = 0;
    double maxTokenInfo = 0;
    for (const auto& r : readerResults) {
        readerCalls += r.calls;
        maxTokenInfo = std::max(maxTokenInfo, r.maxTokenInfoMs);
    }
    const int want = kSignerThreads * kSignaturesPerThread;
    std::printf("# %d threads x %d signatures: %d signed, %d verified in %.1f s (%.1f/s); slowest C_SignInit+C_Sign "
                "%.0f ms\n",
                kSignerThreads, kSignaturesPerThread, signedOk, verified, seconds, signedOk / seconds, maxSign);
    std::printf("# %d reader threads: %ld rounds of C_GetTokenInfo/C_GetSessionInfo/C_FindObjects; slowest "
                "C_GetTokenInfo %.1f ms\n",
                kReaderThreads, readerCalls, maxTokenInfo);
    if (signedOk == want)
        std::printf("ok   - all %d signatures made\n", want);
    else
        fail("only " + std::to_string(signedOk) + " of " + std::to_string(want) + " signatures made");
    if (verified == want)
        std::printf("ok   - all %d signatures verify\n", want);
    else
        fail("only " + std::to_string(verified) + " of " + std::to_string(want) + " signatures verify");
    if (readerCalls > 0)
        std::printf("ok   - reader threads worked alongside\n");
    else
        fail("reader threads made no calls");

    rv = p11->C_Logout(first);
    if (rv != CKR_OK) fail("C_Logout", rv);
    rv = p11->C_CloseSession(first);
    if (rv != CKR_OK) fail("C_CloseSession", rv);
    rv = p11->C_Finalize(nullptr);
    if (rv != CKR_OK) fail("C_Finalize", rv);
    X509_free(cert);
    // the module stays loaded: unloading is not under test here
    return failures.load() == 0 ? 0 : 1;
}

} // namespace

int main()
{
    int status = run();
    std::printf("module_threads: %s\n", status == 0 ? "all passed" : "FAILED");
    return status;
}
