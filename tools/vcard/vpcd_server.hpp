// The transport between the virtual card and vsmartcard's vpcd reader driver:
// the card connects to vpcd over TCP (retrying every 100 ms, and again after
// the connection drops), speaks vpcd's framing (2-byte big-endian length +
// payload; 1-byte payloads are power off/on, reset and get-ATR), persists the
// state after each change, and exits cleanly on SIGTERM/SIGINT.
#pragma once

#include <cstdint>
#include <string>

#include "common/bytes.hpp"
#include "latency.hpp"

namespace tessera::vcard {

class PivCard;

// What the vpcd loop needs from a card application (PIV or OpenPGP): its ATR,
// power events, APDUs, and saving its state after a change.
class VirtualCard {
public:
    virtual ~VirtualCard() = default;
    virtual Bytes atr() const = 0;
    virtual void powerOn() = 0;
    virtual void powerOff() = 0;
    virtual void reset() = 0;
    // One C-APDU in, one R-APDU out; never throws.
    virtual Bytes transmit(ByteView command) = 0;
    // True once after each change of the persistent state.
    virtual bool takeDirty() = 0;
    virtual void save(const std::string& path) const = 0;
    // The trace log prints such commands redacted (PINs, keys).
    virtual bool carriesSecret(ByteView command) const = 0;
};

struct ServeOptions {
    std::string statePath;
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    bool trace = false;   // APDU trace on stderr (secrets redacted)
    LatencyModel latency; // sleeps like a USB token before each answer (off by default)
};

// Runs until SIGTERM/SIGINT; returns the process exit status. serve() loads a
// PIV card from options.statePath; serveCard() serves any loaded card.
int serve(const ServeOptions& options);
int serveCard(const ServeOptions& options, VirtualCard& card);

// vpcd control bytes (vsmartcard vpcd.h).
namespace vpcd {
constexpr std::uint8_t powerOff = 0x00;
constexpr std::uint8_t powerOn = 0x01;
constexpr std::uint8_t reset = 0x02;
constexpr std::uint8_t getAtr = 0x04;
} // namespace vpcd

// One vpcd payload in, the payload to send back (empty: send nothing). Exposed for tests.
Bytes handleVpcdPayload(VirtualCard& card, ByteView payload);
Bytes handleVpcdPayload(PivCard& card, ByteView payload);

} // namespace tessera::vcard
