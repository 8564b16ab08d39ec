// Helpers for the virtual OpenPGP card's unit tests: provisioned card states
// made once per machine (key generation is the slow part), an APDU sender that
// chains long commands and follows 61xx, and the VERIFY / public key steps
// most tests need.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "openpgp_card.hpp"
#include "openpgp_provisioning.hpp"

namespace tessera::vcard::test {

struct PgpAnswer {
    Bytes data;
    std::uint16_t sw = 0;
};

// Provisioned with openPgpProvisionDefaults(profileName), cached in the temp dir.
const OpenPgpState& openPgpState(const std::string& profileName);

class OpenPgpTest : public ::testing::Test {
public:
    explicit OpenPgpTest(const std::string& profileName = "default") : card(openPgpState(profileName)) {}

    PgpAnswer raw(ByteView command);
    PgpAnswer raw(const std::string& hex) { return raw(fromHex(hex)); }
    // Short APDUs: chains data above 255 bytes, follows 61xx. extended = one extended APDU.
    PgpAnswer send(std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, ByteView data = {}, int le = 0,
                   bool extended = false);

    PgpAnswer verify(std::uint8_t ref, const std::string& pin);
    PgpAnswer getData(std::uint16_t tag) { return send(0xCA, hi(tag), lo(tag)); }
    PgpAnswer putData(std::uint16_t tag, ByteView value) { return send(0xDA, hi(tag), lo(tag), value, -1); }
    static std::uint8_t hi(std::uint16_t v) { return static_cast<std::uint8_t>(v >> 8); }
    static std::uint8_t lo(std::uint16_t v) { return static_cast<std::uint8_t>(v & 0xFF); }
    // 00 47 81 00 for B6 / B8 / A4: the 7F49 template's content.
    Bytes publicTemplate(std::uint8_t crt);
    PkeyPtr publicKey(std::uint8_t crt, const KeySpec& spec);

    OpenPgpCard card;
};

Bytes tlvValue(ByteView data, std::uint32_t tag); // recursive find, fails the test when absent
Bytes sha256(ByteView data);
Bytes digestInfoSha256(ByteView data); // DER DigestInfo for PKCS#1 v1.5
bool verifyRsaPkcs1Sha256(const PkeyPtr& pub, ByteView message, ByteView signature);
bool verifyRawEcdsa(const PkeyPtr& pub, ByteView hash, ByteView rs);
bool verifyEd25519(const PkeyPtr& pub, ByteView message, ByteView signature);
Bytes rsaEncryptPkcs1(const PkeyPtr& pub, ByteView message);
Bytes deriveWith(const PkeyPtr& priv, const PkeyPtr& peer);

} // namespace tessera::vcard::test
