// Test-only OpenSSL helpers for tessera_crypto_tests: key generation (cached,
// RSA keygen is slow), the raw RSA private operation a PIV card would do, and
// OpenSSL's own sign/encrypt as the reference implementation to check against.
#pragma once

#include "common/bytes.hpp"
#include "crypto/crypto.hpp"
#include "crypto/openssl_util.hpp"

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <stdexcept>
#include <string>

namespace tessera::crypto::test {

using detail::EvpMdCtxPtr;
using detail::EvpPkeyCtxPtr;
using detail::EvpPkeyPtr;

// The Errc a call throws; a test failure (and Errc::general) when it throws none.
inline Errc errcOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "no tessera::Error thrown";
    return Errc::general;
}

inline void check(bool ok, const char* what)
{
    if (!ok) throw std::runtime_error(std::string("OpenSSL test helper failed: ") + what);
}

// "RSA:2048", "RSA:1025", "EC:P-256", "ED25519", "X25519"; generated once per process.
inline EVP_PKEY* testKey(const std::string& spec)
{
    static std::map<std::string, EvpPkeyPtr> cache;
    auto it = cache.find(spec);
    if (it != cache.end()) return it->second.get();
    EVP_PKEY* key = nullptr;
    if (spec.rfind("RSA:", 0) == 0)
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(std::stoul(spec.substr(4))));
    else if (spec.rfind("EC:", 0) == 0)
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", spec.substr(3).c_str());
    else
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, spec.c_str());
    check(key != nullptr, "keygen");
    cache.emplace(spec, EvpPkeyPtr(key));
    return key;
}

inline Bytes spkiOf(EVP_PKEY* key)
{
    int len = i2d_PUBKEY(key, nullptr);
    check(len > 0, "i2d_PUBKEY");
    Bytes out(static_cast<size_t>(len));
    unsigned char* p = out.data();
    i2d_PUBKEY(key, &p);
    return out;
}

inline size_t modulusBytes(EVP_PKEY* key)
{
    return static_cast<size_t>(EVP_PKEY_get_size(key));
}

// One EVP_PKEY_CTX operation: init, configure, then the two-call size/produce dance.
using CtxSetup = std::function<void(EVP_PKEY_CTX*)>;
using CtxRun = std::function<int(EVP_PKEY_CTX*, unsigned char*, size_t*)>;

inline Bytes runCtx(EVP_PKEY* key, int (*init)(EVP_PKEY_CTX*), const CtxSetup& setup, const CtxRun& run)
{
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    check(ctx && init(ctx.get()) == 1, "ctx init");
    setup(ctx.get());
    size_t len = 0;
    check(run(ctx.get(), nullptr, &len) == 1, "size query");
    Bytes out(len);
    check(run(ctx.get(), out.data(), &len) == 1, "operation");
    out.resize(len);
    return out;
}

// What a PIV card does with GENERAL AUTHENTICATE for an RSA key: m^d mod n, no padding.
inline Bytes rawRsaPrivate(EVP_PKEY* key, ByteView block)
{
    return runCtx(
        key, EVP_PKEY_decrypt_init,
        [](EVP_PKEY_CTX* c) { check(EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) == 1, "no padding"); },
        [&](EVP_PKEY_CTX* c, unsigned char* out, size_t* len) {
            return EVP_PKEY_decrypt(c, out, len, block.data(), block.size());
        });
}

inline Bytes opensslEncrypt(EVP_PKEY* key, ByteView data, const CtxSetup& setup)
{
    return runCtx(key, EVP_PKEY_encrypt_init, setup, [&](EVP_PKEY_CTX* c, unsigned char* out, size_t* len) {
        return EVP_PKEY_encrypt(c, out, len, data.data(), data.size());
    });
}

inline Bytes opensslDecrypt(EVP_PKEY* key, ByteView data, const CtxSetup& setup)
{
    return runCtx(key, EVP_PKEY_decrypt_init, setup, [&](EVP_PKEY_CTX* c, unsigned char* out, size_t* len) {
        return EVP_PKEY_decrypt(c, out, len, data.data(), data.size());
    });
}

// Sign a precomputed input (hash, DigestInfo) with EVP_PKEY_sign.
inline Bytes opensslSignRaw(EVP_PKEY* key, ByteView tbs, const CtxSetup& setup)
{
    return runCtx(key, EVP_PKEY_sign_init, setup, [&](EVP_PKEY_CTX* c, unsigned char* out, size_t* len) {
        return EVP_PKEY_sign(c, out, len, tbs.data(), tbs.size());
    });
}

// Hash-and-sign with EVP_DigestSign (md may be null for Ed25519).
inline Bytes opensslDigestSign(EVP_PKEY* key, const EVP_MD* md, ByteView data, const CtxSetup& setup = {})
{
    EvpMdCtxPtr mctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    check(mctx && EVP_DigestSignInit(mctx.get(), &pctx, md, nullptr, key) == 1, "DigestSignInit");
    if (setup) setup(pctx);
    size_t len = 0;
    check(EVP_DigestSign(mctx.get(), nullptr, &len, data.data(), data.size()) == 1, "DigestSign size");
    Bytes out(len);
    check(EVP_DigestSign(mctx.get(), out.data(), &len, data.data(), data.size()) == 1, "DigestSign");
    out.resize(len);
    return out;
}

inline bool opensslDigestVerify(EVP_PKEY* key, const EVP_MD* md, ByteView data, ByteView sig,
                                const CtxSetup& setup = {})
{
    EvpMdCtxPtr mctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    check(mctx && EVP_DigestVerifyInit(mctx.get(), &pctx, md, nullptr, key) == 1, "DigestVerifyInit");
    if (setup) setup(pctx);
    return EVP_DigestVerify(mctx.get(), sig.data(), sig.size(), data.data(), data.size()) == 1;
}

inline Bytes bytesOf(const std::string& s)
{
    return Bytes(s.begin(), s.end());
}

inline Bytes flipped(ByteView b, size_t index)
{
    Bytes out(b.begin(), b.end());
    out.at(index) ^= 0x01;
    return out;
}

} // namespace tessera::crypto::test
