// OpenSSL 3 side of the virtual OpenPGP card's key operations (card spec 3.4
// sections 7.2.10, 7.2.11, 7.2.13) and of key import (section 4.4.3.12):
// EVP_PKEY_sign/decrypt/derive, EVP_DigestSign for Ed25519, OSSL_PARAM builds.
#include "openpgp_crypto.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <memory>
#include <string>

namespace tessera::vcard {

namespace {

struct Free {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
    void operator()(BIGNUM* b) const { BN_clear_free(b); }
    void operator()(BN_CTX* b) const { BN_CTX_free(b); }
    void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
    void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
    void operator()(EC_GROUP* g) const { EC_GROUP_free(g); }
    void operator()(EC_POINT* p) const { EC_POINT_free(p); }
};
template <typename T> using Owned = std::unique_ptr<T, Free>;

void check(bool ok, const char* what)
{
    if (!ok) throw CryptoError(what);
}

Owned<EVP_PKEY_CTX> keyCtx(const PkeyPtr& key)
{
    Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    check(ctx != nullptr, "EVP_PKEY_CTX_new_from_pkey");
    return ctx;
}

Owned<BIGNUM> toBn(ByteView b)
{
    Owned<BIGNUM> bn(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr));
    check(bn != nullptr, "BN_bin2bn");
    return bn;
}

Owned<BIGNUM> newBn()
{
    Owned<BIGNUM> bn(BN_new());
    check(bn != nullptr, "BN_new");
    return bn;
}

PkeyPtr fromParams(const char* type, int selection, OSSL_PARAM* params)
{
    Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    check(ctx != nullptr && EVP_PKEY_fromdata_init(ctx.get()) == 1, "EVP_PKEY_fromdata_init");
    EVP_PKEY* raw = nullptr;
    check(EVP_PKEY_fromdata(ctx.get(), &raw, selection, params) == 1, "EVP_PKEY_fromdata");
    return wrapPkey(raw);
}

Bytes pkeySign(const PkeyPtr& key, ByteView input, int rsaPadding)
{
    auto ctx = keyCtx(key);
    check(EVP_PKEY_sign_init(ctx.get()) == 1, "EVP_PKEY_sign_init");
    if (rsaPadding != 0) check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), rsaPadding) == 1, "RSA padding");
    size_t len = 0;
    check(EVP_PKEY_sign(ctx.get(), nullptr, &len, input.data(), input.size()) == 1, "signature size");
    Bytes sig(len);
    check(EVP_PKEY_sign(ctx.get(), sig.data(), &len, input.data(), input.size()) == 1, "sign");
    sig.resize(len);
    return sig;
}

// DER ECDSA-Sig-Value to r||s, each left-padded to the field size.
Bytes rawEcdsa(ByteView der, std::size_t fieldBytes)
{
    const unsigned char* p = der.data();
    Owned<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    check(sig != nullptr, "d2i_ECDSA_SIG");
    Bytes out(2 * fieldBytes);
    const int n = static_cast<int>(fieldBytes);
    check(BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), n) == n &&
              BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + fieldBytes, n) == n,
          "ECDSA r||s");
    return out;
}

Bytes eddsaSign(const PkeyPtr& key, ByteView message)
{
    Owned<EVP_MD_CTX> md(EVP_MD_CTX_new());
    check(md != nullptr, "EVP_MD_CTX_new");
    check(EVP_DigestSignInit_ex(md.get(), nullptr, nullptr, nullptr, nullptr, key.get(), nullptr) == 1,
          "EVP_DigestSignInit_ex");
    size_t len = 64;
    Bytes sig(len);
    check(EVP_DigestSign(md.get(), sig.data(), &len, message.data(), message.size()) == 1, "Ed25519");
    sig.resize(len);
    return sig;
}

PkeyPtr nistKeyFromScalar(const CurveInfo& curve, ByteView scalar)
{
    std::string group(curve.group);
    Owned<EC_GROUP> g(EC_GROUP_new_by_curve_name(EC_curve_nist2nid(group.c_str())));
    check(g != nullptr, "EC_GROUP_new_by_curve_name");
    auto priv = toBn(scalar);
    check(!BN_is_zero(priv.get()) && BN_cmp(priv.get(), EC_GROUP_get0_order(g.get())) < 0, "scalar out of range");
    Owned<EC_POINT> pub(EC_POINT_new(g.get()));
    check(pub != nullptr && EC_POINT_mul(g.get(), pub.get(), priv.get(), nullptr, nullptr, nullptr) == 1,
          "EC_POINT_mul");
    Bytes point(1 + 2 * std::size_t{curve.fieldBytes});
    check(EC_POINT_point2oct(g.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, point.data(), point.size(), nullptr) ==
              point.size(),
          "EC_POINT_point2oct");
    Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
    check(bld != nullptr &&
              OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group.c_str(), 0) == 1 &&
              OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()) == 1 &&
              OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1,
          "EC params");
    Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
    check(params != nullptr, "OSSL_PARAM_BLD_to_param");
    return fromParams("EC", EVP_PKEY_KEYPAIR, params.get());
}

} // namespace

Bytes openPgpSign(const PkeyPtr& key, const KeySpec& spec, ByteView input)
{
    if (spec.isRsa()) {
        // Section 7.2.10: at most 40% of the modulus length (a DigestInfo fits).
        if (input.empty() || input.size() * 10 > spec.sizeBytes() * 4) throw CryptoError("input too long");
        return pkeySign(key, input, RSA_PKCS1_PADDING);
    }
    if (spec.algorithm == pgpalg::eddsa) return eddsaSign(key, input);
    if (input.empty() || input.size() > 64) throw CryptoError("hash length");
    return rawEcdsa(pkeySign(key, input, 0), spec.sizeBytes());
}

Bytes openPgpRsaDecrypt(const PkeyPtr& key, ByteView cryptogram)
{
    if (static_cast<int>(cryptogram.size()) != EVP_PKEY_get_size(key.get())) throw CryptoError("cryptogram size");
    auto ctx = keyCtx(key);
    check(EVP_PKEY_decrypt_init(ctx.get()) == 1, "EVP_PKEY_decrypt_init");
    check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1, "RSA padding");
    size_t len = cryptogram.size();
    Bytes out(len);
    check(EVP_PKEY_decrypt(ctx.get(), out.data(), &len, cryptogram.data(), cryptogram.size()) == 1, "RSA decrypt");
    out.resize(len);
    return out;
}

PkeyPtr eccPublicKey(const CurveInfo& curve, ByteView point)
{
    if (curve.family != CurveFamily::nist) {
        if (point.size() == 33 && point[0] == 0x40) point = point.subspan(1);
        if (point.size() != curve.fieldBytes) throw CryptoError("bad point length");
        std::string type(curve.group);
        return wrapPkey(EVP_PKEY_new_raw_public_key_ex(nullptr, type.c_str(), nullptr, point.data(), point.size()));
    }
    if (point.size() != 1 + 2 * std::size_t{curve.fieldBytes} || point[0] != 0x04) throw CryptoError("bad EC point");
    std::string group(curve.group);
    Bytes copy(point.begin(), point.end());
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, copy.data(), copy.size()),
        OSSL_PARAM_construct_end(),
    };
    return fromParams("EC", EVP_PKEY_PUBLIC_KEY, params);
}

Bytes openPgpEcdh(const PkeyPtr& key, const KeySpec& spec, ByteView peerPoint)
{
    if (spec.isRsa() || spec.algorithm != pgpalg::ecdh) throw CryptoError("not an ECDH key");
    PkeyPtr peer = eccPublicKey(*spec.curve, peerPoint);
    auto ctx = keyCtx(key);
    check(EVP_PKEY_derive_init(ctx.get()) == 1, "EVP_PKEY_derive_init");
    check(EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) == 1, "EVP_PKEY_derive_set_peer");
    size_t len = 0;
    check(EVP_PKEY_derive(ctx.get(), nullptr, &len) == 1, "ECDH size");
    Bytes out(len);
    check(EVP_PKEY_derive(ctx.get(), out.data(), &len) == 1, "ECDH");
    out.resize(len);
    return out;
}

PkeyPtr rsaKeyFromParts(ByteView eBytes, ByteView pBytes, ByteView qBytes)
{
    auto e = toBn(eBytes), p = toBn(pBytes), q = toBn(qBytes);
    Owned<BN_CTX> bctx(BN_CTX_new());
    check(bctx != nullptr, "BN_CTX_new");
    auto n = newBn(), d = newBn(), p1 = newBn(), q1 = newBn(), phi = newBn(), dp = newBn(), dq = newBn(),
         qinv = newBn();
    check(BN_mul(n.get(), p.get(), q.get(), bctx.get()) == 1, "n = p*q");
    check(BN_sub(p1.get(), p.get(), BN_value_one()) == 1 && BN_sub(q1.get(), q.get(), BN_value_one()) == 1, "p-1, q-1");
    check(BN_mul(phi.get(), p1.get(), q1.get(), bctx.get()) == 1, "phi");
    check(BN_mod_inverse(d.get(), e.get(), phi.get(), bctx.get()) != nullptr, "d = e^-1 mod phi");
    check(BN_mod(dp.get(), d.get(), p1.get(), bctx.get()) == 1 && BN_mod(dq.get(), d.get(), q1.get(), bctx.get()) == 1,
          "dp, dq");
    check(BN_mod_inverse(qinv.get(), q.get(), p.get(), bctx.get()) != nullptr, "q^-1 mod p");
    Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
    check(bld != nullptr, "OSSL_PARAM_BLD_new");
    const std::pair<const char*, const BIGNUM*> parts[] = {
        {OSSL_PKEY_PARAM_RSA_N, n.get()},          {OSSL_PKEY_PARAM_RSA_E, e.get()},
        {OSSL_PKEY_PARAM_RSA_D, d.get()},          {OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()},
        {OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()},    {OSSL_PKEY_PARAM_RSA_EXPONENT1, dp.get()},
        {OSSL_PKEY_PARAM_RSA_EXPONENT2, dq.get()}, {OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv.get()},
    };
    for (const auto& [name, bn] : parts)
        check(OSSL_PARAM_BLD_push_BN(bld.get(), name, bn) == 1, name);
    Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
    check(params != nullptr, "OSSL_PARAM_BLD_to_param");
    return fromParams("RSA", EVP_PKEY_KEYPAIR, params.get());
}

PkeyPtr eccKeyFromScalar(const KeySpec& spec, ByteView scalar)
{
    const CurveInfo& curve = *spec.curve;
    // Leading zeros may be stripped (an MPI) or added: normalise to the field size.
    auto first = std::find_if(scalar.begin(), scalar.end(), [](std::uint8_t b) { return b != 0; });
    ByteView value(first, scalar.end());
    if (value.size() > curve.fieldBytes) throw CryptoError("scalar too long");
    Bytes fixed(curve.fieldBytes - value.size(), 0x00);
    fixed.insert(fixed.end(), value.begin(), value.end());
    if (curve.family == CurveFamily::nist) return nistKeyFromScalar(curve, fixed);
    // GnuPG keeps the Curve25519 secret as a big-endian MPI: the native key reversed.
    if (curve.family == CurveFamily::x25519) std::reverse(fixed.begin(), fixed.end());
    std::string type(curve.group);
    return wrapPkey(EVP_PKEY_new_raw_private_key_ex(nullptr, type.c_str(), nullptr, fixed.data(), fixed.size()));
}

} // namespace tessera::vcard
