// OpenSSL as the independent oracle of the API tests: public keys from DER
// certificates, signature verification (PKCS#1 v1.5, PSS, raw ECDSA r||s),
// RSA encryption for decrypt tests and ECDH for derive tests. A module's own
// C_Verify never vouches for its own C_Sign here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <openssl/evp.h>

namespace tessera::apitest::ossl {

using Bytes = std::vector<std::uint8_t>;

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// The subject public key of a DER X.509 certificate (d2i_X509), or null.
Pkey publicKeyFromCertDer(const Bytes& der);
// SHA-2 etc. by OpenSSL digest name ("SHA256").
Bytes digest(const char* mdName, const Bytes& data);
// DigestInfo DER prefix + hash for SHA-256 (PKCS#1 v1.5 over a DigestInfo).
Bytes sha256DigestInfo(const Bytes& data);

// mdName null = the data is already the digest/DigestInfo to check.
bool verifyRsaPkcs1(EVP_PKEY* key, const char* mdName, const Bytes& data, const Bytes& sig);
// Verifies sig over a precomputed hash (mdName names the hash).
bool verifyRsaPssHash(EVP_PKEY* key, const char* mdName, int saltLen, const Bytes& hash, const Bytes& sig);
// Raw r||s over a precomputed hash; converted to DER for OpenSSL.
bool verifyEcdsaRawHash(EVP_PKEY* key, const Bytes& hash, const Bytes& rawSig);

// RSA encryption with PKCS#1 v1.5 (oaepMd null) or OAEP with oaepMd (MGF1 same hash).
Bytes rsaEncrypt(EVP_PKEY* key, const char* oaepMd, const Bytes& plain);

// A fresh P-256 key pair.
Pkey generateP256();
// Uncompressed point 04||X||Y of an EC key.
Bytes ecPublicPoint(EVP_PKEY* key);
// ECDH shared secret (X coordinate) of ours with peer's public key.
Bytes ecdh(EVP_PKEY* ours, EVP_PKEY* peer);

std::string lastError();

} // namespace tessera::apitest::ossl
