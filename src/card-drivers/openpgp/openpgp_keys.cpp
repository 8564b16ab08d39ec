// Public keys and certificates for the OpenPGP driver, built by tessera_crypto
// (in the module's OpenSSL library context); see openpgp_keys.hpp. The
// driver checks what its card may send; OpenSSL checks EC points against the
// curve.
#include "card-drivers/openpgp/openpgp_keys.hpp"

#include <algorithm>
#include <string>

#include "apdu/tlv.hpp"
#include "card-drivers/card_crypto.hpp"
#include "card-drivers/openpgp/openpgp_objects.hpp"
#include "common/error.hpp"
#include "crypto/crypto.hpp"

namespace tessera::drivers::openpgp {

namespace {

constexpr const char* kContext = "OpenPGP public key: ";
constexpr std::uint32_t kModulusTag = 0x81;
constexpr std::uint32_t kExponentTag = 0x82;
constexpr std::uint32_t kPointTag = 0x86;
constexpr unsigned kMinRsaBits = 1024;
constexpr unsigned kMaxRsaBits = 8192;
constexpr std::uint8_t kNativePointPrefix = 0x40; // RFC 4880bis prefix some cards put before 25519 keys

[[noreturn]] void malformed(const std::string& what)
{
    fail(Errc::malformedResponse, kContext + what);
}

// crypto checks that n and e are odd (and e > 1); the card's sizes are ours to check.
crypto::PublicKey rsaKey(ByteView modulus, ByteView exponent)
{
    crypto::PublicKey key = fromCard(kContext, [&] { return crypto::PublicKey::fromRsa(modulus, exponent); });
    if (key.bits() < kMinRsaBits || key.bits() > kMaxRsaBits) malformed("RSA modulus or exponent out of range");
    return key;
}

crypto::PublicKey ecKey(KeyAlgorithm algorithm, ByteView point)
{
    const std::size_t field = fieldBytes(algorithm, 0);
    if (point.size() != 1 + 2 * field || point[0] != 0x04) malformed("EC point is not uncompressed 04 || X || Y");
    crypto::Curve curve = crypto::Curve::p256;
    if (algorithm == KeyAlgorithm::ecP384) curve = crypto::Curve::p384;
    if (algorithm == KeyAlgorithm::ecP521) curve = crypto::Curve::p521;
    return fromCard(kContext, [&] { return crypto::PublicKey::fromEcPoint(curve, point); });
}

crypto::PublicKey rawKey(KeyAlgorithm algorithm, ByteView point)
{
    if (point.size() == 33 && point[0] == kNativePointPrefix) point = point.subspan(1);
    if (point.size() != 32) malformed("25519 public key is not 32 bytes");
    const auto kind = algorithm == KeyAlgorithm::ed25519 ? crypto::KeyKind::ed25519 : crypto::KeyKind::x25519;
    return fromCard(kContext, [&] { return crypto::PublicKey::fromRaw(kind, point); });
}

ByteView requiredValue(const std::vector<apdu::Tlv>& items, std::uint32_t tag, const char* what)
{
    for (const auto& t : items)
        if (t.tag == tag && !t.value.empty()) return t.value;
    malformed(std::string("7F49 without ") + what);
}

} // namespace

PublicKey publicKeyFromCard(const KeyAttributes& attributes, ByteView answer)
{
    const ByteView body = unwrapAnswer(answer, kPublicKeyTag);
    std::vector<apdu::Tlv> items = apdu::parseAll(body);
    PublicKey out;
    if (attributes.algorithm == KeyAlgorithm::rsa) {
        crypto::PublicKey key = rsaKey(requiredValue(items, kModulusTag, "modulus (81)"),
                                       requiredValue(items, kExponentTag, "exponent (82)"));
        out.bits = key.bits();
        out.spki = key.spkiDer();
    } else if (attributes.algorithm == KeyAlgorithm::ed25519 || attributes.algorithm == KeyAlgorithm::x25519) {
        out.spki = rawKey(attributes.algorithm, requiredValue(items, kPointTag, "point (86)")).spkiDer();
        out.bits = attributes.bits;
    } else {
        out.spki = ecKey(attributes.algorithm, requiredValue(items, kPointTag, "point (86)")).spkiDer();
        out.bits = attributes.bits;
    }
    return out;
}

std::optional<Bytes> certificateFromAnswer(ByteView answer)
{
    return crypto::leadingCertificate(unwrapAnswer(answer, kCardholderCertificateTag));
}

bool certificateMatchesKey(ByteView certificate, ByteView spki)
{
    const std::optional<Bytes> der = crypto::leadingCertificate(certificate);
    if (!der) return false;
    try {
        // Re-encoded by OpenSSL, as publicKeyFromCard's SPKI is.
        const Bytes certSpki = crypto::PublicKey::fromCertificate(*der).spkiDer();
        return std::equal(certSpki.begin(), certSpki.end(), spki.begin(), spki.end());
    } catch (const Error& e) {
        if (e.code() != Errc::dataInvalid) throw;
        return false; // a key of an algorithm the crypto layer does not take
    }
}

} // namespace tessera::drivers::openpgp
