// Locked, non-dumpable storage for secrets; see secure_bytes.hpp.
#include "common/secure_bytes.hpp"

#include <openssl/crypto.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <new>

#include "common/error.hpp"

namespace tessera {

void secureWipe(void* p, std::size_t n) noexcept
{
    if (p != nullptr && n != 0) OPENSSL_cleanse(p, n);
}

namespace {
std::size_t pageSize()
{
    static const std::size_t ps = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    return ps;
}

std::uint8_t* allocateLocked()
{
    void* p = mmap(nullptr, pageSize(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    // Best effort: mlock can fail under RLIMIT_MEMLOCK; the page is still
    // excluded from core dumps and wiped.
    (void)mlock(p, pageSize());
#ifdef MADV_DONTDUMP
    (void)madvise(p, pageSize(), MADV_DONTDUMP);
#endif
#ifdef MADV_WIPEONFORK
    (void)madvise(p, pageSize(), MADV_WIPEONFORK);
#endif
    return static_cast<std::uint8_t*>(p);
}

void releaseLocked(std::uint8_t* p)
{
    if (p == nullptr) return;
    secureWipe(p, pageSize());
    munlock(p, pageSize());
    munmap(p, pageSize());
}
} // namespace

void SecureBytes::ensure()
{
    if (data_ == nullptr) data_ = allocateLocked();
}

SecureBytes::SecureBytes(std::span<const std::uint8_t> data)
{
    if (data.size() > kCapacity) fail(Errc::dataLenRange, "secret too long");
    ensure();
    std::memcpy(data_, data.data(), data.size());
    size_ = data.size();
}

SecureBytes::~SecureBytes()
{
    clear();
}

SecureBytes::SecureBytes(const SecureBytes& other) : SecureBytes(other.view()) {}

SecureBytes& SecureBytes::operator=(const SecureBytes& other)
{
    if (this != &other) {
        SecureBytes tmp(other);
        *this = std::move(tmp);
    }
    return *this;
}

SecureBytes::SecureBytes(SecureBytes&& other) noexcept : data_(other.data_), size_(other.size_)
{
    other.data_ = nullptr;
    other.size_ = 0;
}

SecureBytes& SecureBytes::operator=(SecureBytes&& other) noexcept
{
    if (this != &other) {
        clear();
        data_ = other.data_;
        size_ = other.size_;
        other.data_ = nullptr;
        other.size_ = 0;
    }
    return *this;
}

void SecureBytes::push_back(std::uint8_t b)
{
    if (size_ >= kCapacity) fail(Errc::dataLenRange, "secret too long");
    ensure();
    data_[size_++] = b;
}

void SecureBytes::clear() noexcept
{
    releaseLocked(data_);
    data_ = nullptr;
    size_ = 0;
}

} // namespace tessera
