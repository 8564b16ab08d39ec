// events_finalize_wakes: C_Finalize while threads block in C_WaitForSlotEvent.
// Every waiter must return CKR_CRYPTOKI_NOT_INITIALIZED within 2 s, C_Finalize
// must not deadlock, and the module must initialise again.
//
// After 1 s of waiting the main thread calls C_Finalize (PKCS#11 3.0 section
// 5.5.7). Three rounds (one waiter, two waiters, one again); the whole test
// runs under an alarm() watchdog.
#include <condition_variable>
#include <mutex>
#include <thread>

#include "events_common.hpp"
#include "events_tests.hpp"

namespace ev {

namespace {

struct Result {
    bool done = false;
    CK_RV rv = CKR_OK;
    Clock::time_point at;
};

void round(int number, int waiters)
{
    const std::string tag = "round " + std::to_string(number) + " (" + std::to_string(waiters) + " waiter" +
                            (waiters > 1 ? "s" : "") + "): ";
    expectRv(initialize(), CKR_OK, tag + "C_Initialize");
    CK_SLOT_ID slot = 0;
    expectRv(p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr), CKR_NO_EVENT, tag + "CKF_DONT_BLOCK");
    std::mutex m;
    std::condition_variable cv;
    std::vector<Result> results(static_cast<std::size_t>(waiters));
    std::vector<std::thread> threads;
    for (int i = 0; i < waiters; ++i) {
        threads.emplace_back([&, i] {
            CK_SLOT_ID s = CK_UNAVAILABLE_INFORMATION;
            CK_RV rv = p11->C_WaitForSlotEvent(0, &s, nullptr);
            std::scoped_lock lock(m);
            results[static_cast<std::size_t>(i)] = {true, rv, Clock::now()};
            cv.notify_all();
        });
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    {
        std::scoped_lock lock(m);
        bool any = false;
        for (const auto& r : results)
            any = any || r.done;
        expect(!any, tag + "the waiters are still blocked after 1 s");
    }
    auto t0 = Clock::now();
    CK_RV rv = p11->C_Finalize(nullptr);
    double finalizeSeconds = since(t0);
    expectRv(rv, CKR_OK, tag + "C_Finalize");
    note(tag + "C_Finalize returned after " + fmt(finalizeSeconds, 3) + " s");
    bool all = false;
    {
        std::unique_lock lock(m);
        all = cv.wait_until(lock, t0 + std::chrono::seconds(2), [&] {
            for (const auto& r : results)
                if (!r.done) return false;
            return true;
        });
    }
    if (!expect(all, tag + "every waiter returned within 2 s of C_Finalize")) {
        std::printf("FAIL - a waiter is still blocked: stopping here (cannot join it)\n");
        std::fflush(stdout);
        std::_Exit(1);
    }
    for (auto& t : threads)
        t.join();
    for (std::size_t i = 0; i < results.size(); ++i) {
        expectRv(results[i].rv, CKR_CRYPTOKI_NOT_INITIALIZED, tag + "waiter " + std::to_string(i));
        note(tag + "waiter " + std::to_string(i) + " returned " +
             fmt(std::chrono::duration<double>(results[i].at - t0).count(), 3) + " s after C_Finalize began");
    }
    expectRv(p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr), CKR_CRYPTOKI_NOT_INITIALIZED,
             tag + "C_WaitForSlotEvent after C_Finalize");
}

} // namespace

int testFinalizeWakes()
{
    Guard watchdog("events_finalize_wakes (whole test)", 30);
    loadModule();
    round(1, 1);
    round(2, 2);
    round(3, 1);
    return finish("events_finalize_wakes");
}

} // namespace ev
