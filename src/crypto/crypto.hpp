// Host-side cryptography of the module, over OpenSSL 3 EVP, for the card
// drivers and the PKCS#11 layer alike: hashes and DigestInfo, the RSA padding a
// card that only does the raw RSA operation needs (PIV), public keys built from
// what a card returns, public-key verify/encrypt in software, ECDSA signature
// encodings and X.509 certificate fields. Card- and API-neutral: no pkcs11.h,
// no card types. Every OpenSSL call goes through the module's own library
// context (library_context.cpp), never the host's default context.
#pragma once

#include "common/bytes.hpp"
#include "common/sensitive_bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace tessera::crypto {

// ---- Hashes (FIPS 180-4) ---------------------------------------------------

enum class HashAlg { sha1, sha224, sha256, sha384, sha512 };

std::size_t hashLength(HashAlg alg) noexcept;
const char* hashName(HashAlg alg) noexcept; // "SHA256" ...
Bytes digest(HashAlg alg, ByteView data);

// Incremental hash for C_DigestUpdate / C_SignUpdate with a hashing mechanism.
class Hasher {
public:
    explicit Hasher(HashAlg alg);
    ~Hasher();
    Hasher(Hasher&& other) noexcept;
    Hasher& operator=(Hasher&& other) noexcept;
    Hasher(const Hasher&) = delete;
    Hasher& operator=(const Hasher&) = delete;

    HashAlg alg() const noexcept { return alg_; }
    void update(ByteView data);
    Bytes finish(); // the Hasher is spent afterwards; update/finish throw Errc::general
    // finish() into a caller's buffer of exactly hashLength(alg()) bytes (else
    // bufferTooSmall), for digests that are secrets (a KDF'd PIN) and must not
    // pass through an unwiped Bytes.
    void finishInto(std::span<std::uint8_t> out);

private:
    struct Ctx;
    HashAlg alg_;
    std::unique_ptr<Ctx> ctx_;
};

// DER DigestInfo = prefix || hash, RFC 8017 9.2 note 1. Throws dataLenRange
// when hash.size() != hashLength(alg).
Bytes digestInfo(HashAlg alg, ByteView hash);
// The hash algorithm whose canonical DigestInfo `data` is (prefix and length
// match exactly), else nullopt.
std::optional<HashAlg> hashFromDigestInfo(ByteView data);

// ---- Block ciphers for card authentication (SP 800-78-4 table 6-1) -------

enum class BlockCipher { tdes, aes128, aes192, aes256 };

std::size_t blockCipherKeyLength(BlockCipher cipher) noexcept; // 24, 16, 24, 32
std::size_t blockCipherBlockSize(BlockCipher cipher) noexcept; // 8 (3DES) or 16
// One block in ECB mode without padding (a PIV witness or challenge). Throws
// argumentsBad for a wrong key length, dataLenRange unless exactly one block.
Bytes ecbEncryptBlock(BlockCipher cipher, ByteView key, ByteView block);
Bytes ecbDecryptBlock(BlockCipher cipher, ByteView key, ByteView block);

// ---- Random ----------------------------------------------------------------

Bytes randomBytes(std::size_t n); // RAND_bytes_ex; throws Errc::general on failure

// ---- RSA padding for cards doing the raw RSA operation (RFC 8017) ---------
// Every block returned here has exactly the modulus length k = ceil(bits/8),
// ready for the card's RSA private operation.

struct PssParams {
    HashAlg hash = HashAlg::sha256; // hashes M' (and is the mHash algorithm)
    HashAlg mgf1 = HashAlg::sha256; // MGF1 hash
    std::size_t saltLen = 32;
};

struct OaepParams {
    HashAlg hash = HashAlg::sha1;
    HashAlg mgf1 = HashAlg::sha1;
    Bytes label;
};

// EMSA-PKCS1-v1_5 (RFC 8017 9.2 steps 4-5): 00 01 FF..FF 00 T, at least 8 FF.
// `t` is a DigestInfo (CKM_SHA*_RSA_PKCS) or caller data (CKM_RSA_PKCS).
// Throws dataLenRange when t.size() > k - 11.
Bytes pkcs1v15SignBlock(ByteView t, std::size_t modulusBytes);
// EMSA-PSS-ENCODE (RFC 8017 9.1.1) with emBits = modulusBits - 1 and a random
// salt, left-padded with 00 to k bytes. Throws dataLenRange when mHash is not
// hashLength(params.hash) bytes, argumentsBad when the salt does not fit.
Bytes pssBlock(ByteView mHash, const PssParams& params, std::size_t modulusBits);
// CKM_RSA_X_509 (PKCS#11 3.0 mechanisms 2.1.10): data left-padded with zeros.
// Throws dataLenRange when data.size() > k. (data < modulus is the card's check.)
Bytes x509Block(ByteView data, std::size_t modulusBytes);

// Decoding of the raw RSA result a card returns. A block shorter than k is
// taken as an integer and left-padded with zeros; longer is dataInvalid.
// Every padding failure is one indistinct Error(dataInvalid), found with
// constant-time scans (the caller maps it to CKR_ENCRYPTED_DATA_INVALID).
// RSAES-PKCS1-v1_5 decoding (RFC 8017 7.2.2 step 3).
SensitiveBytes pkcs1v15DecryptUnpad(ByteView block, std::size_t modulusBytes);
// RSAES-OAEP decoding (RFC 8017 7.1.2 step 3).
SensitiveBytes oaepUnpad(ByteView block, std::size_t modulusBytes, const OaepParams& params);

// MGF1 (RFC 8017 B.2.1); exposed for tests.
Bytes mgf1(HashAlg alg, ByteView seed, std::size_t length);

// ---- ECDSA signature encodings ---------------------------------------------

// DER SEQUENCE{r INTEGER, s INTEGER} (what PIV and OpenSSL produce) to the raw
// r||s of 2*fieldBytes that PKCS#11 3.0 mechanisms 2.3.1 defines. Strict DER
// only (re-encoding must give the same bytes); r, s must be positive and fit
// fieldBytes. Throws dataInvalid otherwise.
Bytes ecdsaDerToRaw(ByteView der, std::size_t fieldBytes);
// Raw r||s (even, non-zero length) to DER. Throws dataInvalid/dataLenRange.
Bytes ecdsaRawToDer(ByteView raw);

// ---- EC points --------------------------------------------------------------

// DER OCTET STRING (tag 04, definite length) around `content`.
Bytes wrapOctetString(ByteView content);
// ECDH public data / CKA_EC_POINT may be the raw point or a DER OCTET STRING
// around it (PKCS#11 3.0 mechanisms 2.3.13 allows both). Returns the raw point;
// `pointLength` (2*field+1 for an uncompressed Weierstrass point, 32 for
// X25519) decides which form it is. Throws dataInvalid when neither fits.
Bytes normalizeEcPoint(ByteView input, std::size_t pointLength);

// ---- Public keys (software side: C_Verify, C_Encrypt, object attributes) ----

enum class KeyKind { rsa, ec, ed25519, x25519 };

// The named Weierstrass curves the cards use (SP 800-78-4 table 6-2; OpenPGP
// card 3.4 algorithm attributes).
enum class Curve { p256, p384, p521 };

enum class SignKind {
    rsaPkcs1v15, // EMSA-PKCS1-v1_5; without dataHash data is the DigestInfo / T
    rsaX509,     // raw public operation, compared with data left-padded to k
    rsaPss,      // EMSA-PSS with `pss`; without dataHash data is mHash
    ecdsa,       // raw r||s; without dataHash data is the hash (any length)
    eddsa,       // Ed25519 (PureEdDSA) over data; dataHash must be empty
};

struct SignatureScheme {
    SignKind kind = SignKind::rsaPkcs1v15;
    // Hash the data in software first (CKM_SHA256_RSA_PKCS, CKM_ECDSA_SHA256...).
    std::optional<HashAlg> dataHash;
    PssParams pss; // rsaPss only; pss.hash must equal dataHash when that is set
};

enum class EncryptKind { rsaPkcs1v15, rsaOaep, rsaX509 };

struct EncryptScheme {
    EncryptKind kind = EncryptKind::rsaPkcs1v15;
    OaepParams oaep; // rsaOaep only
};

class PublicKey {
public:
    // SubjectPublicKeyInfo DER (RFC 5280 4.1.2.7). Throws dataInvalid on
    // garbage, trailing bytes, or an algorithm other than RSA/EC/Ed25519/X25519.
    static PublicKey fromSpki(ByteView der);
    // From what a card returns for a generated key (PIV 7F49 81/82, OpenPGP 7F49).
    // Throws dataInvalid unless n is odd and >= 512 bits and e is odd and > 1.
    static PublicKey fromRsa(ByteView modulus, ByteView exponent);
    // curveOidDer: DER OID as in CKA_EC_PARAMS (P-256/384/521, Ed25519, X25519);
    // point: uncompressed 04||X||Y, or the raw 32 bytes for Ed25519/X25519.
    static PublicKey fromEcPoint(ByteView curveOidDer, ByteView point);
    // point: uncompressed 04||X||Y on `curve`; points off the curve are dataInvalid.
    static PublicKey fromEcPoint(Curve curve, ByteView point);
    // kind ed25519 or x25519: the raw 32-byte public key (RFC 8410). Other
    // kinds are argumentsBad, a bad key dataInvalid.
    static PublicKey fromRaw(KeyKind kind, ByteView raw);
    // The key of exactly one DER certificate. Throws dataInvalid when `der` is
    // not one, or its key is not RSA/EC/Ed25519/X25519.
    static PublicKey fromCertificate(ByteView der);

    ~PublicKey();
    PublicKey(PublicKey&& other) noexcept;
    PublicKey& operator=(PublicKey&& other) noexcept;
    PublicKey(const PublicKey& other);
    PublicKey& operator=(const PublicKey& other);

    KeyKind kind() const noexcept { return kind_; }
    unsigned bits() const;               // modulus bits (RSA) or curve size
    std::optional<Curve> curve() const;  // EC keys on a Curve; nullopt otherwise
    std::size_t fieldBytes() const;      // EC field / Ed25519/X25519 key size; RSA: k
    std::size_t signatureLength() const; // k, 2*field, or 64 (Ed25519)
    Bytes spkiDer() const;
    Bytes rsaModulus() const;          // big-endian, no leading zeros
    Bytes rsaExponent() const;         // big-endian, no leading zeros
    Bytes ecParamsDer() const;         // DER OID of the curve (CKA_EC_PARAMS)
    Bytes ecPointUncompressed() const; // 04||X||Y; raw 32 bytes for Ed/X25519

    // True when `signature` is valid. Wrong signature length is false; a data
    // length the scheme cannot take (mHash size, pss.hash != dataHash, kind
    // not matching the key) throws dataLenRange / argumentsBad.
    bool verify(const SignatureScheme& scheme, ByteView data, ByteView signature) const;
    // RSA only. Throws dataLenRange when data is too long for the padding,
    // dataInvalid for an X.509 block not below the modulus.
    Bytes encrypt(const EncryptScheme& scheme, ByteView data) const;

    struct Impl; // EVP_PKEY holder, defined in public_key.cpp
private:
    explicit PublicKey(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
    KeyKind kind_;
};

// ---- X.509 certificates (RFC 5280) ------------------------------------------

struct CertificateInfo {
    Bytes subjectDer;        // Name DER (CKA_SUBJECT)
    Bytes issuerDer;         // Name DER (CKA_ISSUER)
    Bytes serialDer;         // INTEGER DER with tag and length (CKA_SERIAL_NUMBER)
    Bytes spkiDer;           // SubjectPublicKeyInfo DER (CKA_PUBLIC_KEY_INFO)
    std::string subjectText; // one line, RFC 2253 order, for labels and logs
    std::string commonName;  // first CN of the subject, empty if none
    std::string notBefore;   // YYYYMMDD (CKA_START_DATE, CK_DATE)
    std::string notAfter;    // YYYYMMDD (CKA_END_DATE)
};

// Throws dataInvalid on anything but exactly one DER certificate.
CertificateInfo parseCertificate(ByteView der);

// The exact DER of the certificate `data` starts with; bytes after it are
// ignored (cards pad their containers). nullopt when `data` does not start with
// a DER certificate. Nothing here validates or trusts the certificate.
std::optional<Bytes> leadingCertificate(ByteView data);

} // namespace tessera::crypto
