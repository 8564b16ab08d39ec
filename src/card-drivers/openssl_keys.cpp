// Public keys from card numbers; see openssl_keys.hpp.
#include "card-drivers/openssl_keys.hpp"

#include <openssl/core_names.h>

#include "common/error.hpp"

namespace tessera::drivers::ossl {

Bytes spkiOf(EVP_PKEY* key)
{
    int len = i2d_PUBKEY(key, nullptr);
    if (len <= 0) fail(Errc::general, "i2d_PUBKEY failed");
    Bytes out(static_cast<std::size_t>(len));
    unsigned char* q = out.data();
    if (i2d_PUBKEY(key, &q) != len) fail(Errc::general, "i2d_PUBKEY failed");
    return out;
}

namespace {
PkeyPtr fromParams(const char* type, OSSL_PARAM_BLD* bld, const std::string& context)
{
    ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) fail(Errc::hostMemory, "EVP_PKEY_fromdata_init");
    EVP_PKEY* raw = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 || raw == nullptr) {
        fail(Errc::malformedResponse, context + "card's " + type + " public key rejected by OpenSSL");
    }
    return PkeyPtr(raw);
}
} // namespace

PkeyPtr rsaPublicKey(ByteView modulus, ByteView exponent, const std::string& context)
{
    BnPtr n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
    BnPtr e(BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr));
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!n || !e || !bld) fail(Errc::hostMemory, "OpenSSL allocation failed");
    if (OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
        fail(Errc::hostMemory, "OSSL_PARAM_BLD_push_BN");
    }
    return fromParams("RSA", bld.get(), context);
}

PkeyPtr ecPublicKey(const char* group, ByteView point, const std::string& context)
{
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld) fail(Errc::hostMemory, "OSSL_PARAM_BLD_new");
    if (OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
        fail(Errc::hostMemory, "OSSL_PARAM_BLD push");
    }
    return fromParams("EC", bld.get(), context);
}

} // namespace tessera::drivers::ossl
