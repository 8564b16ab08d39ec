// Hashes (FIPS 180-4 via EVP), the DER DigestInfo of RFC 8017 9.2 note 1 that
// EMSA-PKCS1-v1_5 wraps around a hash, and the random source (the module's
// library context's DRBG). Used for the
// hashing sign/verify mechanisms (CKM_SHA256_RSA_PKCS ...) and C_Digest*.
#include "crypto/crypto.hpp"
#include "crypto/openssl_util.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>

namespace tessera::crypto {

using detail::evpMd;
using detail::throwOpenssl;

namespace {

struct DigestInfoPrefix {
    HashAlg alg;
    std::array<std::uint8_t, 19> bytes; // SHA-1's prefix is 15 bytes long
    std::size_t size;
};

// RFC 8017 9.2 note 1: DER of DigestInfo{AlgorithmIdentifier{oid, NULL}, OCTET STRING}
// up to the hash value itself.
constexpr std::array<DigestInfoPrefix, 5> kPrefixes{{
    {HashAlg::sha1, {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14}, 15},
    {HashAlg::sha224,
     {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c},
     19},
    {HashAlg::sha256,
     {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
     19},
    {HashAlg::sha384,
     {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
     19},
    {HashAlg::sha512,
     {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
     19},
}};

ByteView prefixOf(HashAlg alg)
{
    for (const auto& p : kPrefixes)
        if (p.alg == alg) return ByteView(p.bytes.data(), p.size);
    throw Error(Errc::argumentsBad, "unknown hash algorithm");
}

} // namespace

std::size_t hashLength(HashAlg alg) noexcept
{
    switch (alg) {
    case HashAlg::sha1: return 20;
    case HashAlg::sha224: return 28;
    case HashAlg::sha256: return 32;
    case HashAlg::sha384: return 48;
    case HashAlg::sha512: return 64;
    }
    return 0;
}

const char* hashName(HashAlg alg) noexcept
{
    switch (alg) {
    case HashAlg::sha1: return "SHA1";
    case HashAlg::sha224: return "SHA224";
    case HashAlg::sha256: return "SHA256";
    case HashAlg::sha384: return "SHA384";
    case HashAlg::sha512: return "SHA512";
    }
    return "?";
}

Bytes digest(HashAlg alg, ByteView data)
{
    Hasher h(alg);
    h.update(data);
    return h.finish();
}

struct Hasher::Ctx {
    detail::EvpMdCtxPtr md;
};

Hasher::Hasher(HashAlg alg) : alg_(alg), ctx_(std::make_unique<Ctx>())
{
    ctx_->md.reset(EVP_MD_CTX_new());
    // A digest fetched from the module's context; _ex2 takes no ENGINE.
    if (!ctx_->md || EVP_DigestInit_ex2(ctx_->md.get(), evpMd(alg), nullptr) != 1)
        throwOpenssl(Errc::general, "EVP_DigestInit_ex2 failed");
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&& other) noexcept = default;
Hasher& Hasher::operator=(Hasher&& other) noexcept = default;

void Hasher::update(ByteView data)
{
    if (!ctx_) throw Error(Errc::general, "Hasher used after finish or move");
    if (EVP_DigestUpdate(ctx_->md.get(), data.data(), data.size()) != 1)
        throwOpenssl(Errc::general, "EVP_DigestUpdate failed");
}

Bytes Hasher::finish()
{
    Bytes out(hashLength(alg_));
    finishInto(out);
    return out;
}

void Hasher::finishInto(std::span<std::uint8_t> out)
{
    if (!ctx_) throw Error(Errc::general, "Hasher used after finish or move");
    if (out.size() != hashLength(alg_)) throw Error(Errc::bufferTooSmall, "digest buffer is not the hash length");
    unsigned int len = 0;
    auto ctx = std::move(ctx_); // EVP_MD_CTX_free cleanses the digest state
    if (EVP_DigestFinal_ex(ctx->md.get(), out.data(), &len) != 1 || len != out.size())
        throwOpenssl(Errc::general, "EVP_DigestFinal_ex failed");
}

Bytes digestInfo(HashAlg alg, ByteView hash)
{
    if (hash.size() != hashLength(alg)) throw Error(Errc::dataLenRange, "hash length does not match the algorithm");
    return concat(prefixOf(alg), hash);
}

std::optional<HashAlg> hashFromDigestInfo(ByteView data)
{
    for (const auto& p : kPrefixes) {
        ByteView prefix(p.bytes.data(), p.size);
        if (data.size() == prefix.size() + hashLength(p.alg) && std::equal(prefix.begin(), prefix.end(), data.begin()))
            return p.alg;
    }
    return std::nullopt;
}

Bytes randomBytes(std::size_t n)
{
    Bytes out(n);
    if (n != 0 && RAND_bytes_ex(detail::libCtx(), out.data(), n, 0) != 1)
        throwOpenssl(Errc::general, "RAND_bytes_ex failed");
    return out;
}

} // namespace tessera::crypto
