// Shared OpenSSL plumbing for tessera_crypto: digest lookup, turning the
// OpenSSL error queue into tessera::Error, and BIGNUM <-> bytes with checked
// lengths. Nothing here is visible outside the library.
#include "pkcs11/crypto/openssl_util.hpp"

#include <openssl/err.h>

#include <climits>

namespace tessera::crypto::detail {

const EVP_MD* evpMd(HashAlg alg) noexcept
{
    switch (alg) {
    case HashAlg::sha1: return EVP_sha1();
    case HashAlg::sha224: return EVP_sha224();
    case HashAlg::sha256: return EVP_sha256();
    case HashAlg::sha384: return EVP_sha384();
    case HashAlg::sha512: return EVP_sha512();
    }
    return EVP_sha256(); // unreachable for valid enumerators
}

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

} // namespace tessera::crypto::detail
