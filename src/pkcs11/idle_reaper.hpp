// Releases card handles that have been idle for a while (design.md: do not
// sit on the card), so an application that insists on exclusive access (a
// default gpg/scdaemon) can still get it while this module is loaded. One
// thread sleeps on a condition variable until the earliest deadline: no
// polling; it starts with the first card use and never runs when the
// application forbade threads (CKF_LIBRARY_CANT_CREATE_OS_THREADS).
//
// Ownership: the module owns the reaper (shared_ptr); a slot only has a
// weak_ptr to it, and the reaper only weak_ptrs to the slots, which its
// thread locks (holds) for the length of one sweep. The thread never sees
// the Module, and the destructor joins it, so nothing it uses is freed
// under it. The thread must never take the host down: run() is noexcept and
// every exception of a sweep (an application LockMutex that fails, say) is
// logged and the sweep retried after the idle delay.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace tessera::pkcs11 {

class Slot;

class IdleReaper {
public:
    explicit IdleReaper(std::chrono::milliseconds delay);
    ~IdleReaper();
    IdleReaper(const IdleReaper&) = delete;
    IdleReaper& operator=(const IdleReaper&) = delete;

    // A new slot to look after (the reaper keeps a weak_ptr only).
    void watch(const std::shared_ptr<Slot>& slot);
    // A card was used: (re)arm the timer. Never throws (called from destructors).
    void touch() noexcept;

private:
    void run() noexcept;
    std::optional<std::chrono::steady_clock::time_point> sweep();

    const std::chrono::milliseconds delay_;
    std::mutex mutex_; // stop_, dirty_, slots_, thread_ (lock order: locking.hpp)
    std::condition_variable cv_;
    std::vector<std::weak_ptr<Slot>> slots_;
    bool stop_ = false;
    bool dirty_ = false;
    std::thread thread_;
};

} // namespace tessera::pkcs11
