// The certificate fields the PKCS#11 layer exposes on CKO_CERTIFICATE and uses
// for labels: subject, issuer, serial number, SubjectPublicKeyInfo and validity
// dates (PKCS#11 3.0 section 4.6.3, RFC 5280 4.1). Certificates come from the
// card, so the input is untrusted: exactly one DER certificate or an error
// (leadingCertificate: the certificate at the start of a padded container).
#include "crypto/crypto.hpp"
#include "crypto/openssl_util.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>

#include <climits>
#include <cstdio>
#include <ctime>

namespace tessera::crypto {

using detail::throwOpenssl;

namespace {

using detail::BioPtr;

template <typename T> Bytes toDer(const T* value, int (*encode)(const T*, unsigned char**))
{
    unsigned char* buf = nullptr;
    int len = encode(value, &buf);
    if (len <= 0) throwOpenssl(Errc::dataInvalid, "cannot re-encode certificate field");
    Bytes out(buf, buf + len);
    OPENSSL_free(buf);
    return out;
}

std::string nameText(const X509_NAME* name)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    // RFC 2253 with UTF-8 kept as is (no \XX escapes of non-ASCII bytes).
    const unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, flags) < 0)
        throwOpenssl(Errc::dataInvalid, "cannot print certificate name");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string commonNameOf(const X509_NAME* name)
{
    int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (index < 0) return {};
    const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, value);
    if (len < 0) throwOpenssl(Errc::dataInvalid, "certificate common name is not a string");
    std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
    return out;
}

// CK_DATE wants "YYYYMMDD" (PKCS#11 3.0 section 3.3).
std::string dateText(const ASN1_TIME* time)
{
    std::tm tm{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1)
        throwOpenssl(Errc::dataInvalid, "certificate validity date unreadable");
    char buf[48]; // room for any int the format could print
    std::snprintf(buf, sizeof buf, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return buf;
}

} // namespace

CertificateInfo parseCertificate(ByteView der)
{
    if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX))
        throw Error(Errc::dataInvalid, "certificate empty or too long");
    const unsigned char* end = nullptr;
    detail::X509Ptr cert = detail::decodeCertificate(der, &end);
    if (!cert) throw Error(Errc::dataInvalid, "not a DER X.509 certificate");
    if (end != der.data() + der.size()) throw Error(Errc::dataInvalid, "bytes after the certificate");

    const X509_NAME* subject = X509_get_subject_name(cert.get());
    const X509_NAME* issuer = X509_get_issuer_name(cert.get());
    const X509_PUBKEY* spki = X509_get_X509_PUBKEY(cert.get());
    if (subject == nullptr || issuer == nullptr || spki == nullptr)
        throw Error(Errc::dataInvalid, "certificate lacks subject, issuer or key");
    CertificateInfo info;
    info.subjectDer = toDer<X509_NAME>(subject, i2d_X509_NAME);
    info.issuerDer = toDer<X509_NAME>(issuer, i2d_X509_NAME);
    info.serialDer = toDer<ASN1_INTEGER>(X509_get0_serialNumber(cert.get()), i2d_ASN1_INTEGER);
    info.spkiDer = toDer<X509_PUBKEY>(spki, i2d_X509_PUBKEY);
    info.subjectText = nameText(subject);
    info.commonName = commonNameOf(subject);
    info.notBefore = dateText(X509_get0_notBefore(cert.get()));
    info.notAfter = dateText(X509_get0_notAfter(cert.get()));
    return info;
}

std::optional<Bytes> leadingCertificate(ByteView data)
{
    const unsigned char* end = nullptr;
    if (!detail::decodeCertificate(data, &end)) return std::nullopt;
    return Bytes(data.data(), end);
}

} // namespace tessera::crypto
