// The module's own OpenSSL library context (OpenSSL 3 OSSL_LIB_CTX) and the
// digests fetched from it. A PKCS#11 module runs inside other people's
// processes: the host may have configured OpenSSL its own way (openssl.cnf,
// an engine such as libp11's, a FIPS or null provider in the default
// context), and none of that may change how we decode a card's key or hash a
// message. So src/crypto passes this context to every OpenSSL call that takes
// one, and it is not the default context:
//
// - Created on first use, by whichever thread gets there first (a C++ static
//   initialisation: thread-safe, and retried if it threw). OSSL_LIB_CTX_new
//   reads no configuration file; the default provider is loaded into it
//   explicitly, so nothing the host configures is consulted.
// - Never freed, on purpose, and for the process's lifetime (across
//   C_Finalize / C_Initialize cycles). Not in a static destructor: an
//   application that exits without C_Finalize may still have threads inside
//   the module (design.md; src/pkcs11/module.cpp never tears the module down
//   at exit either), and OpenSSL's own exit handler may already have run.
//   Not in C_Finalize: keys and hashers built in the context (token objects,
//   session operations) can outlive C_Finalize's return in a thread that is
//   finishing a call, and freeing a context under a live EVP_PKEY is a
//   use-after-free. The cost is one context and five digests per process.
//   The holder below is trivially destructible, so no destructor is
//   registered at all.
#include "crypto/openssl_util.hpp"

#include <openssl/provider.h>

#include <array>
#include <string>
#include <type_traits>

namespace tessera::crypto::detail {

namespace {

constexpr std::array<HashAlg, 5> kHashes{HashAlg::sha1, HashAlg::sha224, HashAlg::sha256, HashAlg::sha384,
                                         HashAlg::sha512};

struct Library {
    OSSL_LIB_CTX* ctx = nullptr;
    std::array<EVP_MD*, kHashes.size()> md{}; // indexed like kHashes
};

Library create()
{
    Library lib;
    lib.ctx = OSSL_LIB_CTX_new();
    if (lib.ctx == nullptr) throwOpenssl(Errc::general, "OSSL_LIB_CTX_new failed");
    // Kept loaded for the context's (the process's) lifetime: the handle is not needed again.
    if (OSSL_PROVIDER_load(lib.ctx, "default") == nullptr) {
        OSSL_LIB_CTX_free(lib.ctx);
        throwOpenssl(Errc::general, "cannot load OpenSSL's default provider into the module's context");
    }
    for (std::size_t i = 0; i < kHashes.size(); ++i) {
        lib.md[i] = EVP_MD_fetch(lib.ctx, hashName(kHashes[i]), nullptr);
        if (lib.md[i] == nullptr) {
            for (EVP_MD* md : lib.md)
                EVP_MD_free(md);
            OSSL_LIB_CTX_free(lib.ctx);
            throwOpenssl(Errc::general, std::string("cannot fetch ") + hashName(kHashes[i]));
        }
    }
    return lib;
}

const Library& library()
{
    static_assert(std::is_trivially_destructible_v<Library>, "no static destructor may free the context");
    static const Library lib = create();
    return lib;
}

} // namespace

OSSL_LIB_CTX* libCtx()
{
    return library().ctx;
}

const EVP_MD* evpMd(HashAlg alg)
{
    const Library& lib = library();
    for (std::size_t i = 0; i < kHashes.size(); ++i)
        if (kHashes[i] == alg) return lib.md[i];
    throw Error(Errc::argumentsBad, "unknown hash algorithm");
}

} // namespace tessera::crypto::detail
