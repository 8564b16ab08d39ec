// The data objects of the virtual OpenPGP card as a constexpr table (OpenPGP
// card 3.4 section 4.4.1, tables of DOs for GET DATA and PUT DATA): tag, read
// and write access, maximum length, and whether the DO exists in the 2.1
// profile. GET DATA and PUT DATA walk this table before touching the state.
#pragma once

#include <cstdint>

namespace tessera::vcard {

enum class DoAccess : std::uint8_t {
    always, // no password
    pw1,    // PW1 verified in mode 82
    pw3,    // PW3 verified
    never,  // not possible with this command
};

struct DataObjectInfo {
    std::uint16_t tag;
    DoAccess read;
    DoAccess write;
    std::uint16_t maxLength; // PUT DATA limit (0: fixed size, checked by the writer)
    bool v3Only;
};

inline constexpr DataObjectInfo kOpenPgpDataObjects[] = {
    {0x004F, DoAccess::always, DoAccess::never, 0, false},  // AID
    {0x005E, DoAccess::always, DoAccess::pw3, 255, false},  // login data
    {0x5F50, DoAccess::always, DoAccess::pw3, 255, false},  // URL
    {0x5F52, DoAccess::always, DoAccess::never, 0, false},  // historical bytes
    {0x0065, DoAccess::always, DoAccess::never, 0, false},  // cardholder related data
    {0x005B, DoAccess::always, DoAccess::pw3, 39, false},   // name
    {0x5F2D, DoAccess::always, DoAccess::pw3, 8, false},    // language preference
    {0x5F35, DoAccess::always, DoAccess::pw3, 1, false},    // sex (ISO 5218)
    {0x006E, DoAccess::always, DoAccess::never, 0, false},  // application related data
    {0x0073, DoAccess::always, DoAccess::never, 0, false},  // discretionary data objects
    {0x007A, DoAccess::always, DoAccess::never, 0, false},  // security support template
    {0x0093, DoAccess::always, DoAccess::never, 0, false},  // digital signature counter
    {0x7F21, DoAccess::always, DoAccess::pw3, 2048, false}, // cardholder certificate
    {0x00C0, DoAccess::always, DoAccess::never, 0, false},  // extended capabilities
    {0x00C1, DoAccess::always, DoAccess::pw3, 16, false},   // algorithm attributes signature
    {0x00C2, DoAccess::always, DoAccess::pw3, 16, false},   // algorithm attributes decryption
    {0x00C3, DoAccess::always, DoAccess::pw3, 16, false},   // algorithm attributes authentication
    {0x00C4, DoAccess::always, DoAccess::pw3, 7, false},    // PW status bytes (byte 1 writable)
    {0x00C5, DoAccess::always, DoAccess::never, 0, false},  // fingerprints
    {0x00C6, DoAccess::always, DoAccess::never, 0, false},  // CA fingerprints
    {0x00C7, DoAccess::never, DoAccess::pw3, 0, false},     // fingerprint signature key
    {0x00C8, DoAccess::never, DoAccess::pw3, 0, false},     // fingerprint decryption key
    {0x00C9, DoAccess::never, DoAccess::pw3, 0, false},     // fingerprint authentication key
    {0x00CA, DoAccess::never, DoAccess::pw3, 0, false},     // CA fingerprint 1
    {0x00CB, DoAccess::never, DoAccess::pw3, 0, false},     // CA fingerprint 2
    {0x00CC, DoAccess::never, DoAccess::pw3, 0, false},     // CA fingerprint 3
    {0x00CD, DoAccess::always, DoAccess::never, 0, false},  // generation times
    {0x00CE, DoAccess::never, DoAccess::pw3, 0, false},     // generation time signature key
    {0x00CF, DoAccess::never, DoAccess::pw3, 0, false},     // generation time decryption key
    {0x00D0, DoAccess::never, DoAccess::pw3, 0, false},     // generation time authentication key
    {0x00D3, DoAccess::never, DoAccess::pw3, 127, false},   // resetting code
    {0x0101, DoAccess::always, DoAccess::pw1, 255, false},  // private DO 1
    {0x0102, DoAccess::always, DoAccess::pw3, 255, false},  // private DO 2
    {0x0103, DoAccess::pw1, DoAccess::pw1, 255, false},     // private DO 3
    {0x0104, DoAccess::pw3, DoAccess::pw3, 255, false},     // private DO 4
    {0x00DE, DoAccess::always, DoAccess::never, 0, true},   // key information
    {0x7F66, DoAccess::always, DoAccess::never, 0, true},   // extended length information
    {0x00F9, DoAccess::always, DoAccess::pw3, 110, true},   // KDF-DO
    {0x00FA, DoAccess::always, DoAccess::never, 0, true},   // algorithm information
};

// The table row of a tag, or nullptr.
inline const DataObjectInfo* findDataObject(std::uint16_t tag)
{
    for (const auto& d : kOpenPgpDataObjects)
        if (d.tag == tag) return &d;
    return nullptr;
}

} // namespace tessera::vcard
