// The ISO/IEC 7816 data and key commands both card applications write with:
// PUT DATA (ISO 7816-4 section 11.4.6; PIV with INS DB and the tag in the
// data, OpenPGP with INS DA and the tag in P1-P2) and GENERATE ASYMMETRIC
// KEY PAIR (ISO 7816-8 section 5.1, INS 47). A driver adds its encoding of
// the data field.
#pragma once

#include <cstdint>
#include <optional>

#include "apdu/apdu.hpp"
#include "common/bytes.hpp"

namespace tessera::drivers::iso7816 {

inline constexpr std::uint8_t kInsPutDataSimple = 0xDA; // P1-P2: the data object's tag
inline constexpr std::uint8_t kInsPutDataBer = 0xDB;    // P1-P2: a file (3FFF: current DF); tags in the data

// ISO 7816-4 section 11.4.6 PUT DATA; no response data is expected.
apdu::Command putDataCommand(std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, Bytes data);
// ISO 7816-8 section 5.1 GENERATE ASYMMETRIC KEY PAIR; the public key comes
// back in the response, so Le is 256 (the transmitter follows 61xx).
apdu::Command generateKeyPairCommand(std::uint8_t p1, std::uint8_t p2, Bytes data);

} // namespace tessera::drivers::iso7816
