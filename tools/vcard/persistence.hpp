// The virtual card's state file. Version 1 is line-based text, one record a line,
// fields separated by one space, binary values as upper-case hex:
//
//   tessera-vcard-state 1
//   profile yubikey|plain
//   version 050403                       firmware reported by GET VERSION
//   serial 1A2B3C4D                      GET SERIAL, hex
//   pin <8-byte padded hex> <tries left> <max tries> <is default 0|1>
//   puk <8-byte padded hex> <tries left> <max tries> <is default 0|1>
//   mgmt <alg hex> <key hex> <touch policy hex> <is default 0|1>
//   key <ref hex> <alg hex> <pin policy hex> <touch policy hex> <origin hex> <PKCS#8 DER hex>
//   object <tag hex> <content hex>        content inside 53 (or 7E / 7F61)
//   end
//
// Lines starting with '#' are comments. A file without the final "end" is
// rejected (a torn write). Writes are atomic: a temporary file in the same
// directory, fsync, rename. The file holds private keys: it is created 0600.
#pragma once

#include <string>

#include "card_state.hpp"

namespace tessera::vcard {

std::string serializeState(const CardState& state);
// Throws std::runtime_error with the line number on any malformed record.
CardState parseState(const std::string& text);

CardState loadState(const std::string& path);
void saveState(const std::string& path, const CardState& state);

// The atomic replace above (temporary file, fsync, rename; mode 0600), shared
// with the OpenPGP card's state file (openpgp_persistence.hpp).
void writeFileAtomically(const std::string& path, const std::string& text);

} // namespace tessera::vcard
