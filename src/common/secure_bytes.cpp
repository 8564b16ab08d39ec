// Locked, non-dumpable, fork-wiped storage for PINs; see secure_bytes.hpp.
// The pages come from secure_pages (mlock, MADV_DONTDUMP, MADV_WIPEONFORK).
#include "common/secure_bytes.hpp"

#include <cstring>
#include <new>
#include <openssl/crypto.h>

#include "common/error.hpp"
#include "common/secure_pages.hpp"

namespace tessera {

void secureWipe(void* p, std::size_t n) noexcept
{
    if (p != nullptr && n != 0) OPENSSL_cleanse(p, n);
}

namespace {
std::uint8_t* allocateLocked()
{
    return static_cast<std::uint8_t*>(secure_pages::allocate(SecureBytes::kCapacity));
}

void releaseLocked(std::uint8_t* p)
{
    secure_pages::release(p, SecureBytes::kCapacity);
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
