// Test material for the PIV driver tests; see piv_test_support.hpp.
#include "piv_test_support.hpp"

#include <openssl/core_names.h>
#include <openssl/x509.h>
#include <zlib.h>

#include <stdexcept>

#include "apdu/tlv.hpp"

namespace tessera::test {

Pkey makeRsaKey(unsigned bits)
{
    Pkey key(EVP_RSA_gen(bits));
    if (!key) throw std::runtime_error("EVP_RSA_gen");
    return key;
}

Pkey makeEcKey(const char* curve)
{
    Pkey key(EVP_EC_gen(curve));
    if (!key) throw std::runtime_error("EVP_EC_gen");
    return key;
}

Bytes selfSignedCertificate(EVP_PKEY* key, const std::string& commonName)
{
    std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 42);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600L * 24 * 365);
    X509_set_pubkey(x.get(), key);
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(commonName.c_str()), -1,
                               -1, 0);
    X509_set_issuer_name(x.get(), name);
    if (X509_sign(x.get(), key, EVP_sha256()) <= 0) throw std::runtime_error("X509_sign");
    int len = i2d_X509(x.get(), nullptr);
    Bytes out(static_cast<std::size_t>(len));
    unsigned char* p = out.data();
    i2d_X509(x.get(), &p);
    return out;
}

Bytes spkiOf(EVP_PKEY* key)
{
    int len = i2d_PUBKEY(key, nullptr);
    Bytes out(static_cast<std::size_t>(len));
    unsigned char* p = out.data();
    i2d_PUBKEY(key, &p);
    return out;
}

Bytes ecPublicPoint(EVP_PKEY* key)
{
    std::size_t len = 0;
    EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0, &len);
    Bytes out(len);
    EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len);
    return out;
}

Bytes gzip(ByteView data)
{
    z_stream zs{};
    if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw std::runtime_error("deflateInit2");
    }
    Bytes out(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
    zs.next_in = const_cast<Bytef*>(data.data());
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    int rc = deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) throw std::runtime_error("deflate");
    return out;
}

std::string hex(ByteView b)
{
    return toHex(b);
}

std::string dataObjectAnswer(ByteView inner)
{
    return toHex(apdu::tlv(0x53, inner)) + "9000";
}

std::string certContainerAnswer(ByteView certificate, bool compressed)
{
    apdu::TlvWriter w;
    if (compressed) {
        w.add(0x70, gzip(certificate));
    } else {
        w.add(0x70, certificate);
    }
    w.addByte(0x71, compressed ? 0x01 : 0x00);
    w.add(0xFE, ByteView{});
    return dataObjectAnswer(w.bytes());
}

std::string selectHex()
{
    return "00A4040009A00000030800001000"
           "00";
}

std::string getDataHex(std::uint32_t tag)
{
    Bytes t = apdu::encodeTag(tag);
    return "00CB3FFF" +
           toHex(Bytes{static_cast<std::uint8_t>(t.size() + 2), 0x5C, static_cast<std::uint8_t>(t.size())}) + toHex(t) +
           "00";
}

std::string metadataHex(std::uint8_t slot)
{
    return "00F700" + toHex(Bytes{slot}) + "00";
}

} // namespace tessera::test
