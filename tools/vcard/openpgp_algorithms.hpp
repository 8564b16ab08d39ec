// Algorithm attributes of the virtual OpenPGP card (OpenPGP card 3.4 section
// 4.4.3.9): the constexpr table of supported RSA sizes and curves, parsing and
// checking of C1-C3 values per key role, and the OpenPGP v4 fingerprint
// (RFC 4880 section 12.2, RFC 6637 for ECC) GnuPG matches keys by.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/bytes.hpp"
#include "openpgp_state.hpp"
#include "openssl_util.hpp"

namespace tessera::vcard {

// OpenPGP public key algorithm ids (RFC 4880 section 9.1, RFC 6637, EdDSA draft).
namespace pgpalg {
constexpr std::uint8_t rsa = 0x01;
constexpr std::uint8_t ecdh = 0x12;
constexpr std::uint8_t ecdsa = 0x13;
constexpr std::uint8_t eddsa = 0x16;
} // namespace pgpalg

enum class CurveFamily { nist, ed25519, x25519 };

struct CurveInfo {
    std::string_view name;  // CLI name: p256, p384, p521, ed25519, x25519
    std::string_view group; // OpenSSL group or key type name
    CurveFamily family;
    std::array<std::uint8_t, 10> oid; // DER OID content (no tag, no length)
    std::uint8_t oidLength;
    std::uint8_t fieldBytes; // scalar / coordinate size
    std::uint8_t kdfHash;    // RFC 6637 section 9 KDF parameters GnuPG uses
    std::uint8_t kdfCipher;
    ByteView oidBytes() const { return ByteView(oid.data(), oidLength); }
};

inline constexpr CurveInfo kCurves[] = {
    {"p256", "P-256", CurveFamily::nist, {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07}, 8, 32, 0x08, 0x07},
    {"p384", "P-384", CurveFamily::nist, {0x2B, 0x81, 0x04, 0x00, 0x22}, 5, 48, 0x09, 0x09},
    {"p521", "P-521", CurveFamily::nist, {0x2B, 0x81, 0x04, 0x00, 0x23}, 5, 66, 0x0A, 0x09},
    {"ed25519", "ED25519", CurveFamily::ed25519, {0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01}, 9, 32, 0, 0},
    {"x25519",
     "X25519",
     CurveFamily::x25519,
     {0x2B, 0x06, 0x01, 0x04, 0x01, 0x97, 0x55, 0x01, 0x05, 0x01},
     10,
     32,
     0x08,
     0x07},
};

inline constexpr unsigned kRsaSizes[] = {2048, 3072, 4096};

// A parsed C1/C2/C3 value.
struct KeySpec {
    std::uint8_t algorithm = pgpalg::rsa; // RFC 4880 id
    unsigned rsaBits = 0;                 // RSA only
    const CurveInfo* curve = nullptr;     // ECC only
    bool isRsa() const { return algorithm == pgpalg::rsa; }
    // Canonical attribute bytes: RSA `01 nbits(2) 0020 00` (e in 32 bits,
    // standard import format), ECC `id OID`.
    Bytes attributes() const;
    // Size of the raw ECDSA signature half / ECDH secret, or RSA modulus bytes.
    std::size_t sizeBytes() const;
};

// Parses and checks an attribute value for a key role (ECDH only for the
// decryption key; ECDSA and EdDSA only for signature and authentication;
// Ed25519 only with EdDSA, X25519 only with ECDH; RSA e of at most 32 bits,
// any of the four import formats; a trailing 00/FF import byte on ECC).
// `rsaOnly` restricts to RSA (the 2.1 profile). nullopt when not supported.
std::optional<KeySpec> parseKeyAttributes(ByteView attributes, KeyRole role, bool rsaOnly);

// "rsa2048", "p256", "ed25519"... for a role: NIST curves become ECDH on the
// decryption key and ECDSA elsewhere. nullopt for an unknown name or a curve
// that does not fit the role.
std::optional<KeySpec> keySpecFromName(std::string_view name, KeyRole role);

Bytes defaultRsaAttributes();

// Key pair of a spec (OpenSSL: RSA e=65537, EC, ED25519, X25519).
PkeyPtr generateOpenPgpKey(const KeySpec& spec);
// True when `key` is of the kind and size the spec describes.
bool keyMatchesSpec(const PkeyPtr& key, const KeySpec& spec);

// Inner TLVs of the 7F49 public key template (section 7.2.14): RSA `81 n 82 e`,
// NIST `86 04||x||y`, Ed25519/X25519 `86` with the 32 native bytes.
Bytes openPgpPublicKeyTemplate(const PkeyPtr& key, const KeySpec& spec);

// The v4 key packet body and SHA-1 fingerprint for `key` created at `created`.
// ECDH keys carry GnuPG's default KDF parameters for their curve.
Bytes v4PublicKeyBody(const PkeyPtr& key, const KeySpec& spec, std::uint32_t created);
std::array<std::uint8_t, 20> v4Fingerprint(const PkeyPtr& key, const KeySpec& spec, std::uint32_t created);

} // namespace tessera::vcard
