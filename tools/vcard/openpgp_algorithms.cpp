// Algorithm attribute parsing for the virtual OpenPGP card (card spec 3.4
// section 4.4.3.9), key generation per attribute, the 7F49 public key template
// (section 7.2.14) and v4 fingerprints (RFC 4880 section 12.2, RFC 6637).
#include "openpgp_algorithms.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "apdu/tlv.hpp"

namespace tessera::vcard {

namespace {

void check(bool ok, const char* what)
{
    if (!ok) throw CryptoError(what);
}

bool equalBytes(ByteView a, ByteView b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

const CurveInfo* curveByOid(ByteView oid)
{
    for (const auto& c : kCurves)
        if (equalBytes(c.oidBytes(), oid)) return &c;
    return nullptr;
}

const CurveInfo* curveByName(std::string_view name)
{
    for (const auto& c : kCurves)
        if (c.name == name) return &c;
    return nullptr;
}

bool curveFitsAlgorithm(const CurveInfo& c, std::uint8_t algorithm)
{
    switch (c.family) {
    case CurveFamily::nist: return algorithm == pgpalg::ecdsa || algorithm == pgpalg::ecdh;
    case CurveFamily::ed25519: return algorithm == pgpalg::eddsa;
    case CurveFamily::x25519: return algorithm == pgpalg::ecdh;
    }
    return false;
}

bool algorithmFitsRole(std::uint8_t algorithm, KeyRole role)
{
    if (algorithm == pgpalg::rsa) return true;
    if (role == KeyRole::dec) return algorithm == pgpalg::ecdh;
    return algorithm == pgpalg::ecdsa || algorithm == pgpalg::eddsa;
}

std::optional<KeySpec> parseRsa(ByteView a)
{
    // 01 | n bits (2) | e bits (2) [| import format 00..03]
    if (a.size() != 5 && a.size() != 6) return std::nullopt;
    unsigned bits = static_cast<unsigned>((a[1] << 8) | a[2]);
    unsigned eBits = static_cast<unsigned>((a[3] << 8) | a[4]);
    if (std::find(std::begin(kRsaSizes), std::end(kRsaSizes), bits) == std::end(kRsaSizes)) return std::nullopt;
    if (eBits < 17 || eBits > 32) return std::nullopt;
    if (a.size() == 6 && a[5] > 0x03) return std::nullopt;
    KeySpec s;
    s.algorithm = pgpalg::rsa;
    s.rsaBits = bits;
    return s;
}

Bytes bnBytes(const PkeyPtr& key, const char* name)
{
    BIGNUM* bn = nullptr;
    check(EVP_PKEY_get_bn_param(key.get(), name, &bn) == 1, name);
    std::unique_ptr<BIGNUM, decltype(&BN_free)> owned(bn, BN_free);
    Bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
    BN_bn2bin(bn, out.data());
    return out;
}

// NIST: the uncompressed point; Ed25519 / X25519: the 32 raw bytes.
Bytes encodedPublicKey(const PkeyPtr& key)
{
    size_t len = 0;
    if (!EVP_PKEY_is_a(key.get(), "EC")) {
        check(EVP_PKEY_get_raw_public_key(key.get(), nullptr, &len) == 1, "raw public key length");
        Bytes raw(len);
        check(EVP_PKEY_get_raw_public_key(key.get(), raw.data(), &len) == 1, "raw public key");
        raw.resize(len);
        return raw;
    }
    check(EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, nullptr, 0, &len) == 1,
          "public key length");
    Bytes out(len);
    check(EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out.data(), len, &len) == 1,
          "public key");
    out.resize(len);
    return out;
}

// RFC 4880 section 3.2: two-byte bit count, then the big-endian bytes without leading zeros.
void appendMpi(Bytes& out, ByteView value)
{
    auto first = std::find_if(value.begin(), value.end(), [](std::uint8_t b) { return b != 0; });
    ByteView v(first, value.end());
    unsigned bits = 0;
    if (!v.empty()) {
        unsigned top = v[0], topBits = 0;
        while (top != 0) {
            ++topBits;
            top >>= 1;
        }
        bits = static_cast<unsigned>((v.size() - 1) * 8) + topBits;
    }
    out.push_back(static_cast<std::uint8_t>(bits >> 8));
    out.push_back(static_cast<std::uint8_t>(bits));
    out.insert(out.end(), v.begin(), v.end());
}

// The public point as OpenPGP writes it: NIST 04||x||y, 25519 curves 40||native.
Bytes pgpPoint(const PkeyPtr& key, const KeySpec& spec)
{
    Bytes raw = encodedPublicKey(key);
    if (spec.curve->family == CurveFamily::nist) return raw;
    Bytes out{0x40};
    out.insert(out.end(), raw.begin(), raw.end());
    return out;
}

} // namespace

Bytes KeySpec::attributes() const
{
    if (isRsa())
        return Bytes{
            pgpalg::rsa, static_cast<std::uint8_t>(rsaBits >> 8), static_cast<std::uint8_t>(rsaBits), 0x00, 0x20, 0x00};
    Bytes out{algorithm};
    ByteView oid = curve->oidBytes();
    out.insert(out.end(), oid.begin(), oid.end());
    return out;
}

std::size_t KeySpec::sizeBytes() const
{
    return isRsa() ? rsaBits / 8 : curve->fieldBytes;
}

std::optional<KeySpec> parseKeyAttributes(ByteView a, KeyRole role, bool rsaOnly)
{
    if (a.empty() || !algorithmFitsRole(a[0], role)) return std::nullopt;
    if (a[0] == pgpalg::rsa) return parseRsa(a);
    if (rsaOnly || a.size() < 2) return std::nullopt;
    ByteView oid = a.subspan(1);
    const CurveInfo* c = curveByOid(oid);
    if (c == nullptr && (oid.back() == 0x00 || oid.back() == 0xFF)) c = curveByOid(oid.first(oid.size() - 1));
    if (c == nullptr || !curveFitsAlgorithm(*c, a[0])) return std::nullopt;
    KeySpec s;
    s.algorithm = a[0];
    s.curve = c;
    return s;
}

std::optional<KeySpec> keySpecFromName(std::string_view name, KeyRole role)
{
    KeySpec s;
    if (name.substr(0, 3) == "rsa") {
        for (unsigned bits : kRsaSizes)
            if (name.substr(3) == std::to_string(bits)) {
                s.rsaBits = bits;
                return s;
            }
        return std::nullopt;
    }
    const CurveInfo* c = curveByName(name);
    if (c == nullptr) return std::nullopt;
    s.curve = c;
    switch (c->family) {
    case CurveFamily::nist: s.algorithm = role == KeyRole::dec ? pgpalg::ecdh : pgpalg::ecdsa; break;
    case CurveFamily::ed25519: s.algorithm = pgpalg::eddsa; break;
    case CurveFamily::x25519: s.algorithm = pgpalg::ecdh; break;
    }
    if (!algorithmFitsRole(s.algorithm, role) || !curveFitsAlgorithm(*c, s.algorithm)) return std::nullopt;
    return s;
}

Bytes defaultRsaAttributes()
{
    KeySpec s;
    s.rsaBits = 2048;
    return s.attributes();
}

PkeyPtr generateOpenPgpKey(const KeySpec& spec)
{
    EVP_PKEY* raw = nullptr;
    if (spec.isRsa()) {
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(spec.rsaBits));
    } else if (spec.curve->family == CurveFamily::nist) {
        std::string group(spec.curve->group);
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group.c_str());
    } else {
        std::string type(spec.curve->group);
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, type.c_str());
    }
    return wrapPkey(raw);
}

bool keyMatchesSpec(const PkeyPtr& key, const KeySpec& spec)
{
    if (!key) return false;
    if (spec.isRsa()) return EVP_PKEY_is_a(key.get(), "RSA") && EVP_PKEY_get_bits(key.get()) == int(spec.rsaBits);
    std::string group(spec.curve->group);
    if (spec.curve->family != CurveFamily::nist) return EVP_PKEY_is_a(key.get(), group.c_str()) == 1;
    if (!EVP_PKEY_is_a(key.get(), "EC")) return false;
    int bits = spec.curve->fieldBytes == 66 ? 521 : spec.curve->fieldBytes * 8; // P-521: 66 bytes, 521 bits
    return EVP_PKEY_get_bits(key.get()) == bits;
}

Bytes openPgpPublicKeyTemplate(const PkeyPtr& key, const KeySpec& spec)
{
    apdu::TlvWriter w;
    if (spec.isRsa()) {
        w.add(0x81, bnBytes(key, OSSL_PKEY_PARAM_RSA_N));
        w.add(0x82, bnBytes(key, OSSL_PKEY_PARAM_RSA_E));
    } else {
        w.add(0x86, encodedPublicKey(key));
    }
    return w.bytes();
}

// RFC 4880 section 5.5.2 (version 4 public key), RFC 6637 sections 9 and 11.
Bytes v4PublicKeyBody(const PkeyPtr& key, const KeySpec& spec, std::uint32_t created)
{
    Bytes body{0x04,
               static_cast<std::uint8_t>(created >> 24),
               static_cast<std::uint8_t>(created >> 16),
               static_cast<std::uint8_t>(created >> 8),
               static_cast<std::uint8_t>(created),
               spec.algorithm};
    if (spec.isRsa()) {
        appendMpi(body, bnBytes(key, OSSL_PKEY_PARAM_RSA_N));
        appendMpi(body, bnBytes(key, OSSL_PKEY_PARAM_RSA_E));
        return body;
    }
    ByteView oid = spec.curve->oidBytes();
    body.push_back(static_cast<std::uint8_t>(oid.size()));
    body.insert(body.end(), oid.begin(), oid.end());
    appendMpi(body, pgpPoint(key, spec));
    if (spec.algorithm == pgpalg::ecdh) {
        const std::uint8_t kdf[] = {0x03, 0x01, spec.curve->kdfHash, spec.curve->kdfCipher};
        body.insert(body.end(), std::begin(kdf), std::end(kdf));
    }
    return body;
}

std::array<std::uint8_t, 20> v4Fingerprint(const PkeyPtr& key, const KeySpec& spec, std::uint32_t created)
{
    Bytes body = v4PublicKeyBody(key, spec, created);
    Bytes packet{0x99, static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
    packet.insert(packet.end(), body.begin(), body.end());
    std::array<std::uint8_t, 20> out{};
    unsigned len = 0;
    check(EVP_Digest(packet.data(), packet.size(), out.data(), &len, EVP_sha1(), nullptr) == 1 && len == 20, "SHA-1");
    return out;
}

} // namespace tessera::vcard
