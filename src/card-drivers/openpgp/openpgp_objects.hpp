// The OpenPGP card's model as constexpr tables the driver walks (OpenPGP card
// spec 3.4.1): the three key slots with their control reference templates,
// attribute and fingerprint positions and certificate occurrences (sections
// 4.4.1, 4.4.3, 7.2.5), the data object tags read, the curve OIDs of the
// algorithm attributes (section 4.4.3) and the manufacturer ids (4.2.1).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "card-drivers/driver.hpp"

namespace tessera::drivers::openpgp {

// Section 4.2.1: RID D2 76 00 01 24 and application 01; SELECT uses these 6 bytes.
inline constexpr std::array<std::uint8_t, 6> kAidPrefix{0xD2, 0x76, 0x00, 0x01, 0x24, 0x01};
inline constexpr std::size_t kAidLength = 16;

// Section 4.4.1: data objects read by the driver.
inline constexpr std::uint32_t kAidTag = 0x4F;
inline constexpr std::uint32_t kCardholderDataTag = 0x65;
inline constexpr std::uint32_t kNameTag = 0x5B;
inline constexpr std::uint32_t kApplicationDataTag = 0x6E;
inline constexpr std::uint32_t kHistoricalBytesTag = 0x5F52;
inline constexpr std::uint32_t kExtendedLengthInfoTag = 0x7F66;
inline constexpr std::uint32_t kExtendedCapabilitiesTag = 0xC0;
inline constexpr std::uint32_t kPwStatusTag = 0xC4;
inline constexpr std::uint32_t kFingerprintsTag = 0xC5;
inline constexpr std::uint32_t kKeyInformationTag = 0xDE;
inline constexpr std::uint32_t kCardholderCertificateTag = 0x7F21;
inline constexpr std::uint32_t kPublicKeyTag = 0x7F49;
inline constexpr std::uint32_t kKdfTag = 0xF9;

// Section 4.3: PW1 for PSO:CDS (81), PW1 for the other operations (82), PW3 (83).
inline constexpr std::uint8_t kPw1Sign = 0x81;
inline constexpr std::uint8_t kPw1 = 0x82;
inline constexpr std::uint8_t kPw3 = 0x83;
inline constexpr std::size_t kPw1MinLength = 6;
inline constexpr std::size_t kPw3MinLength = 8;
inline constexpr int kDefaultMaxTries = 3;

// The three keys. `occurrence` is the P1 of SELECT DATA for 7F21 (section
// 7.2.5: the certificates are ordered AUT, DEC, SIG, counted from 0); `id`
// follows OpenSC's numbering (01 sig, 02 dec, 03 aut), as do the labels.
struct KeySlot {
    std::uint8_t reference;       // 1 sig, 2 dec, 3 aut
    std::uint8_t crt;             // control reference template: B6, B8, A4 (section 7.2.14)
    std::uint32_t attributesTag;  // C1, C2, C3 (section 4.4.3)
    std::size_t fingerprintIndex; // position in C5 (20 bytes each)
    std::uint8_t occurrence;      // SELECT DATA P1 for its 7F21
    std::uint8_t id;
    std::string_view keyLabel;
    std::string_view certLabel;
    std::uint8_t pinReference; // 81 for PSO:CDS, 82 for DECIPHER / INTERNAL AUTHENTICATE
};

// clang-format off
inline constexpr std::array<KeySlot, 3> kKeySlots{{
    {1, 0xB6, 0xC1, 0, 2, 0x01, "Signature key", "Cardholder certificate (signature)", kPw1Sign},
    {2, 0xB8, 0xC2, 1, 1, 0x02, "Encryption key", "Cardholder certificate (encryption)", kPw1},
    {3, 0xA4, 0xC3, 2, 0, 0x03, "Authentication key", "Cardholder certificate", kPw1},
}};
// clang-format on

inline constexpr std::uint8_t kSignatureKey = 1;
inline constexpr std::uint8_t kDecryptionKey = 2;
inline constexpr std::uint8_t kAuthenticationKey = 3;

constexpr const KeySlot* findSlot(std::uint8_t reference)
{
    for (const auto& s : kKeySlots)
        if (s.reference == reference) return &s;
    return nullptr;
}

// Section 4.4.3: algorithm ids of the attributes' first byte.
inline constexpr std::uint8_t kAlgRsa = 0x01;
inline constexpr std::uint8_t kAlgEcdh = 0x12;
inline constexpr std::uint8_t kAlgEcdsa = 0x13;
inline constexpr std::uint8_t kAlgEddsa = 0x16;

// Section 4.4.3 / RFC 6637, RFC 8410: curve OIDs (DER contents, no tag and
// length) and what the driver model calls them. `algorithmId` is the
// attribute id the curve must come with.
struct CurveInfo {
    std::array<std::uint8_t, 10> oid;
    std::size_t oidLength;
    std::uint8_t algorithmId; // 0 = ECDH or ECDSA (NIST curves)
    KeyAlgorithm algorithm;
    unsigned bits;
    std::span<const std::uint8_t> oidBytes() const { return {oid.data(), oidLength}; }
};

// clang-format off
inline constexpr std::array<CurveInfo, 7> kCurves{{
    {{0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07}, 8, 0, KeyAlgorithm::ecP256, 256},
    {{0x2B, 0x81, 0x04, 0x00, 0x22}, 5, 0, KeyAlgorithm::ecP384, 384},
    {{0x2B, 0x81, 0x04, 0x00, 0x23}, 5, 0, KeyAlgorithm::ecP521, 521},
    {{0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01}, 9, kAlgEddsa, KeyAlgorithm::ed25519, 255},
    {{0x2B, 0x65, 0x70}, 3, kAlgEddsa, KeyAlgorithm::ed25519, 255},
    {{0x2B, 0x06, 0x01, 0x04, 0x01, 0x97, 0x55, 0x01, 0x05, 0x01}, 10, kAlgEcdh, KeyAlgorithm::x25519, 255},
    {{0x2B, 0x65, 0x6E}, 3, kAlgEcdh, KeyAlgorithm::x25519, 255},
}};
// clang-format on

// Section 4.2.1: manufacturer ids in the AID (the registry kept by the
// specification's author; the names as GnuPG prints them).
struct Manufacturer {
    std::uint16_t id;
    std::string_view name;
};

// clang-format off
inline constexpr std::array<Manufacturer, 21> kManufacturers{{
    {0x0001, "PPC Card Systems"}, {0x0002, "Prism"}, {0x0003, "OpenFortress"},
    {0x0004, "Wewid"}, {0x0005, "ZeitControl"}, {0x0006, "Yubico"},
    {0x0007, "OpenKMS"}, {0x0008, "LogoEmail"}, {0x0009, "Fidesmo"},
    {0x000A, "VivoKey"}, {0x000B, "Feitian Technologies"}, {0x000D, "Dangerous Things"},
    {0x000E, "Excelsecu"}, {0x000F, "Nitrokey"}, {0x002A, "Magrathea"},
    {0x0042, "GnuPG e.V."}, {0x1337, "Warsaw Hackerspace"}, {0x63AF, "Trustica"},
    {0xF1D0, "CanoKeys"}, {0xF517, "FSIJ"}, {0xFFFF, "Test card"},
}};
// clang-format on

inline constexpr std::uint16_t kManufacturerYubico = 0x0006;

constexpr std::string_view manufacturerName(std::uint16_t id)
{
    for (const auto& m : kManufacturers)
        if (m.id == id) return m.name;
    return "OpenPGP";
}

// Bytes of one ECDSA/EdDSA coordinate, ECDH secret or RSA block for a key.
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

} // namespace tessera::drivers::openpgp
