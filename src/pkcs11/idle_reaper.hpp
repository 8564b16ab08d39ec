// Releases card handles that have been idle for a while (design.md: do not
// sit on the card), so an application that insists on exclusive access (a
// default gpg/scdaemon) can still get it while this module is loaded. One
// thread sleeps on a condition variable until the earliest deadline: no
// polling; it starts with the first card use and never runs when the
// application forbade threads (CKF_LIBRARY_CANT_CREATE_OS_THREADS).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace tessera::pkcs11 {

class Slot;

class IdleReaper {
public:
    using SlotLister = std::function<std::vector<std::shared_ptr<Slot>>()>;
    IdleReaper(std::chrono::milliseconds delay, SlotLister slots);
    ~IdleReaper();
    IdleReaper(const IdleReaper&) = delete;
    IdleReaper& operator=(const IdleReaper&) = delete;

    // A card was used: (re)arm the timer.
    void touch();

private:
    void run();
    std::optional<std::chrono::steady_clock::time_point> sweep();

    const std::chrono::milliseconds delay_;
    SlotLister slots_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stop_ = false;
    bool dirty_ = false;
    std::thread thread_;
};

} // namespace tessera::pkcs11
