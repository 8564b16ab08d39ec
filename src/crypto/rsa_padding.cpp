// RSA encoding and decoding done on the host for cards that only perform the
// raw RSA private operation (PIV GENERAL AUTHENTICATE takes a modulus-size
// block): EMSA-PKCS1-v1_5, EMSA-PSS and CKM_RSA_X_509 blocks for signing, and
// RSAES-PKCS1-v1_5 / RSAES-OAEP decoding of decrypted blocks (RFC 8017).
#include "crypto/crypto.hpp"
#include "crypto/openssl_util.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <climits>

namespace tessera::crypto {

namespace {

// Constant-time helpers over size_t masks (all ones = true), in the manner of
// OpenSSL's internal constant_time.h: no branch and no index depends on secrets.
constexpr unsigned kTopBit = sizeof(std::size_t) * CHAR_BIT - 1;

std::size_t ctMsb(std::size_t a)
{
    return 0 - (a >> kTopBit);
}
std::size_t ctIsZero(std::size_t a)
{
    return ctMsb(~a & (a - 1));
}
std::size_t ctEq(std::size_t a, std::size_t b)
{
    return ctIsZero(a ^ b);
}
std::size_t ctLt(std::size_t a, std::size_t b)
{
    return ctMsb(a ^ ((a ^ b) | ((a - b) ^ b)));
}
std::size_t ctSelect(std::size_t mask, std::size_t a, std::size_t b)
{
    return (mask & a) | (~mask & b);
}

// The RSA result as a k-byte integer (RFC 8017 I2OSP); a card may drop leading zeros.
// The block is plaintext: SensitiveBytes wipes it on every path.
SensitiveBytes toModulusLength(ByteView block, std::size_t modulusBytes)
{
    if (block.size() > modulusBytes) throw Error(Errc::dataInvalid, "decrypted block longer than the modulus");
    SensitiveBytes em(modulusBytes, 0);
    std::copy(block.begin(), block.end(), em.end() - static_cast<std::ptrdiff_t>(block.size()));
    return em;
}

void xorInto(std::span<std::uint8_t> target, ByteView mask)
{
    for (std::size_t i = 0; i < target.size(); ++i)
        target[i] = static_cast<std::uint8_t>(target[i] ^ mask[i]);
}

// Wipes a buffer when it goes out of scope, also when an exception passes.
struct WipeOnExit {
    std::span<std::uint8_t> bytes;
    ~WipeOnExit() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

// RFC 8017 B.2.1 MGF1, XORed straight into `target`: no mask buffer exists.
// In OAEP decoding the masks unmask the plaintext (seedMask gives the seed,
// the seed gives dbMask), so each hash block is wiped as soon as it is used.
void mgf1XorInto(HashAlg alg, ByteView seed, std::span<std::uint8_t> target)
{
    std::uint8_t block[EVP_MAX_MD_SIZE];
    const std::size_t hLen = hashLength(alg);
    const WipeOnExit wipe{std::span(block, hLen)};
    std::size_t done = 0;
    for (std::uint32_t counter = 0; done < target.size(); ++counter) {
        const std::uint8_t c[4] = {static_cast<std::uint8_t>(counter >> 24), static_cast<std::uint8_t>(counter >> 16),
                                   static_cast<std::uint8_t>(counter >> 8), static_cast<std::uint8_t>(counter)};
        Hasher h(alg); // EVP_MD_CTX_free cleanses the digest state holding the seed
        h.update(seed);
        h.update(c);
        h.finishInto(wipe.bytes);
        const std::size_t n = std::min(hLen, target.size() - done);
        xorInto(target.subspan(done, n), ByteView(block, n));
        done += n;
    }
}

[[noreturn]] void badPadding()
{
    throw Error(Errc::dataInvalid, "RSA decryption padding invalid");
}

} // namespace

Bytes mgf1(HashAlg alg, ByteView seed, std::size_t length)
{
    Bytes out(length, 0);
    mgf1XorInto(alg, seed, out);
    return out;
}

// RFC 8017 9.2 step 3-5: EM = 0x00 || 0x01 || PS || 0x00 || T, PS >= 8 bytes of 0xFF.
Bytes pkcs1v15SignBlock(ByteView t, std::size_t modulusBytes)
{
    if (modulusBytes < 11 || t.size() > modulusBytes - 11)
        throw Error(Errc::dataLenRange, "data too long for PKCS#1 v1.5 with this modulus");
    Bytes em(modulusBytes, 0xFF);
    em[0] = 0x00;
    em[1] = 0x01;
    std::size_t sep = modulusBytes - t.size() - 1;
    em[sep] = 0x00;
    std::copy(t.begin(), t.end(), em.begin() + static_cast<std::ptrdiff_t>(sep + 1));
    return em;
}

// RFC 8017 9.1.1 EMSA-PSS-ENCODE with emBits = modBits - 1 (8.1.1 step 1).
Bytes pssBlock(ByteView mHash, const PssParams& params, std::size_t modulusBits)
{
    const std::size_t hLen = hashLength(params.hash);
    if (mHash.size() != hLen) throw Error(Errc::dataLenRange, "PSS input is not a hash of the PSS hash algorithm");
    if (modulusBits < 9) throw Error(Errc::argumentsBad, "modulus too small for PSS");
    const std::size_t emBits = modulusBits - 1;
    const std::size_t emLen = (emBits + 7) / 8;
    const std::size_t k = (modulusBits + 7) / 8;
    if (params.saltLen > emLen || emLen < hLen + params.saltLen + 2)
        throw Error(Errc::argumentsBad, "PSS salt too long for this modulus");

    const Bytes salt = randomBytes(params.saltLen);
    Hasher mPrime(params.hash); // M' = (0x)00 00 00 00 00 00 00 00 || mHash || salt
    mPrime.update(Bytes(8, 0));
    mPrime.update(mHash);
    mPrime.update(salt);
    const Bytes h = mPrime.finish();

    const std::size_t dbLen = emLen - hLen - 1; // DB = PS || 0x01 || salt
    Bytes db(dbLen, 0);
    db[dbLen - params.saltLen - 1] = 0x01;
    std::copy(salt.begin(), salt.end(), db.end() - static_cast<std::ptrdiff_t>(salt.size()));
    mgf1XorInto(params.mgf1, h, db);
    db[0] &= static_cast<std::uint8_t>(0xFF >> (8 * emLen - emBits));

    Bytes em(k - emLen, 0); // left-pad to k: when modBits = 8n+1, emLen = k - 1
    em.insert(em.end(), db.begin(), db.end());
    em.insert(em.end(), h.begin(), h.end());
    em.push_back(0xBC);
    return em;
}

Bytes x509Block(ByteView data, std::size_t modulusBytes)
{
    if (data.size() > modulusBytes) throw Error(Errc::dataLenRange, "data longer than the modulus");
    Bytes em(modulusBytes - data.size(), 0);
    em.insert(em.end(), data.begin(), data.end());
    return em;
}

// RFC 8017 7.2.2 step 3: EM = 0x00 || 0x02 || PS || 0x00 || M, PS >= 8 non-zero bytes.
SensitiveBytes pkcs1v15DecryptUnpad(ByteView block, std::size_t modulusBytes)
{
    SensitiveBytes em = toModulusLength(block, modulusBytes);
    if (modulusBytes < 11) badPadding();
    std::size_t good = ctIsZero(em[0]) & ctEq(em[1], 2);
    std::size_t zeroIndex = 0;
    std::size_t looking = ~std::size_t{0};
    for (std::size_t i = 2; i < modulusBytes; ++i) {
        std::size_t isZero = ctIsZero(em[i]);
        zeroIndex = ctSelect(looking & isZero, i, zeroIndex);
        looking &= ~isZero;
    }
    good &= ~looking;                // a separator exists
    good &= ~ctLt(zeroIndex, 2 + 8); // and PS has at least 8 bytes
    if (good == 0) badPadding();
    return SensitiveBytes(em.begin() + static_cast<std::ptrdiff_t>(zeroIndex + 1), em.end());
}

// RFC 8017 7.1.2 step 3: EM = Y || maskedSeed || maskedDB, DB = lHash' || PS || 0x01 || M.
SensitiveBytes oaepUnpad(ByteView block, std::size_t modulusBytes, const OaepParams& params)
{
    const std::size_t hLen = hashLength(params.hash);
    SensitiveBytes em = toModulusLength(block, modulusBytes);
    if (modulusBytes < 2 * hLen + 2) badPadding();
    const Bytes lHash = digest(params.hash, params.label);
    const std::size_t dbLen = modulusBytes - hLen - 1;
    std::span<std::uint8_t> seed(em.data() + 1, hLen);
    std::span<std::uint8_t> db(em.data() + 1 + hLen, dbLen);
    mgf1XorInto(params.mgf1, db, seed); // seed = maskedSeed xor MGF1(maskedDB)
    mgf1XorInto(params.mgf1, seed, db); // DB = maskedDB xor MGF1(seed)

    std::size_t good = ctIsZero(em[0]);
    std::size_t diff = 0;
    for (std::size_t i = 0; i < hLen; ++i)
        diff |= static_cast<std::size_t>(db[i] ^ lHash[i]);
    good &= ctIsZero(diff);
    std::size_t oneIndex = 0;
    std::size_t looking = ~std::size_t{0};
    for (std::size_t i = hLen; i < dbLen; ++i) {
        std::size_t isOne = ctEq(db[i], 1);
        std::size_t isZero = ctIsZero(db[i]);
        oneIndex = ctSelect(looking & isOne, i, oneIndex);
        good &= ~(looking & ~isOne & ~isZero); // only zeros may precede 0x01
        looking &= ~isOne;
    }
    good &= ~looking;
    if (good == 0) badPadding();
    return SensitiveBytes(db.begin() + static_cast<std::ptrdiff_t>(oneIndex + 1), db.end());
}

} // namespace tessera::crypto
