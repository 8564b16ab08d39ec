// Page-backed storage for secrets, below SecureBytes (PINs) and SensitiveBytes
// (decrypted data, shared secrets, key values): whole anonymous pages that are
// mlock'ed (best effort), excluded from core dumps (MADV_DONTDUMP), zeroed in
// a fork()ed child (MADV_WIPEONFORK, or a pthread_atfork fallback) and wiped
// before they are returned to the kernel.
#pragma once

#include <cstddef>

namespace tessera::secure_pages {

// At least `bytes` bytes (rounded up to whole pages); throws std::bad_alloc.
void* allocate(std::size_t bytes);
// Wipes what allocate(bytes) returned and unmaps it, or, for a one-page
// mapping, keeps it (wiped, still locked and registered) for the next
// one-page allocate(): up to 32 pages, so that the short-lived one-page
// buffers of each APDU cost no system call. The same `bytes` must be given.
void release(void* p, std::size_t bytes) noexcept;

// Bytes a request of `bytes` really maps (whole pages).
std::size_t mappedSize(std::size_t bytes) noexcept;

// Whether the kernel took MADV_WIPEONFORK for the pages mapped so far. Where it
// did not (Linux before 4.14: madvise answers EINVAL), the pthread_atfork child
// handler is what wipes them; it runs in both cases, so the child is clean either way.
bool kernelWipesOnFork() noexcept;

namespace testing {
// Unit tests only: stop asking for MADV_WIPEONFORK on pages mapped from now
// on (the cache of released pages is emptied too), so that the pthread_atfork
// fallback alone must wipe them.
void disableKernelWipeOnFork() noexcept;
} // namespace testing

} // namespace tessera::secure_pages
