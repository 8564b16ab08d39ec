// The virtual OpenPGP card's state file. Version 1 is line-based text like the
// PIV card's (persistence.hpp), binary values as upper-case hex, "-" for empty:
//
//   tessera-vcard-openpgp-state 1
//   profile v34|v21
//   manufacturer FFFF                      AID bytes 9-10
//   serial 1A2B3C4D                        AID bytes 11-14
//   pw1 <value hex> <tries left> <max tries>      (also pw3, rc; rc "-" = unset)
//   pw1-mode 00|01                         C4 byte 1
//   counter <hex>                          signature counter (93)
//   terminated 0|1                         TERMINATE DF done, no ACTIVATE yet
//   key <1|2|3> <attributes hex> <status hex> <created hex> <fpr hex> <CA fpr hex> <PKCS#8 DER hex|->
//   do <tag hex> <value hex>               5B 5E 5F2D 5F35 5F50 0101-0104 F9
//   cert <occurrence 0-2> <DER hex>        7F21
//   end
//
// Written atomically, mode 0600: it holds private keys and passwords.
#pragma once

#include <string>

#include "openpgp_state.hpp"

namespace tessera::vcard {

std::string serializeOpenPgpState(const OpenPgpState& state);
// Throws std::runtime_error with the line number on any malformed record.
OpenPgpState parseOpenPgpState(const std::string& text);

// True when the file starts (after comments) with the OpenPGP header line.
bool isOpenPgpStateFile(const std::string& path);
OpenPgpState loadOpenPgpState(const std::string& path);
void saveOpenPgpState(const std::string& path, const OpenPgpState& state);

} // namespace tessera::vcard
