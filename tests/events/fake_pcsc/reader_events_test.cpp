// Unit tests of the module's reader and card event logic against the fake
// pcsc-lite (fake_pcsc.hpp) instead of a pcscd: slot IDs, the slot list,
// C_WaitForSlotEvent, C_Finalize waking a waiter, pcscd "restarts".
//
// The card answers 6A82 to everything, so tokens are never recognised; only
// slots and events matter here.
#include <chrono>
#include <cstdlib>
#include <future>
#include <list>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <p11-kit/pkcs11.h>

#include "fake_pcsc.hpp"

extern "C" CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

namespace {

using namespace std::chrono_literals;
using WaitResult = std::pair<CK_RV, CK_SLOT_ID>;

constexpr CK_FLAGS kAlways = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;

class ReaderEvents : public ::testing::Test {
protected:
    void SetUp() override
    {
        setenv("TESSERA_IDLE_DISCONNECT_MS", "0", 1);
        fakepcsc::reset();
        ASSERT_EQ(C_GetFunctionList(&p11), CKR_OK);
    }
    void TearDown() override
    {
        p11->C_Finalize(nullptr); // wakes a waiter a failed test left behind
        for (auto& w : waits_)
            if (w.valid()) w.wait_for(3s);
    }

    void init()
    {
        CK_C_INITIALIZE_ARGS args{};
        args.flags = CKF_OS_LOCKING_OK;
        ASSERT_EQ(p11->C_Initialize(&args), CKR_OK);
    }
    std::vector<CK_SLOT_ID> slots(bool present)
    {
        CK_ULONG n = 0;
        EXPECT_EQ(p11->C_GetSlotList(present ? CK_TRUE : CK_FALSE, nullptr, &n), CKR_OK);
        std::vector<CK_SLOT_ID> v(n);
        if (n > 0) {
            EXPECT_EQ(p11->C_GetSlotList(present ? CK_TRUE : CK_FALSE, v.data(), &n), CKR_OK);
        }
        v.resize(n);
        return v;
    }
    std::string reader(CK_SLOT_ID id)
    {
        CK_SLOT_INFO si;
        if (p11->C_GetSlotInfo(id, &si) != CKR_OK) return "?";
        std::string s(reinterpret_cast<const char*>(si.slotDescription), sizeof si.slotDescription);
        s.erase(s.find_last_not_of(' ') + 1);
        return s;
    }
    CK_FLAGS flags(CK_SLOT_ID id)
    {
        CK_SLOT_INFO si;
        EXPECT_EQ(p11->C_GetSlotInfo(id, &si), CKR_OK);
        return si.flags;
    }
    std::future<WaitResult>& startWait()
    {
        waits_.push_back(std::async(std::launch::async, [this] {
            CK_SLOT_ID s = CK_UNAVAILABLE_INFORMATION;
            CK_RV rv = p11->C_WaitForSlotEvent(0, &s, nullptr);
            return WaitResult{rv, s};
        }));
        return waits_.back();
    }
    // The wait's result, if it ended within the time.
    static std::optional<WaitResult> within(std::future<WaitResult>& f, std::chrono::milliseconds t)
    {
        if (f.wait_for(t) != std::future_status::ready) return std::nullopt;
        return f.get();
    }
    std::pair<CK_RV, CK_SLOT_ID> dontBlock()
    {
        CK_SLOT_ID s = CK_UNAVAILABLE_INFORMATION;
        CK_RV rv = p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &s, nullptr);
        return {rv, s};
    }

    CK_FUNCTION_LIST* p11 = nullptr;
    std::list<std::future<WaitResult>> waits_; // stable references
};

TEST_F(ReaderEvents, SlotIdsAreStableTheListNeverShrinksAReaderGetsItsOldSlot)
{
    fakepcsc::addReader("Reader A");
    fakepcsc::addReader("Reader B");
    init();
    ASSERT_EQ(slots(false), (std::vector<CK_SLOT_ID>{0, 1}));
    EXPECT_EQ(reader(0), "Reader A");
    EXPECT_EQ(reader(1), "Reader B");

    fakepcsc::removeReader("Reader A");
    EXPECT_EQ(slots(false), (std::vector<CK_SLOT_ID>{0, 1})) << "the list never shrinks";
    EXPECT_EQ(reader(0), "Reader A");
    EXPECT_EQ(flags(0) & kAlways, kAlways);
    EXPECT_EQ(flags(0) & CKF_TOKEN_PRESENT, 0u);

    fakepcsc::addReader("Reader C");
    ASSERT_EQ(slots(false), (std::vector<CK_SLOT_ID>{0, 1, 2}));
    EXPECT_EQ(reader(2), "Reader C");

    fakepcsc::addReader("Reader A");
    EXPECT_EQ(slots(false).size(), 3u) << "a returning reader gets no new slot";
    EXPECT_EQ(reader(0), "Reader A");
    fakepcsc::insertCard("Reader A");
    EXPECT_EQ(flags(0) & CKF_TOKEN_PRESENT, CKF_TOKEN_PRESENT);
    EXPECT_EQ(slots(true), (std::vector<CK_SLOT_ID>{0}));
}

TEST_F(ReaderEvents, TheSlotListIsReReadOnlyWithANullBuffer)
{
    fakepcsc::addReader("Reader A");
    init();
    ASSERT_EQ(slots(false).size(), 1u);
    const int before = fakepcsc::calls("SCardListReaders");
    CK_SLOT_ID list[4];
    CK_ULONG n = 4;
    ASSERT_EQ(p11->C_GetSlotList(CK_FALSE, list, &n), CKR_OK);
    EXPECT_EQ(fakepcsc::calls("SCardListReaders"), before) << "a call with a buffer answers from memory";
    n = 0;
    ASSERT_EQ(p11->C_GetSlotList(CK_FALSE, nullptr, &n), CKR_OK);
    EXPECT_GT(fakepcsc::calls("SCardListReaders"), before);
}

TEST_F(ReaderEvents, AnUnrecognisedCardIsATokenPresentButNotRecognised)
{
    fakepcsc::addReader("Reader A");
    fakepcsc::insertCard("Reader A");
    init();
    EXPECT_EQ(flags(0) & CKF_TOKEN_PRESENT, CKF_TOKEN_PRESENT);
    CK_TOKEN_INFO ti;
    EXPECT_EQ(p11->C_GetTokenInfo(0, &ti), CKR_TOKEN_NOT_RECOGNIZED);
    CK_SESSION_HANDLE s;
    EXPECT_EQ(p11->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_TOKEN_NOT_RECOGNIZED);
    fakepcsc::removeCard("Reader A");
    EXPECT_EQ(p11->C_GetTokenInfo(0, &ti), CKR_TOKEN_NOT_PRESENT);
    EXPECT_EQ(fakepcsc::liveHandles(), 0) << "no card handle left behind";
}

TEST_F(ReaderEvents, DontBlockReportsEachChangeOnce)
{
    fakepcsc::addReader("Reader A");
    fakepcsc::insertCard("Reader A");
    init();
    EXPECT_EQ(dontBlock().first, CKR_NO_EVENT) << "cards present at C_Initialize are no events";
    fakepcsc::removeCard("Reader A");
    EXPECT_EQ(dontBlock(), (std::pair<CK_RV, CK_SLOT_ID>{CKR_OK, 0}));
    EXPECT_EQ(dontBlock().first, CKR_NO_EVENT);
    fakepcsc::insertCard("Reader A");
    EXPECT_EQ(dontBlock(), (std::pair<CK_RV, CK_SLOT_ID>{CKR_OK, 0}));
    // a card swapped between two looks shows only in the event counter
    fakepcsc::removeCard("Reader A");
    fakepcsc::insertCard("Reader A");
    EXPECT_EQ(dontBlock(), (std::pair<CK_RV, CK_SLOT_ID>{CKR_OK, 0}));
    EXPECT_EQ(dontBlock().first, CKR_NO_EVENT);
    fakepcsc::addReader("Reader B");
    EXPECT_EQ(dontBlock(), (std::pair<CK_RV, CK_SLOT_ID>{CKR_OK, 1}));
    fakepcsc::removeReader("Reader B");
    EXPECT_EQ(dontBlock(), (std::pair<CK_RV, CK_SLOT_ID>{CKR_OK, 1}));
    EXPECT_EQ(dontBlock().first, CKR_NO_EVENT);
}

TEST_F(ReaderEvents, AnotherApplicationsResetIsNoEvent)
{
    fakepcsc::addReader("Reader A");
    fakepcsc::insertCard("Reader A");
    init();
    fakepcsc::resetCard("Reader A");
    EXPECT_EQ(dontBlock().first, CKR_NO_EVENT);
}

TEST_F(ReaderEvents, WaitWakesWhenAReaderIsAdded)
{
    fakepcsc::addReader("Reader A");
    init();
    auto& w = startWait();
    ASSERT_TRUE(fakepcsc::awaitBlockedWaits(1, 2000));
    fakepcsc::addReader("Reader B");
    auto r = within(w, 2000ms);
    ASSERT_TRUE(r) << "no event within 2 s";
    EXPECT_EQ(*r, (WaitResult{CKR_OK, 1}));
    EXPECT_EQ(reader(1), "Reader B");
}

TEST_F(ReaderEvents, WaitWakesWhenAReaderGoes)
{
    fakepcsc::addReader("Reader A");
    fakepcsc::addReader("Reader B");
    fakepcsc::insertCard("Reader B");
    init();
    auto& w = startWait();
    ASSERT_TRUE(fakepcsc::awaitBlockedWaits(1, 2000));
    fakepcsc::removeReader("Reader B");
    auto r = within(w, 2000ms);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, (WaitResult{CKR_OK, 1}));
    EXPECT_EQ(slots(false).size(), 2u);
    EXPECT_EQ(flags(1) & CKF_TOKEN_PRESENT, 0u);
}

TEST_F(ReaderEvents, WaitWakesOnCardInsertionAndRemoval)
{
    fakepcsc::addReader("Reader A");
    fakepcsc::addReader("Reader B");
    init();
    auto& w1 = startWait();
    ASSERT_TRUE(fakepcsc::awaitBlockedWaits(1, 2000));
    fakepcsc::insertCard("Reader B");
    auto r = within(w1, 2000ms);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, (WaitResult{CKR_OK, 1}));
    auto& w2 = startWait();
    ASSERT_TRUE(fakepcsc::awaitBlockedWaits(1, 2000));
    fakepcsc::removeCard("Reader B");
    r = within(w2, 2000ms);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, (WaitResult{CKR_OK, 1}));
}

// pcsc-lite 1.9.9 reports a reader-count change only during the call: a
// reader that came while nobody waited must still be reported by the next wait.
TEST_F(ReaderEvents, AReaderAddedBetweenTwoWaitsIsNotLost)
{
    fakepcsc::addReader("Reader A");
    init();
    fakepcsc::addReader("Reader B");
    auto& w = startWait();
    auto r = within(w, 1000ms);
    ASSERT_TRUE(r) << "the wait blocked although a reader had been added";
    EXPECT_EQ(*r, (WaitResult{CKR_OK, 1}));
}

TEST_F(ReaderEvents, ABlockedWaitMakesNoFurtherCalls)
{
    fakepcsc::addReader("Reader A");
    fakepcsc::insertCard("Reader A");
    init();
    startWait();
    ASSERT_TRUE(fakepcsc::awaitBlockedWaits(1, 2000));
    std::this_thread::sleep_for(100ms);
    const int gsc = fakepcsc::calls("SCardGetStatusChange");
    const int list = fakepcsc::calls("SCardListReaders");
    const int est = fakepcsc::calls("SCardEstablishContext");
    std::this_thread::sleep_for(1500ms);
    EXPECT_EQ(fakepcsc::calls("SCardGetStatusChange"), gsc);
    EXPECT_EQ(fakepcsc::calls("SCardListReaders"), list);
    EXPECT_EQ(fakepcsc::calls("SCardEstablishContext"), est);
    EXPECT_EQ(fakepcsc::blockedWaits(), 1) << "exactly one blocking request";
}

TEST_F(ReaderEvents, FinalizeWakesAWaiter)
{
    fakepcsc::addReader("Reader A");
    init();
    auto& w = startWait();
    auto& w2 = startWait();
    ASSERT_TRUE(fakepcsc::awaitBlockedWaits(2, 2000));
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(p11->C_Finalize(nullptr), CKR_OK);
    auto r = within(w, 2000ms);
    auto r2 = within(w2, 2000ms);
    ASSERT_TRUE(r && r2) << "a waiter still blocked 2 s after C_Finalize";
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
    EXPECT_EQ(r->first, CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT_EQ(r2->first, CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT_GE(fakepcsc::calls("SCardCancel"), 1);
    EXPECT_EQ(fakepcsc::liveContexts(), 0) << "every PC/SC context released after C_Finalize";
}

TEST_F(ReaderEvents, FinalizeWakesAWaiterWhilePcscdIsDown)
{
    fakepcsc::addReader("Reader A");
    init();
    auto& w = startWait();
    ASSERT_TRUE(fakepcsc::awaitBlockedWaits(1, 2000));
    fakepcsc::killService();
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(p11->C_Finalize(nullptr), CKR_OK);
    auto r = within(w, 2000ms);
    ASSERT_TRUE(r) << "a waiter in its pcscd-retry loop did not end with C_Finalize";
    EXPECT_EQ(r->first, CKR_CRYPTOKI_NOT_INITIALIZED);
}

TEST_F(ReaderEvents, RecoveryAfterPcscdRestart)
{
    fakepcsc::addReader("Reader A");
    fakepcsc::addReader("Reader B");
    fakepcsc::insertCard("Reader A");
    init();
    ASSERT_EQ(slots(false).size(), 2u);
    EXPECT_EQ(flags(0) & CKF_TOKEN_PRESENT, CKF_TOKEN_PRESENT);

    fakepcsc::killService();
    EXPECT_EQ(slots(false), (std::vector<CK_SLOT_ID>{0, 1})) << "pcscd down: the slots stay";
    EXPECT_EQ(flags(0) & CKF_TOKEN_PRESENT, 0u);
    CK_TOKEN_INFO ti;
    CK_RV rv = p11->C_GetTokenInfo(0, &ti);
    EXPECT_TRUE(rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_DEVICE_ERROR) << std::hex << rv;
    const int established = fakepcsc::calls("SCardEstablishContext");

    fakepcsc::startService();
    EXPECT_EQ(slots(false), (std::vector<CK_SLOT_ID>{0, 1}));
    EXPECT_EQ(flags(0) & CKF_TOKEN_PRESENT, CKF_TOKEN_PRESENT) << "the card is seen through a new context";
    EXPECT_GT(fakepcsc::calls("SCardEstablishContext"), established);
    fakepcsc::addReader("Reader C");
    EXPECT_EQ(slots(false), (std::vector<CK_SLOT_ID>{0, 1, 2}));
    EXPECT_EQ(reader(2), "Reader C");
    EXPECT_EQ(p11->C_GetTokenInfo(0, &ti), CKR_TOKEN_NOT_RECOGNIZED) << "the card is read again";
}

TEST_F(ReaderEvents, AWaiterSurvivesAPcscdRestart)
{
    fakepcsc::addReader("Reader A");
    fakepcsc::insertCard("Reader A");
    init();
    auto& w = startWait();
    ASSERT_TRUE(fakepcsc::awaitBlockedWaits(1, 2000));
    fakepcsc::killService();
    std::this_thread::sleep_for(100ms);
    const int before = fakepcsc::calls("SCardEstablishContext");
    std::this_thread::sleep_for(1200ms);
    const int attempts = fakepcsc::calls("SCardEstablishContext") - before;
    EXPECT_GE(attempts, 1) << "the waiter tries to reach pcscd again";
    EXPECT_LE(attempts, 6) << "and does not spin (retry every 500 ms)";
    EXPECT_EQ(w.wait_for(0ms), std::future_status::timeout) << "pcscd down is no slot event";

    fakepcsc::startService();
    ASSERT_TRUE(fakepcsc::awaitBlockedWaits(1, 2000)) << "the waiter blocks again on the new pcscd";
    fakepcsc::removeCard("Reader A");
    auto r = within(w, 2000ms);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, (WaitResult{CKR_OK, 0}));
}

} // namespace
