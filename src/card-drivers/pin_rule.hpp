// The PIN rule of design.md, in one place for every driver: a private-key
// operation is one transaction of (re)SELECT -> VERIFY -> operation -> reset
// of the PIN state; a card that cannot reset the PIN state gets the
// transaction ended with a card reset instead, so nobody else ever finds the
// card verified.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

#include "card-drivers/driver.hpp"
#include "common/log.hpp"

namespace tessera::drivers {

// pcsc-lite 1.9.9's SCardTransmit checks the transaction lock and then
// transmits without holding the lock in between: a command another client had
// already sent when our transaction began can still run inside it (measured:
// at most one per client, typically as soon as the reader is free after our
// first APDU). We therefore start with the harmless SELECT and give such a
// command this long to land while no PIN is verified, before VERIFY.
inline constexpr auto kInFlightDrain = std::chrono::milliseconds(2);

// Runs op() inside one transaction with the PIN verified (when pin != nullptr).
template <typename Op>
auto withVerifiedPin(apdu::Channel& channel, Card& card, std::uint8_t pinReference, const SecureBytes* pin, Op&& op)
    -> decltype(op())
{
    apdu::Transaction tx(channel);
    card.select();
    if (pin == nullptr) {
        auto result = op();
        tx.end(false);
        return result;
    }
    bool verified = false;
    std::this_thread::sleep_for(kInFlightDrain);
    try {
        card.verifyPin(pinReference, *pin);
        verified = true;
        auto result = op();
        bool reset = card.resetPinState(pinReference);
        if (!reset) log::write(log::Level::calls, "card cannot reset PIN state: ending transaction with card reset");
        tx.end(!reset);
        return result;
    } catch (...) {
        if (verified) {
            bool reset = false;
            try {
                reset = card.resetPinState(pinReference);
            } catch (...) {
            }
            try {
                tx.end(!reset);
            } catch (...) {
            }
        }
        throw;
    }
}

} // namespace tessera::drivers
