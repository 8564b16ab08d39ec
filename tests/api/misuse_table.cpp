// The misuse table's machinery: the row context (sessions, login, keys), the
// runner (each row checked against its allowed CK_RV set, SoftHSM deviations
// kept apart, risky rows run in a forked child), the pass-rate report, and the
// catalogue of every PKCS#11 2.40 and 3.0 function with plausible arguments.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "misuse_table.hpp"

namespace tessera::apitest::misuse {

namespace {

// The test's own PIN buffer (TESSERA_TEST_PIN), as the C API wants it.
std::vector<CK_UTF8CHAR>& pinBuffer()
{
    static std::vector<CK_UTF8CHAR> pin(env().pin.begin(), env().pin.end());
    return pin;
}

std::string join(const std::vector<CK_RV>& rvs)
{
    std::string out;
    for (CK_RV rv : rvs)
        out += (out.empty() ? "" : "|") + name(rv);
    return out;
}

bool contains(const std::vector<CK_RV>& rvs, CK_RV rv)
{
    for (CK_RV r : rvs)
        if (r == rv) return true;
    return false;
}

// Runs one row in a child process (which initialises the module again, as
// PKCS#11 3.0 section 5.4 C_Initialize asks of a forked child), so a module that crashes
// on the row fails the row instead of the whole suite.
CK_RV runForked(const Row& row, Ctx& ctx)
{
    int fds[2];
    if (pipe(fds) != 0) return ctx.setupFailed("pipe() failed");
    std::cout.flush();
    pid_t pid = fork();
    if (pid < 0) return ctx.setupFailed("fork() failed");
    if (pid == 0) {
        close(fds[0]);
        alarm(60);
        Ctx child;
        child.f = ctx.f;
        child.f30 = ctx.f30;
        CK_RV rv = child.f->C_Initialize(nullptr);
        if (rv != CKR_OK) {
            rv = child.setupFailed("C_Initialize in the forked child", rv);
        } else {
            auto found = findTestSlot();
            if (!found) {
                rv = child.setupFailed("no test slot in the forked child");
            } else {
                child.slot = *found;
                rv = row.run(child);
                child.reset();
            }
        }
        std::string msg = std::to_string(rv) + "\n" + child.detail;
        ssize_t ignored = write(fds[1], msg.data(), msg.size());
        (void)ignored;
        _exit(0);
    }
    close(fds[1]);
    std::string msg;
    char buf[512];
    ssize_t n = 0;
    while ((n = read(fds[0], buf, sizeof buf)) > 0)
        msg.append(buf, static_cast<std::size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
        ctx.detail = std::string("the process died of signal ") + std::to_string(WTERMSIG(status)) + " (" +
                     strsignal(WTERMSIG(status)) + ")";
        return kCrashed;
    }
    auto nl = msg.find('\n');
    if (nl == std::string::npos) return ctx.setupFailed("the forked child reported nothing");
    ctx.detail = msg.substr(nl + 1);
    return static_cast<CK_RV>(std::stoul(msg.substr(0, nl)));
}

} // namespace

CK_UTF8CHAR_PTR pinPtr()
{
    return pinBuffer().data();
}
CK_ULONG pinLen()
{
    return pinBuffer().size();
}

const FunctionList30* functionList30()
{
    static const FunctionList30* list = [] {
        ApiGetInterfaceFn getInterface = Library::get().getInterface();
        if (getInterface == nullptr) return static_cast<const FunctionList30*>(nullptr);
        CK_VERSION v30 = {3, 0};
        ApiCkInterface* iface = nullptr;
        CK_UTF8CHAR nameBuf[] = "PKCS 11";
        if (getInterface(nameBuf, &v30, &iface, 0) != CKR_OK || iface == nullptr) {
            return static_cast<const FunctionList30*>(nullptr);
        }
        return static_cast<const FunctionList30*>(iface->pFunctionList);
    }();
    return list;
}

std::string name(CK_RV rv)
{
    static const std::map<CK_RV, const char*> extra = {
        {kSetupFailed, "(setup failed)"},
        {kCheckFailed, "(wrong output)"},
        {kNotApplicable, "(not applicable)"},
        {kCrashed, "(crashed)"},
        {0x1BUL, "CKR_ACTION_PROHIBITED"},
        {0x64UL, "CKR_KEY_NOT_NEEDED"},
        {0x65UL, "CKR_KEY_CHANGED"},
        {0x66UL, "CKR_KEY_NEEDED"},
        {0x67UL, "CKR_KEY_INDIGESTIBLE"},
        {0x68UL, "CKR_KEY_FUNCTION_NOT_PERMITTED"},
        {0x6AUL, "CKR_KEY_NOT_WRAPPABLE"},
        {0x6BUL, "CKR_KEY_UNEXTRACTABLE"},
        {0x202UL, "CKR_OPERATION_CANCEL_FAILED"},
    };
    auto it = extra.find(rv);
    return it != extra.end() ? it->second : rvName(rv);
}

Row mk(std::string id, std::string fn, std::string setup, std::string clause, std::vector<CK_RV> expected,
       std::function<CK_RV(Ctx&)> run)
{
    Row r;
    r.id = std::move(id);
    r.function = std::move(fn);
    r.setup = std::move(setup);
    r.clause = std::move(clause);
    r.expected = std::move(expected);
    r.run = std::move(run);
    return r;
}

// --- Ctx --------------------------------------------------------------------

CK_SESSION_HANDLE Ctx::open(CK_FLAGS flags)
{
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    CK_RV rv = f->C_OpenSession(slot, flags, nullptr, nullptr, &h);
    if (rv != CKR_OK) {
        setupFailed("C_OpenSession", rv);
        return CK_INVALID_HANDLE;
    }
    return h;
}

CK_SESSION_HANDLE Ctx::ro()
{
    if (ro_ == CK_INVALID_HANDLE) ro_ = open(CKF_SERIAL_SESSION);
    return ro_;
}

CK_SESSION_HANDLE Ctx::rw()
{
    if (rw_ == CK_INVALID_HANDLE) rw_ = open(CKF_SERIAL_SESSION | CKF_RW_SESSION);
    return rw_;
}

bool Ctx::login(CK_SESSION_HANDLE s, CK_USER_TYPE user)
{
    CK_RV rv = f->C_Login(s, user, pinPtr(), pinLen());
    if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) return true;
    setupFailed("C_Login", rv);
    return false;
}

void Ctx::reset()
{
    f->C_CloseAllSessions(slot);
    ro_ = rw_ = CK_INVALID_HANDLE;
}

CK_OBJECT_HANDLE Ctx::object(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, std::uint8_t id)
{
    CK_OBJECT_HANDLE o = findById(s, cls, Bytes{id});
    if (o == CK_INVALID_HANDLE)
        setupFailed("no object of class " + std::to_string(cls) + " with CKA_ID " + std::to_string(id));
    return o;
}

CK_OBJECT_HANDLE Ctx::rsaSignKey(CK_SESSION_HANDLE s)
{
    if (!login(s)) return CK_INVALID_HANDLE;
    CK_OBJECT_HANDLE k = findRsaSigningKey(s);
    if (k == CK_INVALID_HANDLE) setupFailed("no RSA signing key");
    return k;
}

CK_OBJECT_HANDLE Ctx::rsaPublicKey(CK_SESSION_HANDLE s)
{
    CK_OBJECT_HANDLE priv = rsaSignKey(s);
    if (priv == CK_INVALID_HANDLE) return priv;
    auto id = attrBytes(s, priv, CKA_ID);
    if (!id) {
        setupFailed("CKA_ID of the RSA key");
        return CK_INVALID_HANDLE;
    }
    CK_OBJECT_HANDLE pub = findById(s, CKO_PUBLIC_KEY, *id);
    if (pub == CK_INVALID_HANDLE) setupFailed("no public key object with the RSA key's CKA_ID");
    return pub;
}

CK_OBJECT_HANDLE Ctx::anyCertificate(CK_SESSION_HANDLE s)
{
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    auto certs = findObjects(s, {attrOf(CKA_CLASS, cls)});
    if (certs.empty()) {
        setupFailed("no certificate object");
        return CK_INVALID_HANDLE;
    }
    return certs.front();
}

CK_RV Ctx::setupFailed(const std::string& what, CK_RV rv)
{
    detail = what + (rv == CKR_OK ? std::string() : " returned " + name(rv));
    return kSetupFailed;
}

CK_RV Ctx::checkFailed(const std::string& what)
{
    detail = what;
    return kCheckFailed;
}

CK_RV Ctx::notApplicable(const std::string& why)
{
    detail = why;
    return kNotApplicable;
}

// --- runner -----------------------------------------------------------------

void runRows(const std::vector<Row>& rows, Phase phase, Ctx& ctx, Tally& tally)
{
    const bool softhsm = moduleKind() == ModuleKind::softhsm;
    for (const Row& row : rows) {
        if (row.phase != phase) continue;
        ctx.detail.clear();
        CK_RV got = row.forked ? runForked(row, ctx) : row.run(ctx);
        if (phase == Phase::initialized && !row.forked) ctx.reset();
        std::string verdict;
        if (got == kNotApplicable) {
            ++tally.notApplicable;
            verdict = "N/A ";
        } else if (contains(row.expected, got)) {
            ++tally.passed;
            verdict = "PASS";
        } else if (softhsm && contains(row.softhsm.rvs, got)) {
            ++tally.deviations;
            verdict = "DEV ";
        } else {
            ++tally.failed;
            verdict = "FAIL";
            ADD_FAILURE() << "misuse row " << row.id << ": " << row.function << " (" << row.setup << ")\n"
                          << "  got      " << name(got) << (ctx.detail.empty() ? "" : ": " + ctx.detail) << "\n"
                          << "  expected " << join(row.expected) << "  [PKCS#11 3.0 " << row.clause << "]";
        }
        std::cout << "[ MISUSE   ] " << verdict << " " << std::left << std::setw(34) << row.id << " got " << name(got);
        if (got != kNotApplicable && !contains(row.expected, got)) std::cout << " expected " << join(row.expected);
        if (verdict == "DEV ") std::cout << " -- SoftHSM deviation: " << row.softhsm.note;
        if (!ctx.detail.empty()) std::cout << " (" << ctx.detail << ")";
        std::cout << "\n";
    }
}

void report(const char* group, const Tally& tally)
{
    const std::string module = Library::get().manufacturer().empty() ? env().modulePath : Library::get().manufacturer();
    std::ostringstream line;
    line << tally.passed << "/" << tally.run();
    std::cout << "[ MISUSE   ] " << group << " table on " << module << ": " << line.str()
              << " rows conform to the specification (" << tally.deviations << " documented deviations, "
              << tally.failed << " failures, " << tally.notApplicable << " not applicable)\n";
    ::testing::Test::RecordProperty("misuse_module", module);
    ::testing::Test::RecordProperty("misuse_pass_rate", line.str());
    ::testing::Test::RecordProperty("misuse_deviations", tally.deviations);
    ::testing::Test::RecordProperty("misuse_failures", tally.failed);
}

// --- the function catalogue ---------------------------------------------------

namespace {

// Output buffers and inputs of the catalogue's calls (never read back).
struct Scratch {
    CK_BYTE buf[1024];
    CK_BYTE out[1024];
    CK_ULONG len = 0;
    CK_ULONG n = 0;
    CK_INFO info;
    CK_SLOT_ID slots[16];
    CK_SLOT_INFO slotInfo;
    CK_TOKEN_INFO tokenInfo;
    CK_MECHANISM_TYPE mechs[64];
    CK_MECHANISM_INFO mechInfo;
    CK_SESSION_HANDLE session;
    CK_SESSION_INFO sessionInfo;
    CK_OBJECT_HANDLE objects[8];
    CK_OBJECT_HANDLE h1, h2;
    CK_OBJECT_CLASS dataClass = CKO_DATA;
    CK_BBOOL no = CK_FALSE;
    CK_ATTRIBUTE dataTemplate[2] = {{CKA_CLASS, &dataClass, sizeof(CK_OBJECT_CLASS)},
                                    {CKA_TOKEN, &no, sizeof(CK_BBOOL)}};
    CK_UTF8CHAR label[32];
    CK_ATTRIBUTE labelTemplate = {CKA_LABEL, label, 4};
    CK_MECHANISM digest = {CKM_SHA256, nullptr, 0};
    CK_MECHANISM rsa = {CKM_RSA_PKCS, nullptr, 0};
    CK_MECHANISM keyGen = {CKM_GENERIC_SECRET_KEY_GEN, nullptr, 0};
    CK_MECHANISM pairGen = {CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    CK_BYTE point[65] = {0x04};
    CK_ECDH1_DERIVE_PARAMS ecdhParams = {CKD_NULL, 0, nullptr, sizeof point, point};
    CK_MECHANISM ecdh = {CKM_ECDH1_DERIVE, &ecdhParams, sizeof(CK_ECDH1_DERIVE_PARAMS)};
    CK_MECHANISM aes = {CKM_AES_GCM, nullptr, 0};
};

Scratch& scratch()
{
    static Scratch s;
    return s;
}

const std::vector<CK_RV> kStub = {CKR_FUNCTION_NOT_SUPPORTED};

Call call(const char* fn, std::function<CK_RV(Ctx&, CK_SESSION_HANDLE)> body, bool optional = false)
{
    return Call{fn, optional, std::move(body)};
}

} // namespace

std::vector<Call> generalAndSlotCalls()
{
    Scratch& x = scratch();
    // The handle argument is the slot ID for slot functions.
    return {
        call("C_Finalize", [](Ctx& c, CK_SESSION_HANDLE) { return c.f->C_Finalize(nullptr); }),
        call("C_GetInfo", [&x](Ctx& c, CK_SESSION_HANDLE) { return c.f->C_GetInfo(&x.info); }),
        call("C_GetSlotList",
             [&x](Ctx& c, CK_SESSION_HANDLE) {
                 x.n = 16;
                 return c.f->C_GetSlotList(CK_FALSE, x.slots, &x.n);
             }),
        call("C_GetSlotInfo", [&x](Ctx& c, CK_SESSION_HANDLE slot) { return c.f->C_GetSlotInfo(slot, &x.slotInfo); }),
        call("C_GetTokenInfo",
             [&x](Ctx& c, CK_SESSION_HANDLE slot) { return c.f->C_GetTokenInfo(slot, &x.tokenInfo); }),
        call("C_GetMechanismList",
             [&x](Ctx& c, CK_SESSION_HANDLE slot) {
                 x.n = 64;
                 return c.f->C_GetMechanismList(slot, x.mechs, &x.n);
             }),
        call("C_GetMechanismInfo",
             [&x](Ctx& c, CK_SESSION_HANDLE slot) { return c.f->C_GetMechanismInfo(slot, CKM_RSA_PKCS, &x.mechInfo); }),
        // Only ever called uninitialised or with a never-issued slot ID: it would wipe a real token.
        call(
            "C_InitToken",
            [&x](Ctx& c, CK_SESSION_HANDLE slot) {
                CK_UTF8CHAR so[] = "12345678";
                std::memset(x.label, ' ', sizeof x.label);
                return c.f->C_InitToken(slot, so, 8, x.label);
            },
            true),
        call(
            "C_WaitForSlotEvent",
            [&x](Ctx& c, CK_SESSION_HANDLE) { return c.f->C_WaitForSlotEvent(CKF_DONT_BLOCK, x.slots, nullptr); },
            true),
        call("C_OpenSession",
             [&x](Ctx& c, CK_SESSION_HANDLE slot) {
                 return c.f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &x.session);
             }),
        call("C_CloseAllSessions", [](Ctx& c, CK_SESSION_HANDLE slot) { return c.f->C_CloseAllSessions(slot); }),
    };
}

std::vector<Call> sessionCalls()
{
    Scratch& x = scratch();
    std::vector<Call> calls = {
        call("C_InitPIN", [](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_InitPIN(h, pinPtr(), pinLen()); }, true),
        // Old and new PIN are the same: harmless even if a module wrongly runs it.
        call("C_SetPIN",
             [](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_SetPIN(h, pinPtr(), pinLen(), pinPtr(), pinLen()); },
             true),
        call("C_CloseSession", [](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_CloseSession(h); }),
        call("C_GetSessionInfo", [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_GetSessionInfo(h, &x.sessionInfo); }),
        call("C_GetOperationState", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_GetOperationState(h, x.out, &x.len);
        }, true),
        call("C_SetOperationState",
             [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_SetOperationState(h, x.buf, 16, 0, 0); }, true),
        call("C_Login", [](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_Login(h, CKU_USER, pinPtr(), pinLen()); }),
        call("C_Logout", [](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_Logout(h); }),
        call("C_CreateObject",
             [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_CreateObject(h, x.dataTemplate, 2, &x.h1); }, true),
        call("C_CopyObject",
             [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_CopyObject(h, 1, &x.labelTemplate, 1, &x.h1); }, true),
        call("C_DestroyObject", [](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_DestroyObject(h, kBogusObject); }),
        call("C_GetObjectSize", [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_GetObjectSize(h, 1, &x.n); }),
        call("C_GetAttributeValue",
             [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_GetAttributeValue(h, 1, &x.labelTemplate, 1); }),
        call("C_SetAttributeValue",
             [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_SetAttributeValue(h, 1, &x.labelTemplate, 1); }, true),
        call("C_FindObjectsInit",
             [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_FindObjectsInit(h, x.dataTemplate, 1); }),
        call("C_FindObjects", [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_FindObjects(h, x.objects, 8, &x.n); }),
        call("C_FindObjectsFinal", [](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_FindObjectsFinal(h); }),
        call("C_EncryptInit", [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_EncryptInit(h, &x.rsa, 1); }),
        call("C_Encrypt", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_Encrypt(h, x.buf, 16, x.out, &x.len);
        }),
        call("C_EncryptUpdate", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_EncryptUpdate(h, x.buf, 16, x.out, &x.len);
        }, true),
        call("C_EncryptFinal", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_EncryptFinal(h, x.out, &x.len);
        }, true),
        call("C_DecryptInit", [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_DecryptInit(h, &x.rsa, 1); }),
        call("C_Decrypt", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_Decrypt(h, x.buf, 256, x.out, &x.len);
        }),
        call("C_DecryptUpdate", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_DecryptUpdate(h, x.buf, 256, x.out, &x.len);
        }, true),
        call("C_DecryptFinal", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_DecryptFinal(h, x.out, &x.len);
        }, true),
        call("C_DigestInit", [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_DigestInit(h, &x.digest); }),
        call("C_Digest", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_Digest(h, x.buf, 16, x.out, &x.len);
        }),
        call("C_DigestUpdate", [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_DigestUpdate(h, x.buf, 16); }),
        call("C_DigestKey", [](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_DigestKey(h, 1); }, true),
        call("C_DigestFinal", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_DigestFinal(h, x.out, &x.len);
        }),
        call("C_SignInit", [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_SignInit(h, &x.rsa, 1); }),
        call("C_Sign", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_Sign(h, x.buf, 32, x.out, &x.len);
        }),
        call("C_SignUpdate", [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_SignUpdate(h, x.buf, 32); }),
        call("C_SignFinal", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_SignFinal(h, x.out, &x.len);
        }),
        call("C_SignRecoverInit", [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_SignRecoverInit(h, &x.rsa, 1); },
             true),
        call("C_SignRecover", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_SignRecover(h, x.buf, 32, x.out, &x.len);
        }, true),
        call("C_VerifyInit", [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_VerifyInit(h, &x.rsa, 1); }),
        call("C_Verify", [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_Verify(h, x.buf, 32, x.out, 256); }),
        call("C_VerifyUpdate", [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_VerifyUpdate(h, x.buf, 32); }),
        call("C_VerifyFinal", [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_VerifyFinal(h, x.out, 256); }),
        call("C_VerifyRecoverInit",
             [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_VerifyRecoverInit(h, &x.rsa, 1); }, true),
        call("C_VerifyRecover", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_VerifyRecover(h, x.buf, 256, x.out, &x.len);
        }, true),
        call("C_DigestEncryptUpdate", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_DigestEncryptUpdate(h, x.buf, 16, x.out, &x.len);
        }, true),
        call("C_DecryptDigestUpdate", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_DecryptDigestUpdate(h, x.buf, 16, x.out, &x.len);
        }, true),
        call("C_SignEncryptUpdate", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_SignEncryptUpdate(h, x.buf, 16, x.out, &x.len);
        }, true),
        call("C_DecryptVerifyUpdate", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_DecryptVerifyUpdate(h, x.buf, 16, x.out, &x.len);
        }, true),
        call("C_GenerateKey",
             [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_GenerateKey(h, &x.keyGen, x.dataTemplate, 1, &x.h1); },
             true),
        call("C_GenerateKeyPair", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            return c.f->C_GenerateKeyPair(h, &x.pairGen, x.dataTemplate, 1, x.dataTemplate, 1, &x.h1, &x.h2);
        }, true),
        call("C_WrapKey", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            x.len = sizeof x.out;
            return c.f->C_WrapKey(h, &x.rsa, 1, 2, x.out, &x.len);
        }, true),
        call("C_UnwrapKey", [&x](Ctx& c, CK_SESSION_HANDLE h) {
            return c.f->C_UnwrapKey(h, &x.rsa, 1, x.buf, 256, x.dataTemplate, 1, &x.h1);
        }, true),
        call("C_DeriveKey",
             [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_DeriveKey(h, &x.ecdh, 1, x.dataTemplate, 1, &x.h1); }, true),
        call("C_SeedRandom", [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_SeedRandom(h, x.buf, 16); }, true),
        call("C_GenerateRandom", [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_GenerateRandom(h, x.out, 16); }),
        call("C_GetFunctionStatus", [](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_GetFunctionStatus(h); }),
        call("C_CancelFunction", [](Ctx& c, CK_SESSION_HANDLE h) { return c.f->C_CancelFunction(h); }),
    };
    if (functionList30() == nullptr) return calls;
    // PKCS#11 3.0 additions (C_GetInterfaceList/C_GetInterface take no session).
    std::vector<Call> v30 = {
        call("C_LoginUser",
             [](Ctx& c, CK_SESSION_HANDLE h) {
                 return c.f30->C_LoginUser(h, CKU_USER, pinPtr(), pinLen(), nullptr, 0);
             }),
        call(
            "C_SessionCancel", [](Ctx& c, CK_SESSION_HANDLE h) { return c.f30->C_SessionCancel(h, CKF_SIGN); }, true),
        call(
            "C_MessageEncryptInit",
            [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f30->C_MessageEncryptInit(h, &x.aes, 1); }, true),
        call(
            "C_EncryptMessage",
            [&x](Ctx& c, CK_SESSION_HANDLE h) {
                x.len = sizeof x.out;
                return c.f30->C_EncryptMessage(h, x.buf, 12, nullptr, 0, x.buf, 16, x.out, &x.len);
            },
            true),
        call(
            "C_EncryptMessageBegin",
            [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f30->C_EncryptMessageBegin(h, x.buf, 12, nullptr, 0); }, true),
        call(
            "C_EncryptMessageNext",
            [&x](Ctx& c, CK_SESSION_HANDLE h) {
                x.len = sizeof x.out;
                return c.f30->C_EncryptMessageNext(h, x.buf, 12, x.buf, 16, x.out, &x.len, 0);
            },
            true),
        call(
            "C_MessageEncryptFinal", [](Ctx& c, CK_SESSION_HANDLE h) { return c.f30->C_MessageEncryptFinal(h); }, true),
        call(
            "C_MessageDecryptInit",
            [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f30->C_MessageDecryptInit(h, &x.aes, 1); }, true),
        call(
            "C_DecryptMessage",
            [&x](Ctx& c, CK_SESSION_HANDLE h) {
                x.len = sizeof x.out;
                return c.f30->C_DecryptMessage(h, x.buf, 12, nullptr, 0, x.buf, 16, x.out, &x.len);
            },
            true),
        call(
            "C_DecryptMessageBegin",
            [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f30->C_DecryptMessageBegin(h, x.buf, 12, nullptr, 0); }, true),
        call(
            "C_DecryptMessageNext",
            [&x](Ctx& c, CK_SESSION_HANDLE h) {
                x.len = sizeof x.out;
                return c.f30->C_DecryptMessageNext(h, x.buf, 12, x.buf, 16, x.out, &x.len, 0);
            },
            true),
        call(
            "C_MessageDecryptFinal", [](Ctx& c, CK_SESSION_HANDLE h) { return c.f30->C_MessageDecryptFinal(h); }, true),
        call(
            "C_MessageSignInit", [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f30->C_MessageSignInit(h, &x.rsa, 1); },
            true),
        call(
            "C_SignMessage",
            [&x](Ctx& c, CK_SESSION_HANDLE h) {
                x.len = sizeof x.out;
                return c.f30->C_SignMessage(h, nullptr, 0, x.buf, 32, x.out, &x.len);
            },
            true),
        call(
            "C_SignMessageBegin", [](Ctx& c, CK_SESSION_HANDLE h) { return c.f30->C_SignMessageBegin(h, nullptr, 0); },
            true),
        call(
            "C_SignMessageNext",
            [&x](Ctx& c, CK_SESSION_HANDLE h) {
                x.len = sizeof x.out;
                return c.f30->C_SignMessageNext(h, nullptr, 0, x.buf, 32, x.out, &x.len);
            },
            true),
        call(
            "C_MessageSignFinal", [](Ctx& c, CK_SESSION_HANDLE h) { return c.f30->C_MessageSignFinal(h); }, true),
        call(
            "C_MessageVerifyInit",
            [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f30->C_MessageVerifyInit(h, &x.rsa, 1); }, true),
        call(
            "C_VerifyMessage",
            [&x](Ctx& c, CK_SESSION_HANDLE h) { return c.f30->C_VerifyMessage(h, nullptr, 0, x.buf, 32, x.out, 256); },
            true),
        call(
            "C_VerifyMessageBegin",
            [](Ctx& c, CK_SESSION_HANDLE h) { return c.f30->C_VerifyMessageBegin(h, nullptr, 0); }, true),
        call(
            "C_VerifyMessageNext",
            [&x](Ctx& c, CK_SESSION_HANDLE h) {
                return c.f30->C_VerifyMessageNext(h, nullptr, 0, x.buf, 32, x.out, 256);
            },
            true),
        call(
            "C_MessageVerifyFinal", [](Ctx& c, CK_SESSION_HANDLE h) { return c.f30->C_MessageVerifyFinal(h); }, true),
    };
    calls.insert(calls.end(), v30.begin(), v30.end());
    return calls;
}

} // namespace tessera::apitest::misuse
