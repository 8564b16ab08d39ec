// The persistent cache (issue 8): the file format round-trips and its parser
// rejects every truncation, a wrong version, another card's entry, a flipped
// byte and random bytes; the files are private (0700 / 0600) and an unsafe
// directory or file is refused; readKeysThroughCache reads the card again
// (and rewrites the entry) whenever the driver's check says no.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "pkcs11/config.hpp"
#include "pkcs11/token_cache.hpp"

using namespace tessera;
using namespace tessera::pkcs11;
namespace fs = std::filesystem;

namespace {

CacheEntry sampleEntry()
{
    drivers::CardKey a;
    a.reference = 0x9A;
    a.id = Bytes{0x01};
    a.label = "PIV AUTH key";
    a.algorithm = drivers::KeyAlgorithm::ecP256;
    a.bits = 256;
    a.publicKeySpki = fromHex("3059301306072A8648CE3D020106082A8648CE3D03010703420004AABB");
    a.certificate = Bytes(700, 0x5A);
    a.certificateLabel = "X.509 Certificate for PIV Authentication";
    a.canSign = true;
    a.canDerive = true;
    a.pinPolicy = drivers::PinPolicy::always;
    drivers::CardKey b;
    b.reference = 3;
    b.id = Bytes{0x03};
    b.label = "Authentication key";
    b.bits = 2048;
    b.publicKeySpki = Bytes(294, 0x11);
    b.canSign = true;
    b.canDecrypt = true;
    b.pinReference = 0x82;
    b.rsaSignInput = drivers::RsaSignInput::digestInfo;
    b.rsaDecryptReturnsPaddedBlock = false;
    return CacheEntry{{a, b}, fromHex("01 00 AABBCC")};
}

const Bytes kIdentity = fromHex("00C0FFEE");

TEST(TokenCacheFormat, RoundTrips)
{
    const CacheEntry e = sampleEntry();
    const Bytes file = serializeCacheEntry("PIV", kIdentity, e);
    std::string why;
    auto back = parseCacheEntry(file, "PIV", kIdentity, why);
    ASSERT_TRUE(back.has_value()) << why;
    EXPECT_EQ(back->keys, e.keys);
    EXPECT_EQ(back->stamp, e.stamp);
}

TEST(TokenCacheFormat, RejectsEveryTruncation)
{
    const Bytes file = serializeCacheEntry("PIV", kIdentity, sampleEntry());
    for (std::size_t n = 0; n < file.size(); ++n) {
        std::string why;
        EXPECT_FALSE(parseCacheEntry(ByteView(file).first(n), "PIV", kIdentity, why).has_value()) << n;
        EXPECT_FALSE(why.empty());
    }
}

TEST(TokenCacheFormat, RejectsWrongVersionOtherCardFlippedBytesAndNoise)
{
    const Bytes file = serializeCacheEntry("PIV", kIdentity, sampleEntry());
    std::string why;
    Bytes v = file;
    v[4] = kCacheFormatVersion + 1;
    EXPECT_FALSE(parseCacheEntry(v, "PIV", kIdentity, why));
    EXPECT_NE(why.find("version"), std::string::npos);
    EXPECT_FALSE(parseCacheEntry(file, "OpenPGP", kIdentity, why));
    EXPECT_FALSE(parseCacheEntry(file, "PIV", fromHex("00C0FFEF"), why));
    for (std::size_t i = 0; i < file.size(); ++i) {
        Bytes f = file;
        f[i] ^= 0x01;
        EXPECT_FALSE(parseCacheEntry(f, "PIV", kIdentity, why)) << i;
    }
    std::mt19937 rng(8);
    for (int round = 0; round < 200; ++round) {
        Bytes noise(rng() % 600);
        for (auto& b : noise)
            b = static_cast<std::uint8_t>(rng());
        if (round % 2 == 0 && noise.size() > 5) std::copy(file.begin(), file.begin() + 5, noise.begin());
        EXPECT_FALSE(parseCacheEntry(noise, "PIV", kIdentity, why));
    }
}

class TokenCacheFiles : public ::testing::Test {
protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/tessera-cache-test.XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        base_ = tmpl;
        dir_ = base_ + "/a/b/tessera";
    }
    void TearDown() override { fs::remove_all(base_); }
    static unsigned mode(const std::string& p)
    {
        struct stat st {};
        EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
        return st.st_mode & 07777;
    }
    std::string base_, dir_;
};

TEST_F(TokenCacheFiles, StoreCreatesPrivateFilesAndLoadReadsThem)
{
    TokenCache cache(dir_);
    EXPECT_FALSE(cache.load("PIV", kIdentity).has_value()); // nothing yet, nothing created
    EXPECT_FALSE(fs::exists(dir_));
    cache.store("PIV", kIdentity, sampleEntry());
    const std::string file = dir_ + "/" + TokenCache::fileName("PIV", kIdentity);
    EXPECT_EQ(TokenCache::fileName("PIV", kIdentity), "piv-00C0FFEE.cache");
    const std::string longName = TokenCache::fileName("OpenPGP", Bytes(300, 0xAB));
    EXPECT_EQ(longName.rfind("openpgp-sha256-", 0), 0u);
    EXPECT_EQ(longName.size(), std::string("openpgp-sha256-").size() + 64 + std::string(".cache").size());
    EXPECT_EQ(mode(dir_), 0700u);
    EXPECT_EQ(mode(file), 0600u);
    EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1); // no temporary left
    auto back = cache.load("PIV", kIdentity);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->keys, sampleEntry().keys);
    cache.invalidate("PIV", kIdentity);
    EXPECT_FALSE(fs::exists(file));
    EXPECT_FALSE(cache.load("PIV", kIdentity).has_value());
}

TEST_F(TokenCacheFiles, RefusesUnsafeDirectoryAndFile)
{
    TokenCache cache(dir_);
    cache.store("PIV", kIdentity, sampleEntry());
    const std::string file = dir_ + "/" + TokenCache::fileName("PIV", kIdentity);
    ASSERT_EQ(::chmod(dir_.c_str(), 0777), 0);
    EXPECT_FALSE(cache.load("PIV", kIdentity).has_value());
    ASSERT_EQ(::chmod(dir_.c_str(), 0700), 0);
    ASSERT_EQ(::chmod(file.c_str(), 0606), 0);
    EXPECT_FALSE(cache.load("PIV", kIdentity).has_value());
    ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
    EXPECT_TRUE(cache.load("PIV", kIdentity).has_value());
    // A symbolic link in place of the directory is not followed.
    const std::string link = base_ + "/link";
    fs::create_directory_symlink(dir_, link);
    EXPECT_FALSE(TokenCache(link).load("PIV", kIdentity).has_value());
}

TEST(TokenCacheConfig, OffOrDirectory)
{
    Config c;
    c.cacheEnabled = false;
    EXPECT_EQ(TokenCache::fromConfig(c), nullptr);
    c.cacheEnabled = true;
    c.cacheDir = "/somewhere/else/";
    auto cache = TokenCache::fromConfig(c);
    ASSERT_NE(cache, nullptr);
    EXPECT_EQ(cache->directory(), "/somewhere/else");
    c.cacheDir = "relative";
    EXPECT_EQ(TokenCache::fromConfig(c), nullptr);
}

// A card whose check answers as told, counting full key reads.
class FakeCard : public drivers::Card {
public:
    bool current = false;
    int reads = 0, checks = 0;
    std::string driverName() const override { return "Fake"; }
    void select() override {}
    drivers::TokenModel readToken() override { return {}; }
    void readKeys(drivers::TokenModel& t) override
    {
        ++reads;
        t.keys = sampleEntry().keys;
        t.keysRead = true;
    }
    Bytes cacheStamp() const override { return fromHex("5354414D50"); }
    bool cachedKeysCurrent(const drivers::TokenModel&, const std::vector<drivers::CardKey>& cached,
                           ByteView stamp) override
    {
        ++checks;
        EXPECT_EQ(Bytes(stamp.begin(), stamp.end()), fromHex("5354414D50"));
        EXPECT_EQ(cached, sampleEntry().keys);
        return current;
    }
    drivers::PinInfo readPinInfo(std::uint8_t) override { return {}; }
    void verifyPin(std::uint8_t, const SecureBytes&) override {}
    bool resetPinState(std::uint8_t) override { return true; }
    void changePin(std::uint8_t, const SecureBytes&, const SecureBytes&) override {}
    Bytes sign(const drivers::CardKey&, ByteView) override { return {}; }
    SensitiveBytes decrypt(const drivers::CardKey&, ByteView) override { return {}; }
    SensitiveBytes deriveEcdh(const drivers::CardKey&, ByteView) override { return {}; }
};

TEST_F(TokenCacheFiles, ServesOnlyWhatTheCardConfirms)
{
    TokenCache cache(dir_);
    FakeCard card;
    drivers::TokenModel model;
    model.identity = kIdentity;
    readKeysThroughCache(&cache, card, model); // cold: read and stored
    EXPECT_EQ(card.reads, 1);
    EXPECT_EQ(card.checks, 0);
    card.current = true;
    drivers::TokenModel warm;
    warm.identity = kIdentity;
    warm.keysRead = false;
    readKeysThroughCache(&cache, card, warm); // confirmed: no read
    EXPECT_EQ(card.reads, 1);
    EXPECT_EQ(card.checks, 1);
    EXPECT_TRUE(warm.keysRead);
    EXPECT_EQ(warm.keys, sampleEntry().keys);
    card.current = false;
    drivers::TokenModel stale;
    stale.identity = kIdentity;
    readKeysThroughCache(&cache, card, stale); // the card says no: read again
    EXPECT_EQ(card.reads, 2);
    EXPECT_EQ(card.checks, 2);
    drivers::TokenModel anonymous; // no identity: never cached
    readKeysThroughCache(&cache, card, anonymous);
    EXPECT_EQ(card.reads, 3);
    EXPECT_EQ(card.checks, 2);
    readKeysThroughCache(nullptr, card, stale); // cache off
    EXPECT_EQ(card.reads, 4);
    EXPECT_EQ(card.checks, 2);
}

} // namespace
