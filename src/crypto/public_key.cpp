// PublicKey construction and attributes: from a SubjectPublicKeyInfo (RFC 5280
// 4.1.2.7), a certificate, or the components a card returns for a key (RSA
// modulus and exponent, an EC point, a raw 25519 key), all decoded or imported
// in the module's library context, and the
// values the PKCS#11 layer puts in CKA_MODULUS, CKA_PUBLIC_EXPONENT,
// CKA_EC_PARAMS and CKA_EC_POINT (PKCS#11 3.0 sections 2.1.2, 2.3.3, 2.3.5).
//
// Engines are process-wide, not per library context: once a host makes an
// engine the default for RSA or EC (`openssl ... -engine pkcs11` does, with
// libp11's key methods), OpenSSL 3 routes every key it makes by algorithm
// number through that engine's legacy code, our context or not. Such a legacy
// key has no EC_PUB_X/Y parameters and refuses EVP_PKEY_fromdata. So keys are
// decoded by the provider decoders (OSSL_DECODER) and imported by OID name,
// which OpenSSL maps to no legacy number: both only ever reach the providers
// of our context.
#include "crypto/crypto.hpp"
#include "crypto/openssl_util.hpp"

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <climits>

namespace tessera::crypto {

using detail::bnToBytes;
using detail::throwOpenssl;

namespace {

using detail::Asn1ObjectPtr;
using detail::libCtx;
using detail::ParamBldPtr;
using detail::ParamPtr;

KeyKind kindOf(const EVP_PKEY* pkey)
{
    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA: return KeyKind::rsa;
    case EVP_PKEY_EC: return KeyKind::ec;
    case EVP_PKEY_ED25519: return KeyKind::ed25519;
    case EVP_PKEY_X25519: return KeyKind::x25519;
    default: throw Error(Errc::dataInvalid, "public key algorithm not supported");
    }
}

// Key types by OID (the default provider's key managers carry these names
// too): a name such as "RSA" would let an engine registered for
// EVP_PKEY_RSA take the import over (see the top of this file).
constexpr const char* kRsaKeyType = "1.2.840.113549.1.1.1"; // rsaEncryption
constexpr const char* kEcKeyType = "1.2.840.10045.2.1";     // id-ecPublicKey

// Import from provider parameters (EVP_PKEY_fromdata), the OpenSSL 3 way.
detail::EvpPkeyPtr fromParams(const char* type, OSSL_PARAM_BLD* bld)
{
    ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
    detail::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(libCtx(), type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        throwOpenssl(Errc::dataInvalid, std::string("cannot build public key of type ") + type);
    return detail::EvpPkeyPtr(raw);
}

detail::EvpPkeyPtr fromGroup(const char* group, ByteView point)
{
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
        throwOpenssl(Errc::hostMemory, "OSSL_PARAM_BLD failed");
    // EC import decodes the point with EC_POINT_oct2point, which rejects points off the curve.
    return fromParams(kEcKeyType, bld.get());
}

detail::EvpPkeyPtr fromRawKey(KeyKind kind, ByteView raw)
{
    if (kind != KeyKind::ed25519 && kind != KeyKind::x25519)
        throw Error(Errc::argumentsBad, "only Ed25519 and X25519 keys are raw");
    const char* name = kind == KeyKind::ed25519 ? "ED25519" : "X25519";
    detail::EvpPkeyPtr pkey(EVP_PKEY_new_raw_public_key_ex(libCtx(), name, nullptr, raw.data(), raw.size()));
    if (!pkey) throwOpenssl(Errc::dataInvalid, std::string("bad ") + name + " public key");
    return pkey;
}

struct CurveName {
    Curve curve;
    int nid;
};
constexpr CurveName kCurves[] = {
    {Curve::p256, NID_X9_62_prime256v1},
    {Curve::p384, NID_secp384r1},
    {Curve::p521, NID_secp521r1},
};

int nidFromOidDer(ByteView der)
{
    if (der.size() > static_cast<std::size_t>(LONG_MAX)) throw Error(Errc::dataInvalid, "EC parameters too long");
    const unsigned char* p = der.data();
    Asn1ObjectPtr obj(d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(der.size())));
    if (!obj || p != der.data() + der.size())
        throwOpenssl(Errc::dataInvalid, "EC parameters are not a DER OBJECT IDENTIFIER");
    return OBJ_obj2nid(obj.get());
}

Bytes oidDerFromNid(int nid)
{
    const ASN1_OBJECT* obj = OBJ_nid2obj(nid);
    int len = obj ? i2d_ASN1_OBJECT(obj, nullptr) : -1;
    if (len <= 0) throwOpenssl(Errc::general, "curve has no OID");
    Bytes out(static_cast<std::size_t>(len));
    unsigned char* p = out.data();
    i2d_ASN1_OBJECT(obj, &p);
    return out;
}

Bytes bnParam(const EVP_PKEY* pkey, const char* name)
{
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1)
        throwOpenssl(Errc::general, std::string("cannot read key parameter ") + name);
    detail::BignumPtr bn(raw);
    return bnToBytes(bn.get());
}

} // namespace

PublicKey::PublicKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)), kind_(kindOf(impl_->pkey.get())) {}
PublicKey::~PublicKey() = default;
PublicKey::PublicKey(PublicKey&& other) noexcept = default;
PublicKey& PublicKey::operator=(PublicKey&& other) noexcept = default;

PublicKey::PublicKey(const PublicKey& other) : impl_(std::make_unique<Impl>()), kind_(other.kind_)
{
    EVP_PKEY* p = other.impl_->pkey.get();
    if (EVP_PKEY_up_ref(p) != 1) throwOpenssl(Errc::general, "EVP_PKEY_up_ref failed");
    impl_->pkey.reset(p);
}

PublicKey& PublicKey::operator=(const PublicKey& other)
{
    if (this != &other) *this = PublicKey(other);
    return *this;
}

PublicKey PublicKey::fromSpki(ByteView der)
{
    if (der.size() > static_cast<std::size_t>(LONG_MAX)) throw Error(Errc::dataInvalid, "SPKI too long");
    // d2i_PUBKEY_ex would hand the key to an engine's legacy decoder (top of file).
    EVP_PKEY* raw = nullptr;
    std::unique_ptr<OSSL_DECODER_CTX, decltype(&OSSL_DECODER_CTX_free)> dctx(
        OSSL_DECODER_CTX_new_for_pkey(&raw, "DER", "SubjectPublicKeyInfo", nullptr, EVP_PKEY_PUBLIC_KEY, libCtx(),
                                      nullptr),
        &OSSL_DECODER_CTX_free);
    if (!dctx) throwOpenssl(Errc::general, "no SubjectPublicKeyInfo decoder");
    const unsigned char* p = der.data();
    std::size_t left = der.size();
    const bool ok = OSSL_DECODER_from_data(dctx.get(), &p, &left) == 1;
    detail::EvpPkeyPtr pkey(raw);
    if (!ok || !pkey) throwOpenssl(Errc::dataInvalid, "not a SubjectPublicKeyInfo");
    if (left != 0) throw Error(Errc::dataInvalid, "bytes after SubjectPublicKeyInfo");
    return PublicKey(std::make_unique<Impl>(Impl{std::move(pkey)}));
}

PublicKey PublicKey::fromRsa(ByteView modulus, ByteView exponent)
{
    detail::BignumPtr n(BN_bin2bn(modulus.data(), detail::toInt(modulus.size()), nullptr));
    detail::BignumPtr e(BN_bin2bn(exponent.data(), detail::toInt(exponent.size()), nullptr));
    if (!n || !e) throwOpenssl(Errc::hostMemory, "BN_bin2bn failed");
    if (BN_num_bits(n.get()) < 512 || !BN_is_odd(n.get()) || !BN_is_odd(e.get()) || BN_is_one(e.get()))
        throw Error(Errc::dataInvalid, "implausible RSA modulus or exponent");
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
        throwOpenssl(Errc::hostMemory, "OSSL_PARAM_BLD failed");
    return PublicKey(std::make_unique<Impl>(Impl{fromParams(kRsaKeyType, bld.get())}));
}

PublicKey PublicKey::fromEcPoint(ByteView curveOidDer, ByteView point)
{
    const int nid = nidFromOidDer(curveOidDer);
    if (nid == NID_ED25519) return fromRaw(KeyKind::ed25519, point);
    if (nid == NID_X25519) return fromRaw(KeyKind::x25519, point);
    const char* group = OBJ_nid2sn(nid);
    if (nid == NID_undef || group == nullptr) throw Error(Errc::dataInvalid, "unknown curve OID");
    return PublicKey(std::make_unique<Impl>(Impl{fromGroup(group, point)}));
}

PublicKey PublicKey::fromEcPoint(Curve curve, ByteView point)
{
    for (const CurveName& c : kCurves)
        if (c.curve == curve) return PublicKey(std::make_unique<Impl>(Impl{fromGroup(OBJ_nid2sn(c.nid), point)}));
    throw Error(Errc::argumentsBad, "unknown curve");
}

PublicKey PublicKey::fromRaw(KeyKind kind, ByteView raw)
{
    return PublicKey(std::make_unique<Impl>(Impl{fromRawKey(kind, raw)}));
}

PublicKey PublicKey::fromCertificate(ByteView der)
{
    const unsigned char* end = nullptr;
    detail::X509Ptr cert = detail::decodeCertificate(der, &end);
    if (!cert) throw Error(Errc::dataInvalid, "not a DER X.509 certificate");
    if (end != der.data() + der.size()) throw Error(Errc::dataInvalid, "bytes after the certificate");
    // Decoded again from its DER: the certificate's own key may be an engine's legacy key.
    unsigned char* spki = nullptr;
    const int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &spki);
    if (len <= 0) throwOpenssl(Errc::dataInvalid, "certificate key not decodable");
    std::unique_ptr<unsigned char, void (*)(unsigned char*)> owner(spki, [](unsigned char* q) { OPENSSL_free(q); });
    return fromSpki(ByteView(spki, static_cast<std::size_t>(len)));
}

unsigned PublicKey::bits() const
{
    return static_cast<unsigned>(EVP_PKEY_get_bits(impl_->pkey.get()));
}

std::optional<Curve> PublicKey::curve() const
{
    if (kind_ != KeyKind::ec) return std::nullopt;
    char group[80] = {};
    if (EVP_PKEY_get_utf8_string_param(impl_->pkey.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, nullptr) !=
        1) {
        detail::clearOpensslErrors();
        return std::nullopt; // explicit curve parameters: no named curve
    }
    const int nid = OBJ_txt2nid(group);
    for (const CurveName& c : kCurves)
        if (c.nid == nid) return c.curve;
    return std::nullopt;
}

std::size_t PublicKey::fieldBytes() const
{
    if (kind_ == KeyKind::ed25519 || kind_ == KeyKind::x25519) return 32;
    return (bits() + 7) / 8;
}

std::size_t PublicKey::signatureLength() const
{
    switch (kind_) {
    case KeyKind::rsa: return fieldBytes();
    case KeyKind::ec: return 2 * fieldBytes();
    case KeyKind::ed25519: return 64;
    case KeyKind::x25519: break;
    }
    throw Error(Errc::argumentsBad, "X25519 keys do not sign");
}

Bytes PublicKey::spkiDer() const
{
    int len = i2d_PUBKEY(impl_->pkey.get(), nullptr);
    if (len <= 0) throwOpenssl(Errc::general, "i2d_PUBKEY failed");
    Bytes out(static_cast<std::size_t>(len));
    unsigned char* p = out.data();
    i2d_PUBKEY(impl_->pkey.get(), &p);
    return out;
}

Bytes PublicKey::rsaModulus() const
{
    if (kind_ != KeyKind::rsa) throw Error(Errc::argumentsBad, "not an RSA key");
    return bnParam(impl_->pkey.get(), OSSL_PKEY_PARAM_RSA_N);
}

Bytes PublicKey::rsaExponent() const
{
    if (kind_ != KeyKind::rsa) throw Error(Errc::argumentsBad, "not an RSA key");
    return bnParam(impl_->pkey.get(), OSSL_PKEY_PARAM_RSA_E);
}

Bytes PublicKey::ecParamsDer() const
{
    if (kind_ == KeyKind::ed25519) return oidDerFromNid(NID_ED25519);
    if (kind_ == KeyKind::x25519) return oidDerFromNid(NID_X25519);
    if (kind_ != KeyKind::ec) throw Error(Errc::argumentsBad, "not an EC key");
    char group[80] = {};
    if (EVP_PKEY_get_utf8_string_param(impl_->pkey.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, nullptr) !=
        1)
        throwOpenssl(Errc::dataInvalid, "EC key without a named curve");
    int nid = OBJ_txt2nid(group);
    if (nid == NID_undef) throw Error(Errc::dataInvalid, std::string("unknown curve ") + group);
    return oidDerFromNid(nid);
}

Bytes PublicKey::ecPointUncompressed() const
{
    EVP_PKEY* pkey = impl_->pkey.get();
    if (kind_ == KeyKind::ed25519 || kind_ == KeyKind::x25519) {
        Bytes raw(32);
        std::size_t len = raw.size();
        if (EVP_PKEY_get_raw_public_key(pkey, raw.data(), &len) != 1 || len != raw.size())
            throwOpenssl(Errc::general, "cannot read raw public key");
        return raw;
    }
    if (kind_ != KeyKind::ec) throw Error(Errc::argumentsBad, "not an EC key");
    // Built from X and Y so a compressed SPKI point still comes out uncompressed.
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    int okX = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x);
    int okY = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
    detail::BignumPtr xOwner(x), yOwner(y);
    if (okX != 1 || okY != 1) throwOpenssl(Errc::general, "cannot read EC point");
    Bytes out{0x04};
    Bytes xb = bnToBytes(x, fieldBytes());
    Bytes yb = bnToBytes(y, fieldBytes());
    out.insert(out.end(), xb.begin(), xb.end());
    out.insert(out.end(), yb.begin(), yb.end());
    return out;
}

} // namespace tessera::crypto
