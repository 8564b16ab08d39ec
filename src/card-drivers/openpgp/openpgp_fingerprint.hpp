// The OpenPGP v4 fingerprint of a card key (RFC 4880 section 12.2: SHA-1 of
// 99 || two-byte length || the public key packet body of section 5.5.2),
// computed from the card's public key template (OpenPGP card spec 3.4.1
// section 7.2.14: 7F49 { 81 n, 82 e } or { 86 point }) and the generation
// time, as GnuPG computes it, so that the fingerprint the host writes to
// C7-C9 after GENERATE is the one GnuPG later matches the card key with.
#pragma once

#include <cstdint>

#include "card-drivers/openpgp/openpgp_data.hpp"
#include "common/bytes.hpp"

namespace tessera::drivers::openpgp {

// The key packet body (version 4, time, algorithm, key material): RSA as
// MPI(n) MPI(e); ECDSA (19) / EdDSA (22) / ECDH (18) as the curve OID
// GnuPG uses and the point as an MPI (04 || X || Y, or 40 || native for
// 25519, RFC 4880bis section 13.3), ECDH followed by the KDF parameters
// GnuPG chooses for the curve (RFC 6637 section 9; GnuPG's ecdh.c table).
// `answer` is the GENERATE / READ PUBLIC KEY answer (7F49 wrapped or not).
// Throws Error(malformedResponse) when the answer lacks the key's parts.
Bytes v4PublicKeyBody(const KeyAttributes& attributes, ByteView answer, std::uint32_t created);

// SHA-1 over 99 || length (2 bytes) || body: 20 bytes.
Bytes v4Fingerprint(const KeyAttributes& attributes, ByteView answer, std::uint32_t created);

} // namespace tessera::drivers::openpgp
