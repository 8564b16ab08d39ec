// Certificate making for the virtual card (OpenSSL 3 X509 API): self-signed
// certificates for provisioning and attestation certificates for YubiKey ATTEST.
#include "x509_util.hpp"

#include <cstdio>
#include <memory>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "card_state.hpp"

namespace tessera::vcard {

namespace {

struct Free {
    void operator()(X509* x) const { X509_free(x); }
    void operator()(BIGNUM* b) const { BN_free(b); }
    void operator()(X509_EXTENSION* e) const { X509_EXTENSION_free(e); }
    void operator()(ASN1_OBJECT* o) const { ASN1_OBJECT_free(o); }
    // ASN1_INTEGER and ASN1_OCTET_STRING are the same type (asn1_string_st).
    void operator()(ASN1_STRING* s) const { ASN1_STRING_free(s); }
};
template <typename T> using Owned = std::unique_ptr<T, Free>;

void check(bool ok, const char* what)
{
    if (!ok) throw CryptoError(what);
}

Owned<X509> newCertificate(const PkeyPtr& key, int days)
{
    Owned<X509> x(X509_new());
    check(x != nullptr && X509_set_version(x.get(), X509_VERSION_3) == 1, "X509_new");
    Bytes serial = randomBytes(16);
    serial[0] &= 0x7F;
    serial[0] |= 0x01;
    Owned<BIGNUM> bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
    check(bn != nullptr && BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x.get())) != nullptr, "serial");
    check(X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(x.get()), 86400L * days) != nullptr, "notAfter");
    check(X509_set_pubkey(x.get(), key.get()) == 1, "X509_set_pubkey");
    return x;
}

void setCommonName(X509_NAME* name, const std::string& cn)
{
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                     -1, 0) == 1,
          "X509_NAME_add_entry_by_txt");
}

void addExtension(X509* x, X509* issuer, int nid, const char* value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
    Owned<X509_EXTENSION> ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
    check(ext != nullptr && X509_add_ext(x, ext.get(), -1) == 1, value);
}

void addRawExtension(X509* x, const char* oid, ByteView value)
{
    Owned<ASN1_OBJECT> obj(OBJ_txt2obj(oid, 1));
    Owned<ASN1_OCTET_STRING> data(ASN1_OCTET_STRING_new());
    check(obj && data && ASN1_OCTET_STRING_set(data.get(), value.data(), static_cast<int>(value.size())) == 1, oid);
    Owned<X509_EXTENSION> ext(X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), 0, data.get()));
    check(ext != nullptr && X509_add_ext(x, ext.get(), -1) == 1, oid);
}

Bytes toDer(X509* x)
{
    int len = i2d_X509(x, nullptr);
    check(len > 0, "i2d_X509");
    Bytes out(static_cast<std::size_t>(len));
    unsigned char* p = out.data();
    check(i2d_X509(x, &p) == len, "i2d_X509");
    return out;
}

const char* keyUsageFor(std::uint8_t slot, bool rsa)
{
    switch (slot) {
    case keyref::signature: return "critical,digitalSignature,nonRepudiation";
    case keyref::keyManagement: return rsa ? "critical,keyEncipherment" : "critical,keyAgreement";
    default: return "critical,digitalSignature";
    }
}

} // namespace

Bytes makeSelfSignedCertificate(const PkeyPtr& key, const std::string& commonName, std::uint8_t slot, int days)
{
    auto x = newCertificate(key, days);
    setCommonName(X509_get_subject_name(x.get()), commonName);
    check(X509_set_issuer_name(x.get(), X509_get_subject_name(x.get())) == 1, "issuer");
    bool rsa = EVP_PKEY_is_a(key.get(), "RSA") == 1;
    bool ca = slot == keyref::attestation; // the attestation root signs certificates, like Yubico's
    addExtension(x.get(), x.get(), NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    addExtension(x.get(), x.get(), NID_key_usage, ca ? "critical,keyCertSign" : keyUsageFor(slot, rsa));
    addExtension(x.get(), x.get(), NID_subject_key_identifier, "hash");
    if (slot == keyref::authentication || slot == keyref::cardAuth)
        addExtension(x.get(), x.get(), NID_ext_key_usage, "clientAuth");
    check(X509_sign(x.get(), key.get(), EVP_sha256()) > 0, "X509_sign");
    return toDer(x.get());
}

Bytes makeAttestationCertificate(const PkeyPtr& subjectKey, const PkeyPtr& issuerKey, ByteView issuerCertDer,
                                 const AttestationFacts& facts)
{
    const unsigned char* p = issuerCertDer.data();
    Owned<X509> issuer(d2i_X509(nullptr, &p, static_cast<long>(issuerCertDer.size())));
    check(issuer != nullptr, "attestation issuer certificate");
    auto x = newCertificate(subjectKey, 3650);
    char cn[48];
    std::snprintf(cn, sizeof cn, "YubiKey PIV Attestation %02x", facts.slot);
    setCommonName(X509_get_subject_name(x.get()), cn);
    check(X509_set_issuer_name(x.get(), X509_get_subject_name(issuer.get())) == 1, "issuer");
    // Yubico PIV attestation extensions (firmware, serial, policies, form factor).
    addRawExtension(x.get(), "1.3.6.1.4.1.41482.3.3", facts.version);
    Owned<ASN1_INTEGER> serial(ASN1_INTEGER_new());
    check(serial && ASN1_INTEGER_set_uint64(serial.get(), facts.serial) == 1, "serial");
    int len = i2d_ASN1_INTEGER(serial.get(), nullptr);
    Bytes serialDer(static_cast<std::size_t>(len));
    unsigned char* q = serialDer.data();
    i2d_ASN1_INTEGER(serial.get(), &q);
    addRawExtension(x.get(), "1.3.6.1.4.1.41482.3.7", serialDer);
    const std::uint8_t policies[] = {facts.pinPolicy, facts.touchPolicy};
    addRawExtension(x.get(), "1.3.6.1.4.1.41482.3.8", policies);
    const std::uint8_t formFactor[] = {0x01};
    addRawExtension(x.get(), "1.3.6.1.4.1.41482.3.9", formFactor);
    check(X509_sign(x.get(), issuerKey.get(), EVP_sha256()) > 0, "X509_sign");
    return toDer(x.get());
}

PkeyPtr certificatePublicKey(ByteView der)
{
    const unsigned char* p = der.data();
    Owned<X509> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    check(x != nullptr, "d2i_X509");
    EVP_PKEY* key = X509_get_pubkey(x.get());
    return wrapPkey(key);
}

} // namespace tessera::vcard
