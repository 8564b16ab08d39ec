// Making a virtual OpenPGP card: a factory-fresh card, or one provisioned with
// keys in the three slots (sig, dec, aut), their v4 fingerprints and generation
// times (so GnuPG and OpenSC see a ready card), a cardholder name and language.
// Profile names the harness passes: default/v34, v34-p256, v34-25519, v21.
#pragma once

#include <array>
#include <string>

#include "openpgp_state.hpp"

namespace tessera::vcard {

struct OpenPgpProvisionOptions {
    OpenPgpProfile profile = OpenPgpProfile::v34;
    bool empty = false; // factory state: no keys, default attributes
    // Per key role (sig, dec, aut): rsa2048|rsa3072|rsa4096|p256|p384|p521|ed25519|x25519|none.
    std::array<std::string, kKeyRoles> keys{"rsa2048", "rsa2048", "rsa2048"};
};

// default|v34: 3.4, all RSA-2048; v34-p256: ECDSA/ECDH P-256; v34-25519:
// Ed25519 / X25519 / Ed25519; v21: 2.1, all RSA-2048. Throws std::invalid_argument.
OpenPgpProvisionOptions openPgpProvisionDefaults(const std::string& profileName);
// "sig=rsa2048,dec=x25519,aut=p256" (any subset) overrides the profile's keys.
void applyKeyList(OpenPgpProvisionOptions& options, const std::string& list);

// Throws std::invalid_argument for an algorithm the profile or slot cannot hold.
OpenPgpState provisionOpenPgpCard(const OpenPgpProvisionOptions& options);

// For each key on the card: its stored fingerprint (C7-C9, written by the host)
// against the v4 fingerprint computed from the key and its stored time, one
// line each ("sig <stored> <computed> ok|DIFFERENT"). False when any differs:
// `tessera-vcard fingerprints` lets tests check this code against GnuPG's.
bool checkFingerprints(const OpenPgpState& state, std::string& report);

} // namespace tessera::vcard
