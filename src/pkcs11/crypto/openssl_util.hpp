// Internal to tessera_crypto: RAII owners for OpenSSL objects, the HashAlg to
// EVP_MD mapping, and the one way OpenSSL failures become tessera::Error (with
// the OpenSSL error queue text appended and the queue cleared).
#pragma once

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "pkcs11/crypto/crypto.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace tessera::crypto::detail {

template <auto Free> struct Deleter {
    template <typename T> void operator()(T* p) const noexcept { Free(p); }
};

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;

// The default-provider digest for alg (never null).
const EVP_MD* evpMd(HashAlg alg) noexcept;

// Throws Error(code, what + OpenSSL's reason); always clears the error queue.
[[noreturn]] void throwOpenssl(Errc code, const std::string& what);
// Drop whatever OpenSSL queued (after an expected failure, e.g. a bad signature).
void clearOpensslErrors() noexcept;

// OpenSSL's int lengths: reject sizes that do not fit before casting.
int toInt(std::size_t n);

// Big-endian unsigned of exactly `width` bytes (leading zeros kept).
Bytes bnToBytes(const BIGNUM* bn, std::size_t width);
// Big-endian unsigned, minimal length (zero gives one 00 byte).
Bytes bnToBytes(const BIGNUM* bn);

} // namespace tessera::crypto::detail

namespace tessera::crypto {

// The one member of PublicKey: an immutable EVP_PKEY shared by copies.
struct PublicKey::Impl {
    detail::EvpPkeyPtr pkey;
};

} // namespace tessera::crypto
