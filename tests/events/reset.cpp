// events_reset: another application resets the card in the middle of 20
// signatures (vcard-ctl reset); all 20 succeed and verify, the session and
// its login survive, and the card made exactly 20 signatures.
//
// The reset is SCardDisconnect with SCARD_RESET_CARD: our handle then gets
// SCARD_W_RESET_CARD. The card's signatures are counted from the module's
// APDU log for PIV (GENERAL AUTHENTICATE answered 9000) and from the OpenPGP
// card's own signature counter (DO 93) for OpenPGP.
#include <cstdlib>
#include <fstream>
#include <thread>

#include "events_common.hpp"
#include "events_tests.hpp"

namespace ev {

namespace {

constexpr int kSignatures = 20;
constexpr int kResetAfter = 5;

// Card operations in the module's APDU log (TESSERA_DEBUG=2) from line
// `from` on: a command line "> 00 INS ..." whose next response line ends in 9000.
struct LogCount {
    int ok = 0;
    int sent = 0;
    std::size_t lines = 0;
};

LogCount countInLog(const std::string& path, const std::string& ins, std::size_t from)
{
    std::ifstream in(path);
    std::string line;
    LogCount c;
    bool pending = false;
    while (std::getline(in, line)) {
        if (c.lines++ < from) continue;
        auto gt = line.find("> ");
        auto lt = line.find("< ");
        if (gt != std::string::npos && lt == std::string::npos) {
            if (pending && line.compare(gt + 2, 6, "00 C0 ") == 0) continue; // GET RESPONSE of the same command
            pending = line.compare(gt + 2, 6, "00 " + ins + " ") == 0;
            if (pending) ++c.sent;
        } else if (lt != std::string::npos && pending) {
            const std::string sw = line.size() >= 4 ? line.substr(line.size() - 4) : "";
            if (sw.rfind("61", 0) == 0) continue; // more data: GET RESPONSE follows
            if (sw == "9000") ++c.ok;
            pending = false;
        }
    }
    return c;
}

void series(const std::string& kind, CK_SLOT_ID slot, unsigned char id, CK_MECHANISM_TYPE mech,
            const std::string& logPath, const std::string& ins, const std::string& reader)
{
    const std::string tag = kind + ": ";
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    Guard g((tag + "the signature series").c_str(), 120);
    expectRv(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_OK, tag + "C_OpenSession");
    std::string p = pin();
    expectRv(p11->C_Login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(p.data()), p.size()), CKR_OK, tag + "C_Login");
    CK_OBJECT_HANDLE key = findById(s, CKO_PRIVATE_KEY, id);
    EVP_PKEY* pub = publicKey(s, id);
    if (!expect(key != CK_INVALID_HANDLE && pub != nullptr, tag + "key and public key found")) return;
    CK_BBOOL always = CK_FALSE;
    CK_ATTRIBUTE a{CKA_ALWAYS_AUTHENTICATE, &always, sizeof always};
    p11->C_GetAttributeValue(s, key, &a, 1);
    if (always == CK_TRUE)
        note(tag + "the key has CKA_ALWAYS_AUTHENTICATE: context-specific login before each signature");

    int counterBefore = -1;
    auto readCounter = [&]() {
        int st = 0;
        std::string out = capture({"/usr/bin/python3", TESSERA_EVENTS_DIR "/openpgp_counter.py", reader}, &st);
        return st == 0 ? std::atoi(out.c_str()) : -1;
    };
    if (ins == "2A") counterBefore = readCounter();
    std::size_t logFrom = countInLog(logPath, ins, 0).lines;

    int good = 0;
    for (int i = 1; i <= kSignatures; ++i) {
        Bytes data = text(kind + " signature " + std::to_string(i));
        Bytes sig;
        CK_MECHANISM m{mech, nullptr, 0};
        CK_RV rv = p11->C_SignInit(s, &m, key);
        if (rv == CKR_OK && always == CK_TRUE)
            rv = p11->C_Login(s, CKU_CONTEXT_SPECIFIC, reinterpret_cast<CK_UTF8CHAR_PTR>(p.data()), p.size());
        if (rv == CKR_OK) {
            CK_ULONG len = 1024;
            sig.resize(len);
            rv = p11->C_Sign(s, data.data(), data.size(), sig.data(), &len);
            sig.resize(rv == CKR_OK ? len : 0);
        }
        bool verified = rv == CKR_OK && verify(pub, mech, data, sig);
        if (verified)
            ++good;
        else
            fail(tag + "signature " + std::to_string(i) + ": " + rvName(rv) +
                 (rv == CKR_OK ? " (does not verify)" : ""));
        if (i == kResetAfter) {
            if (vcardCtl({"reset", kind}) != 0)
                fail(tag + "vcard-ctl reset " + kind);
            else
                note(tag + "card reset by another application after signature " + std::to_string(i));
        }
    }
    expect(good == kSignatures, tag + "all " + std::to_string(kSignatures) + " signatures made and verified",
           std::to_string(good) + " good");
    CK_SESSION_INFO si;
    CK_RV rv = p11->C_GetSessionInfo(s, &si);
    expect(rv == CKR_OK && si.state == CKS_RO_USER_FUNCTIONS, tag + "the session and its login survived the reset",
           rvName(rv) + ", state " + std::to_string(si.state));
    LogCount c = countInLog(logPath, ins, logFrom);
    note(tag + "APDU log: " + std::to_string(c.sent) + " command(s) with INS " + ins + " sent, " +
         std::to_string(c.ok) + " answered 9000");
    expect(c.ok == kSignatures,
           tag + "the card made exactly " + std::to_string(kSignatures) + " signatures (module APDU log)",
           std::to_string(c.ok));
    if (ins == "2A") {
        int counterAfter = readCounter();
        note(tag + "card signature counter (DO 93): " + std::to_string(counterBefore) + " -> " +
             std::to_string(counterAfter));
        expect(counterBefore >= 0 && counterAfter - counterBefore == kSignatures,
               tag + "the card's own signature counter went up by exactly " + std::to_string(kSignatures));
    }
    p11->C_Logout(s);
    p11->C_CloseSession(s);
    EVP_PKEY_free(pub);
}

} // namespace

int testReset()
{
    std::string logPath = env("TESSERA_SANDBOX", "/tmp") + "/events_reset.log";
    std::remove(logPath.c_str());
    setenv("TESSERA_DEBUG", "2", 1);
    setenv("TESSERA_LOG_FILE", logPath.c_str(), 1);
    loadModule();
    expectRv(initialize(), CKR_OK, "C_Initialize");
    std::string pivReader = env("TESSERA_PIV_READER");
    std::string pgpReader = env("TESSERA_OPENPGP_READER");
    if (!pivReader.empty()) {
        CK_SLOT_ID slot = slotForReader(pivReader);
        if (expect(slot != CK_UNAVAILABLE_INFORMATION, "slot of the PIV reader"))
            series("piv", slot, 0x01, CKM_SHA256_RSA_PKCS, logPath, "87", pivReader);
    }
    if (!pgpReader.empty()) {
        CK_SLOT_ID slot = slotForReader(pgpReader);
        if (expect(slot != CK_UNAVAILABLE_INFORMATION, "slot of the OpenPGP reader"))
            series("openpgp", slot, 0x01, CKM_SHA256_RSA_PKCS, logPath, "2A", pgpReader);
    }
    expectRv(p11->C_Finalize(nullptr), CKR_OK, "C_Finalize");
    if (failures() != 0) note("module log: " + logPath);
    return finish("events_reset");
}

} // namespace ev
