// The PIN rule of design.md, in one place for every driver: a private-key
// operation is one transaction of (re)SELECT -> VERIFY -> operation -> reset
// of the PIN state; a card that cannot reset the PIN state gets the
// transaction ended with a card reset instead, so nobody else ever finds the
// card verified.
#pragma once

#include <functional>

#include "card-drivers/driver.hpp"
#include "common/log.hpp"

namespace tessera::drivers {

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
