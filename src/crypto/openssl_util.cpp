// Shared OpenSSL plumbing for tessera_crypto: turning the OpenSSL error queue
// into tessera::Error, BIGNUM <-> bytes with checked lengths, and certificate
// decoding in the module's library context. Nothing here is visible outside
// the library.
#include "crypto/openssl_util.hpp"

#include <openssl/err.h>

#include <climits>

namespace tessera::crypto::detail {

void clearOpensslErrors() noexcept
{
    ERR_clear_error();
}

void throwOpenssl(Errc code, const std::string& what)
{
    std::string msg = what;
    unsigned long e = ERR_peek_last_error();
    if (e != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        msg += ": ";
        msg += buf;
    }
    ERR_clear_error();
    throw Error(code, msg);
}

int toInt(std::size_t n)
{
    if (n > static_cast<std::size_t>(INT_MAX)) throw Error(Errc::dataLenRange, "length exceeds OpenSSL's int range");
    return static_cast<int>(n);
}

Bytes bnToBytes(const BIGNUM* bn, std::size_t width)
{
    Bytes out(width);
    if (BN_bn2binpad(bn, out.data(), toInt(width)) < 0) throw Error(Errc::dataInvalid, "integer longer than its field");
    return out;
}

Bytes bnToBytes(const BIGNUM* bn)
{
    auto n = static_cast<std::size_t>(BN_num_bytes(bn));
    return bnToBytes(bn, n == 0 ? 1 : n);
}

X509Ptr decodeCertificate(ByteView der, const unsigned char** end)
{
    if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX)) return nullptr;
    // d2i into an X509_new_ex object: the decoder takes the library context
    // (for the SubjectPublicKeyInfo) from the object it fills. On failure
    // d2i_X509 frees the object and sets the pointer to null.
    X509* raw = X509_new_ex(libCtx(), nullptr);
    if (raw == nullptr) throwOpenssl(Errc::hostMemory, "X509_new_ex failed");
    const unsigned char* p = der.data();
    if (d2i_X509(&raw, &p, static_cast<long>(der.size())) == nullptr) {
        clearOpensslErrors();
        return nullptr;
    }
    *end = p;
    return X509Ptr(raw);
}

} // namespace tessera::crypto::detail
