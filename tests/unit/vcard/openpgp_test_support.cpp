// Shared helpers of the virtual OpenPGP card tests (see openpgp_test_support.hpp):
// cached provisioned states, APDU exchange, and OpenSSL-side verification.
#include "openpgp_test_support.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <map>
#include <memory>

#include "apdu/tlv.hpp"
#include "openpgp_crypto.hpp"
#include "openpgp_persistence.hpp"

namespace tessera::vcard::test {

namespace {

OpenPgpState loadOrProvision(const std::string& profileName)
{
    std::string path = ::testing::TempDir() + "tessera-vcard-unit-openpgp-" + profileName + "-v1.state";
    try {
        return loadOpenPgpState(path);
    } catch (const std::exception&) {
        // absent or unreadable: provision afresh
    }
    OpenPgpState s = provisionOpenPgpCard(openPgpProvisionDefaults(profileName));
    try {
        saveOpenPgpState(path, s);
    } catch (const std::exception&) {
        // a read-only temporary directory only costs time
    }
    return s;
}

Bytes apdu(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, ByteView data, int le, bool extended)
{
    Bytes out{cla, ins, p1, p2};
    if (extended) {
        out.push_back(0x00);
        if (!data.empty()) {
            out.push_back(static_cast<std::uint8_t>(data.size() >> 8));
            out.push_back(static_cast<std::uint8_t>(data.size()));
            out.insert(out.end(), data.begin(), data.end());
        }
        if (le >= 0) {
            out.push_back(static_cast<std::uint8_t>(le >> 8));
            out.push_back(static_cast<std::uint8_t>(le));
        }
        return out;
    }
    if (!data.empty()) {
        out.push_back(static_cast<std::uint8_t>(data.size()));
        out.insert(out.end(), data.begin(), data.end());
    }
    if (le >= 0) out.push_back(static_cast<std::uint8_t>(le));
    return out;
}

using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;

} // namespace

const OpenPgpState& openPgpState(const std::string& profileName)
{
    static std::map<std::string, OpenPgpState> cache;
    auto it = cache.find(profileName);
    if (it == cache.end()) it = cache.emplace(profileName, loadOrProvision(profileName)).first;
    return it->second;
}

PgpAnswer OpenPgpTest::raw(ByteView command)
{
    Bytes r = card.transmit(command);
    EXPECT_GE(r.size(), 2u);
    PgpAnswer a;
    a.sw = static_cast<std::uint16_t>((r[r.size() - 2] << 8) | r[r.size() - 1]);
    a.data.assign(r.begin(), r.end() - 2);
    return a;
}

PgpAnswer OpenPgpTest::send(std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, ByteView data, int le, bool extended)
{
    std::size_t off = 0;
    while (!extended && data.size() - off > 255) {
        PgpAnswer part = raw(apdu(0x10, ins, p1, p2, data.subspan(off, 255), -1, false));
        EXPECT_EQ(part.sw, 0x9000);
        off += 255;
    }
    PgpAnswer a = raw(apdu(0x00, ins, p1, p2, data.subspan(off), le, extended));
    Bytes all = a.data;
    for (int guard = 0; (a.sw >> 8) == 0x61 && guard < 300; ++guard) {
        a = raw(apdu(0x00, 0xC0, 0x00, 0x00, {}, a.sw & 0xFF, false));
        all.insert(all.end(), a.data.begin(), a.data.end());
    }
    a.data = all;
    return a;
}

PgpAnswer OpenPgpTest::verify(std::uint8_t ref, const std::string& pin)
{
    Bytes value(pin.begin(), pin.end());
    return send(0x20, 0x00, ref, value, -1);
}

Bytes OpenPgpTest::publicTemplate(std::uint8_t crt)
{
    const std::uint8_t data[] = {crt, 0x00};
    PgpAnswer a = send(0x47, 0x81, 0x00, data);
    EXPECT_EQ(a.sw, 0x9000);
    return tlvValue(a.data, 0x7F49);
}

PkeyPtr OpenPgpTest::publicKey(std::uint8_t crt, const KeySpec& spec)
{
    Bytes t = publicTemplate(crt);
    if (!spec.isRsa()) return eccPublicKey(*spec.curve, tlvValue(t, 0x86));
    Bytes n = tlvValue(t, 0x81), e = tlvValue(t, 0x82);
    std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
    BIGNUM* bn = BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr);
    BIGNUM* be = BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr);
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn);
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, be);
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld.get());
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), EVP_PKEY_CTX_free);
    EVP_PKEY* raw = nullptr;
    EVP_PKEY_fromdata_init(ctx.get());
    EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params);
    OSSL_PARAM_free(params);
    BN_free(bn);
    BN_free(be);
    return wrapPkey(raw);
}

Bytes tlvValue(ByteView data, std::uint32_t tag)
{
    auto t = apdu::find(data, tag, true);
    EXPECT_TRUE(t.has_value()) << "tag " << std::hex << tag << " missing";
    if (!t) return {};
    return Bytes(t->value.begin(), t->value.end());
}

Bytes sha256(ByteView data)
{
    Bytes out(32);
    unsigned len = 0;
    EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
    return out;
}

Bytes digestInfoSha256(ByteView data)
{
    Bytes info = fromHex("3031300D060960864801650304020105000420");
    Bytes h = sha256(data);
    info.insert(info.end(), h.begin(), h.end());
    return info;
}

bool verifyRsaPkcs1Sha256(const PkeyPtr& pub, ByteView message, ByteView signature)
{
    return verifyMessage(pub, "SHA256", message, signature);
}

bool verifyRawEcdsa(const PkeyPtr& pub, ByteView hash, ByteView rs)
{
    std::size_t half = rs.size() / 2;
    ECDSA_SIG* sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(rs.data(), static_cast<int>(half), nullptr),
                   BN_bin2bn(rs.data() + half, static_cast<int>(half), nullptr));
    unsigned char* der = nullptr;
    int derLen = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pub.get(), nullptr), EVP_PKEY_CTX_free);
    bool ok = EVP_PKEY_verify_init(ctx.get()) == 1 &&
              EVP_PKEY_verify(ctx.get(), der, static_cast<size_t>(derLen), hash.data(), hash.size()) == 1;
    OPENSSL_free(der);
    return ok;
}

bool verifyEd25519(const PkeyPtr& pub, ByteView message, ByteView signature)
{
    MdCtx md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    return EVP_DigestVerifyInit_ex(md.get(), nullptr, nullptr, nullptr, nullptr, pub.get(), nullptr) == 1 &&
           EVP_DigestVerify(md.get(), signature.data(), signature.size(), message.data(), message.size()) == 1;
}

Bytes rsaEncryptPkcs1(const PkeyPtr& pub, ByteView message)
{
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pub.get(), nullptr), EVP_PKEY_CTX_free);
    EVP_PKEY_encrypt_init(ctx.get());
    EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING);
    size_t len = 0;
    EVP_PKEY_encrypt(ctx.get(), nullptr, &len, message.data(), message.size());
    Bytes out(len);
    EVP_PKEY_encrypt(ctx.get(), out.data(), &len, message.data(), message.size());
    out.resize(len);
    return out;
}

Bytes deriveWith(const PkeyPtr& priv, const PkeyPtr& peer)
{
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, priv.get(), nullptr), EVP_PKEY_CTX_free);
    EVP_PKEY_derive_init(ctx.get());
    EVP_PKEY_derive_set_peer(ctx.get(), peer.get());
    size_t len = 0;
    EVP_PKEY_derive(ctx.get(), nullptr, &len);
    Bytes out(len);
    EVP_PKEY_derive(ctx.get(), out.data(), &len);
    out.resize(len);
    return out;
}

} // namespace tessera::vcard::test
