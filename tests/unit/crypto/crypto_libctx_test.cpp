// The crypto layer works in the module's own OpenSSL library context, never
// the host's default one. Directly: the context is not the default context,
// and the digests come from the provider loaded into it. By behaviour, in a
// child process whose default context holds only OpenSSL's "null" provider
// (no algorithms at all: what a host with an odd openssl.cnf, a FIPS-only or
// an engine setup may look like to us): every public entry point still works
// there (hashing, random, keys from SPKI, card numbers, raw keys and
// certificates, verify, encrypt). Any call still made in the default context
// fails in that child, which the test first checks. And in a child where an
// engine is the default for RSA and EC keys, as libp11's is under
// `openssl ... -engine pkcs11`: the same checks pass (engines are global, not
// per context, so a key made by algorithm number would become the engine's
// legacy key, without EC_PUB_X/Y and refusing EVP_PKEY_fromdata).
#define OPENSSL_SUPPRESS_DEPRECATED // the ENGINE API: what the host uses, not us
#include "crypto_test_util.hpp"

#include "common/error.hpp"

#include <openssl/core_names.h>
#include <openssl/engine.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

namespace tessera::crypto {
namespace {

using namespace test;

TEST(LibraryContext, IsOursAndNotTheDefault)
{
    OSSL_LIB_CTX* ctx = detail::libCtx();
    ASSERT_NE(ctx, nullptr);
    EXPECT_NE(ctx, OSSL_LIB_CTX_get0_global_default());
    EXPECT_EQ(detail::libCtx(), ctx) << "created once";
}

TEST(LibraryContext, DigestsComeFromItsProvider)
{
    // Loading a provider that is already loaded returns that same provider
    // object (one more activation, undone right after).
    OSSL_PROVIDER* ours = OSSL_PROVIDER_load(detail::libCtx(), "default");
    OSSL_PROVIDER* host = OSSL_PROVIDER_load(nullptr, "default");
    ASSERT_NE(ours, nullptr);
    ASSERT_NE(host, nullptr);
    EXPECT_NE(ours, host);
    for (HashAlg alg : {HashAlg::sha1, HashAlg::sha224, HashAlg::sha256, HashAlg::sha384, HashAlg::sha512}) {
        const OSSL_PROVIDER* prov = EVP_MD_get0_provider(detail::evpMd(alg));
        EXPECT_EQ(prov, ours) << hashName(alg);
    }
    OSSL_PROVIDER_unload(host);
    OSSL_PROVIDER_unload(ours);
}

// ---- The child with an empty default context ---------------------------------

[[noreturn]] void failChild(const char* what)
{
    std::fprintf(stderr, "libctx child: %s\n", what);
    std::fflush(stderr);
    std::_Exit(1);
}

void require(bool ok, const char* what)
{
    if (!ok) failChild(what);
}

// Test keys and signatures, made in our context (the default one has no
// algorithms left); OpenSSL here is the oracle, not the code under test. Key
// types by OID name, so that the engine child's engine does not take the
// key generation over either.
EvpPkeyPtr generateInOurContext(const char* type, OSSL_PARAM param)
{
    detail::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(detail::libCtx(), type, nullptr));
    OSSL_PARAM params[] = {param, OSSL_PARAM_construct_end()};
    EVP_PKEY* key = nullptr;
    require(ctx && EVP_PKEY_keygen_init(ctx.get()) == 1 && EVP_PKEY_CTX_set_params(ctx.get(), params) == 1 &&
                EVP_PKEY_generate(ctx.get(), &key) == 1,
            "keygen in our context");
    return EvpPkeyPtr(key);
}

EvpPkeyPtr keyInOurContext(const char* type, const char* param)
{
    if (param == nullptr) return generateInOurContext(type, OSSL_PARAM_construct_end());
    char* group = const_cast<char*>(param);
    return generateInOurContext("1.2.840.10045.2.1", // id-ecPublicKey
                                OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0));
}

EvpPkeyPtr rsaKeyInOurContext()
{
    static std::size_t bits = 1024;
    return generateInOurContext("1.2.840.113549.1.1.1", // rsaEncryption
                                OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &bits));
}

Bytes signInOurContext(EVP_PKEY* key, const char* md, ByteView data)
{
    EvpMdCtxPtr mctx(EVP_MD_CTX_new());
    require(mctx && EVP_DigestSignInit_ex(mctx.get(), nullptr, md, detail::libCtx(), nullptr, key, nullptr) == 1,
            "DigestSignInit_ex");
    size_t len = 0;
    require(EVP_DigestSign(mctx.get(), nullptr, &len, data.data(), data.size()) == 1, "DigestSign size");
    Bytes sig(len);
    require(EVP_DigestSign(mctx.get(), sig.data(), &len, data.data(), data.size()) == 1, "DigestSign");
    sig.resize(len);
    return sig;
}

Bytes certificateInOurContext(EVP_PKEY* key)
{
    detail::X509Ptr x(X509_new_ex(detail::libCtx(), nullptr));
    require(x && X509_set_version(x.get(), 2) == 1, "X509_new_ex");
    require(ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 7) == 1, "serial");
    X509_NAME* name = X509_get_subject_name(x.get());
    require(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("ctx"), -1, -1,
                                       0) == 1,
            "name");
    require(X509_set_issuer_name(x.get(), name) == 1, "issuer");
    require(ASN1_TIME_set_string(X509_getm_notBefore(x.get()), "240102000000Z") == 1, "notBefore");
    require(ASN1_TIME_set_string(X509_getm_notAfter(x.get()), "250102000000Z") == 1, "notAfter");
    require(X509_set_pubkey(x.get(), key) == 1, "pubkey");
    require(X509_sign(x.get(), key, detail::evpMd(HashAlg::sha256)) > 0, "X509_sign");
    unsigned char* der = nullptr;
    int len = i2d_X509(x.get(), &der);
    require(len > 0, "i2d_X509");
    Bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
}

Bytes rsaParam(EVP_PKEY* key, const char* name)
{
    BIGNUM* bn = nullptr;
    require(EVP_PKEY_get_bn_param(key, name, &bn) == 1, "RSA parameter");
    detail::BignumPtr owner(bn);
    return detail::bnToBytes(bn);
}

void checkHashAndRandom()
{
    require(toHex(digest(HashAlg::sha256, bytesOf("abc"))) ==
                "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
            "SHA-256 of abc");
    require(randomBytes(32).size() == 32, "randomBytes");
}

// An EC key and its self-signed certificate, made by the oracle. The engine
// child makes them before it installs its engine: OpenSSL's own X509_sign
// fails under such an engine, which is the host's problem, not ours.
struct EcKeyAndCertificate {
    EvpPkeyPtr priv;
    Bytes cert;
};

EcKeyAndCertificate ecKeyAndCertificate()
{
    EvpPkeyPtr priv = keyInOurContext("EC", "P-256");
    Bytes cert = certificateInOurContext(priv.get());
    return {std::move(priv), std::move(cert)};
}

void checkEc(const EcKeyAndCertificate& made)
{
    EVP_PKEY* priv = made.priv.get();
    const Bytes& cert = made.cert;
    const Bytes spki = spkiOf(priv);
    const Bytes msg = bytesOf("signed in a hostile host");
    PublicKey key = PublicKey::fromSpki(spki);
    require(key.curve() == Curve::p256, "EC key from SPKI");
    const Bytes raw = ecdsaDerToRaw(signInOurContext(priv, "SHA256", msg), key.fieldBytes());
    SignatureScheme ecdsa{SignKind::ecdsa, HashAlg::sha256, {}};
    require(key.verify(ecdsa, msg, raw), "ECDSA verify");
    PublicKey fromPoint = PublicKey::fromEcPoint(Curve::p256, key.ecPointUncompressed());
    require(fromPoint.spkiDer() == spki, "EC key from a card's point");
    require(leadingCertificate(concat(cert, Bytes(8, 0))) == cert, "leadingCertificate");
    require(parseCertificate(cert).commonName == "ctx", "parseCertificate");
    require(PublicKey::fromCertificate(cert).spkiDer() == spki, "key from a certificate");
}

void checkRsa()
{
    EvpPkeyPtr priv = rsaKeyInOurContext();
    PublicKey key =
        PublicKey::fromRsa(rsaParam(priv.get(), OSSL_PKEY_PARAM_RSA_N), rsaParam(priv.get(), OSSL_PKEY_PARAM_RSA_E));
    require(key.spkiDer() == spkiOf(priv.get()), "RSA key from card numbers");
    const Bytes msg = bytesOf("pkcs1");
    SignatureScheme pkcs1{SignKind::rsaPkcs1v15, HashAlg::sha256, {}};
    require(key.verify(pkcs1, msg, signInOurContext(priv.get(), "SHA256", msg)), "RSA PKCS#1 verify");
    EncryptScheme oaep{EncryptKind::rsaOaep, OaepParams{HashAlg::sha256, HashAlg::sha256, {}}};
    require(key.encrypt(oaep, bytesOf("secret")).size() == key.fieldBytes(), "RSA OAEP encrypt");
}

void checkEd25519()
{
    EvpPkeyPtr priv = keyInOurContext("ED25519", nullptr);
    PublicKey key = PublicKey::fromRaw(KeyKind::ed25519, PublicKey::fromSpki(spkiOf(priv.get())).ecPointUncompressed());
    const Bytes msg = bytesOf("eddsa");
    SignatureScheme eddsa{SignKind::eddsa, std::nullopt, {}};
    require(key.verify(eddsa, msg, signInOurContext(priv.get(), nullptr, msg)), "Ed25519 verify");
}

void runWithEmptyDefaultContext()
{
    // Fresh process (threadsafe death test): nothing has used OpenSSL yet, so
    // loading "null" explicitly keeps the default provider from ever loading.
    require(OSSL_PROVIDER_load(nullptr, "null") != nullptr, "load the null provider");
    EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (md != nullptr) {
        EVP_MD_free(md);
        failChild("the default context still has SHA-256: the test would prove nothing");
    }
    try {
        checkHashAndRandom();
        checkEc(ecKeyAndCertificate());
        checkRsa();
        checkEd25519();
    } catch (const std::exception& e) {
        failChild(e.what());
    }
    std::fprintf(stderr, "libctx child: all checks passed\n");
    std::fflush(stderr);
    std::_Exit(0);
}

TEST(LibraryContextDeathTest, WorksWhenTheHostDefaultContextHasNoAlgorithms)
{
    GTEST_FLAG_SET(death_test_style, "threadsafe"); // re-executes this binary: a fresh OpenSSL
    EXPECT_EXIT(runWithEmptyDefaultContext(), ::testing::ExitedWithCode(0), "all checks passed");
}

// An engine that claims the RSA and EC key methods (handing out OpenSSL's
// own legacy ones), made the default for them, like libp11's engine after
// ENGINE_set_default(e, ENGINE_METHOD_ALL).
int legacyPkeyMeths(ENGINE*, EVP_PKEY_METHOD** pmeth, const int** nids, int nid)
{
    static const int kNids[] = {EVP_PKEY_RSA, EVP_PKEY_EC};
    if (pmeth == nullptr) {
        *nids = kNids;
        return 2;
    }
    *pmeth = const_cast<EVP_PKEY_METHOD*>(EVP_PKEY_meth_find(nid));
    return *pmeth != nullptr ? 1 : 0;
}

void runWithAnEngineForRsaAndEc()
{
    const EcKeyAndCertificate ec = ecKeyAndCertificate();
    ENGINE* e = ENGINE_new();
    require(e != nullptr && ENGINE_set_id(e, "tessera-test-engine") == 1 && ENGINE_set_name(e, "test engine") == 1 &&
                ENGINE_set_pkey_meths(e, legacyPkeyMeths) == 1 && ENGINE_add(e) == 1,
            "make the engine");
    require(ENGINE_set_default(e, ENGINE_METHOD_PKEY_METHS) == 1, "make it the default for key methods");
    require(ENGINE_get_pkey_meth_engine(EVP_PKEY_EC) != nullptr, "the engine is the default for EC keys");
    try {
        checkEc(ec);
        checkRsa();
        checkEd25519();
    } catch (const std::exception& ex) {
        failChild(ex.what());
    }
    std::fprintf(stderr, "engine child: all checks passed\n");
    std::fflush(stderr);
    std::_Exit(0);
}

TEST(LibraryContextDeathTest, WorksWhenTheHostMadeAnEngineTheDefault)
{
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(runWithAnEngineForRsaAndEc(), ::testing::ExitedWithCode(0), "all checks passed");
}

} // namespace
} // namespace tessera::crypto
