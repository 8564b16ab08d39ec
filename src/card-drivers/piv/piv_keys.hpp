// Public-key facts for the PIV key model, through tessera_crypto: the key
// behind an X.509 certificate (only its SubjectPublicKeyInfo, algorithm and
// size are taken) and the key in a YubiKey metadata answer (tag 04). (The
// card's DER ECDSA signatures become raw r || s with crypto::ecdsaDerToRaw.)
#pragma once

#include <cstdint>
#include <optional>

#include "card-drivers/driver.hpp"
#include "common/bytes.hpp"

namespace tessera::drivers::piv {

struct PublicKeyInfo {
    KeyAlgorithm algorithm = KeyAlgorithm::rsa;
    unsigned bits = 0;
    Bytes spki;        // DER SubjectPublicKeyInfo
    Bytes certificate; // exact DER of the certificate (empty for metadata keys)
};

// Parses a DER certificate (trailing bytes after the certificate are
// dropped). nullopt when it is not a certificate or its key is of an
// algorithm PIV cannot use.
std::optional<PublicKeyInfo> keyFromCertificate(ByteView der);

// Builds the SPKI from a YubiKey metadata public key (04 value: 81 modulus,
// 82 exponent for RSA; 86 point for EC, raw 32 bytes for Ed25519/X25519)
// for the given PIV algorithm id. Throws Error(malformedResponse).
PublicKeyInfo keyFromMetadata(std::uint8_t algorithmId, ByteView publicKeyTemplate);

} // namespace tessera::drivers::piv
