// IdleReaper; see idle_reaper.hpp.
#include "pkcs11/idle_reaper.hpp"

#include "common/log.hpp"
#include "pkcs11/slot.hpp"

namespace tessera::pkcs11 {

IdleReaper::IdleReaper(std::chrono::milliseconds delay, SlotLister slots) : delay_(delay), slots_(std::move(slots)) {}

IdleReaper::~IdleReaper()
{
    {
        std::scoped_lock lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void IdleReaper::touch()
{
    std::scoped_lock lock(mutex_);
    dirty_ = true;
    if (!thread_.joinable() && !stop_) thread_ = std::thread([this] { run(); });
    cv_.notify_all();
}

void IdleReaper::run()
{
    std::unique_lock lock(mutex_);
    while (!stop_) {
        dirty_ = false;
        lock.unlock();
        auto next = sweep();
        lock.lock();
        if (stop_ || dirty_) continue;
        auto wake = [this] { return stop_ || dirty_; };
        if (next)
            cv_.wait_until(lock, *next, wake);
        else
            cv_.wait(lock, wake);
    }
}

// Releases every handle idle for longer than the delay; returns the next deadline.
std::optional<std::chrono::steady_clock::time_point> IdleReaper::sweep()
{
    std::optional<std::chrono::steady_clock::time_point> next;
    const auto now = std::chrono::steady_clock::now();
    for (const auto& slot : slots_()) {
        auto token = slot->currentToken();
        if (!token || !token->channel || !token->channel->connected()) continue;
        const auto deadline = token->lastUse.load() + delay_;
        if (deadline <= now) {
            std::scoped_lock io(slot->ioMutex);
            // Re-check under the I/O lock: an operation may have just run.
            if (token->lastUse.load() + delay_ <= std::chrono::steady_clock::now()) {
                try {
                    token->channel->release();
                } catch (...) {
                    log::write(log::Level::calls, "idle release failed");
                }
                continue;
            }
        }
        const auto d = token->lastUse.load() + delay_;
        if (!next || d < *next) next = d;
    }
    return next;
}

} // namespace tessera::pkcs11
