// Public keys for the PIV driver, built by tessera_crypto (in the module's
// OpenSSL library context). Certificates are parsed only to learn the key;
// nothing here trusts or validates the certificate.
#include "card-drivers/piv/piv_keys.hpp"

#include <string>

#include "apdu/tlv.hpp"
#include "card-drivers/card_crypto.hpp"
#include "card-drivers/piv/piv_objects.hpp"
#include "common/error.hpp"
#include "crypto/crypto.hpp"

namespace tessera::drivers::piv {

namespace {

constexpr const char* kContext = "PIV key: ";

[[noreturn]] void malformed(const std::string& what)
{
    fail(Errc::malformedResponse, kContext + what);
}

// Maps a public key to the PIV algorithms (SP 800-78-4 table 6-2); nullopt
// for anything a PIV card cannot hold.
std::optional<PublicKeyInfo> describe(const crypto::PublicKey& key)
{
    PublicKeyInfo info;
    switch (key.kind()) {
    case crypto::KeyKind::rsa:
        info.algorithm = KeyAlgorithm::rsa;
        info.bits = key.bits();
        break;
    case crypto::KeyKind::ec: {
        const std::optional<crypto::Curve> curve = key.curve();
        if (curve == crypto::Curve::p256)
            info.algorithm = KeyAlgorithm::ecP256;
        else if (curve == crypto::Curve::p384)
            info.algorithm = KeyAlgorithm::ecP384;
        else
            return std::nullopt;
        info.bits = info.algorithm == KeyAlgorithm::ecP256 ? 256 : 384;
        break;
    }
    case crypto::KeyKind::ed25519:
        info.algorithm = KeyAlgorithm::ed25519;
        info.bits = 255;
        break;
    case crypto::KeyKind::x25519:
        info.algorithm = KeyAlgorithm::x25519;
        info.bits = 255;
        break;
    }
    if (!algorithmIdFor(info.algorithm, info.bits)) return std::nullopt;
    info.spki = key.spkiDer();
    return info;
}

ByteView requiredValue(const std::vector<apdu::Tlv>& items, std::uint32_t tag)
{
    for (const auto& t : items)
        if (t.tag == tag && !t.value.empty()) return t.value;
    malformed("metadata public key lacks tag " + std::to_string(tag));
}

// The key in a metadata answer (tag 04 content), as its algorithm says.
crypto::PublicKey metadataKey(KeyAlgorithm algorithm, const std::vector<apdu::Tlv>& items)
{
    switch (algorithm) {
    case KeyAlgorithm::rsa: {
        ByteView n = requiredValue(items, 0x81);
        ByteView e = requiredValue(items, 0x82);
        return fromCard(kContext, [&] { return crypto::PublicKey::fromRsa(n, e); });
    }
    case KeyAlgorithm::ecP256:
    case KeyAlgorithm::ecP384: {
        ByteView point = requiredValue(items, 0x86);
        const crypto::Curve curve = algorithm == KeyAlgorithm::ecP256 ? crypto::Curve::p256 : crypto::Curve::p384;
        return fromCard(kContext, [&] { return crypto::PublicKey::fromEcPoint(curve, point); });
    }
    case KeyAlgorithm::ed25519:
    case KeyAlgorithm::x25519: {
        ByteView raw = requiredValue(items, 0x86);
        const auto kind = algorithm == KeyAlgorithm::ed25519 ? crypto::KeyKind::ed25519 : crypto::KeyKind::x25519;
        return fromCard(kContext, [&] { return crypto::PublicKey::fromRaw(kind, raw); });
    }
    case KeyAlgorithm::ecP521: break;
    }
    malformed("P-521 is not a PIV algorithm");
}

} // namespace

std::optional<PublicKeyInfo> keyFromCertificate(ByteView der)
{
    std::optional<Bytes> certificate = crypto::leadingCertificate(der);
    if (!certificate) return std::nullopt;
    std::optional<PublicKeyInfo> info;
    try {
        info = describe(crypto::PublicKey::fromCertificate(*certificate));
    } catch (const Error& e) {
        if (e.code() != Errc::dataInvalid) throw;
        return std::nullopt; // a key of an algorithm the crypto layer does not take
    }
    if (!info) return std::nullopt;
    info->certificate = std::move(*certificate);
    return info;
}

PublicKeyInfo keyFromMetadata(std::uint8_t algorithmId, ByteView publicKeyTemplate)
{
    const AlgorithmInfo* alg = findAlgorithm(algorithmId);
    if (alg == nullptr) malformed("unknown algorithm in metadata");
    std::vector<apdu::Tlv> items = apdu::parseAll(publicKeyTemplate, true);
    auto info = describe(metadataKey(alg->algorithm, items));
    if (!info || info->algorithm != alg->algorithm || info->bits != alg->bits) {
        malformed("metadata public key does not match its algorithm");
    }
    return *info;
}

} // namespace tessera::drivers::piv
