// OpenSSL 3 EVP implementations of the oracle helpers in ossl.hpp. Each one
// fails closed (false / empty) and leaves the reason in OpenSSL's error queue,
// which lastError() renders for the test's failure message.
#include "ossl.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

namespace tessera::apitest::ossl {

namespace {

struct CtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_PKEY_CTX, CtxFree>;

} // namespace

Pkey publicKeyFromCertDer(const Bytes& der)
{
    const unsigned char* p = der.data();
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (cert == nullptr) return nullptr;
    Pkey key(X509_get_pubkey(cert));
    X509_free(cert);
    return key;
}

Bytes digest(const char* mdName, const Bytes& data)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD* md = EVP_MD_fetch(nullptr, mdName, nullptr);
    if (md == nullptr) return {};
    int ok = EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
    EVP_MD_free(md);
    if (ok != 1) return {};
    return Bytes(out, out + len);
}

Bytes sha256DigestInfo(const Bytes& data)
{
    // RFC 8017 section 9.2 note 1: the DER prefix of DigestInfo for SHA-256.
    Bytes out = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    Bytes h = digest("SHA256", data);
    out.insert(out.end(), h.begin(), h.end());
    return out;
}

bool verifyRsaPkcs1(EVP_PKEY* key, const char* mdName, const Bytes& data, const Bytes& sig)
{
    if (mdName != nullptr) {
        EVP_MD_CTX* mctx = EVP_MD_CTX_new();
        bool ok = EVP_DigestVerifyInit_ex(mctx, nullptr, mdName, nullptr, nullptr, key, nullptr) == 1 &&
                  EVP_DigestVerify(mctx, sig.data(), sig.size(), data.data(), data.size()) == 1;
        EVP_MD_CTX_free(mctx);
        return ok;
    }
    // No digest set: OpenSSL checks the PKCS#1 v1.5 block holds exactly data (a DigestInfo).
    Ctx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    return ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
           EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1 &&
           EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), data.data(), data.size()) == 1;
}

bool verifyRsaPssHash(EVP_PKEY* key, const char* mdName, int saltLen, const Bytes& hash, const Bytes& sig)
{
    Ctx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    EVP_MD* md = EVP_MD_fetch(nullptr, mdName, nullptr);
    bool ok = ctx && md != nullptr && EVP_PKEY_verify_init(ctx.get()) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) == 1 &&
              EVP_PKEY_CTX_set_signature_md(ctx.get(), md) == 1 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) == 1 &&
              EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), saltLen) == 1 &&
              EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), hash.data(), hash.size()) == 1;
    EVP_MD_free(md);
    return ok;
}

bool verifyEcdsaRawHash(EVP_PKEY* key, const Bytes& hash, const Bytes& rawSig)
{
    if (rawSig.empty() || rawSig.size() % 2 != 0) return false;
    const int half = static_cast<int>(rawSig.size() / 2);
    ECDSA_SIG* es = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(rawSig.data(), half, nullptr);
    BIGNUM* s = BN_bin2bn(rawSig.data() + half, half, nullptr);
    ECDSA_SIG_set0(es, r, s);
    unsigned char* der = nullptr;
    int derLen = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    if (derLen <= 0) return false;
    Ctx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    bool ok = ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
              EVP_PKEY_verify(ctx.get(), der, static_cast<size_t>(derLen), hash.data(), hash.size()) == 1;
    OPENSSL_free(der);
    return ok;
}

Bytes rsaEncrypt(EVP_PKEY* key, const char* oaepMd, const Bytes& plain)
{
    Ctx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1) return {};
    if (oaepMd == nullptr) {
        if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) return {};
    } else {
        EVP_MD* md = EVP_MD_fetch(nullptr, oaepMd, nullptr);
        bool ok = md != nullptr && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) == 1 &&
                  EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), md) == 1 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) == 1;
        EVP_MD_free(md);
        if (!ok) return {};
    }
    size_t len = 0;
    if (EVP_PKEY_encrypt(ctx.get(), nullptr, &len, plain.data(), plain.size()) != 1) return {};
    Bytes out(len);
    if (EVP_PKEY_encrypt(ctx.get(), out.data(), &len, plain.data(), plain.size()) != 1) return {};
    out.resize(len);
    return out;
}

Pkey generateP256()
{
    return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

Bytes ecPublicPoint(EVP_PKEY* key)
{
    size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, nullptr, 0, &len) != 1) return {};
    Bytes out(len);
    if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out.data(), out.size(), &len) != 1) {
        return {};
    }
    out.resize(len);
    return out;
}

Bytes ecdh(EVP_PKEY* ours, EVP_PKEY* peer)
{
    Ctx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, ours, nullptr));
    size_t len = 0;
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer) != 1 ||
        EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
        return {};
    }
    Bytes out(len);
    if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1) return {};
    out.resize(len);
    return out;
}

std::string lastError()
{
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        out += (out.empty() ? "" : "; ") + std::string(buf);
    }
    return out.empty() ? "no OpenSSL error" : out;
}

} // namespace tessera::apitest::ossl
