// The PIN rule of design.md, in one place for every driver: a private-key
// operation is one transaction of (re)SELECT -> VERIFY -> operation -> reset
// of the PIN state; a card that cannot reset the PIN state gets the
// transaction ended with a card reset instead, so nobody else ever finds the
// card verified.
#pragma once

#include <chrono>
#include <functional>
#include <thread>
#include <utility>

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

// Runs op() inside one transaction after verify() (VERIFY with a given PIN,
// or on the reader's keypad), then resets the PIN state, also when op()
// fails. An operation without a PIN: withVerifiedPin(..., nullptr, op).
template <typename Verify, typename Op>
auto withVerification(apdu::Channel& channel, Card& card, std::uint8_t pinReference, Verify&& verify, Op&& op)
    -> decltype(op())
{
    apdu::Transaction tx(channel);
    card.select();
    bool verified = false;
    std::this_thread::sleep_for(kInFlightDrain);
    try {
        verify();
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

// Runs op() inside one transaction with the PIN verified (when pin != nullptr).
template <typename Op>
auto withVerifiedPin(apdu::Channel& channel, Card& card, std::uint8_t pinReference, const SecureBytes* pin, Op&& op)
    -> decltype(op())
{
    if (pin == nullptr) {
        apdu::Transaction tx(channel);
        card.select();
        auto result = op();
        tx.end(false);
        return result;
    }
    return withVerification(
        channel, card, pinReference, [&] { card.verifyPin(pinReference, *pin); }, std::forward<Op>(op));
}

// The same with the PIN typed on the reader's keypad: the keypad VERIFY sits
// inside the operation's transaction, before the reset, exactly where a
// given PIN's VERIFY would.
template <typename Op>
auto withKeypadPin(apdu::Channel& channel, Card& card, std::uint8_t pinReference, Op&& op) -> decltype(op())
{
    return withVerification(
        channel, card, pinReference, [&] { card.verifyPinOnPad(pinReference); }, std::forward<Op>(op));
}

} // namespace tessera::drivers
