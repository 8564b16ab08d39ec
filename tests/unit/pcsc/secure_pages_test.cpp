// The one-page cache of secure_pages (common/secure_pages.hpp), tested beside
// the card handle it exists for: each APDU's answer and result are one-page
// SensitiveBytes, and a released page is kept mapped, wiped, for the next
// one, so a steady stream of APDUs costs no mmap/munmap per buffer.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "common/secure_pages.hpp"

namespace {

namespace sp = tessera::secure_pages;

std::size_t pageSize()
{
    return static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// mincore() answers ENOMEM for an address that is not mapped.
bool mapped(void* p)
{
    unsigned char v = 0;
    return mincore(p, pageSize(), &v) == 0;
}

TEST(SecurePagesCache, AReleasedPageStaysMappedWipedAndIsHandedOutAgain)
{
    void* a = sp::allocate(100);
    std::memset(a, 0xAB, pageSize());
    sp::release(a, 100);
    ASSERT_TRUE(mapped(a)) << "a released one-page mapping was unmapped, not kept for the next one";
    const auto* bytes = static_cast<const std::uint8_t*>(a);
    EXPECT_TRUE(std::all_of(bytes, bytes + pageSize(), [](std::uint8_t x) { return x == 0; }))
        << "a cached page still holds what it held";
    void* b = sp::allocate(200);
    EXPECT_EQ(a, b);
    sp::release(b, 200);
}

TEST(SecurePagesCache, TheCacheIsBounded)
{
    // Whatever the cache held is handed out first; 40 released pages then
    // fill it to its bound (32) and the rest are unmapped.
    std::vector<void*> pages;
    for (int i = 0; i < 40; ++i)
        pages.push_back(sp::allocate(1));
    for (void* p : pages)
        sp::release(p, 1);
    const auto kept = std::count_if(pages.begin(), pages.end(), mapped);
    EXPECT_EQ(kept, 32);
}

TEST(SecurePagesCache, MultiPageMappingsAreUnmapped)
{
    const std::size_t big = 3 * pageSize();
    void* p = sp::allocate(big);
    std::memset(p, 0x77, big);
    sp::release(p, big);
    EXPECT_FALSE(mapped(p));
}

} // namespace
