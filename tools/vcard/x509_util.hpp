// X.509 certificates the virtual card makes with OpenSSL: the self-signed
// certificates a provisioned card carries in its PIV containers, and YubiKey-style
// attestation certificates (issued by the attestation key in slot F9, with the
// Yubico extensions 1.3.6.1.4.1.41482.3.3 / .7 / .8 / .9).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/bytes.hpp"
#include "openssl_util.hpp"

namespace tessera::vcard {

// DER certificate for `key`, subject = issuer = CN=commonName, SHA-256, `days` valid.
// keyUsage follows the PIV slot (digitalSignature / keyAgreement / keyEncipherment).
Bytes makeSelfSignedCertificate(const PkeyPtr& key, const std::string& commonName, std::uint8_t slot, int days);

struct AttestationFacts {
    std::uint8_t slot = 0;
    std::array<std::uint8_t, 3> version{};
    std::uint32_t serial = 0;
    std::uint8_t pinPolicy = 0;
    std::uint8_t touchPolicy = 0;
};

// Certificate for `subjectKey` (CN=YubiKey PIV Attestation <slot>), signed by
// `issuerKey` whose own certificate is `issuerCertDer`.
Bytes makeAttestationCertificate(const PkeyPtr& subjectKey, const PkeyPtr& issuerKey, ByteView issuerCertDer,
                                 const AttestationFacts& facts);

// Public key of a DER certificate (tests and checks); throws CryptoError.
PkeyPtr certificatePublicKey(ByteView der);

} // namespace tessera::vcard
