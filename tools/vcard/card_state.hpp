// The virtual PIV card's persistent state (what survives power-off and is written
// to the state file) and the defaults of a fresh card. The volatile security
// state (SP 800-73-4 part 2 section 2: PIN verified, 9B authenticated) lives in
// PivCard, not here.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "common/bytes.hpp"
#include "openssl_util.hpp"

namespace tessera::vcard {

enum class Profile { yubikey, plain };

Profile parseProfile(const std::string& name); // throws std::invalid_argument
const char* profileName(Profile p);

// YubiKey PIN policy (GENERATE tag AA, metadata tag 02 byte 1) and touch policy (AB).
namespace policy {
constexpr std::uint8_t pinDefault = 0x00;
constexpr std::uint8_t pinNever = 0x01;
constexpr std::uint8_t pinOnce = 0x02;
constexpr std::uint8_t pinAlways = 0x03;
constexpr std::uint8_t touchDefault = 0x00;
constexpr std::uint8_t touchNever = 0x01;
constexpr std::uint8_t touchAlways = 0x02;
constexpr std::uint8_t touchCached = 0x03;
} // namespace policy

// Key origin (metadata tag 03).
constexpr std::uint8_t kOriginGenerated = 0x01;
constexpr std::uint8_t kOriginImported = 0x02;

// Key references, SP 800-73-4 part 1 table 4b.
namespace keyref {
constexpr std::uint8_t pin = 0x80;
constexpr std::uint8_t puk = 0x81;
constexpr std::uint8_t globalPin = 0x00;
constexpr std::uint8_t authentication = 0x9A;
constexpr std::uint8_t management = 0x9B;
constexpr std::uint8_t signature = 0x9C;
constexpr std::uint8_t keyManagement = 0x9D;
constexpr std::uint8_t cardAuth = 0x9E;
constexpr std::uint8_t retiredFirst = 0x82;
constexpr std::uint8_t retiredLast = 0x95;
constexpr std::uint8_t attestation = 0xF9; // YubiKey attestation key
} // namespace keyref

// Asymmetric key slots a host may generate or import into.
bool isAsymmetricSlot(std::uint8_t ref);
// SP 800-73-4 part 1 section 3.2 defaults (YubiKey: 9C always, 9E never, others once).
std::uint8_t defaultPinPolicy(std::uint8_t ref);

struct PinState {
    Bytes value; // 8 bytes, padded with 0xFF
    std::uint8_t triesLeft = 3;
    std::uint8_t maxTries = 3;
    bool isDefault = true;
    bool blocked() const { return triesLeft == 0; }
};

struct MgmtKeyState {
    std::uint8_t algorithm = alg::tdes;
    Bytes key;
    std::uint8_t touchPolicy = policy::touchNever;
    bool isDefault = true;
};

struct KeySlot {
    std::uint8_t algorithm = 0;
    std::uint8_t pinPolicy = policy::pinOnce;
    std::uint8_t touchPolicy = policy::touchNever;
    std::uint8_t origin = kOriginGenerated;
    PkeyPtr key;
};

struct CardState {
    Profile profile = Profile::yubikey;
    std::array<std::uint8_t, 3> version{5, 4, 3};
    std::uint32_t serial = 0;
    PinState pin;
    PinState puk;
    MgmtKeyState mgmt;
    std::map<std::uint8_t, KeySlot> keys;   // by key reference, includes F9
    std::map<std::uint32_t, Bytes> objects; // by container tag: content inside 53 (or 7E)
};

constexpr const char* kDefaultPin = "123456";
constexpr const char* kDefaultPuk = "12345678";
constexpr const char* kDefaultMgmtKeyHex = "010203040506070801020304050607080102030405060708";

// Pads an ASCII PIN to 8 bytes with 0xFF (SP 800-73-4 part 2 section 2.4.3).
Bytes padPin(const std::string& pin);

// A fresh card: default PIN/PUK/management key (3DES, or `mgmtAlg`), no keys, no objects.
CardState defaultCardState(Profile profile, std::uint8_t mgmtAlg = alg::tdes);

// ATR announced to vpcd: YubiKey 5 NFC for the yubikey profile, a generic T=1 one for plain.
Bytes atrFor(Profile profile);

} // namespace tessera::vcard
