// Locked, non-dumpable, fork-wiped pages for secrets; see secure_pages.hpp.
// Every live mapping is also kept in a registry so that a pthread_atfork
// child handler can wipe it where the kernel has no MADV_WIPEONFORK: a child
// of the host application must not inherit a cached PIN or a decrypted block.
#include "common/secure_pages.hpp"

#include <openssl/crypto.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <map>
#include <mutex>
#include <new>

namespace tessera::secure_pages {

namespace {

std::size_t pageSize() noexcept
{
    static const std::size_t ps = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    return ps;
}

// Live mappings (address -> mapped bytes). In static storage and never
// destroyed (the module has no static teardown, see module.cpp); it is empty,
// so owns no heap block, whenever no secret is alive. Lock order: this mutex
// is a leaf; nothing is called while it is held but map operations and, in
// the fork child, OPENSSL_cleanse.
std::mutex registryMutex;
alignas(std::map<void*, std::size_t>) unsigned char registryStorage[sizeof(std::map<void*, std::size_t>)];
std::map<void*, std::size_t>* registry = nullptr;
std::once_flag initOnce;
// Released one-page mappings kept for the next one-page allocation (guarded
// by registryMutex): card answers and results are short-lived one-page
// buffers, several per signature, and an mmap + mlock + madvise + munlock +
// munmap for each was most of the module's CPU per signature. A cached page
// is wiped (all zeros: no secret, so not in the registry), still locked,
// excluded from dumps and fork-wiped; at most kCachedPages of them (128 KiB
// with 4 KiB pages), unmapped at exit or dlclose (CacheReleaser).
constexpr std::size_t kCachedPages = 32;
void* cachedPages[kCachedPages];
std::size_t cachedCount = 0;

void releaseCachedPages() noexcept
{
    std::scoped_lock lock(registryMutex);
    for (std::size_t i = 0; i < cachedCount; ++i) {
        munlock(cachedPages[i], pageSize());
        munmap(cachedPages[i], pageSize());
    }
    cachedCount = 0;
}

struct CacheReleaser {
    ~CacheReleaser() { releaseCachedPages(); }
} cacheReleaser;
std::atomic<bool> askWipeOnFork{true};
std::atomic<bool> kernelRefused{false};

void prepareFork() noexcept
{
    registryMutex.lock(); // no allocation or release half-done while the child is cut
}

void parentAfterFork() noexcept
{
    registryMutex.unlock();
}

// The child: one thread, a copy of the parent's memory. Zero every secret
// page (already zero where MADV_WIPEONFORK held), then carry on as usual.
void childAfterFork() noexcept
{
    for (const auto& [p, n] : *registry)
        OPENSSL_cleanse(p, n);
    registryMutex.unlock();
}

void initialise()
{
    registry = new (registryStorage) std::map<void*, std::size_t>();
    // glibc removes these handlers when the module is dlclose'd (__unregister_atfork).
    pthread_atfork(prepareFork, parentAfterFork, childAfterFork);
}

// The kernel zeroes these pages in a fork()ed child (Linux 4.14+).
void adviseWipeOnFork(void* p, std::size_t n) noexcept
{
#ifdef MADV_WIPEONFORK
    if (askWipeOnFork.load(std::memory_order_relaxed) && madvise(p, n, MADV_WIPEONFORK) == 0) return;
#else
    (void)p;
    (void)n;
#endif
    kernelRefused.store(true, std::memory_order_relaxed); // EINVAL: the atfork handler wipes
}

} // namespace

std::size_t mappedSize(std::size_t bytes) noexcept
{
    const std::size_t ps = pageSize();
    return bytes == 0 ? ps : (bytes + ps - 1) / ps * ps;
}

void* allocate(std::size_t bytes)
{
    std::call_once(initOnce, initialise);
    const std::size_t n = mappedSize(bytes);
    if (n < bytes) throw std::bad_alloc();
    if (n == pageSize()) {
        std::scoped_lock lock(registryMutex);
        if (cachedCount > 0) {
            void* p = cachedPages[cachedCount - 1];
            registry->emplace(p, n); // may throw bad_alloc: then the page stays cached
            --cachedCount;
            return p;
        }
    }
    void* p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    // Best effort: mlock can fail under RLIMIT_MEMLOCK; the pages are still
    // excluded from core dumps, wiped on release and wiped in a child.
    (void)mlock(p, n);
#ifdef MADV_DONTDUMP
    (void)madvise(p, n, MADV_DONTDUMP);
#endif
    adviseWipeOnFork(p, n);
    try {
        std::scoped_lock lock(registryMutex);
        registry->emplace(p, n);
    } catch (...) {
        munmap(p, n);
        throw;
    }
    return p;
}

void release(void* p, std::size_t bytes) noexcept
{
    if (p == nullptr) return;
    const std::size_t n = mappedSize(bytes);
    OPENSSL_cleanse(p, n);
    {
        std::scoped_lock lock(registryMutex);
        registry->erase(p);
        if (n == pageSize() && cachedCount < kCachedPages) {
            cachedPages[cachedCount++] = p; // wiped: kept mapped for the next page
            return;
        }
    }
    munlock(p, n);
    munmap(p, n);
}

bool kernelWipesOnFork() noexcept
{
    return !kernelRefused.load(std::memory_order_relaxed);
}

void testing::disableKernelWipeOnFork() noexcept
{
    askWipeOnFork.store(false, std::memory_order_relaxed);
    // Cached pages were advised while the kernel wipe was still asked for;
    // the next allocations must be fresh mappings without it (a test that
    // runs after others in one process would otherwise get one).
    releaseCachedPages();
}

} // namespace tessera::secure_pages
