// A latency model for the benchmark (bench/README.md, issue 8): the virtual card
// answers as fast as the host allows, a USB token does not. With
// TESSERA_VCARD_LATENCY=usb-token the vpcd loop sleeps, before sending each
// answer, for what a YubiKey 5 over CCID would take: a fixed cost per APDU, a
// cost per byte each way, and the time of a private-key operation or a key
// generation. Off by default; it only delays, the answer is never changed.
#pragma once

#include <string>

#include "common/bytes.hpp"

namespace tessera::vcard {

struct LatencyModel {
    bool enabled = false;
    double perApduMs = 0;  // USB/CCID round trip of one command-response pair
    double perByteMs = 0;  // bulk transfer of one byte, either way
    double verifyMs = 0;   // VERIFY (PIN check in the secure element)
    double rsa2048Ms = 0;  // private-key operation, RSA-2048
    double rsaLargeMs = 0; // RSA-3072/4096
    double ecMs = 0;       // P-256/P-384, Ed25519/X25519
    double genRsaMs = 0;   // GENERATE ASYMMETRIC KEY PAIR, RSA
    double genEcMs = 0;    // GENERATE ASYMMETRIC KEY PAIR, EC

    // "usb-token" (YubiKey 5 figures), "none" or empty (off); throws on other names.
    static LatencyModel named(const std::string& name);
    // From TESSERA_VCARD_LATENCY.
    static LatencyModel fromEnvironment();

    // Milliseconds the card would have taken for this command and answer.
    double costMs(ByteView command, ByteView answer) const;
    // Sleeps for costMs (no-op when off).
    void delay(ByteView command, ByteView answer) const;
};

} // namespace tessera::vcard
