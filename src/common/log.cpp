// Debug log sink; see log.hpp.
#include "common/log.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>

namespace tessera::log {

namespace {
std::atomic<int> gLevel{0};
std::mutex gMutex;     // (11) in the lock order of src/pkcs11/locking.hpp: a leaf
FILE* gFile = nullptr; // guarded by gMutex; nullptr = stderr
thread_local std::size_t tApdus = 0;
} // namespace

bool configure(int level, std::string_view file)
{
    std::scoped_lock lock(gMutex);
    gLevel = level < 0 ? 0 : level;
    if (gFile != nullptr) {
        std::fclose(gFile);
        gFile = nullptr;
    }
    if (!file.empty()) gFile = std::fopen(std::string(file).c_str(), "a");
    return file.empty() || gFile != nullptr;
}

void configureFromEnvironment()
{
    const char* lvl = std::getenv("TESSERA_DEBUG");
    const char* file = std::getenv("TESSERA_LOG_FILE");
    int level = (lvl != nullptr) ? std::atoi(lvl) : 0;
    if (level < 0) level = 0;
    configure(level, file != nullptr ? file : "");
}

bool enabled(Level l) noexcept
{
    return gLevel.load(std::memory_order_relaxed) >= static_cast<int>(l);
}

namespace {
// "2026-12-07T12:44:15.123Z": UTC with milliseconds, so lines from several
// processes (Firefox, ssh, pcscd's own log) can be put side by side.
void timestamp(char (&buf)[32]) noexcept
{
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tm utc{};
    gmtime_r(&ts.tv_sec, &utc);
    const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(buf + n, sizeof buf - n, ".%03ldZ", ts.tv_nsec / 1000000);
}
} // namespace

// One line: "tessera[PID/TID] TIME: message". The thread id (gettid, as in
// /proc and gdb) tells concurrent calls apart.
void write(Level l, std::string_view message) noexcept
{
    if (!enabled(l)) return;
    try {
        char when[32];
        timestamp(when);
        const long tid = syscall(SYS_gettid);
        std::scoped_lock lock(gMutex);
        FILE* out = gFile != nullptr ? gFile : stderr;
        std::fprintf(out, "tessera[%d/%ld] %s: %.*s\n", static_cast<int>(getpid()), tid, when,
                     static_cast<int>(message.size()), message.data());
        std::fflush(out);
    } catch (...) {
        // logging never throws into the caller
    }
}

void lockForFork() noexcept
{
    gMutex.lock();
}

void unlockAfterFork() noexcept
{
    gMutex.unlock();
}

void countApdu() noexcept
{
    ++tApdus;
}
std::size_t apduCount() noexcept
{
    return tApdus;
}
void resetApduCount() noexcept
{
    tApdus = 0;
}

} // namespace tessera::log
