// The mechanism table: every mechanism the module implements, what key type
// it takes, which functions it serves and what the host does in software
// (hashing, padding). The list a token advertises is filtered by the keys on
// its card, so nothing the card cannot do is advertised.
#pragma once

#include <optional>
#include <vector>

#include "card-drivers/driver.hpp"
#include "crypto/crypto.hpp"
#include "pkcs11/pkcs11_api.hpp"

namespace tessera::pkcs11 {

enum class MechFamily { rsaPkcs, rsaX509, rsaPss, rsaOaep, ecdsa, eddsa, ecdh, digest };

struct MechanismSpec {
    CK_MECHANISM_TYPE type;
    MechFamily family;
    std::optional<crypto::HashAlg> hash; // hashed in software before the card operation
    CK_FLAGS flags;                      // CKF_SIGN | CKF_VERIFY | CKF_DECRYPT | ...
};

const MechanismSpec* findMechanism(CK_MECHANISM_TYPE type) noexcept;
bool familyFitsKey(MechFamily family, CK_KEY_TYPE keyType) noexcept;

struct AdvertisedMechanism {
    CK_MECHANISM_TYPE type;
    CK_MECHANISM_INFO info;
};
// Mechanisms usable with the keys in `model` (plus software digests).
std::vector<AdvertisedMechanism> advertisedMechanisms(const drivers::TokenModel& model);

} // namespace tessera::pkcs11
