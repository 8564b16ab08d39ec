// events_removal: the PIV card is pulled while a logged-in session uses it;
// records exactly what each call returns afterwards, then inserts the card
// again: a new token, the login wiped, the old object handles invalid.
//
// Sessions end: CKR_DEVICE_REMOVED, then CKR_SESSION_HANDLE_INVALID; after
// reinsertion C_OpenSession works and signing without a new login gives
// CKR_USER_NOT_LOGGED_IN. Two rounds: the first call after the removal is a
// C_SignInit/C_Sign on the session (the module finds out from the card), or
// C_GetSlotInfo (the module finds out from pcscd) followed by C_FindObjectsInit.
#include <thread>

#include "events_common.hpp"
#include "events_tests.hpp"

namespace ev {

namespace {

// Calls on a session whose card is gone: none may succeed (C_SignInit
// excepted: it needs no card); the session must end with CKR_DEVICE_REMOVED
// reported at least once and CKR_SESSION_HANDLE_INVALID at the end.
void expectSessionEnded(const std::string& tag, const std::vector<std::pair<std::string, CK_RV>>& calls)
{
    bool removedSeen = false;
    bool okSeen = false;
    std::string trace;
    for (const auto& [what, rv] : calls) {
        trace += (trace.empty() ? "" : ", ") + what + " " + rvName(rv);
        removedSeen = removedSeen || rv == CKR_DEVICE_REMOVED;
        if (rv == CKR_OK && what != "C_SignInit") okSeen = true;
        expect(rv == CKR_OK || rv == CKR_DEVICE_REMOVED || rv == CKR_SESSION_HANDLE_INVALID ||
                   rv == CKR_TOKEN_NOT_PRESENT,
               tag + what + " -> " + rvName(rv));
    }
    note(tag + "sequence: " + trace);
    expect(!okSeen, tag + "no card operation succeeded after the removal");
    expect(removedSeen, tag + "CKR_DEVICE_REMOVED was reported");
    expect(!calls.empty() && calls.back().second == CKR_SESSION_HANDLE_INVALID,
           tag + "the session handle is invalid in the end");
}

CK_SESSION_HANDLE open(CK_SLOT_ID slot, const std::string& what)
{
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    Guard g("C_OpenSession", 30);
    expectRv(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_OK, what);
    return s;
}

void login(CK_SESSION_HANDLE s, const std::string& what)
{
    std::string p = pin();
    Guard g("C_Login", 30);
    expectRv(p11->C_Login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(p.data()), p.size()), CKR_OK, what);
}

} // namespace

int testRemoval()
{
    loadModule();
    expectRv(initialize(), CKR_OK, "C_Initialize");
    const CK_SLOT_ID slot = slotForReader(env("TESSERA_PIV_READER"));
    if (!expect(slot != CK_UNAVAILABLE_INFORMATION, "slot of the PIV reader")) return finish("events_removal");
    const Bytes msg = text("events_removal message");

    // --- round 1: the first call after the removal is on the session ---------------------------
    CK_SESSION_HANDLE s1 = open(slot, "C_OpenSession");
    CK_SESSION_HANDLE s2 = open(slot, "a second session");
    login(s1, "C_Login");
    CK_OBJECT_HANDLE key = findById(s1, CKO_PRIVATE_KEY, 0x01);
    EVP_PKEY* pub = publicKey(s1, 0x01);
    expect(key != CK_INVALID_HANDLE && pub != nullptr, "9A private key and its public key found");
    Bytes sig;
    {
        Guard g("C_Sign", 30);
        CK_RV rv = sign(s1, CKM_SHA256_RSA_PKCS, key, msg, sig);
        expect(rv == CKR_OK && verify(pub, CKM_SHA256_RSA_PKCS, msg, sig), "signature before the removal verifies",
               rvName(rv));
    }
    if (vcardCtl({"remove", "piv"}) != 0) fail("vcard-ctl remove piv");
    {
        Guard g("calls after the removal", 30);
        std::vector<std::pair<std::string, CK_RV>> calls;
        CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
        CK_RV rv = p11->C_SignInit(s1, &mech, key);
        calls.emplace_back("C_SignInit", rv);
        if (rv == CKR_OK) {
            CK_ULONG len = 512;
            Bytes out(len);
            calls.emplace_back("C_Sign",
                               p11->C_Sign(s1, const_cast<unsigned char*>(msg.data()), msg.size(), out.data(), &len));
        }
        CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
        CK_ATTRIBUTE t{CKA_CLASS, &cls, sizeof cls};
        calls.emplace_back("C_FindObjectsInit", p11->C_FindObjectsInit(s1, &t, 1));
        calls.emplace_back("C_FindObjectsInit", p11->C_FindObjectsInit(s1, &t, 1));
        expectSessionEnded("round 1, session 1: ", calls);

        CK_SESSION_INFO si;
        std::vector<std::pair<std::string, CK_RV>> calls2;
        calls2.emplace_back("C_GetSessionInfo", p11->C_GetSessionInfo(s2, &si));
        calls2.emplace_back("C_GetSessionInfo", p11->C_GetSessionInfo(s2, &si));
        expectSessionEnded("round 1, session 2: ", calls2);

        CK_TOKEN_INFO ti;
        expectRv(p11->C_GetTokenInfo(slot, &ti), CKR_TOKEN_NOT_PRESENT, "C_GetTokenInfo without the card");
        CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
        expectRv(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_TOKEN_NOT_PRESENT,
                 "C_OpenSession without the card");
        expect((slotFlags(slot) & CKF_TOKEN_PRESENT) == 0, "C_GetSlotInfo: no CKF_TOKEN_PRESENT");
        expectRv(p11->C_CloseSession(s1), CKR_SESSION_HANDLE_INVALID, "C_CloseSession of the ended session");
    }

    if (vcardCtl({"insert", "piv"}) != 0) fail("vcard-ctl insert piv");
    expect((slotFlags(slot) & CKF_TOKEN_PRESENT) != 0, "card back: CKF_TOKEN_PRESENT");
    CK_SESSION_HANDLE s3 = open(slot, "card back: C_OpenSession");
    {
        Guard g("calls after reinsertion", 30);
        CK_SESSION_INFO si;
        CK_RV rv = p11->C_GetSessionInfo(s3, &si);
        expect(rv == CKR_OK && si.state == CKS_RO_PUBLIC_SESSION,
               "the new session is not logged in (CKS_RO_PUBLIC_SESSION)",
               rvName(rv) + ", state " + std::to_string(si.state));
        CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
        rv = p11->C_SignInit(s3, &mech, key);
        expect(rv == CKR_KEY_HANDLE_INVALID || rv == CKR_OBJECT_HANDLE_INVALID,
               "the old key handle is invalid for the new token (C_SignInit)", rvName(rv));
        if (rv == CKR_OK) {
            CK_ULONG len = 512;
            Bytes out(len);
            p11->C_Sign(s3, const_cast<unsigned char*>(msg.data()), msg.size(), out.data(), &len);
        }
        CK_ATTRIBUTE a{CKA_LABEL, nullptr, 0};
        rv = p11->C_GetAttributeValue(s3, key, &a, 1);
        expectRv(rv, CKR_OBJECT_HANDLE_INVALID, "C_GetAttributeValue with the old key handle");
        // 9A is a private object (CKA_PRIVATE): a session that is not logged in does not find it
        expect(findById(s3, CKO_PRIVATE_KEY, 0x01) == CK_INVALID_HANDLE,
               "without a new login the 9A private key is not found: the login was wiped");
        login(s3, "C_Login on the new token");
        CK_OBJECT_HANDLE newKey = findById(s3, CKO_PRIVATE_KEY, 0x01);
        expect(newKey != CK_INVALID_HANDLE && newKey != key, "the 9A key has a new handle",
               std::to_string(key) + " -> " + std::to_string(newKey));
        rv = sign(s3, CKM_SHA256_RSA_PKCS, newKey, msg, sig);
        expect(rv == CKR_OK && verify(pub, CKM_SHA256_RSA_PKCS, msg, sig), "after the new login the signature verifies",
               rvName(rv));
    }

    // --- round 2: the module hears of the removal from C_GetSlotInfo first ----------------------
    CK_OBJECT_HANDLE key3 = findById(s3, CKO_PRIVATE_KEY, 0x01);
    if (vcardCtl({"remove", "piv"}) != 0) fail("vcard-ctl remove piv");
    {
        Guard g("calls after the second removal", 30);
        expect((slotFlags(slot) & CKF_TOKEN_PRESENT) == 0, "round 2: C_GetSlotInfo first: no CKF_TOKEN_PRESENT");
        std::vector<std::pair<std::string, CK_RV>> calls;
        CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
        CK_ATTRIBUTE t{CKA_CLASS, &cls, sizeof cls};
        calls.emplace_back("C_FindObjectsInit", p11->C_FindObjectsInit(s3, &t, 1));
        CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
        calls.emplace_back("C_SignInit", p11->C_SignInit(s3, &mech, key3));
        calls.emplace_back("C_Logout", p11->C_Logout(s3));
        expectSessionEnded("round 2: ", calls);
        expect(calls[0].second == CKR_DEVICE_REMOVED, "round 2: the first session call says CKR_DEVICE_REMOVED",
               rvName(calls[0].second));
    }
    if (vcardCtl({"insert", "piv"}) != 0) fail("vcard-ctl insert piv");
    CK_SESSION_HANDLE s4 = open(slot, "round 2, card back: C_OpenSession");
    {
        CK_SESSION_INFO si;
        CK_RV rv = p11->C_GetSessionInfo(s4, &si);
        expect(rv == CKR_OK && si.state == CKS_RO_PUBLIC_SESSION, "round 2: not logged in after reinsertion");
    }
    login(s4, "round 2: C_Login");
    {
        Guard g("C_Sign", 30);
        CK_OBJECT_HANDLE k = findById(s4, CKO_PRIVATE_KEY, 0x01);
        CK_RV rv = sign(s4, CKM_SHA256_RSA_PKCS, k, msg, sig);
        expect(rv == CKR_OK && verify(pub, CKM_SHA256_RSA_PKCS, msg, sig), "round 2: signature verifies", rvName(rv));
    }
    EVP_PKEY_free(pub);
    expectRv(p11->C_Finalize(nullptr), CKR_OK, "C_Finalize");
    return finish("events_removal");
}

} // namespace ev
