// Internal to tessera_crypto: the module's own OpenSSL library context, RAII
// owners for OpenSSL objects (the only set in the tree), the HashAlg to EVP_MD
// mapping, and the one way OpenSSL failures become tessera::Error (with the
// OpenSSL error queue text appended and the queue cleared). Nothing outside
// src/crypto includes this header, except the crypto unit tests.
#pragma once

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "crypto/crypto.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace tessera::crypto::detail {

// The OpenSSL library context every call in src/crypto passes (fetches, key
// decoding, key import, random): created once with the default provider
// loaded into it, never the host process's default context, whose providers,
// engines and configuration belong to the application (see library_context.cpp
// for its lifetime). Never null; throws Errc::general when OpenSSL cannot
// create it.
OSSL_LIB_CTX* libCtx();

template <auto Free> struct Deleter {
    template <typename T> void operator()(T* p) const noexcept { Free(p); }
};

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using Asn1ObjectPtr = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;

// The digest for alg, fetched from libCtx() once and kept (never null).
const EVP_MD* evpMd(HashAlg alg);

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

// One DER certificate at the start of `der`, decoded in libCtx() (X509_new_ex,
// so its public key is decoded there too). Null when it is not one; *end is
// then untouched, else it points just past the certificate.
X509Ptr decodeCertificate(ByteView der, const unsigned char** end);

} // namespace tessera::crypto::detail

namespace tessera::crypto {

// The one member of PublicKey: an immutable EVP_PKEY shared by copies.
struct PublicKey::Impl {
    detail::EvpPkeyPtr pkey;
};

} // namespace tessera::crypto
