// Single-block symmetric encryption for card authentication: the PIV card
// management key (SP 800-73-4 part 2 appendix A.1, SP 800-78-4 table 6-1:
// 3DES or AES-128/192/256) enciphers one witness or challenge block in ECB
// mode, no padding. Ciphers are fetched from the module's library context.
#include "crypto/crypto.hpp"
#include "crypto/openssl_util.hpp"

#include <array>

namespace tessera::crypto {

namespace {

using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, detail::Deleter<EVP_CIPHER_CTX_free>>;
using CipherPtr = std::unique_ptr<EVP_CIPHER, detail::Deleter<EVP_CIPHER_free>>;

struct CipherRow {
    BlockCipher cipher;
    const char* name;
    std::size_t keyLength;
    std::size_t blockSize;
};

constexpr std::array<CipherRow, 4> kCiphers{{
    {BlockCipher::tdes, "DES-EDE3-ECB", 24, 8},
    {BlockCipher::aes128, "AES-128-ECB", 16, 16},
    {BlockCipher::aes192, "AES-192-ECB", 24, 16},
    {BlockCipher::aes256, "AES-256-ECB", 32, 16},
}};

const CipherRow& row(BlockCipher cipher)
{
    for (const auto& r : kCiphers)
        if (r.cipher == cipher) return r;
    return kCiphers[0];
}

Bytes run(BlockCipher cipher, ByteView key, ByteView block, bool encrypt)
{
    const CipherRow& r = row(cipher);
    if (key.size() != r.keyLength) fail(Errc::argumentsBad, std::string(r.name) + ": wrong key length");
    if (block.size() != r.blockSize) fail(Errc::dataLenRange, std::string(r.name) + ": not one block");
    CipherPtr evp(EVP_CIPHER_fetch(detail::libCtx(), r.name, nullptr));
    if (!evp) detail::throwOpenssl(Errc::general, std::string("EVP_CIPHER_fetch ") + r.name);
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx) detail::throwOpenssl(Errc::hostMemory, "EVP_CIPHER_CTX_new");
    if (EVP_CipherInit_ex2(ctx.get(), evp.get(), key.data(), nullptr, encrypt ? 1 : 0, nullptr) != 1)
        detail::throwOpenssl(Errc::general, "EVP_CipherInit_ex2");
    EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
    Bytes out(block.size() + r.blockSize);
    int n = 0, tail = 0;
    if (EVP_CipherUpdate(ctx.get(), out.data(), &n, block.data(), detail::toInt(block.size())) != 1 ||
        EVP_CipherFinal_ex(ctx.get(), out.data() + n, &tail) != 1)
        detail::throwOpenssl(Errc::general, "EVP_Cipher");
    out.resize(static_cast<std::size_t>(n + tail));
    return out;
}

} // namespace

std::size_t blockCipherKeyLength(BlockCipher cipher) noexcept
{
    return row(cipher).keyLength;
}

std::size_t blockCipherBlockSize(BlockCipher cipher) noexcept
{
    return row(cipher).blockSize;
}

Bytes ecbEncryptBlock(BlockCipher cipher, ByteView key, ByteView block)
{
    return run(cipher, key, block, true);
}

Bytes ecbDecryptBlock(BlockCipher cipher, ByteView key, ByteView block)
{
    return run(cipher, key, block, false);
}

} // namespace tessera::crypto
