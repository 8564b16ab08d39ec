// The PIV card's model as constexpr tables the driver walks: key slots with
// their certificate containers (SP 800-73-4 part 1 section 3.3 and table 4b),
// algorithm identifiers (SP 800-78-4 table 6-2, YubiKey additions), and the
// few data object tags the driver reads. Code never hard-codes a slot.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "card-drivers/driver.hpp"

namespace tessera::drivers::piv {

// SP 800-73-4 part 1 section 2.2: PIV Card Application AID (full form, with version).
inline constexpr std::array<std::uint8_t, 9> kPivAid{0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00};

// SP 800-73-4 part 1 table 3: data object BER-TLV tags read besides the certificates.
inline constexpr std::uint32_t kChuidTag = 0x5FC102;
inline constexpr std::uint32_t kKeyHistoryTag = 0x5FC10C;

// SP 800-73-4 part 1 table 4b / part 2 section 3.2: key references of the PINs.
inline constexpr std::uint8_t kApplicationPin = 0x80;
inline constexpr std::uint8_t kPuk = 0x81;

// What a slot's key may be used for. ykcs11 semantics (decided, see
// docs in piv_card.hpp): every slot signs; RSA keys decrypt; EC keys derive.
struct SlotUsage {
    bool sign = true;
    bool decryptRsa = true;
    bool deriveEc = true;
};

struct KeySlot {
    std::uint8_t reference;     // key reference (9A, 9C, 9D, 9E, 82..95)
    std::uint32_t containerTag; // certificate container BER-TLV tag (5FC1xx)
    std::uint8_t id;            // CKA_ID byte (01-04, 05-18 contiguous, as ykcs11)
    std::string_view keyLabel;  // OpenSC pkcs15-piv.c private key label
    std::string_view certLabel; // OpenSC card-piv.c object name
    PinPolicy defaultPolicy;    // SP 800-73-4 part 1 section 3.3 / YubiKey defaults
    bool retired;
    SlotUsage usage;
};

// clang-format off
inline constexpr std::array<KeySlot, 24> kKeySlots{{
    {0x9A, 0x5FC105, 0x01, "PIV AUTH key", "X.509 Certificate for PIV Authentication", PinPolicy::once, false, {}},
    {0x9C, 0x5FC10A, 0x02, "SIGN key", "X.509 Certificate for Digital Signature", PinPolicy::always, false, {}},
    {0x9D, 0x5FC10B, 0x03, "KEY MAN key", "X.509 Certificate for Key Management", PinPolicy::once, false, {}},
    {0x9E, 0x5FC101, 0x04, "CARD AUTH key", "X.509 Certificate for Card Authentication", PinPolicy::never, false, {}},
    {0x82, 0x5FC10D, 0x05, "Retired KEY MAN 1", "Retired X.509 Certificate for Key Management 1", PinPolicy::once, true, {}},
    {0x83, 0x5FC10E, 0x06, "Retired KEY MAN 2", "Retired X.509 Certificate for Key Management 2", PinPolicy::once, true, {}},
    {0x84, 0x5FC10F, 0x07, "Retired KEY MAN 3", "Retired X.509 Certificate for Key Management 3", PinPolicy::once, true, {}},
    {0x85, 0x5FC110, 0x08, "Retired KEY MAN 4", "Retired X.509 Certificate for Key Management 4", PinPolicy::once, true, {}},
    {0x86, 0x5FC111, 0x09, "Retired KEY MAN 5", "Retired X.509 Certificate for Key Management 5", PinPolicy::once, true, {}},
    {0x87, 0x5FC112, 0x0A, "Retired KEY MAN 6", "Retired X.509 Certificate for Key Management 6", PinPolicy::once, true, {}},
    {0x88, 0x5FC113, 0x0B, "Retired KEY MAN 7", "Retired X.509 Certificate for Key Management 7", PinPolicy::once, true, {}},
    {0x89, 0x5FC114, 0x0C, "Retired KEY MAN 8", "Retired X.509 Certificate for Key Management 8", PinPolicy::once, true, {}},
    {0x8A, 0x5FC115, 0x0D, "Retired KEY MAN 9", "Retired X.509 Certificate for Key Management 9", PinPolicy::once, true, {}},
    {0x8B, 0x5FC116, 0x0E, "Retired KEY MAN 10", "Retired X.509 Certificate for Key Management 10", PinPolicy::once, true, {}},
    {0x8C, 0x5FC117, 0x0F, "Retired KEY MAN 11", "Retired X.509 Certificate for Key Management 11", PinPolicy::once, true, {}},
    {0x8D, 0x5FC118, 0x10, "Retired KEY MAN 12", "Retired X.509 Certificate for Key Management 12", PinPolicy::once, true, {}},
    {0x8E, 0x5FC119, 0x11, "Retired KEY MAN 13", "Retired X.509 Certificate for Key Management 13", PinPolicy::once, true, {}},
    {0x8F, 0x5FC11A, 0x12, "Retired KEY MAN 14", "Retired X.509 Certificate for Key Management 14", PinPolicy::once, true, {}},
    {0x90, 0x5FC11B, 0x13, "Retired KEY MAN 15", "Retired X.509 Certificate for Key Management 15", PinPolicy::once, true, {}},
    {0x91, 0x5FC11C, 0x14, "Retired KEY MAN 16", "Retired X.509 Certificate for Key Management 16", PinPolicy::once, true, {}},
    {0x92, 0x5FC11D, 0x15, "Retired KEY MAN 17", "Retired X.509 Certificate for Key Management 17", PinPolicy::once, true, {}},
    {0x93, 0x5FC11E, 0x16, "Retired KEY MAN 18", "Retired X.509 Certificate for Key Management 18", PinPolicy::once, true, {}},
    {0x94, 0x5FC11F, 0x17, "Retired KEY MAN 19", "Retired X.509 Certificate for Key Management 19", PinPolicy::once, true, {}},
    {0x95, 0x5FC120, 0x18, "Retired KEY MAN 20", "Retired X.509 Certificate for Key Management 20", PinPolicy::once, true, {}},
}};
// clang-format on

inline constexpr std::size_t kPrimarySlotCount = 4; // 9A 9C 9D 9E come first in kKeySlots
inline constexpr std::size_t kRetiredSlotCount = kKeySlots.size() - kPrimarySlotCount;

// SP 800-78-4 table 6-2 (plus YubiKey 5.7: 05 RSA-3072, 16 RSA-4096, E0/E1).
struct AlgorithmInfo {
    std::uint8_t id;
    KeyAlgorithm algorithm;
    unsigned bits;
};

inline constexpr std::array<AlgorithmInfo, 8> kAlgorithms{{
    {0x06, KeyAlgorithm::rsa, 1024},
    {0x07, KeyAlgorithm::rsa, 2048},
    {0x05, KeyAlgorithm::rsa, 3072},
    {0x16, KeyAlgorithm::rsa, 4096},
    {0x11, KeyAlgorithm::ecP256, 256},
    {0x14, KeyAlgorithm::ecP384, 384},
    {0xE0, KeyAlgorithm::ed25519, 255},
    {0xE1, KeyAlgorithm::x25519, 255},
}};

constexpr const KeySlot* findSlot(std::uint8_t reference)
{
    for (const auto& s : kKeySlots)
        if (s.reference == reference) return &s;
    return nullptr;
}

constexpr const AlgorithmInfo* findAlgorithm(std::uint8_t id)
{
    for (const auto& a : kAlgorithms)
        if (a.id == id) return &a;
    return nullptr;
}

// The GENERAL AUTHENTICATE algorithm byte for a key; nullopt when PIV has none.
constexpr std::optional<std::uint8_t> algorithmIdFor(KeyAlgorithm algorithm, unsigned bits)
{
    for (const auto& a : kAlgorithms) {
        if (a.algorithm != algorithm) continue;
        if (algorithm == KeyAlgorithm::rsa && a.bits != bits) continue;
        return a.id;
    }
    return std::nullopt;
}

// Bytes of one ECDSA coordinate / ECDH secret / RSA block for a key.
constexpr std::size_t fieldBytes(KeyAlgorithm algorithm, unsigned bits)
{
    switch (algorithm) {
    case KeyAlgorithm::ecP256: return 32;
    case KeyAlgorithm::ecP384: return 48;
    case KeyAlgorithm::ecP521: return 66;
    case KeyAlgorithm::ed25519:
    case KeyAlgorithm::x25519: return 32;
    case KeyAlgorithm::rsa: return (bits + 7) / 8;
    }
    return 0;
}

} // namespace tessera::drivers::piv
