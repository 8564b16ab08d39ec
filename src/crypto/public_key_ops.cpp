// Software public-key operations for C_Verify and C_Encrypt: RSA PKCS#1 v1.5,
// PSS, OAEP and raw X.509 (PKCS#11 3.0 mechanisms 2.1.6-2.1.10), ECDSA over a
// hash or over data (2.3.6-2.3.7) with raw r||s signatures, and Ed25519 (2.3.14).
// Signature mismatches return false; OpenSSL's error queue is then cleared.
// Operation contexts and digests come from the module's library context.
#include "crypto/crypto.hpp"
#include "crypto/openssl_util.hpp"

#include <openssl/crypto.h>
#include <openssl/rsa.h>

#include <algorithm>

namespace tessera::crypto {

using detail::evpMd;
using detail::EvpPkeyCtxPtr;
using detail::throwOpenssl;

namespace {

EvpPkeyCtxPtr newCtx(EVP_PKEY* pkey)
{
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(detail::libCtx(), pkey, nullptr));
    if (!ctx) throwOpenssl(Errc::hostMemory, "EVP_PKEY_CTX_new_from_pkey failed");
    return ctx;
}

void requireKind(KeyKind have, KeyKind want)
{
    if (have != want) throw Error(Errc::argumentsBad, "mechanism does not fit the key type");
}

bool verdict(int rc)
{
    if (rc == 1) return true;
    detail::clearOpensslErrors();
    return false;
}

// RSA public operation with `padding` removed by OpenSSL, compared with `expected`.
bool recoverEquals(EVP_PKEY* pkey, int padding, ByteView sig, ByteView expected)
{
    EvpPkeyCtxPtr ctx = newCtx(pkey);
    if (EVP_PKEY_verify_recover_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding) != 1)
        throwOpenssl(Errc::general, "RSA verify-recover setup failed");
    Bytes out(static_cast<std::size_t>(EVP_PKEY_get_size(pkey)));
    std::size_t outLen = out.size();
    if (!verdict(EVP_PKEY_verify_recover(ctx.get(), out.data(), &outLen, sig.data(), sig.size()))) return false;
    return std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(outLen), expected.begin(), expected.end());
}

bool verifyPss(EVP_PKEY* pkey, const PssParams& pss, ByteView mHash, ByteView sig)
{
    if (mHash.size() != hashLength(pss.hash))
        throw Error(Errc::dataLenRange, "PSS input is not a hash of the PSS hash algorithm");
    EvpPkeyCtxPtr ctx = newCtx(pkey);
    if (EVP_PKEY_verify_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_signature_md(ctx.get(), evpMd(pss.hash)) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), evpMd(pss.mgf1)) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), detail::toInt(pss.saltLen)) != 1)
        throwOpenssl(Errc::argumentsBad, "RSA-PSS verify setup failed");
    return verdict(EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), mHash.data(), mHash.size()));
}

bool verifyEcdsa(EVP_PKEY* pkey, std::size_t fieldBytes, ByteView hash, ByteView sig)
{
    if (sig.size() != 2 * fieldBytes) return false;
    const Bytes der = ecdsaRawToDer(sig);
    EvpPkeyCtxPtr ctx = newCtx(pkey);
    // No signature digest set: the input is taken as the hash, truncated per SEC 1 4.1.4.
    if (EVP_PKEY_verify_init(ctx.get()) != 1) throwOpenssl(Errc::general, "ECDSA verify setup failed");
    return verdict(EVP_PKEY_verify(ctx.get(), der.data(), der.size(), hash.data(), hash.size()));
}

bool verifyEddsa(EVP_PKEY* pkey, ByteView data, ByteView sig)
{
    if (sig.size() != 64) return false;
    detail::EvpMdCtxPtr md(EVP_MD_CTX_new());
    if (!md || EVP_DigestVerifyInit_ex(md.get(), nullptr, nullptr, detail::libCtx(), nullptr, pkey, nullptr) != 1)
        throwOpenssl(Errc::general, "EdDSA verify setup failed");
    return verdict(EVP_DigestVerify(md.get(), sig.data(), sig.size(), data.data(), data.size()));
}

Bytes hashedOr(const std::optional<HashAlg>& alg, ByteView data)
{
    return alg ? digest(*alg, data) : Bytes(data.begin(), data.end());
}

} // namespace

bool PublicKey::verify(const SignatureScheme& scheme, ByteView data, ByteView signature) const
{
    EVP_PKEY* pkey = impl_->pkey.get();
    switch (scheme.kind) {
    case SignKind::rsaPkcs1v15: {
        requireKind(kind_, KeyKind::rsa);
        const Bytes t = scheme.dataHash ? digestInfo(*scheme.dataHash, digest(*scheme.dataHash, data))
                                        : Bytes(data.begin(), data.end());
        if (t.size() + 11 > fieldBytes()) throw Error(Errc::dataLenRange, "data too long for PKCS#1 v1.5");
        return signature.size() == fieldBytes() && recoverEquals(pkey, RSA_PKCS1_PADDING, signature, t);
    }
    case SignKind::rsaX509: {
        requireKind(kind_, KeyKind::rsa);
        if (scheme.dataHash) throw Error(Errc::argumentsBad, "CKM_RSA_X_509 does not hash");
        const Bytes expected = x509Block(data, fieldBytes());
        return signature.size() == fieldBytes() && recoverEquals(pkey, RSA_NO_PADDING, signature, expected);
    }
    case SignKind::rsaPss:
        requireKind(kind_, KeyKind::rsa);
        if (scheme.dataHash && *scheme.dataHash != scheme.pss.hash)
            throw Error(Errc::argumentsBad, "PSS hash differs from the mechanism's hash");
        return signature.size() == fieldBytes() &&
               verifyPss(pkey, scheme.pss, hashedOr(scheme.dataHash, data), signature);
    case SignKind::ecdsa:
        requireKind(kind_, KeyKind::ec);
        return verifyEcdsa(pkey, fieldBytes(), hashedOr(scheme.dataHash, data), signature);
    case SignKind::eddsa:
        requireKind(kind_, KeyKind::ed25519);
        if (scheme.dataHash) throw Error(Errc::argumentsBad, "Ed25519 (PureEdDSA) does not prehash");
        return verifyEddsa(pkey, data, signature);
    }
    throw Error(Errc::argumentsBad, "unknown signature scheme");
}

namespace {

void setOaep(EVP_PKEY_CTX* ctx, const OaepParams& oaep)
{
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_oaep_md(ctx, evpMd(oaep.hash)) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, evpMd(oaep.mgf1)) != 1)
        throwOpenssl(Errc::argumentsBad, "RSA-OAEP setup failed");
    if (oaep.label.empty()) return;
    void* label = OPENSSL_memdup(oaep.label.data(), oaep.label.size());
    if (label == nullptr) throw Error(Errc::hostMemory, "OPENSSL_memdup failed");
    if (EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, detail::toInt(oaep.label.size())) != 1) {
        OPENSSL_free(label); // ownership passes to ctx only on success
        throwOpenssl(Errc::argumentsBad, "RSA-OAEP label rejected");
    }
}

// Largest message each padding can carry (RFC 8017 7.1.1 step 1b, 7.2.1 step 1).
std::size_t maxMessage(const EncryptScheme& scheme, std::size_t k)
{
    std::size_t overhead = 0;
    if (scheme.kind == EncryptKind::rsaPkcs1v15) overhead = 11;
    if (scheme.kind == EncryptKind::rsaOaep) overhead = 2 * hashLength(scheme.oaep.hash) + 2;
    return k >= overhead ? k - overhead : 0;
}

} // namespace

Bytes PublicKey::encrypt(const EncryptScheme& scheme, ByteView data) const
{
    requireKind(kind_, KeyKind::rsa);
    const std::size_t k = fieldBytes();
    if (data.size() > maxMessage(scheme, k)) throw Error(Errc::dataLenRange, "data too long for this key and padding");
    EvpPkeyCtxPtr ctx = newCtx(impl_->pkey.get());
    if (EVP_PKEY_encrypt_init(ctx.get()) != 1) throwOpenssl(Errc::general, "EVP_PKEY_encrypt_init failed");
    Bytes input(data.begin(), data.end());
    if (scheme.kind == EncryptKind::rsaOaep) {
        setOaep(ctx.get(), scheme.oaep);
    } else {
        const bool raw = scheme.kind == EncryptKind::rsaX509;
        if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), raw ? RSA_NO_PADDING : RSA_PKCS1_PADDING) != 1)
            throwOpenssl(Errc::general, "RSA padding setup failed");
        if (raw) input = x509Block(data, k);
    }
    Bytes out(k);
    std::size_t outLen = out.size();
    if (EVP_PKEY_encrypt(ctx.get(), out.data(), &outLen, input.data(), input.size()) != 1)
        throwOpenssl(Errc::dataInvalid, "RSA encryption failed (X.509 data not below the modulus?)");
    out.resize(outLen);
    return out;
}

} // namespace tessera::crypto
