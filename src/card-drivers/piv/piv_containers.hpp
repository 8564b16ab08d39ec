// Parsers for the PIV data objects the driver reads (SP 800-73-4 part 1
// appendix A): certificate containers (with gzip CertInfo), the key history
// object and the CHUID. Input is the GET DATA answer, hostile by assumption:
// all access goes through the BER-TLV reader; malformed input throws
// Error(malformedResponse) and never reads out of bounds.
#pragma once

#include <cstddef>
#include <optional>

#include "common/bytes.hpp"

namespace tessera::drivers::piv {

// Upper bound on a decompressed certificate; larger output is malformed.
inline constexpr std::size_t kMaxCertificateBytes = 64 * 1024;

// Certificate container 53 { 70 certificate, 71 CertInfo, FE EDC }
// (SP 800-73-4 part 1 appendix A, table 10 and following). Returns the
// certificate bytes, gunzipped when CertInfo bit 0 says so. An empty
// container (53 00, or 70 empty) yields nullopt.
std::optional<Bytes> parseCertificateContainer(ByteView getDataAnswer);

// gzip (or zlib) inflate with a hard output bound; throws Error(malformedResponse).
Bytes gunzipBounded(ByteView compressed, std::size_t maxOutput = kMaxCertificateBytes);

// Key history object 53 { C1 keysWithOnCardCerts, C2 keysWithOffCardCerts, F3 URL, FE }
// (part 1 appendix A, table 19). Returns C1 (0 when absent), capped at 20.
std::size_t parseKeyHistoryOnCardCount(ByteView getDataAnswer);

// CHUID 53 { 30 FASC-N, 34 GUID, ... } (part 1 appendix A, table 9).
struct Chuid {
    Bytes fascn; // 25 bytes when present
    Bytes guid;  // 16 bytes when present
};
Chuid parseChuid(ByteView getDataAnswer);

// The value of the single 53 object that a GET DATA answer must be.
ByteView dataObjectValue(ByteView getDataAnswer);

} // namespace tessera::drivers::piv
