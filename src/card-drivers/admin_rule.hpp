// The PIN rule of design.md applied to the card administrator's credentials
// (PIV management key, PUK): a write is one transaction of SELECT ->
// authenticate -> write, ended with a card reset whatever happened, because a
// PIV card has no command that drops the management key's authenticated
// state (VERIFY P1=FF resets only PINs). Nobody else ever finds the card
// authenticated, and nobody can slip a command in between.
#pragma once

#include <thread>

#include "card-drivers/driver.hpp"
#include "card-drivers/pin_rule.hpp"

namespace tessera::drivers {

template <typename Op> auto withAdministrator(apdu::Channel& channel, Card& card, Op&& op) -> decltype(op())
{
    apdu::Transaction tx(channel);
    card.select();
    std::this_thread::sleep_for(kInFlightDrain); // see pin_rule.hpp: let a command in flight land first
    try {
        auto result = op();
        tx.end(true);
        return result;
    } catch (...) {
        try {
            tx.end(true);
        } catch (...) {
        }
        throw;
    }
}

// PIN and PUK changes (CHANGE REFERENCE DATA, RESET RETRY COUNTER) leave no
// management key authenticated; what they might leave is a verified PIN. They
// end as the PIN rule does: VERIFY P1=FF for `pinReference`, and a card reset
// only when the card cannot do that (a reset also disturbs every other
// application's session on the card).
template <typename Op>
auto withPinChange(apdu::Channel& channel, Card& card, std::uint8_t pinReference, Op&& op) -> decltype(op())
{
    apdu::Transaction tx(channel);
    card.select();
    std::this_thread::sleep_for(kInFlightDrain);
    auto finish = [&] {
        bool reset = false;
        try {
            reset = card.resetPinState(pinReference);
        } catch (...) {
        }
        tx.end(!reset);
    };
    try {
        auto result = op();
        finish();
        return result;
    } catch (...) {
        try {
            finish();
        } catch (...) {
        }
        throw;
    }
}

} // namespace tessera::drivers
