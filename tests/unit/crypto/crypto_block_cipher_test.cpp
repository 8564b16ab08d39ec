// Known-answer tests of the single-block ciphers the PIV management key uses
// (FIPS 197 appendix C for AES-128/192/256, SP 800-67 rev. 1 for 3DES), their
// round trip, and the length checks.
#include "crypto_test_util.hpp"

#include "common/error.hpp"

#include <gtest/gtest.h>

namespace tessera::crypto {
namespace {

struct CipherVector {
    BlockCipher cipher;
    const char* keyHex;
    const char* plainHex;
    const char* cipherHex;
};

const CipherVector kVectors[] = {
    {BlockCipher::aes128, "000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF",
     "69C4E0D86A7B0430D8CDB78070B4C55A"},
    {BlockCipher::aes192, "000102030405060708090A0B0C0D0E0F1011121314151617", "00112233445566778899AABBCCDDEEFF",
     "DDA97CA4864CDFE06EAF70A0EC0D7191"},
    {BlockCipher::aes256, "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
     "00112233445566778899AABBCCDDEEFF", "8EA2B7CA516745BFEAFC49904B496089"},
    {BlockCipher::tdes, "0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123", "5468652071756663", "A826FD8CE53B855F"},
};

TEST(BlockCipher, KnownAnswersBothWays)
{
    for (const auto& v : kVectors) {
        const Bytes key = fromHex(v.keyHex), plain = fromHex(v.plainHex), enciphered = fromHex(v.cipherHex);
        EXPECT_EQ(toHex(ecbEncryptBlock(v.cipher, key, plain)), v.cipherHex);
        EXPECT_EQ(toHex(ecbDecryptBlock(v.cipher, key, enciphered)), v.plainHex);
        EXPECT_EQ(blockCipherKeyLength(v.cipher), key.size());
        EXPECT_EQ(blockCipherBlockSize(v.cipher), plain.size());
    }
}

TEST(BlockCipher, LengthsAreChecked)
{
    const Bytes key24(24, 0x01), block8(8, 0x02), block16(16, 0x02);
    EXPECT_EQ(test::errcOf([&] { ecbEncryptBlock(BlockCipher::aes128, key24, block16); }), Errc::argumentsBad);
    EXPECT_EQ(test::errcOf([&] { ecbEncryptBlock(BlockCipher::tdes, key24, block16); }), Errc::dataLenRange);
    EXPECT_EQ(test::errcOf([&] { ecbDecryptBlock(BlockCipher::aes192, key24, block8); }), Errc::dataLenRange);
    EXPECT_EQ(test::errcOf([&] { ecbEncryptBlock(BlockCipher::tdes, key24, {}); }), Errc::dataLenRange);
}

} // namespace
} // namespace tessera::crypto
