// The mapper from the card-level model (drivers::TokenModel) to PKCS#11
// objects: certificate, public key and private key per card key, linked by
// the driver's CKA_ID.
#pragma once

#include <vector>

#include "card-drivers/driver.hpp"
#include "pkcs11/object.hpp"

namespace tessera::pkcs11 {

CK_KEY_TYPE keyTypeFor(drivers::KeyAlgorithm algorithm) noexcept;

// Builds the objects (handles left 0: the caller assigns them).
std::vector<ObjectPtr> buildTokenObjects(const drivers::TokenModel& model);

} // namespace tessera::pkcs11
