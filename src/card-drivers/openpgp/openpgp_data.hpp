// Parsers for the OpenPGP card data objects the driver reads (OpenPGP card
// spec 3.4.1 section 4.4): application related data 6E and its parts, and
// the cardholder name. Input is hostile: all access goes through the BER-TLV
// reader; malformed input throws Error(malformedResponse), never overreads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "card-drivers/driver.hpp"
#include "common/bytes.hpp"

namespace tessera::drivers::openpgp {

// Section 4.2.1: D2 76 00 01 24 01 | version (2) | manufacturer (2) | serial (4) | RFU (2).
struct AidInfo {
    Bytes raw;
    std::uint8_t versionMajor = 0;
    std::uint8_t versionMinor = 0;
    std::uint16_t manufacturer = 0;
    Bytes serial; // 4 bytes
    std::string serialHex() const { return toHex(serial); }
};
AidInfo parseAid(ByteView value);

// Section 6.2 (historical bytes, card capabilities, compact-TLV tag 7, third byte).
struct CardCapabilities {
    bool commandChaining = false;    // b8
    bool extendedLength = false;     // b7: extended Lc and Le
    bool extendedLengthInfo = false; // b6: DO 7F66 present
};
// Category indicator 00 (status indicator in the last 3 bytes) or 80; other
// categories yield no capabilities. Throws on a compact-TLV past the end.
CardCapabilities parseHistoricalBytes(ByteView historical);

// Section 4.4.3 (7F66): 02 02 max command length, 02 02 max response length.
struct ExtendedLengthInfo {
    std::uint16_t maxCommand = 0;
    std::uint16_t maxResponse = 0;
};
ExtendedLengthInfo parseExtendedLengthInfo(ByteView value);

// Section 4.4.3 (C0): first byte flags, bytes 3-4 max GET CHALLENGE length,
// bytes 5-6 max cardholder certificate length.
struct ExtendedCapabilities {
    bool secureMessaging = false;      // b8
    bool getChallenge = false;         // b7
    bool keyImport = false;            // b6
    bool pwStatusChangeable = false;   // b5
    bool privateDos = false;           // b4
    bool attributesChangeable = false; // b3
    bool aes = false;                  // b2
    bool kdf = false;                  // b1 (3.3+): KDF-DO F9 available
    std::uint16_t maxChallenge = 0;
    std::uint16_t maxCertificate = 0;
};
ExtendedCapabilities parseExtendedCapabilities(ByteView value);

// Section 4.4.3 (C1/C2/C3): RSA 01 | n bits | e bits | format; ECDH 12,
// ECDSA 13, EdDSA 16 followed by the curve OID (and an optional format byte).
struct KeyAttributes {
    std::uint8_t algorithmId = 0;
    KeyAlgorithm algorithm = KeyAlgorithm::rsa;
    unsigned bits = 0;
};
// nullopt for attributes the driver model has no algorithm for (brainpool,
// unknown ids, ECDH on an Edwards curve...) and for malformed values.
std::optional<KeyAttributes> parseKeyAttributes(ByteView value);

// Section 4.4.3 (C4): byte 1 PW1 valid for several PSO:CDS (01) or one
// (00); bytes 2-4 max lengths of PW1, RC, PW3; bytes 5-7 retry counters.
struct PwStatus {
    bool pw1ValidForSeveral = false;
    std::uint8_t maxLengthPw1 = 0, maxLengthRc = 0, maxLengthPw3 = 0;
    std::uint8_t triesPw1 = 0, triesRc = 0, triesPw3 = 0;
};
PwStatus parsePwStatus(ByteView value);
// The GET DATA C4 answer: the value itself, or (some cards) wrapped in C4.
PwStatus parsePwStatusAnswer(ByteView answer);

// Section 4.4.3 (DE, 3.3+): per key reference, 00 absent, 01 generated, 02 imported.
enum class KeyStatus : std::uint8_t { unknown, absent, generated, imported };

struct ApplicationData {
    AidInfo aid;
    CardCapabilities capabilities;
    std::optional<ExtendedLengthInfo> extendedLength;
    ExtendedCapabilities extended;
    std::array<std::optional<KeyAttributes>, 3> attributes; // sig, dec, aut
    std::array<Bytes, 3> rawAttributes;                     // C1-C3 as the card gave them
    PwStatus pwStatus;
    std::array<Bytes, 3> fingerprints; // 20 bytes each
    std::array<KeyStatus, 3> keyStatus{KeyStatus::unknown, KeyStatus::unknown, KeyStatus::unknown};

    // A key is there when DE says generated/imported or its fingerprint is set.
    bool keyPresent(std::size_t index) const;
};
// The GET DATA 6E answer: 6E { 4F, 5F52, 7F66, 73 { C0..DE } } (also
// accepted without the outer 6E). 4F, C4 and C5 are mandatory.
ApplicationData parseApplicationData(ByteView answer);

// Section 4.4.3 (5B in 65): "Surname<<Given<Names" in ISO 8859-1; returns
// it as UTF-8 with the "<<" and "<" fillers as spaces, trimmed. "" when absent.
std::string parseCardholderName(ByteView answer);

// The value of a GET DATA answer for `tag`: cards answer either the value or
// the whole TLV; a single TLV with that tag is unwrapped, anything else kept.
ByteView unwrapAnswer(ByteView answer, std::uint32_t tag);

} // namespace tessera::drivers::openpgp
