// Test material for the PIV driver: keys and self-signed certificates made
// with OpenSSL at run time, GET DATA answers built with the TLV writer, gzip,
// and the command hex of the APDUs a PIV token read sends.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "common/bytes.hpp"

namespace tessera::test {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey makeRsaKey(unsigned bits);
Pkey makeEcKey(const char* curve); // "P-256", "P-384"
Bytes selfSignedCertificate(EVP_PKEY* key, const std::string& commonName);
Bytes spkiOf(EVP_PKEY* key);
Bytes ecPublicPoint(EVP_PKEY* key); // uncompressed 04 || X || Y

Bytes gzip(ByteView data);

// 53 { 70 certificate, 71 CertInfo, FE } as hex with SW 9000.
std::string certContainerAnswer(ByteView certificate, bool compressed = false);
// Any 53 value (already TLV-encoded) wrapped, plus 9000.
std::string dataObjectAnswer(ByteView inner);

// Command hex
std::string selectHex();
std::string getDataHex(std::uint32_t tag);
std::string metadataHex(std::uint8_t slot);
inline const std::string kSelectAnswer = "61114F0600001000010079074F05A000000308"
                                         "9000";
inline const std::string kVersionCmd = "00FD000000";
inline const std::string kSerialCmd = "00F8000000";
inline const std::string kPinStatusCmd = "00200080";
inline const std::string kPinResetCmd = "0020FF80";

std::string hex(ByteView b);

} // namespace tessera::test
