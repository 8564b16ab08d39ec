// Private-key operations of the virtual OpenPGP card over OpenSSL 3 (EVP only):
// PSO:COMPUTE DIGITAL SIGNATURE and INTERNAL AUTHENTICATE (PKCS#1 v1.5 over a
// DigestInfo, raw r||s ECDSA, Ed25519), PSO:DECIPHER (RSA PKCS#1 v1.5, ECDH on
// NIST curves and X25519), and building keys from imported parts (section 4.4.3.12).
#pragma once

#include "common/bytes.hpp"
#include "openpgp_algorithms.hpp"

namespace tessera::vcard {

// OpenPGP card 3.4 section 7.2.10 / 7.2.13: RSA pads the input (a DigestInfo or
// any data up to 40% of the modulus) with PKCS#1 v1.5 type 1; ECDSA signs the
// input as a hash and answers r||s of twice the field size; EdDSA signs the
// input as the message (64 bytes).
Bytes openPgpSign(const PkeyPtr& key, const KeySpec& spec, ByteView input);

// Section 7.2.11: RSA decrypts a PKCS#1 v1.5 cryptogram of the modulus size and
// answers the message; throws CryptoError on a bad padding.
Bytes openPgpRsaDecrypt(const PkeyPtr& key, ByteView cryptogram);
// ECDH: the shared secret (x coordinate, or the X25519 output) with the peer's
// public point (04||x||y, or the 32 native bytes; a 40 prefix is accepted).
Bytes openPgpEcdh(const PkeyPtr& key, const KeySpec& spec, ByteView peerPoint);

// Keys from imported parts. RSA: e, p, q (leading zeros allowed), the rest
// computed; ECC: the private scalar (big-endian; for X25519 the byte-reversed
// native key, as GnuPG stores it; for Ed25519 the 32-byte seed).
PkeyPtr rsaKeyFromParts(ByteView e, ByteView p, ByteView q);
PkeyPtr eccKeyFromScalar(const KeySpec& spec, ByteView scalar);

// The public half as a key (tests, ECDH peers): NIST point or raw 25519 bytes.
PkeyPtr eccPublicKey(const CurveInfo& curve, ByteView point);

} // namespace tessera::vcard
