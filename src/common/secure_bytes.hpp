// A buffer for secrets (PINs, PUKs, management keys): page-backed, mlock'ed,
// excluded from core dumps (MADV_DONTDUMP), zeroed in a fork()ed child
// (MADV_WIPEONFORK or the atfork fallback of secure_pages), wiped when dropped. It has no
// stream or format operator on purpose; use view() only to build the APDU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tessera {

class SecureBytes {
public:
    static constexpr std::size_t kCapacity = 256;

    SecureBytes() = default;
    explicit SecureBytes(std::span<const std::uint8_t> data);
    explicit SecureBytes(std::string_view text)
        : SecureBytes(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()))
    {
    }
    ~SecureBytes();
    SecureBytes(const SecureBytes& other);
    SecureBytes& operator=(const SecureBytes& other);
    SecureBytes(SecureBytes&& other) noexcept;
    SecureBytes& operator=(SecureBytes&& other) noexcept;

    std::span<const std::uint8_t> view() const noexcept { return {data_, size_}; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    void push_back(std::uint8_t b); // throws Error(dataLenRange) past kCapacity
    void clear() noexcept;          // wipe and release

private:
    void ensure();
    std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

// Wipe memory so the compiler cannot elide it.
void secureWipe(void* p, std::size_t n) noexcept;

} // namespace tessera
