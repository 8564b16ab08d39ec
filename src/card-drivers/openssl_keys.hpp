// Public keys from the numbers a card hands out (RSA modulus and exponent, an
// EC point), built with OpenSSL 3 and returned as DER SubjectPublicKeyInfo.
// Shared by the drivers; each adds its own checks of what its card may send.
#pragma once

#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "common/bytes.hpp"

namespace tessera::drivers::ossl {

template <auto Free> struct Deleter {
    template <typename T> void operator()(T* p) const { Free(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;

// DER SubjectPublicKeyInfo of a key.
Bytes spkiOf(EVP_PKEY* key);
// A public key from card numbers; OpenSSL refusing them (a point off the
// curve, a bad modulus) is Error(malformedResponse, context + ...).
PkeyPtr rsaPublicKey(ByteView modulus, ByteView exponent, const std::string& context);
PkeyPtr ecPublicKey(const char* group, ByteView point, const std::string& context);

} // namespace tessera::drivers::ossl
