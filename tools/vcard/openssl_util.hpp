// The virtual card's crypto, over OpenSSL 3 (EVP_PKEY, EVP_PKEY_CTX, OSSL_PARAM,
// EVP_Cipher only; no deprecated APIs): key generation and import for the PIV
// algorithms of SP 800-78-4 table 6-2/6-3, the raw private-key operations of
// SP 800-73-4 part 2 section 3.2.4, ECB block ciphers for the 9B challenge.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "common/bytes.hpp"

struct evp_pkey_st;

namespace tessera::vcard {

using PkeyPtr = std::shared_ptr<evp_pkey_st>;

// SP 800-78-4 table 6-2 / 6-3 algorithm identifiers (plus YubiKey 5.7 RSA ids).
namespace alg {
constexpr std::uint8_t tdes = 0x03;
constexpr std::uint8_t aes128 = 0x08;
constexpr std::uint8_t aes192 = 0x0A;
constexpr std::uint8_t aes256 = 0x0C;
constexpr std::uint8_t rsa1024 = 0x06;
constexpr std::uint8_t rsa2048 = 0x07;
constexpr std::uint8_t rsa3072 = 0x05;
constexpr std::uint8_t rsa4096 = 0x16;
constexpr std::uint8_t eccP256 = 0x11;
constexpr std::uint8_t eccP384 = 0x14;
} // namespace alg

bool isRsaAlg(std::uint8_t a);
bool isEcAlg(std::uint8_t a);
bool isSymmetricAlg(std::uint8_t a);
// RSA modulus bits, or EC field bits; 0 for unknown.
unsigned algBits(std::uint8_t a);
// Key length in bytes of a symmetric algorithm (0 for unknown), and its block size.
std::size_t symmetricKeyLength(std::uint8_t a);
std::size_t symmetricBlockSize(std::uint8_t a);

// Thrown by the helpers below when OpenSSL fails; the card turns it into a status word.
class CryptoError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

PkeyPtr wrapPkey(evp_pkey_st* raw);
PkeyPtr generateKey(std::uint8_t algorithm);
// The algorithm identifier matching an existing key; 0 when none does.
std::uint8_t algorithmOf(const PkeyPtr& key);

// Inner TLVs of the 7F49 public key template (SP 800-73-4 part 2 table 10):
// RSA `81 n, 82 e`, EC `86 point` (uncompressed).
Bytes publicKeyTemplate(const PkeyPtr& key);

// Raw RSA private-key operation: input must be exactly the modulus length and < n.
Bytes rsaRawPrivate(const PkeyPtr& key, ByteView input);
// ECDSA over the given hash (truncated per FIPS 186-4 by OpenSSL); DER SEQUENCE{r,s}.
Bytes ecdsaSignHash(const PkeyPtr& key, ByteView hash);
// ECDH (cofactor) shared secret: the x coordinate.
Bytes ecdhDerive(const PkeyPtr& key, ByteView peerPoint);
// Generic signature with a digest (for certificates and tests): "SHA256" etc.
Bytes signMessage(const PkeyPtr& key, const char* digest, ByteView message);
bool verifyMessage(const PkeyPtr& key, const char* digest, ByteView message, ByteView sig);

// YubiKey IMPORT KEY inputs: RSA CRT parts (e = 65537), EC private scalar.
PkeyPtr rsaFromCrt(ByteView p, ByteView q, ByteView dp, ByteView dq, ByteView qinv);
PkeyPtr ecFromScalar(std::uint8_t algorithm, ByteView scalar);
// Public key only, for ECDH peers and tests.
PkeyPtr ecPublicFromPoint(std::uint8_t algorithm, ByteView point);

// PKCS#8 PrivateKeyInfo DER, for the state file.
Bytes encodePrivateKey(const PkeyPtr& key);
PkeyPtr decodePrivateKey(ByteView der);

// Single-block ECB with a 3DES or AES key (SP 800-73-4 part 2 appendix A.1 witness/challenge).
Bytes ecbEncrypt(std::uint8_t algorithm, ByteView key, ByteView block);
Bytes ecbDecrypt(std::uint8_t algorithm, ByteView key, ByteView block);

Bytes randomBytes(std::size_t n);

} // namespace tessera::vcard
