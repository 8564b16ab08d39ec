// The cache file format (see token_cache.hpp): "TSKC", a version byte, the
// driver name, the identity, the driver's stamp, the keys, and a SHA-256 of
// everything before it. Integers are big-endian; byte strings carry a u16 or
// u32 length. The parser checks every length against what is left and every
// enum against its range: a cache file is as untrusted as a card answer.
#include <algorithm>
#include <array>

#include "crypto/crypto.hpp"
#include "pkcs11/token_cache.hpp"

namespace tessera::pkcs11 {

namespace {

constexpr std::array<std::uint8_t, 4> kMagic{'T', 'S', 'K', 'C'};
constexpr std::size_t kDigestSize = 32;
constexpr std::size_t kMaxKeys = 64;
constexpr std::size_t kMaxBlob = 1 << 20; // a certificate is at most 64 KiB (piv_containers.hpp)

class Writer {
public:
    void u8(std::uint8_t v) { out.push_back(v); }
    void u16(std::size_t v)
    {
        u8(static_cast<std::uint8_t>(v >> 8));
        u8(static_cast<std::uint8_t>(v));
    }
    void u32(std::size_t v)
    {
        u16((v >> 16) & 0xFFFF);
        u16(v & 0xFFFF);
    }
    void bytes16(ByteView b)
    {
        u16(b.size());
        out.insert(out.end(), b.begin(), b.end());
    }
    void bytes32(ByteView b)
    {
        u32(b.size());
        out.insert(out.end(), b.begin(), b.end());
    }
    void str(const std::string& s) { bytes16(ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())); }
    Bytes out;
};

struct Truncated {};

class Reader {
public:
    explicit Reader(ByteView in) : in_(in) {}
    std::uint8_t u8()
    {
        need(1);
        return in_[pos_++];
    }
    std::size_t u16()
    {
        std::size_t hi = u8();
        return (hi << 8) | u8();
    }
    std::size_t u32()
    {
        std::size_t hi = u16();
        return (hi << 16) | u16();
    }
    Bytes take(std::size_t n)
    {
        need(n);
        Bytes b(in_.begin() + static_cast<std::ptrdiff_t>(pos_), in_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
        pos_ += n;
        return b;
    }
    Bytes bytes16() { return take(u16()); }
    Bytes bytes32()
    {
        std::size_t n = u32();
        if (n > kMaxBlob) throw Truncated{};
        return take(n);
    }
    std::string str()
    {
        Bytes b = bytes16();
        return std::string(b.begin(), b.end());
    }
    bool atEnd() const { return pos_ == in_.size(); }

private:
    void need(std::size_t n) const
    {
        if (in_.size() - pos_ < n) throw Truncated{};
    }
    ByteView in_;
    std::size_t pos_ = 0;
};

struct BadValue {};

std::uint8_t checked(std::uint8_t v, std::uint8_t max)
{
    if (v > max) throw BadValue{};
    return v;
}

void writeKey(Writer& w, const drivers::CardKey& k)
{
    w.u8(k.reference);
    w.bytes16(k.id);
    w.str(k.label);
    w.u8(static_cast<std::uint8_t>(k.algorithm));
    w.u32(k.bits);
    w.bytes32(k.publicKeySpki);
    w.u8(k.certificate ? 1 : 0);
    w.bytes32(k.certificate ? ByteView(*k.certificate) : ByteView());
    w.str(k.certificateLabel);
    w.u8(static_cast<std::uint8_t>((k.canSign ? 1 : 0) | (k.canDecrypt ? 2 : 0) | (k.canDerive ? 4 : 0) |
                                   (k.rsaDecryptReturnsPaddedBlock ? 8 : 0)));
    w.u8(static_cast<std::uint8_t>(k.pinPolicy));
    w.u8(k.pinReference);
    w.u8(static_cast<std::uint8_t>(k.rsaSignInput));
}

drivers::CardKey readKey(Reader& r)
{
    drivers::CardKey k;
    k.reference = r.u8();
    k.id = r.bytes16();
    k.label = r.str();
    k.algorithm =
        static_cast<drivers::KeyAlgorithm>(checked(r.u8(), static_cast<std::uint8_t>(drivers::KeyAlgorithm::x25519)));
    k.bits = static_cast<unsigned>(r.u32());
    k.publicKeySpki = r.bytes32();
    const std::uint8_t hasCertificate = checked(r.u8(), 1);
    Bytes cert = r.bytes32();
    if (hasCertificate == 1)
        k.certificate = std::move(cert);
    else if (!cert.empty())
        throw BadValue{};
    k.certificateLabel = r.str();
    const std::uint8_t flags = checked(r.u8(), 15);
    k.canSign = (flags & 1) != 0;
    k.canDecrypt = (flags & 2) != 0;
    k.canDerive = (flags & 4) != 0;
    k.rsaDecryptReturnsPaddedBlock = (flags & 8) != 0;
    k.pinPolicy =
        static_cast<drivers::PinPolicy>(checked(r.u8(), static_cast<std::uint8_t>(drivers::PinPolicy::always)));
    k.pinReference = r.u8();
    k.rsaSignInput = static_cast<drivers::RsaSignInput>(
        checked(r.u8(), static_cast<std::uint8_t>(drivers::RsaSignInput::digestInfo)));
    return k;
}

} // namespace

Bytes serializeCacheEntry(const std::string& driver, ByteView identity, const CacheEntry& entry)
{
    Writer w;
    w.out.assign(kMagic.begin(), kMagic.end());
    w.u8(kCacheFormatVersion);
    w.str(driver);
    w.bytes16(identity);
    w.bytes32(entry.stamp);
    w.u16(entry.keys.size());
    for (const auto& k : entry.keys)
        writeKey(w, k);
    const Bytes sum = crypto::digest(crypto::HashAlg::sha256, w.out);
    w.out.insert(w.out.end(), sum.begin(), sum.end());
    return w.out;
}

std::optional<CacheEntry> parseCacheEntry(ByteView file, const std::string& driver, ByteView identity, std::string& why)
{
    if (file.size() < kMagic.size() + 1 + kDigestSize || !std::equal(kMagic.begin(), kMagic.end(), file.begin())) {
        why = "not a Tessera cache file";
        return std::nullopt;
    }
    if (file[kMagic.size()] != kCacheFormatVersion) {
        why = "format version " + std::to_string(file[kMagic.size()]) + ", expected " +
              std::to_string(kCacheFormatVersion);
        return std::nullopt;
    }
    const ByteView body = file.first(file.size() - kDigestSize);
    const Bytes sum = crypto::digest(crypto::HashAlg::sha256, body);
    if (!std::equal(sum.begin(), sum.end(), file.last(kDigestSize).begin())) {
        why = "checksum mismatch (truncated or corrupt)";
        return std::nullopt;
    }
    try {
        Reader r(body.subspan(kMagic.size() + 1));
        if (r.str() != driver || r.bytes16() != Bytes(identity.begin(), identity.end())) {
            why = "entry of another card";
            return std::nullopt;
        }
        CacheEntry entry;
        entry.stamp = r.bytes32();
        const std::size_t count = r.u16();
        if (count > kMaxKeys) throw BadValue{};
        for (std::size_t i = 0; i < count; ++i)
            entry.keys.push_back(readKey(r));
        if (!r.atEnd()) throw BadValue{};
        return entry;
    } catch (const Truncated&) {
        why = "truncated";
    } catch (const BadValue&) {
        why = "malformed";
    }
    return std::nullopt;
}

} // namespace tessera::pkcs11
