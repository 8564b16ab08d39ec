// Public keys of the OpenPGP card keys, through tessera_crypto: the SubjectPublicKeyInfo
// built from the GET PUBLIC KEY answer (OpenPGP card spec 3.4.1 section
// 7.2.14: 7F49 { 81 modulus, 82 exponent } or { 86 point }) and the key's
// algorithm attributes, and the cardholder certificate (7F21) checked
// against it. Nothing here trusts or validates a certificate.
#pragma once

#include <optional>

#include "card-drivers/openpgp/openpgp_data.hpp"
#include "common/bytes.hpp"

namespace tessera::drivers::openpgp {

struct PublicKey {
    Bytes spki;        // DER SubjectPublicKeyInfo
    unsigned bits = 0; // RSA modulus bits (from the key itself) or the curve size
};

// Throws Error(malformedResponse) when the answer lacks the parts of its
// algorithm (81/82 for RSA, 86 for EC) or the crypto layer rejects them (a point not
// on the curve, a modulus of an unusable size).
PublicKey publicKeyFromCard(const KeyAttributes& attributes, ByteView answer);

// The certificate in a GET DATA 7F21 answer (the DER itself, or wrapped in
// 7F21), exactly as long as its DER says; nullopt when empty or not an
// X.509 certificate.
std::optional<Bytes> certificateFromAnswer(ByteView answer);

// Whether the certificate's public key is `spki` (a stale certificate left
// after a new key was generated must not be paired with the new key).
bool certificateMatchesKey(ByteView certificate, ByteView spki);

} // namespace tessera::drivers::openpgp
