// SensitiveBytes: the one byte type for secret answers and results that are
// not PINs (decrypted plaintext, ECDH shared secrets, derived key values, and
// every raw R-APDU, since the transmitter cannot know which answer is secret).
// A std::vector whose allocator takes whole locked, non-dumpable, fork-wiped
// pages (secure_pages.hpp) and wipes them on every deallocation, so neither
// growth nor reallocation nor an error path ever frees an unwiped copy.
// Choice: every such buffer is page-backed (one page for a short answer);
// mlock is best effort, so a host's RLIMIT_MEMLOCK can only cost the lock,
// never the wipe or the exclusion from core dumps.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "common/bytes.hpp"
#include "common/secure_pages.hpp"

namespace tessera {

template <typename T> struct SensitiveAllocator {
    using value_type = T;

    SensitiveAllocator() noexcept = default;
    template <typename U> SensitiveAllocator(const SensitiveAllocator<U>&) noexcept {}

    T* allocate(std::size_t n)
    {
        if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
        return static_cast<T*>(secure_pages::allocate(n * sizeof(T)));
    }
    void deallocate(T* p, std::size_t n) noexcept { secure_pages::release(p, n * sizeof(T)); }

    template <typename U> bool operator==(const SensitiveAllocator<U>&) const noexcept { return true; }
};

using SensitiveBytes = std::vector<std::uint8_t, SensitiveAllocator<std::uint8_t>>;

// Equality with plain bytes (tests compare results with expected values). Not
// constant time: never use it to check a secret against a guess.
inline bool operator==(const SensitiveBytes& a, const Bytes& b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

} // namespace tessera
