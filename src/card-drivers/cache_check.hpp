// Helpers for the drivers' checks of the persistent cache (issue 8,
// Card::cachedKeysCurrent): compare the first chunk of a GET DATA answer (at
// most 256 bytes, the rest left unread after 61xx) with a cached certificate.
// Card answers are untrusted: every header is parsed with bounds checks.
#pragma once

#include <cstdint>
#include <optional>

#include "common/bytes.hpp"

namespace tessera::drivers {

// Bytes a certificate prefix must cover before a first chunk counts as a
// match: the DER header, serial number and issuer of any real certificate.
inline constexpr std::size_t kMinComparedCertificateBytes = 128;

// Le of the check's GET DATA: one short answer, the rest not fetched.
inline constexpr std::uint32_t kFirstChunkLe = 256;

// A BER-TLV header at the start of `data` with this tag: its size and the
// value's length. nullopt when the tag differs or the header is malformed
// or truncated (lengths of up to three bytes, ISO 7816-4 section 5.2).
struct TlvHeader {
    std::size_t headerSize = 0;
    std::size_t valueLength = 0;
};
std::optional<TlvHeader> readTlvHeader(ByteView data, std::uint32_t tag);

// Does `value` (the possibly truncated start of the value that holds a DER
// certificate) start with `certificate`? `complete`: the card sent the whole
// answer (9000), so the whole certificate must be there; otherwise at least
// kMinComparedCertificateBytes (or the whole certificate) must compare equal.
// The DER header of the certificate encodes its length, so an equal prefix
// also means an equal length.
bool startsWithCertificate(ByteView value, bool complete, ByteView certificate);

} // namespace tessera::drivers
