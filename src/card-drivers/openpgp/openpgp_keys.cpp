// Public keys and certificates for the OpenPGP driver with OpenSSL 3's
// non-deprecated APIs (EVP_PKEY_fromdata, OSSL_PARAM_BLD, raw 25519 keys);
// see openpgp_keys.hpp. OpenSSL checks EC points against the curve.
#include "card-drivers/openpgp/openpgp_keys.hpp"

#include "card-drivers/openssl_keys.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>
#include <string>

#include "apdu/tlv.hpp"
#include "card-drivers/openpgp/openpgp_objects.hpp"
#include "common/error.hpp"

namespace tessera::drivers::openpgp {

namespace {

using ossl::BnPtr;
using ossl::PkeyPtr;
using ossl::spkiOf;
using ossl::X509Ptr;

constexpr std::uint32_t kModulusTag = 0x81;
constexpr std::uint32_t kExponentTag = 0x82;
constexpr std::uint32_t kPointTag = 0x86;
constexpr unsigned kMinRsaBits = 1024;
constexpr unsigned kMaxRsaBits = 8192;
constexpr std::uint8_t kNativePointPrefix = 0x40; // RFC 4880bis prefix some cards put before 25519 keys

[[noreturn]] void malformed(const std::string& what)
{
    fail(Errc::malformedResponse, "OpenPGP public key: " + what);
}

PkeyPtr rsaKey(ByteView modulus, ByteView exponent)
{
    BnPtr n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
    BnPtr e(BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr));
    if (!n || !e) fail(Errc::hostMemory, "OpenSSL allocation failed");
    const int bits = BN_num_bits(n.get());
    if (bits < static_cast<int>(kMinRsaBits) || bits > static_cast<int>(kMaxRsaBits) || !BN_is_odd(n.get()) ||
        !BN_is_odd(e.get())) {
        malformed("RSA modulus or exponent out of range");
    }
    return ossl::rsaPublicKey(modulus, exponent, "OpenPGP public key: ");
}

const char* groupName(KeyAlgorithm a)
{
    switch (a) {
    case KeyAlgorithm::ecP256: return SN_X9_62_prime256v1;
    case KeyAlgorithm::ecP384: return SN_secp384r1;
    case KeyAlgorithm::ecP521: return SN_secp521r1;
    default: return nullptr;
    }
}

PkeyPtr ecKey(KeyAlgorithm algorithm, ByteView point)
{
    const std::size_t field = fieldBytes(algorithm, 0);
    if (point.size() != 1 + 2 * field || point[0] != 0x04) malformed("EC point is not uncompressed 04 || X || Y");
    return ossl::ecPublicKey(groupName(algorithm), point, "OpenPGP public key: ");
}

PkeyPtr rawKey(KeyAlgorithm algorithm, ByteView point)
{
    if (point.size() == 33 && point[0] == kNativePointPrefix) point = point.subspan(1);
    if (point.size() != 32) malformed("25519 public key is not 32 bytes");
    const int type = algorithm == KeyAlgorithm::ed25519 ? EVP_PKEY_ED25519 : EVP_PKEY_X25519;
    PkeyPtr key(EVP_PKEY_new_raw_public_key(type, nullptr, point.data(), point.size()));
    if (!key) malformed("25519 public key rejected by OpenSSL");
    return key;
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
    PkeyPtr key;
    PublicKey out;
    if (attributes.algorithm == KeyAlgorithm::rsa) {
        key = rsaKey(requiredValue(items, kModulusTag, "modulus (81)"),
                     requiredValue(items, kExponentTag, "exponent (82)"));
        out.bits = static_cast<unsigned>(EVP_PKEY_get_bits(key.get()));
    } else if (attributes.algorithm == KeyAlgorithm::ed25519 || attributes.algorithm == KeyAlgorithm::x25519) {
        key = rawKey(attributes.algorithm, requiredValue(items, kPointTag, "point (86)"));
        out.bits = attributes.bits;
    } else {
        key = ecKey(attributes.algorithm, requiredValue(items, kPointTag, "point (86)"));
        out.bits = attributes.bits;
    }
    out.spki = spkiOf(key.get());
    return out;
}

std::optional<Bytes> certificateFromAnswer(ByteView answer)
{
    const ByteView der = unwrapAnswer(answer, kCardholderCertificateTag);
    if (der.empty()) return std::nullopt;
    const unsigned char* p = der.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert) return std::nullopt;
    return Bytes(der.data(), p);
}

bool certificateMatchesKey(ByteView certificate, ByteView spki)
{
    const unsigned char* p = certificate.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(certificate.size())));
    if (!cert) return false;
    EVP_PKEY* key = X509_get0_pubkey(cert.get()); // owned by the certificate
    if (key == nullptr) return false;
    const Bytes certSpki = spkiOf(key);
    return std::equal(certSpki.begin(), certSpki.end(), spki.begin(), spki.end());
}

} // namespace tessera::drivers::openpgp
