// OpenSSL 3 implementation of the virtual card's key operations: generation,
// public key templates, raw RSA, ECDSA over a hash, ECDH, CRT/scalar import,
// PKCS#8 encoding for persistence, ECB for the management key challenge.
#include "openssl_util.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

namespace tessera::vcard {

namespace {

struct CtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
    void operator()(BIGNUM* b) const { BN_clear_free(b); }
    void operator()(BN_CTX* b) const { BN_CTX_free(b); }
    void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
    void operator()(EVP_MD_CTX* m) const { EVP_MD_CTX_free(m); }
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
    void operator()(EC_GROUP* g) const { EC_GROUP_free(g); }
    void operator()(EC_POINT* p) const { EC_POINT_free(p); }
};
template <typename T> using Owned = std::unique_ptr<T, CtxFree>;

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

Bytes bnBytes(const BIGNUM* bn, int width = 0)
{
    int n = width > 0 ? width : BN_num_bytes(bn);
    Bytes out(static_cast<std::size_t>(n));
    check(BN_bn2binpad(bn, out.data(), n) == n, "BN_bn2binpad");
    return out;
}

Owned<BIGNUM> toBn(ByteView b)
{
    Owned<BIGNUM> bn(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr));
    check(bn != nullptr, "BN_bin2bn");
    return bn;
}

Owned<BIGNUM> getBn(const PkeyPtr& key, const char* name)
{
    BIGNUM* bn = nullptr;
    check(EVP_PKEY_get_bn_param(key.get(), name, &bn) == 1, name);
    return Owned<BIGNUM>(bn);
}

const char* curveName(std::uint8_t a)
{
    if (a == alg::eccP256) return "P-256";
    if (a == alg::eccP384) return "P-384";
    throw CryptoError("not an EC algorithm");
}

void appendTlv(Bytes& out, std::uint8_t tag, ByteView value)
{
    out.push_back(tag);
    std::size_t n = value.size();
    if (n < 0x80) {
        out.push_back(static_cast<std::uint8_t>(n));
    } else if (n < 0x100) {
        out.push_back(0x81);
        out.push_back(static_cast<std::uint8_t>(n));
    } else {
        out.push_back(0x82);
        out.push_back(static_cast<std::uint8_t>(n >> 8));
        out.push_back(static_cast<std::uint8_t>(n));
    }
    out.insert(out.end(), value.begin(), value.end());
}

const EVP_CIPHER* cipherFor(std::uint8_t a)
{
    switch (a) {
    case alg::tdes: return EVP_des_ede3_ecb();
    case alg::aes128: return EVP_aes_128_ecb();
    case alg::aes192: return EVP_aes_192_ecb();
    case alg::aes256: return EVP_aes_256_ecb();
    default: throw CryptoError("not a symmetric algorithm");
    }
}

Bytes ecbOne(std::uint8_t a, ByteView key, ByteView block, int encrypt)
{
    if (key.size() != symmetricKeyLength(a) || block.size() != symmetricBlockSize(a))
        throw CryptoError("wrong key or block length");
    Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
    check(ctx != nullptr, "EVP_CIPHER_CTX_new");
    check(EVP_CipherInit_ex(ctx.get(), cipherFor(a), nullptr, key.data(), nullptr, encrypt) == 1, "EVP_CipherInit_ex");
    EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
    Bytes out(block.size());
    check(EVP_Cipher(ctx.get(), out.data(), block.data(), static_cast<unsigned>(block.size())) > 0, "EVP_Cipher");
    return out;
}

PkeyPtr pkeyFromParams(const char* type, int selection, OSSL_PARAM* params)
{
    Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    check(ctx != nullptr && EVP_PKEY_fromdata_init(ctx.get()) == 1, "EVP_PKEY_fromdata_init");
    EVP_PKEY* raw = nullptr;
    check(EVP_PKEY_fromdata(ctx.get(), &raw, selection, params) == 1, "EVP_PKEY_fromdata");
    return wrapPkey(raw);
}

} // namespace

bool isRsaAlg(std::uint8_t a)
{
    return a == alg::rsa1024 || a == alg::rsa2048 || a == alg::rsa3072 || a == alg::rsa4096;
}
bool isEcAlg(std::uint8_t a)
{
    return a == alg::eccP256 || a == alg::eccP384;
}
bool isSymmetricAlg(std::uint8_t a)
{
    return symmetricKeyLength(a) != 0;
}

unsigned algBits(std::uint8_t a)
{
    switch (a) {
    case alg::rsa1024: return 1024;
    case alg::rsa2048: return 2048;
    case alg::rsa3072: return 3072;
    case alg::rsa4096: return 4096;
    case alg::eccP256: return 256;
    case alg::eccP384: return 384;
    default: return 0;
    }
}

std::size_t symmetricKeyLength(std::uint8_t a)
{
    switch (a) {
    case alg::tdes: return 24;
    case alg::aes128: return 16;
    case alg::aes192: return 24;
    case alg::aes256: return 32;
    default: return 0;
    }
}

std::size_t symmetricBlockSize(std::uint8_t a)
{
    return a == alg::tdes ? 8 : 16;
}

PkeyPtr wrapPkey(EVP_PKEY* raw)
{
    check(raw != nullptr, "no key");
    return PkeyPtr(raw, EVP_PKEY_free);
}

PkeyPtr generateKey(std::uint8_t a)
{
    EVP_PKEY* raw = nullptr;
    if (isRsaAlg(a))
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(algBits(a)));
    else if (isEcAlg(a))
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curveName(a));
    else
        throw CryptoError("unsupported key algorithm");
    return wrapPkey(raw);
}

std::uint8_t algorithmOf(const PkeyPtr& key)
{
    int bits = EVP_PKEY_get_bits(key.get());
    if (EVP_PKEY_is_a(key.get(), "RSA")) {
        for (auto a : {alg::rsa1024, alg::rsa2048, alg::rsa3072, alg::rsa4096})
            if (static_cast<int>(algBits(a)) == bits) return a;
    } else if (EVP_PKEY_is_a(key.get(), "EC")) {
        char group[64] = {};
        size_t len = 0;
        if (EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1)
            return 0;
        std::string g(group, len);
        if (g == "prime256v1" || g == "P-256") return alg::eccP256;
        if (g == "secp384r1" || g == "P-384") return alg::eccP384;
    }
    return 0;
}

Bytes publicKeyTemplate(const PkeyPtr& key)
{
    Bytes out;
    if (EVP_PKEY_is_a(key.get(), "RSA")) {
        appendTlv(out, 0x81, bnBytes(getBn(key, OSSL_PKEY_PARAM_RSA_N).get()));
        appendTlv(out, 0x82, bnBytes(getBn(key, OSSL_PKEY_PARAM_RSA_E).get()));
        return out;
    }
    size_t len = 0;
    check(EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, nullptr, 0, &len) == 1,
          "public point length");
    Bytes point(len);
    check(EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point.data(), len, &len) == 1,
          "public point");
    point.resize(len);
    appendTlv(out, 0x86, point);
    return out;
}

Bytes rsaRawPrivate(const PkeyPtr& key, ByteView input)
{
    if (static_cast<int>(input.size()) != EVP_PKEY_get_size(key.get()))
        throw CryptoError("input is not the modulus length");
    auto ctx = keyCtx(key);
    check(EVP_PKEY_decrypt_init(ctx.get()) == 1, "EVP_PKEY_decrypt_init");
    check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) == 1, "RSA_NO_PADDING");
    size_t outLen = input.size();
    Bytes out(outLen);
    check(EVP_PKEY_decrypt(ctx.get(), out.data(), &outLen, input.data(), input.size()) == 1,
          "raw RSA (input >= modulus?)");
    // Keep the full modulus width: OpenSSL already pads the result to it.
    out.resize(outLen);
    return out;
}

Bytes ecdsaSignHash(const PkeyPtr& key, ByteView hash)
{
    auto ctx = keyCtx(key);
    check(EVP_PKEY_sign_init(ctx.get()) == 1, "EVP_PKEY_sign_init");
    size_t len = 0;
    check(EVP_PKEY_sign(ctx.get(), nullptr, &len, hash.data(), hash.size()) == 1, "ECDSA size");
    Bytes sig(len);
    check(EVP_PKEY_sign(ctx.get(), sig.data(), &len, hash.data(), hash.size()) == 1, "ECDSA sign");
    sig.resize(len);
    return sig;
}

Bytes ecdhDerive(const PkeyPtr& key, ByteView peerPoint)
{
    std::uint8_t a = algorithmOf(key);
    PkeyPtr peer = ecPublicFromPoint(a, peerPoint);
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

Bytes signMessage(const PkeyPtr& key, const char* digest, ByteView message)
{
    Owned<EVP_MD_CTX> md(EVP_MD_CTX_new());
    check(md != nullptr, "EVP_MD_CTX_new");
    check(EVP_DigestSignInit_ex(md.get(), nullptr, digest, nullptr, nullptr, key.get(), nullptr) == 1,
          "EVP_DigestSignInit_ex");
    size_t len = 0;
    check(EVP_DigestSign(md.get(), nullptr, &len, message.data(), message.size()) == 1, "sign size");
    Bytes sig(len);
    check(EVP_DigestSign(md.get(), sig.data(), &len, message.data(), message.size()) == 1, "sign");
    sig.resize(len);
    return sig;
}

bool verifyMessage(const PkeyPtr& key, const char* digest, ByteView message, ByteView sig)
{
    Owned<EVP_MD_CTX> md(EVP_MD_CTX_new());
    check(md != nullptr, "EVP_MD_CTX_new");
    check(EVP_DigestVerifyInit_ex(md.get(), nullptr, digest, nullptr, nullptr, key.get(), nullptr) == 1,
          "EVP_DigestVerifyInit_ex");
    return EVP_DigestVerify(md.get(), sig.data(), sig.size(), message.data(), message.size()) == 1;
}

PkeyPtr rsaFromCrt(ByteView p, ByteView q, ByteView dp, ByteView dq, ByteView qinv)
{
    auto bp = toBn(p), bq = toBn(q), bdp = toBn(dp), bdq = toBn(dq), bqinv = toBn(qinv);
    Owned<BN_CTX> bctx(BN_CTX_new());
    Owned<BIGNUM> n(BN_new()), e(BN_new()), d(BN_new()), p1(BN_new()), q1(BN_new()), phi(BN_new());
    check(bctx && n && e && d && p1 && q1 && phi, "BN_new");
    check(BN_mul(n.get(), bp.get(), bq.get(), bctx.get()) == 1, "n = p*q");
    check(BN_set_word(e.get(), 65537) == 1, "e");
    check(BN_sub(p1.get(), bp.get(), BN_value_one()) == 1 && BN_sub(q1.get(), bq.get(), BN_value_one()) == 1,
          "p-1, q-1");
    check(BN_mul(phi.get(), p1.get(), q1.get(), bctx.get()) == 1, "phi");
    check(BN_mod_inverse(d.get(), e.get(), phi.get(), bctx.get()) != nullptr, "d = e^-1 mod phi");
    Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
    check(bld != nullptr, "OSSL_PARAM_BLD_new");
    const std::pair<const char*, const BIGNUM*> parts[] = {
        {OSSL_PKEY_PARAM_RSA_N, n.get()},           {OSSL_PKEY_PARAM_RSA_E, e.get()},
        {OSSL_PKEY_PARAM_RSA_D, d.get()},           {OSSL_PKEY_PARAM_RSA_FACTOR1, bp.get()},
        {OSSL_PKEY_PARAM_RSA_FACTOR2, bq.get()},    {OSSL_PKEY_PARAM_RSA_EXPONENT1, bdp.get()},
        {OSSL_PKEY_PARAM_RSA_EXPONENT2, bdq.get()}, {OSSL_PKEY_PARAM_RSA_COEFFICIENT1, bqinv.get()},
    };
    for (const auto& [name, bn] : parts)
        check(OSSL_PARAM_BLD_push_BN(bld.get(), name, bn) == 1, name);
    Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
    check(params != nullptr, "OSSL_PARAM_BLD_to_param");
    return pkeyFromParams("RSA", EVP_PKEY_KEYPAIR, params.get());
}

PkeyPtr ecFromScalar(std::uint8_t a, ByteView scalar)
{
    const char* curve = curveName(a);
    int nid = a == alg::eccP256 ? NID_X9_62_prime256v1 : NID_secp384r1;
    if (scalar.size() != algBits(a) / 8) throw CryptoError("wrong scalar length");
    Owned<EC_GROUP> group(EC_GROUP_new_by_curve_name(nid));
    check(group != nullptr, "EC_GROUP_new_by_curve_name");
    auto priv = toBn(scalar);
    Owned<EC_POINT> pub(EC_POINT_new(group.get()));
    check(pub != nullptr && EC_POINT_mul(group.get(), pub.get(), priv.get(), nullptr, nullptr, nullptr) == 1,
          "EC_POINT_mul");
    Bytes point(1 + 2 * scalar.size());
    check(EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, point.data(), point.size(),
                             nullptr) == point.size(),
          "EC_POINT_point2oct");
    Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
    check(bld != nullptr, "OSSL_PARAM_BLD_new");
    check(OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve, 0) == 1 &&
              OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()) == 1 &&
              OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1,
          "EC params");
    Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
    check(params != nullptr, "OSSL_PARAM_BLD_to_param");
    return pkeyFromParams("EC", EVP_PKEY_KEYPAIR, params.get());
}

PkeyPtr ecPublicFromPoint(std::uint8_t a, ByteView point)
{
    const char* curve = curveName(a);
    if (point.size() != 1 + 2 * (algBits(a) / 8) || point[0] != 0x04) throw CryptoError("bad EC point");
    Bytes copy(point.begin(), point.end());
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(curve), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, copy.data(), copy.size()),
        OSSL_PARAM_construct_end(),
    };
    return pkeyFromParams("EC", EVP_PKEY_PUBLIC_KEY, params);
}

Bytes encodePrivateKey(const PkeyPtr& key)
{
    OSSL_ENCODER_CTX* ctx =
        OSSL_ENCODER_CTX_new_for_pkey(key.get(), EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", nullptr);
    check(ctx != nullptr, "OSSL_ENCODER_CTX_new_for_pkey");
    unsigned char* data = nullptr;
    size_t len = 0;
    int ok = OSSL_ENCODER_to_data(ctx, &data, &len);
    OSSL_ENCODER_CTX_free(ctx);
    check(ok == 1, "OSSL_ENCODER_to_data");
    Bytes out(data, data + len);
    OPENSSL_clear_free(data, len);
    return out;
}

PkeyPtr decodePrivateKey(ByteView der)
{
    EVP_PKEY* raw = nullptr;
    OSSL_DECODER_CTX* ctx =
        OSSL_DECODER_CTX_new_for_pkey(&raw, "DER", nullptr, nullptr, EVP_PKEY_KEYPAIR, nullptr, nullptr);
    check(ctx != nullptr, "OSSL_DECODER_CTX_new_for_pkey");
    const unsigned char* p = der.data();
    size_t len = der.size();
    int ok = OSSL_DECODER_from_data(ctx, &p, &len);
    OSSL_DECODER_CTX_free(ctx);
    check(ok == 1, "OSSL_DECODER_from_data");
    return wrapPkey(raw);
}

Bytes ecbEncrypt(std::uint8_t a, ByteView key, ByteView block)
{
    return ecbOne(a, key, block, 1);
}
Bytes ecbDecrypt(std::uint8_t a, ByteView key, ByteView block)
{
    return ecbOne(a, key, block, 0);
}

Bytes randomBytes(std::size_t n)
{
    Bytes out(n);
    check(RAND_bytes(out.data(), static_cast<int>(n)) == 1, "RAND_bytes");
    return out;
}

} // namespace tessera::vcard
