// Command and response APDUs (ISO/IEC 7816-4 section 5.1): one value type for
// commands, with short and extended encodings, and the response pair.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/bytes.hpp"
#include "common/sensitive_bytes.hpp"

namespace tessera::apdu {

// Le: none, or the number of bytes expected (0 < le <= 65536; 256 encodes as
// 00 in short form, 65536 as 0000 in extended form).
struct Command {
    std::uint8_t cla = 0x00;
    std::uint8_t ins = 0;
    std::uint8_t p1 = 0;
    std::uint8_t p2 = 0;
    Bytes data;
    std::optional<std::uint32_t> le; // nullopt: no Le field
    bool sensitive = false;          // data carries a secret: the trace prints it redacted
    // 61xx: return the first chunk with its 61xx instead of fetching the rest
    // (the persistent cache's checks compare only the start of an object).
    bool firstChunkOnly = false;

    // A command with only its header set (CLA 00, no data, no Le): the drivers
    // and iso7816 build on it instead of each writing its own.
    static Command header(std::uint8_t ins, std::uint8_t p1, std::uint8_t p2)
    {
        Command c;
        c.ins = ins;
        c.p1 = p1;
        c.p2 = p2;
        return c;
    }

    // Encoded APDU. extended=false requires data.size() <= 255 and le <= 256.
    Bytes encode(bool extended) const;
    // "00 A4 04 00 Lc=9 [A0000003...] Le=256", with data redacted when sensitive.
    std::string describe() const;
};

// Response data lives in SensitiveBytes, whatever the command: a decryption's
// plaintext or an ECDH secret arrives here, and wiping every answer is cheaper
// than trusting each caller to flag the secret ones.
struct Response {
    SensitiveBytes data;
    std::uint16_t sw = 0;
    std::uint8_t sw1() const { return static_cast<std::uint8_t>(sw >> 8); }
    std::uint8_t sw2() const { return static_cast<std::uint8_t>(sw & 0xFF); }
    bool ok() const { return sw == 0x9000; }
};

// Splits a raw R-APDU (data || SW1 SW2); throws Error(malformedResponse) when shorter than 2 bytes.
Response parseResponse(ByteView raw);

} // namespace tessera::apdu
