// The PIV data containers the virtual card knows (SP 800-73-4 part 1 table 3 and
// appendix A, plus the YubiKey-specific 5FFFxx objects), as a constexpr table:
// tag, read access, key reference of a certificate container, and the wrapper
// tag of the GET DATA answer (53, or 7E / 7F61 for the two special objects).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace tessera::vcard {

enum class ReadAccess { always, pin };

struct ContainerInfo {
    std::uint32_t tag;
    ReadAccess read;
    std::uint8_t keyRef;      // key whose certificate this container holds, 0 for none
    std::uint32_t wrapperTag; // 0x53, or the object's own tag for 7E / 7F61
    bool yubikeyOnly;
    const char* name;
};

std::span<const ContainerInfo> containers();
// Entry for `tag`, if this profile knows it.
std::optional<ContainerInfo> findContainer(std::uint32_t tag, bool yubikey);
// Certificate container tag for a key reference (9A -> 5FC105 ...), 0 if none.
std::uint32_t certificateTagFor(std::uint8_t keyRef);

namespace tag {
constexpr std::uint32_t ccc = 0x5FC107;
constexpr std::uint32_t chuid = 0x5FC102;
constexpr std::uint32_t securityObject = 0x5FC106;
constexpr std::uint32_t printedInfo = 0x5FC109;
constexpr std::uint32_t keyHistory = 0x5FC10C;
constexpr std::uint32_t discovery = 0x7E;
constexpr std::uint32_t yubikeyAdmin = 0x5FFF00;
constexpr std::uint32_t yubikeyAttestation = 0x5FFF01;
} // namespace tag

// Upper bound of one object's content, close to a YubiKey 5's 3052-byte limit.
constexpr std::size_t kMaxObjectSize = 3072;

} // namespace tessera::vcard
