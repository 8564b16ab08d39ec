// Helpers for the virtual card's unit tests: a provisioned card state made once
// per process (RSA key generation is the slow part), an APDU sender that
// follows 61xx, and the PIN and management key steps most tests need.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "card_state.hpp"
#include "openssl_util.hpp"
#include "piv_card.hpp"

namespace tessera::vcard::test {

struct Answer {
    Bytes data;
    std::uint16_t sw = 0;
};

// Shared, provisioned once: yubikey profile, or plain.
const CardState& provisionedState(Profile profile = Profile::yubikey);

Bytes apduBytes(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, ByteView data, int le = -1,
                bool extended = false);

class CardTest : public ::testing::Test {
public: // the helpers are used from parameterised tests too
    CardTest() : card(provisionedState()) {}
    explicit CardTest(CardState s) : card(std::move(s)) {}

    // One exchange, no 61xx handling.
    Answer raw(ByteView command);
    Answer raw(const std::string& hex) { return raw(fromHex(hex)); }
    // Sends a command and follows 61xx with GET RESPONSE.
    Answer send(std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, ByteView data = {}, int le = 0);

    Answer verifyPin(const std::string& pin);
    Answer getData(std::uint32_t tag);
    Answer putData(std::uint32_t tag, ByteView content);
    // SP 800-73-4 appendix A.1 mutual authentication with `key` (default: the card's own).
    Answer authenticate(std::uint8_t algorithm, ByteView key);
    Answer authenticateDefault();
    Answer sign(std::uint8_t algorithm, std::uint8_t slot, ByteView input);
    // Content of the certificate in a slot's container (DER).
    Bytes certificate(std::uint8_t slot);

    PivCard card;
};

// The value of a tag directly inside `data` (one level), or fails the test.
Bytes childValue(ByteView data, std::uint32_t tag);

bool verifyEcdsa(const PkeyPtr& pub, ByteView hash, ByteView derSig);
// s^e mod n == m for a raw RSA signature.
Bytes rsaPublicRaw(const PkeyPtr& pub, ByteView sig);

} // namespace tessera::vcard::test
