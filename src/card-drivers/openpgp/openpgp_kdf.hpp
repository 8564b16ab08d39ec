// PIN hashing for cards with an active KDF-DO F9 (OpenPGP card spec 3.4.1
// section 4.3.2): the host sends KDF_ITERSALTED_S2K (RFC 4880 section
// 3.7.1.3) of the PIN, with SHA-256 or SHA-512, the salt of that password
// and the card's iteration count, instead of the PIN itself.
#pragma once

#include <cstdint>

#include "common/bytes.hpp"
#include "common/secure_bytes.hpp"

namespace tessera::drivers::openpgp {

// Section 4.3.2 KDF-DO: 81 algorithm (00 none, 03 KDF_ITERSALTED_S2K),
// 82 hash (08 SHA-256, 0A SHA-512), 83 iteration count (4 bytes, octets to
// hash), 84/85/86 salts of PW1, resetting code and PW3 (85 and 86 optional:
// PW1's salt then serves), 87/88 initial hashes (not used by the driver).
struct KdfParameters {
    std::uint8_t algorithm = 0;
    std::uint8_t hash = 0;
    std::uint32_t iterations = 0;
    Bytes saltPw1, saltRc, saltPw3;
    bool active() const { return algorithm == kItersaltedS2k; }

    static constexpr std::uint8_t kItersaltedS2k = 0x03;
};

// Which password a PIN is for: PW1 (81/82), the resetting code, or PW3 (83).
enum class PasswordKind { pw1, resettingCode, pw3 };

// Parses the GET DATA F9 answer (the value, or wrapped in F9). Algorithm 00,
// or an empty answer, gives inactive parameters. Another algorithm, or
// KDF_ITERSALTED_S2K with an unknown hash, no PW1 salt, or an iteration count above kMaxKdfIterations
// throw Error(malformedResponse): hashing with a guess would burn PIN tries.
KdfParameters parseKdf(ByteView answer);

// Upper bound on the octets hashed (GnuPG's largest S2K count is 65011712).
inline constexpr std::uint32_t kMaxKdfIterations = 1U << 28;

// The value sent in place of the PIN: the S2K hash (32 or 64 bytes).
SecureBytes kdfHashPin(const KdfParameters& kdf, PasswordKind kind, const SecureBytes& pin);

} // namespace tessera::drivers::openpgp
