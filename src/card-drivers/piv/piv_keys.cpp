// Public keys and signature formats for the PIV driver, with OpenSSL 3's
// non-deprecated APIs (EVP_PKEY, OSSL_PARAM_BLD). Certificates are parsed
// only to learn the key; nothing here trusts or validates the certificate.
#include "card-drivers/piv/piv_keys.hpp"

#include "card-drivers/openssl_keys.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <cstring>
#include <memory>
#include <string>

#include "apdu/tlv.hpp"
#include "card-drivers/piv/piv_objects.hpp"
#include "common/error.hpp"

namespace tessera::drivers::piv {

namespace {

using ossl::BnPtr;
using ossl::PkeyPtr;
using ossl::spkiOf;
using ossl::X509Ptr;
template <auto Free> using Deleter = ossl::Deleter<Free>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;

[[noreturn]] void malformed(const std::string& what)
{
    fail(Errc::malformedResponse, "PIV key: " + what);
}

// Maps an OpenSSL key to the PIV algorithms (SP 800-78-4 table 6-2);
// nullopt for anything a PIV card cannot hold.
std::optional<PublicKeyInfo> describe(EVP_PKEY* key)
{
    PublicKeyInfo info;
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
        info.algorithm = KeyAlgorithm::rsa;
        info.bits = static_cast<unsigned>(EVP_PKEY_get_bits(key));
        break;
    case EVP_PKEY_EC: {
        char name[64] = {};
        size_t len = 0;
        if (EVP_PKEY_get_group_name(key, name, sizeof name, &len) != 1) return std::nullopt;
        std::string curve(name, len);
        if (curve == SN_X9_62_prime256v1)
            info.algorithm = KeyAlgorithm::ecP256;
        else if (curve == SN_secp384r1)
            info.algorithm = KeyAlgorithm::ecP384;
        else
            return std::nullopt;
        info.bits = info.algorithm == KeyAlgorithm::ecP256 ? 256 : 384;
        break;
    }
    case EVP_PKEY_ED25519:
        info.algorithm = KeyAlgorithm::ed25519;
        info.bits = 255;
        break;
    case EVP_PKEY_X25519:
        info.algorithm = KeyAlgorithm::x25519;
        info.bits = 255;
        break;
    default: return std::nullopt;
    }
    if (!algorithmIdFor(info.algorithm, info.bits)) return std::nullopt;
    info.spki = spkiOf(key);
    return info;
}

PkeyPtr rsaKey(ByteView modulus, ByteView exponent)
{
    return ossl::rsaPublicKey(modulus, exponent, "PIV key: ");
}

PkeyPtr ecKey(const char* group, ByteView point)
{
    return ossl::ecPublicKey(group, point, "PIV key: ");
}

ByteView requiredValue(const std::vector<apdu::Tlv>& items, std::uint32_t tag)
{
    for (const auto& t : items)
        if (t.tag == tag && !t.value.empty()) return t.value;
    malformed("metadata public key lacks tag " + std::to_string(tag));
}

} // namespace

std::optional<PublicKeyInfo> keyFromCertificate(ByteView der)
{
    if (der.empty()) return std::nullopt;
    const unsigned char* p = der.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert) return std::nullopt;
    EVP_PKEY* key = X509_get0_pubkey(cert.get()); // owned by the certificate
    if (key == nullptr) return std::nullopt;
    auto info = describe(key);
    if (!info) return std::nullopt;
    info->certificate.assign(der.data(), p);
    return info;
}

PublicKeyInfo keyFromMetadata(std::uint8_t algorithmId, ByteView publicKeyTemplate)
{
    const AlgorithmInfo* alg = findAlgorithm(algorithmId);
    if (alg == nullptr) malformed("unknown algorithm in metadata");
    std::vector<apdu::Tlv> items = apdu::parseAll(publicKeyTemplate, true);
    PkeyPtr key;
    switch (alg->algorithm) {
    case KeyAlgorithm::rsa: {
        ByteView n = requiredValue(items, 0x81);
        key = rsaKey(n, requiredValue(items, 0x82));
        break;
    }
    case KeyAlgorithm::ecP256: key = ecKey(SN_X9_62_prime256v1, requiredValue(items, 0x86)); break;
    case KeyAlgorithm::ecP384: key = ecKey(SN_secp384r1, requiredValue(items, 0x86)); break;
    case KeyAlgorithm::ed25519:
    case KeyAlgorithm::x25519: {
        ByteView raw = requiredValue(items, 0x86);
        int type = alg->algorithm == KeyAlgorithm::ed25519 ? EVP_PKEY_ED25519 : EVP_PKEY_X25519;
        key.reset(EVP_PKEY_new_raw_public_key(type, nullptr, raw.data(), raw.size()));
        if (!key) malformed("raw 25519 public key rejected");
        break;
    }
    case KeyAlgorithm::ecP521: malformed("P-521 is not a PIV algorithm");
    }
    auto info = describe(key.get());
    if (!info || info->algorithm != alg->algorithm || info->bits != alg->bits) {
        malformed("metadata public key does not match its algorithm");
    }
    return *info;
}

Bytes ecdsaDerToRaw(ByteView der, std::size_t half)
{
    if (der.empty()) malformed("empty ECDSA signature");
    const unsigned char* p = der.data();
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig || p != der.data() + der.size()) malformed("ECDSA signature is not one DER SEQUENCE");
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    if (BN_is_negative(r) || BN_is_negative(s) || BN_num_bytes(r) > static_cast<int>(half) ||
        BN_num_bytes(s) > static_cast<int>(half)) {
        malformed("ECDSA signature values out of range");
    }
    Bytes out(2 * half);
    // BN_bn2binpad keeps the leading zeros PKCS#11 requires (each half is field-size).
    if (BN_bn2binpad(r, out.data(), static_cast<int>(half)) < 0 ||
        BN_bn2binpad(s, out.data() + half, static_cast<int>(half)) < 0) {
        malformed("ECDSA signature conversion failed");
    }
    return out;
}

} // namespace tessera::drivers::piv
