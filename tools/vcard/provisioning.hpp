// Making a virtual PIV card: a fresh card (defaults only) or a provisioned one
// with keys in 9A/9C/9D/9E, self-signed certificates in their containers, and
// the CHUID, CCC, discovery, key history and printed information objects
// (SP 800-73-4 part 1 section 3 and appendix A).
#pragma once

#include "card_state.hpp"

namespace tessera::vcard {

struct ProvisionOptions {
    Profile profile = Profile::yubikey;
    bool empty = false;                     // defaults only: no keys, certificates or CHUID/CCC
    std::uint8_t mgmtAlgorithm = alg::tdes; // default key bytes, in 3DES or AES-192
};

CardState provisionCard(const ProvisionOptions& options);

// Certificate container content: 70 {cert} 71 {00} FE {} (SP 800-73-4 part 1 appendix A).
Bytes certificateContainer(ByteView certDer);

// The individual objects, exposed for tests.
Bytes makeChuid();
Bytes makeCcc();
Bytes makeDiscovery();
Bytes makeKeyHistory();
Bytes makePrintedInfo();

} // namespace tessera::vcard
