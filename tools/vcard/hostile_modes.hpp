// Hostile modes of tessera-vcard: a virtual card that answers like the normal
// one but corrupts chosen answers, to prove the module rejects hostile card
// data cleanly. The mode is chosen at provisioning (--hostile MODE) and
// recorded as a marker comment in the state file, so `serve --state FILE` needs
// no new option.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::vcard {

enum class HostileMode {
    // PIV: the 9A certificate container (5FC105) or the commands named
    certTruncated,      // the GET DATA answer cut in half (53 claims more than
                        // arrives)
    certLengthOverflow, // 53 length 84 FFFFFFF0: far beyond the buffer
    certOverlong,       // 53 length 16 short of its value: trailing bytes
    certNestedDeep,     // 53 { A1 { A1 { ... 100 levels ... { 70 71 FE } } } }
    certGarbage,        // 70 holds random bytes, not DER
    certHuge,           // a 4 MiB container of valid-looking TLV, in 61xx chunks
    getDataEndless61,   // GET DATA of 5FC105 answers 61 00 forever
    getData6CLoop,      // GET DATA of 5FC105 answers 6Cxx, then 6Cxx again
    rapduShort,         // GET DATA of 5FC105 answers one byte (no status word)
    swSelect,           // SELECT answers 1234
    swGetData,          // every GET DATA answers 9F00
    swVerify,           // every VERIFY answers 6F00
    swAuth,             // GENERAL AUTHENTICATE answers 1234
    vanishMidChain,     // the card process exits at the 2nd GET RESPONSE of 5FC105
    signatureShort,     // GENERAL AUTHENTICATE's 82 loses its last byte
    verifyAcceptsAny,   // VERIFY with a PIN answers 9000 without checking it
    // OpenPGP
    pgpTruncated6E, // GET DATA 6E cut in half
    pgpC4Short,     // C4 (PW status) two bytes long, in 6E/73 and alone
    pgp7F49No81,    // public key template without 81 (RSA) / 86 (ECC)
    pgpHuge7F21,    // a 4 MiB cardholder certificate, in 61xx chunks
    pgpNestedDeep,  // 6E { 4F ... 73 { 73 { ... 100 more levels ... { C0 ... } } }
                    // }
};

std::optional<HostileMode> parseHostileMode(std::string_view name);
std::string hostileModeName(HostileMode mode);
std::vector<std::string> hostileModeNames(bool openPgp);
bool isOpenPgpMode(HostileMode mode);

// The state file's marker line: "# tessera-vcard-hostile MODE".
// readHostileMarker returns the mode of the first such line (nullopt if none;
// throws on an unknown mode); addHostileMarker rewrites the file atomically
// with the line first.
std::optional<HostileMode> readHostileMarker(const std::string& statePath);
void addHostileMarker(const std::string& statePath, HostileMode mode);

} // namespace tessera::vcard
