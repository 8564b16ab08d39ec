// IdleReaper; see idle_reaper.hpp.
#include "pkcs11/idle_reaper.hpp"

#include "common/log.hpp"
#include "pkcs11/slot.hpp"

namespace tessera::pkcs11 {

IdleReaper::IdleReaper(std::chrono::milliseconds delay) : delay_(delay) {}

IdleReaper::~IdleReaper()
{
    {
        std::scoped_lock lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void IdleReaper::watch(const std::shared_ptr<Slot>& slot)
{
    std::scoped_lock lock(mutex_);
    slots_.push_back(slot);
}

void IdleReaper::touch() noexcept
{
    try {
        std::scoped_lock lock(mutex_);
        dirty_ = true;
        if (!thread_.joinable() && !stop_) thread_ = std::thread([this]() noexcept { run(); });
        cv_.notify_all();
    } catch (...) {
        // No thread (EAGAIN) or no lock: the handles stay connected; nothing else changes.
        log::write(log::Level::calls, "idle release: cannot start its thread");
    }
}

// The thread's entry: noexcept, nothing escapes (a library never calls
// std::terminate in its host).
void IdleReaper::run() noexcept
{
    try {
        std::unique_lock lock(mutex_);
        while (!stop_) {
            dirty_ = false;
            lock.unlock();
            std::optional<std::chrono::steady_clock::time_point> next;
            try {
                next = sweep();
            } catch (...) {
                log::write(log::Level::calls, "idle release: sweep failed; retrying after the idle delay");
                next = std::chrono::steady_clock::now() + delay_;
            }
            lock.lock();
            if (stop_ || dirty_) continue;
            auto wake = [this] { return stop_ || dirty_; };
            if (next)
                cv_.wait_until(lock, *next, wake);
            else
                cv_.wait(lock, wake);
        }
    } catch (...) {
        log::write(log::Level::calls, "idle release: thread stopped by an error");
    }
}

// Releases every handle idle for longer than the delay; returns the next deadline.
std::optional<std::chrono::steady_clock::time_point> IdleReaper::sweep()
{
    std::vector<std::shared_ptr<Slot>> slots; // held for the whole sweep
    {
        std::scoped_lock lock(mutex_);
        for (const auto& w : slots_)
            if (auto s = w.lock()) slots.push_back(std::move(s));
    }
    std::optional<std::chrono::steady_clock::time_point> next;
    const auto now = std::chrono::steady_clock::now();
    for (const auto& slot : slots) {
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
