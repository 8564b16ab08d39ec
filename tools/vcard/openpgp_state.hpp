// Persistent state of the virtual OpenPGP card (OpenPGP card application 3.4.1,
// and a 2.1 profile): passwords with retry counters, the three key slots with
// their algorithm attributes, fingerprints and times, the cardholder and private
// DOs, the signature counter and the life cycle. Volatile security status lives
// in OpenPgpCard, not here.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/bytes.hpp"
#include "openssl_util.hpp"

namespace tessera::vcard {

// v34: card 3.4 with extended length, KDF-DO, key information, VERIFY reset.
// v21: card 2.1, RSA only, short APDUs with chaining and 61xx, no VERIFY reset.
enum class OpenPgpProfile { v34, v21 };

const char* openPgpProfileName(OpenPgpProfile p);

// The three keys (section 4.4.1: C1-C3, C7-C9, CE-D0 follow this order).
enum class KeyRole : std::uint8_t { sig = 0, dec = 1, aut = 2 };
constexpr std::size_t kKeyRoles = 3;

// Key status in the key information DO DE (section 4.4.3.8).
namespace keystatus {
constexpr std::uint8_t absent = 0x00;
constexpr std::uint8_t generated = 0x01;
constexpr std::uint8_t imported = 0x02;
} // namespace keystatus

struct OpenPgpPassword {
    Bytes value; // empty for an unset resetting code
    std::uint8_t triesLeft = 3;
    std::uint8_t maxTries = 3;
    bool blocked() const { return triesLeft == 0; }
};

struct OpenPgpKeySlot {
    Bytes attributes; // C1/C2/C3 content, kept byte for byte as written
    PkeyPtr key;      // null when no key
    std::uint8_t status = keystatus::absent;
    std::uint32_t created = 0; // CE-D0, seconds since 1970
    std::array<std::uint8_t, 20> fingerprint{};
    std::array<std::uint8_t, 20> caFingerprint{};
};

struct OpenPgpState {
    OpenPgpProfile profile = OpenPgpProfile::v34;
    std::uint16_t manufacturer = 0xFFFF; // "test card" (section 4.2.1)
    std::uint32_t serial = 0;
    OpenPgpPassword pw1;
    OpenPgpPassword rc; // resetting code
    OpenPgpPassword pw3;
    std::uint8_t pw1Mode = 0x00; // C4 byte 1: 00 = PW1 valid for one PSO:CDS only
    std::array<OpenPgpKeySlot, kKeyRoles> keys;
    Bytes name, language, sex, url, login;
    std::array<Bytes, 4> privateDos;    // 0101-0104
    std::array<Bytes, 3> certificates;  // 7F21 occurrences 0 (aut), 1 (dec), 2 (sig)
    Bytes kdf;                          // F9 content; empty = the default "81 01 00"
    std::uint32_t signatureCounter = 0; // 93, three bytes
    bool terminated = false;            // after TERMINATE DF, until ACTIVATE FILE
};

constexpr const char* kOpenPgpDefaultPw1 = "123456";
constexpr const char* kOpenPgpDefaultPw3 = "12345678";

bool isV3(const OpenPgpState& s);
OpenPgpKeySlot& slot(OpenPgpState& s, KeyRole role);
const OpenPgpKeySlot& slot(const OpenPgpState& s, KeyRole role);

// Factory state (section 4.3.3 defaults): default passwords, no resetting code,
// no keys, RSA-2048 attributes in every slot, PW1 valid for one signature.
// Keeps `serial` (the AID does not change at a factory reset).
OpenPgpState defaultOpenPgpState(OpenPgpProfile profile, std::uint32_t serial);

// Full AID (section 4.2.1): D2 76 00 01 24 01 | version | manufacturer | serial | 00 00.
Bytes openPgpAid(const OpenPgpState& s);
// Historical bytes as DO 5F52 (section 6): category 00, card service data, card
// capabilities (extended Lc/Le for v34, command chaining for v21), life cycle
// status 05 (operational), 9000.
Bytes openPgpHistoricalBytes(OpenPgpProfile profile);
// ATR: a ZeitControl OpenPGP 3.x card's for v34, the same frame with the v21
// historical bytes for v21 (TCK recomputed).
Bytes openPgpAtr(OpenPgpProfile profile);

} // namespace tessera::vcard
