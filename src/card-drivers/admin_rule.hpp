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

} // namespace tessera::drivers
