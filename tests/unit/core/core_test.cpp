// Unit tests of the PKCS#11 core (issue 12): the module is driven through
// C_GetFunctionList/C_* as an application drives it, over the fake pcsc-lite
// (tests/events/fake_pcsc) whose card is the virtual PIV card of tools/vcard
// answering in-process. The fake's event log shows what reached the card, so
// the tests check the sharing and PIN rule of design.md (one transaction per
// private-key operation, VERIFY P1=FF at its end, SCARD_RESET_CARD as the
// fallback) and that cached reads never touch the card.
//
// Token loading is not counted APDU by APDU (certificate reads may become
// lazy); only properties are asserted.
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <PCSC/winscard.h>
#include <p11-kit/pkcs11.h>

#include "fake_pcsc.hpp"
#include "vcard_test_support.hpp"

extern "C" CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

namespace {

namespace vc = tessera::vcard;
using fakepcsc::Bytes;
using fakepcsc::Event;
using Kind = fakepcsc::Event::Kind;

constexpr const char* kReader = "Virtual PIV Reader 00 00";
constexpr std::uint8_t kInsVerify = 0x20;
constexpr std::uint8_t kInsGeneralAuthenticate = 0x87;
constexpr std::uint8_t kInsSelect = 0xA4;

std::string pin(const char* p = vc::kDefaultPin)
{
    return p;
}

class Core : public ::testing::Test {
protected:
    void SetUp() override
    {
        setenv("TESSERA_IDLE_DISCONNECT_MS", "0", 1);
        fakepcsc::reset();
        card_ = std::make_unique<vc::PivCard>(vc::test::provisionedState());
        setResponder([this](const Bytes& apdu) { return cardAnswer(apdu); });
        fakepcsc::addReader(kReader);
        fakepcsc::insertCard(kReader, card_->atr());
        ASSERT_EQ(C_GetFunctionList(&p11), CKR_OK);
        CK_C_INITIALIZE_ARGS args{};
        args.flags = CKF_OS_LOCKING_OK;
        ASSERT_EQ(p11->C_Initialize(&args), CKR_OK);
    }
    void TearDown() override { p11->C_Finalize(nullptr); }

    // The virtual card itself (what a responder wrapper falls back to).
    Bytes cardAnswer(const Bytes& apdu)
    {
        std::scoped_lock lock(cardMutex_);
        return card_->transmit(apdu);
    }
    void setResponder(std::function<Bytes(const Bytes&)> f)
    {
        fakepcsc::setResponder([f = std::move(f)](const std::string&, const Bytes& apdu) { return f(apdu); });
    }
    // A command sent to the card directly, as another application would.
    Bytes direct(const Bytes& apdu) { return cardAnswer(apdu); }

    CK_SLOT_ID tokenSlot()
    {
        CK_ULONG n = 0;
        EXPECT_EQ(p11->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
        std::vector<CK_SLOT_ID> v(n);
        if (n > 0) {
            EXPECT_EQ(p11->C_GetSlotList(CK_TRUE, v.data(), &n), CKR_OK);
        }
        EXPECT_EQ(n, 1u);
        return n > 0 ? v[0] : ~CK_SLOT_ID{0};
    }
    CK_SESSION_HANDLE open()
    {
        CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
        EXPECT_EQ(p11->C_OpenSession(tokenSlot(), CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_OK);
        return h;
    }
    CK_RV login(CK_SESSION_HANDLE h, const std::string& p = pin())
    {
        std::string copy = p;
        return p11->C_Login(h, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(copy.data()),
                            static_cast<CK_ULONG>(copy.size()));
    }
    std::vector<CK_OBJECT_HANDLE> find(CK_SESSION_HANDLE h, std::vector<CK_ATTRIBUTE> tmpl)
    {
        std::vector<CK_OBJECT_HANDLE> out;
        EXPECT_EQ(p11->C_FindObjectsInit(h, tmpl.data(), static_cast<CK_ULONG>(tmpl.size())), CKR_OK);
        CK_OBJECT_HANDLE o[16];
        CK_ULONG n = 0;
        while (p11->C_FindObjects(h, o, 16, &n) == CKR_OK && n > 0)
            out.insert(out.end(), o, o + n);
        EXPECT_EQ(p11->C_FindObjectsFinal(h), CKR_OK);
        return out;
    }
    std::string label(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o)
    {
        char buf[128] = {};
        CK_ATTRIBUTE a{CKA_LABEL, buf, sizeof buf};
        if (p11->C_GetAttributeValue(h, o, &a, 1) != CKR_OK) return "";
        return std::string(buf, a.ulValueLen);
    }
    // The private RSA key of 9A (PIV Authentication): PIN once, not always-authenticate.
    CK_OBJECT_HANDLE authKey(CK_SESSION_HANDLE h)
    {
        CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
        CK_KEY_TYPE type = CKK_RSA;
        for (CK_OBJECT_HANDLE o : find(h, {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &type, sizeof type}}))
            if (label(h, o).find("PIV AUTH") != std::string::npos) return o;
        std::string all;
        for (CK_OBJECT_HANDLE o : find(h, {{CKA_CLASS, &cls, sizeof cls}}))
            all += label(h, o) + "; ";
        ADD_FAILURE() << "no PIV Authentication key among: " << all;
        return CK_INVALID_HANDLE;
    }
    CK_RV sign(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key, Bytes& sig, const Bytes& data = Bytes(32, 0x5A))
    {
        CK_MECHANISM m{CKM_RSA_PKCS, nullptr, 0};
        if (CK_RV rv = p11->C_SignInit(h, &m, key); rv != CKR_OK) return rv;
        CK_ULONG n = 512;
        sig.assign(n, 0);
        Bytes in = data;
        CK_RV rv = p11->C_Sign(h, in.data(), static_cast<CK_ULONG>(in.size()), sig.data(), &n);
        sig.resize(rv == CKR_OK ? n : 0);
        return rv;
    }
    // The transmits of the log, in order.
    static std::vector<Bytes> transmits(const std::vector<Event>& log)
    {
        std::vector<Bytes> out;
        for (const auto& e : log)
            if (e.kind == Kind::transmit) out.push_back(e.apdu);
        return out;
    }

    CK_FUNCTION_LIST_PTR p11 = nullptr;
    std::unique_ptr<vc::PivCard> card_;
    std::mutex cardMutex_;
};

std::string describe(const std::vector<Event>& log)
{
    std::string s;
    for (const auto& e : log) {
        if (e.kind == Kind::begin) s += "[begin] ";
        if (e.kind == Kind::end) s += e.disposition == SCARD_RESET_CARD ? "[end reset] " : "[end] ";
        if (e.kind == Kind::transmit) {
            char b[16];
            std::snprintf(b, sizeof b, "%02X%02X%02X%02X ", e.apdu[0], e.apdu[1], e.apdu[2],
                          e.apdu.size() > 3 ? e.apdu[3] : 0);
            s += b;
        }
    }
    return s;
}

bool isIns(const Event& e, std::uint8_t ins)
{
    return e.kind == Kind::transmit && e.apdu.size() >= 4 && e.apdu[1] == ins;
}
bool isVerifyReset(const Event& e)
{
    return isIns(e, kInsVerify) && e.apdu[2] == 0xFF;
}
bool isVerifyPin(const Event& e)
{
    return isIns(e, kInsVerify) && e.apdu[2] == 0x00 && e.apdu.size() > 5;
}

// The log is exactly one transaction (begin ... end) holding, in this order,
// an optional SELECT, VERIFY with the PIN, GENERAL AUTHENTICATE and VERIFY
// P1=FF as the last command (design.md, the sharing and PIN rule).
void expectPinRule(const std::vector<Event>& log, unsigned long disposition)
{
    SCOPED_TRACE(describe(log));
    ASSERT_GE(log.size(), 5u);
    EXPECT_EQ(log.front().kind, Kind::begin);
    EXPECT_EQ(log.back().kind, Kind::end);
    EXPECT_EQ(log.back().disposition, disposition);
    int begins = 0, ends = 0;
    std::size_t verify = 0, firstGa = 0, lastGa = 0, reset = 0;
    for (std::size_t i = 0; i < log.size(); ++i) {
        begins += log[i].kind == Kind::begin;
        ends += log[i].kind == Kind::end;
        if (isVerifyPin(log[i]) && verify == 0) verify = i;
        if (isIns(log[i], kInsGeneralAuthenticate)) {
            if (firstGa == 0) firstGa = i;
            lastGa = i;
        }
        if (isVerifyReset(log[i])) reset = i;
        if (isIns(log[i], kInsSelect)) {
            EXPECT_LT(i, verify == 0 ? log.size() : verify) << "SELECT after VERIFY";
        }
    }
    EXPECT_EQ(begins, 1);
    EXPECT_EQ(ends, 1);
    ASSERT_NE(verify, 0u) << "no VERIFY with the PIN";
    ASSERT_NE(firstGa, 0u) << "no GENERAL AUTHENTICATE";
    EXPECT_LT(verify, firstGa);
    if (disposition == SCARD_RESET_CARD && reset == 0) return; // refusal learned at login
    ASSERT_NE(reset, 0u) << "no VERIFY P1=FF";
    EXPECT_LT(lastGa, reset);
    EXPECT_EQ(reset, log.size() - 2) << "VERIFY P1=FF is not the last command";
}

TEST_F(Core, TokenIsRecognised)
{
    CK_TOKEN_INFO ti;
    ASSERT_EQ(p11->C_GetTokenInfo(tokenSlot(), &ti), CKR_OK);
    EXPECT_TRUE(ti.flags & CKF_LOGIN_REQUIRED);
    EXPECT_TRUE(ti.flags & CKF_TOKEN_INITIALIZED);
}

TEST_F(Core, LoginVerifiesThenDropsThePinInOneTransaction)
{
    CK_SESSION_HANDLE h = open();
    fakepcsc::clearEvents();
    ASSERT_EQ(login(h), CKR_OK);
    auto log = fakepcsc::events();
    SCOPED_TRACE(describe(log));
    ASSERT_GE(log.size(), 4u);
    EXPECT_EQ(log.front().kind, Kind::begin);
    EXPECT_EQ(log.back().kind, Kind::end);
    EXPECT_EQ(log.back().disposition, static_cast<unsigned long>(SCARD_LEAVE_CARD));
    // VERIFY with the PIN, then VERIFY P1=FF; nothing verifies the PIN after
    // it (a VERIFY without data only reads the retry counter, 3.2.1).
    std::size_t verify = 0, reset = 0, lastPin = 0;
    for (std::size_t i = 0; i < log.size(); ++i) {
        if (isVerifyPin(log[i])) {
            if (verify == 0) verify = i;
            lastPin = i;
        }
        if (isVerifyReset(log[i]) && reset == 0) reset = i;
    }
    ASSERT_NE(verify, 0u);
    ASSERT_NE(reset, 0u);
    EXPECT_LT(verify, reset);
    EXPECT_LT(lastPin, reset);
    EXPECT_FALSE(card_->security().pinVerified) << "the card is left PIN-verified";
}

TEST_F(Core, SignFollowsThePinRule)
{
    CK_SESSION_HANDLE h = open();
    ASSERT_EQ(login(h), CKR_OK);
    CK_OBJECT_HANDLE key = authKey(h);
    fakepcsc::clearEvents();
    Bytes sig;
    ASSERT_EQ(sign(h, key, sig), CKR_OK);
    EXPECT_EQ(sig.size(), 256u);
    expectPinRule(fakepcsc::events(), SCARD_LEAVE_CARD);
    EXPECT_FALSE(card_->security().pinVerified);
}

TEST_F(Core, SignatureVerifiesWithTheCardKey)
{
    CK_SESSION_HANDLE h = open();
    ASSERT_EQ(login(h), CKR_OK);
    Bytes sig;
    const Bytes data(32, 0x42);
    ASSERT_EQ(sign(h, authKey(h), sig, data), CKR_OK);
    const auto& pub = card_->state().keys.at(vc::keyref::authentication).key;
    Bytes m = vc::test::rsaPublicRaw(pub, sig);
    ASSERT_EQ(m.size(), 256u);
    // PKCS#1 v1.5 type 1 block: 00 01 FF.. 00 data (RFC 8017 section 9.2)
    EXPECT_EQ(m[0], 0x00);
    EXPECT_EQ(m[1], 0x01);
    EXPECT_EQ(Bytes(m.end() - 32, m.end()), data);
}

TEST_F(Core, CardRefusingVerifyResetGetsTheTransactionReset)
{
    setResponder([this](const Bytes& apdu) {
        if (apdu.size() >= 4 && apdu[1] == kInsVerify && apdu[2] == 0xFF) return Bytes{0x6A, 0x86};
        return cardAnswer(apdu);
    });
    CK_SESSION_HANDLE h = open();
    ASSERT_EQ(login(h), CKR_OK);
    CK_OBJECT_HANDLE key = authKey(h);
    fakepcsc::clearEvents();
    Bytes sig;
    ASSERT_EQ(sign(h, key, sig), CKR_OK);
    expectPinRule(fakepcsc::events(), SCARD_RESET_CARD);
}

TEST_F(Core, CachedReadsMakeNoTransmits)
{
    CK_SLOT_ID slot = tokenSlot();
    CK_TOKEN_INFO ti;
    ASSERT_EQ(p11->C_GetTokenInfo(slot, &ti), CKR_OK);
    CK_SESSION_HANDLE h = open();
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    auto keys = find(h, {{CKA_CLASS, &cls, sizeof cls}});
    ASSERT_FALSE(keys.empty());
    fakepcsc::clearEvents();
    const int before = fakepcsc::calls("SCardTransmit");
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(p11->C_GetTokenInfo(slot, &ti), CKR_OK);
        CK_SESSION_INFO si;
        ASSERT_EQ(p11->C_GetSessionInfo(h, &si), CKR_OK);
        EXPECT_EQ(find(h, {{CKA_CLASS, &cls, sizeof cls}}).size(), keys.size());
        for (CK_OBJECT_HANDLE o : keys) {
            CK_KEY_TYPE type = 0;
            char id[64];
            CK_ATTRIBUTE a[] = {{CKA_KEY_TYPE, &type, sizeof type}, {CKA_ID, id, sizeof id}};
            EXPECT_EQ(p11->C_GetAttributeValue(h, o, a, 2), CKR_OK);
            EXPECT_FALSE(label(h, o).empty());
        }
    }
    EXPECT_EQ(fakepcsc::calls("SCardTransmit"), before);
    EXPECT_TRUE(transmits(fakepcsc::events()).empty()) << describe(fakepcsc::events());
}

TEST_F(Core, WrongPinIsIncorrectAndLeavesNoVerifiedState)
{
    CK_SESSION_HANDLE h = open();
    EXPECT_EQ(login(h, "654321"), CKR_PIN_INCORRECT);
    EXPECT_FALSE(card_->security().pinVerified);
    CK_SESSION_INFO si;
    ASSERT_EQ(p11->C_GetSessionInfo(h, &si), CKR_OK);
    EXPECT_EQ(si.state, static_cast<CK_STATE>(CKS_RO_PUBLIC_SESSION));
}

TEST_F(Core, SignWithoutLoginTouchesNoCard)
{
    CK_SESSION_HANDLE h = open();
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    {
        // private objects are visible only after login: log in, find, log out
        ASSERT_EQ(login(h), CKR_OK);
        key = authKey(h);
        ASSERT_EQ(p11->C_Logout(h), CKR_OK);
    }
    fakepcsc::clearEvents();
    Bytes sig;
    CK_RV rv = sign(h, key, sig);
    EXPECT_TRUE(rv == CKR_USER_NOT_LOGGED_IN || rv == CKR_KEY_HANDLE_INVALID || rv == CKR_OBJECT_HANDLE_INVALID)
        << std::hex << rv;
    EXPECT_TRUE(transmits(fakepcsc::events()).empty()) << describe(fakepcsc::events());
}

TEST_F(Core, PinChangedBehindOurBackGivesPinIncorrect)
{
    CK_SESSION_HANDLE h = open();
    ASSERT_EQ(login(h), CKR_OK);
    CK_OBJECT_HANDLE key = authKey(h);
    // another application: CHANGE REFERENCE DATA (SP 800-73-4 part 2 section 3.2.2)
    Bytes change{0x00, 0x24, 0x00, 0x80, 0x10};
    for (const char* p : {vc::kDefaultPin, "24681357"}) {
        Bytes padded = vc::padPin(p);
        change.insert(change.end(), padded.begin(), padded.end());
    }
    Bytes answer = direct(change);
    ASSERT_EQ(Bytes(answer.end() - 2, answer.end()), (Bytes{0x90, 0x00}));
    Bytes sig;
    EXPECT_EQ(sign(h, key, sig), CKR_PIN_INCORRECT);
    EXPECT_FALSE(card_->security().pinVerified);
}

TEST_F(Core, RemovalInvalidatesSessionsAndReinsertionGivesAFreshToken)
{
    CK_SESSION_HANDLE h = open();
    ASSERT_EQ(login(h), CKR_OK);
    CK_SLOT_ID slot = tokenSlot();
    fakepcsc::removeCard(kReader);
    CK_TOKEN_INFO ti;
    EXPECT_EQ(p11->C_GetTokenInfo(slot, &ti), CKR_TOKEN_NOT_PRESENT);
    CK_SESSION_INFO si;
    CK_RV rv = p11->C_GetSessionInfo(h, &si);
    EXPECT_TRUE(rv == CKR_DEVICE_REMOVED || rv == CKR_SESSION_HANDLE_INVALID) << std::hex << rv;

    card_->powerOn();
    fakepcsc::insertCard(kReader, card_->atr());
    rv = p11->C_GetSessionInfo(h, &si);
    EXPECT_TRUE(rv == CKR_DEVICE_REMOVED || rv == CKR_SESSION_HANDLE_INVALID) << "an old session came back";
    ASSERT_EQ(p11->C_GetTokenInfo(tokenSlot(), &ti), CKR_OK);
    CK_SESSION_HANDLE h2 = open();
    ASSERT_EQ(p11->C_GetSessionInfo(h2, &si), CKR_OK);
    EXPECT_EQ(si.state, static_cast<CK_STATE>(CKS_RO_PUBLIC_SESSION)) << "login survived the removal";
    ASSERT_EQ(login(h2), CKR_OK);
    Bytes sig;
    EXPECT_EQ(sign(h2, authKey(h2), sig), CKR_OK);
}

TEST_F(Core, ResetByAnotherApplicationKeepsSessionsAndLogin)
{
    CK_SESSION_HANDLE h = open();
    ASSERT_EQ(login(h), CKR_OK);
    CK_OBJECT_HANDLE key = authKey(h);
    card_->reset();
    fakepcsc::resetCard(kReader);
    CK_SESSION_INFO si;
    ASSERT_EQ(p11->C_GetSessionInfo(h, &si), CKR_OK);
    EXPECT_EQ(si.state, static_cast<CK_STATE>(CKS_RO_USER_FUNCTIONS));
    fakepcsc::clearEvents();
    Bytes sig;
    EXPECT_EQ(sign(h, key, sig), CKR_OK);
    EXPECT_GE(fakepcsc::calls("SCardReconnect"), 1);
}

TEST_F(Core, PcscdRestartIsRecovered)
{
    CK_SESSION_HANDLE h = open();
    ASSERT_EQ(login(h), CKR_OK);
    CK_OBJECT_HANDLE key = authKey(h);
    fakepcsc::killService();
    Bytes sig;
    CK_RV during = sign(h, key, sig);
    EXPECT_NE(during, CKR_OK);
    fakepcsc::startService();
    // The old card handle is dead for good; a new token is read afresh.
    CK_TOKEN_INFO ti;
    ASSERT_EQ(p11->C_GetTokenInfo(tokenSlot(), &ti), CKR_OK);
    CK_SESSION_HANDLE h2 = open();
    ASSERT_EQ(login(h2), CKR_OK);
    EXPECT_EQ(sign(h2, authKey(h2), sig), CKR_OK);
}

TEST_F(Core, MalformedAnswerToSignIsAnErrorNotACrash)
{
    CK_SESSION_HANDLE h = open();
    ASSERT_EQ(login(h), CKR_OK);
    CK_OBJECT_HANDLE key = authKey(h);
    for (const Bytes& bad : {Bytes{}, Bytes{0x90}, Bytes{0x7C, 0x05, 0x82, 0x10, 0x01, 0x90, 0x00}}) {
        setResponder([this, bad](const Bytes& apdu) {
            if (apdu.size() >= 4 && apdu[1] == kInsGeneralAuthenticate) return bad;
            return cardAnswer(apdu);
        });
        Bytes sig;
        CK_RV rv = sign(h, key, sig);
        EXPECT_TRUE(rv == CKR_DEVICE_ERROR || rv == CKR_FUNCTION_FAILED) << std::hex << rv;
        EXPECT_FALSE(card_->security().pinVerified);
    }
    setResponder([this](const Bytes& apdu) { return cardAnswer(apdu); });
    Bytes sig;
    EXPECT_EQ(sign(h, key, sig), CKR_OK) << "a bad answer broke the session";
}

TEST_F(Core, BufferTooSmallThenTheSameSignature)
{
    CK_SESSION_HANDLE h = open();
    ASSERT_EQ(login(h), CKR_OK);
    CK_MECHANISM m{CKM_RSA_PKCS, nullptr, 0};
    ASSERT_EQ(p11->C_SignInit(h, &m, authKey(h)), CKR_OK);
    Bytes data(32, 0x33);
    CK_ULONG n = 0;
    ASSERT_EQ(p11->C_Sign(h, data.data(), 32, nullptr, &n), CKR_OK);
    EXPECT_EQ(n, 256u);
    Bytes small(10);
    CK_ULONG ns = small.size();
    ASSERT_EQ(p11->C_Sign(h, data.data(), 32, small.data(), &ns), CKR_BUFFER_TOO_SMALL);
    EXPECT_EQ(ns, 256u);
    Bytes sig(ns);
    ASSERT_EQ(p11->C_Sign(h, data.data(), 32, sig.data(), &ns), CKR_OK);
    Bytes again;
    ASSERT_EQ(sign(h, authKey(h), again, data), CKR_OK);
    EXPECT_EQ(sig, again) << "PKCS#1 v1.5 is deterministic: the same input gives the same signature";
}

} // namespace
