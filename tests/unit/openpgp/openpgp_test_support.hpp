// Test material for the OpenPGP driver: keys and self-signed certificates
// made with OpenSSL at run time, GET DATA / GET PUBLIC KEY answers built with
// the TLV writer (application related data 6E from a CardSpec), and the
// command hex of the APDUs the driver sends.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "apdu/channel.hpp"
#include "card-drivers/openpgp/openpgp_card.hpp"
#include "common/bytes.hpp"
#include "replay_channel.hpp"

namespace tessera::test::pgp {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey makeRsaKey(unsigned bits);
Pkey makeEcKey(const char* curve); // "P-256", "P-384", "P-521"
Pkey makeRawKey(const char* type); // "ED25519", "X25519"
Bytes selfSignedCertificate(EVP_PKEY* key, const std::string& commonName);
Bytes spkiOf(EVP_PKEY* key);
Bytes ecPublicPoint(EVP_PKEY* key); // uncompressed 04 || X || Y
Bytes rawPublicKey(EVP_PKEY* key);  // 32 bytes for Ed25519 / X25519

// 7F49 { 81 n, 82 e } and 7F49 { 86 point }.
Bytes rsaPublicKeyTemplate(EVP_PKEY* key);
Bytes pointPublicKeyTemplate(ByteView point);

// Algorithm attributes (C1-C3 values).
Bytes rsaAttributes(unsigned bits);
Bytes curveAttributes(std::uint8_t algorithmId, const std::string& oidHex);
inline const std::string kOidP256 = "2A8648CE3D030107";
inline const std::string kOidP384 = "2B81040022";
inline const std::string kOidEd25519 = "2B06010401DA470F01";
inline const std::string kOidCv25519 = "2B060104019755010501";

// What goes into a GET DATA 6E answer.
struct CardSpec {
    std::uint8_t versionMajor = 3, versionMinor = 4;
    std::uint16_t manufacturer = 0x000F;
    std::uint32_t serial = 0x12345678;
    Bytes historical = fromHex("0073 0000E0 059000"); // chaining, extended Lc/Le, 7F66
    std::optional<std::pair<std::uint16_t, std::uint16_t>> extendedLength = std::make_pair(0x0800, 0x0800);
    Bytes extendedCapabilities = fromHex("7D 00 00FF 0800 00FF 00 00"); // GET CHALLENGE, KDF, ...
    std::array<Bytes, 3> attributes;
    Bytes pwStatus = fromHex("00 7F 7F 7F 03 00 03");
    std::array<Bytes, 3> fingerprints; // 20 bytes each; empty = zero
    std::optional<Bytes> keyInformation;
    bool wrapInDiscretionary = true;
};
Bytes aidBytes(const CardSpec& spec);
Bytes applicationData(const CardSpec& spec); // 6E { ... }
Bytes fingerprint(std::uint8_t seed);        // 20 non-zero bytes

std::string hex(ByteView b);
std::string ok(ByteView data); // data || 9000 as hex

// Command hex
inline const std::string kSelectCmd = "00A4040006D27600012401 00";
inline const std::string kSelectOk = "9000";
// GET DATA in short form (Le 00) or extended (Le = 0800, the CardSpec default).
std::string getDataHex(std::uint32_t tag, bool extended = false);
std::string readPublicKeyHex(std::uint8_t crt, bool extended = false);
std::string selectDataHex(std::uint8_t occurrence, bool lengthPrefix = false);

// Scripts SELECT + GET DATA 6E (+ GET VERSION for Yubico, + F9 when the
// capabilities offer a KDF-DO) and probes; fails the test unless a card comes back.
std::unique_ptr<drivers::openpgp::OpenPgpCard> probeCard(ReplayChannel& ch, const CardSpec& spec,
                                                         const std::string& kdfAnswer = "810100 9000",
                                                         const std::string& versionAnswer = "");

} // namespace tessera::test::pgp
