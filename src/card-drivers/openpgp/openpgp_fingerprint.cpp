// OpenPGP v4 fingerprints of card keys (RFC 4880 sections 5.5.2 and 12.2,
// RFC 6637 sections 9 and 11, RFC 4880bis for EdDSA and Curve25519); see
// openpgp_fingerprint.hpp.
#include "card-drivers/openpgp/openpgp_fingerprint.hpp"

#include "apdu/tlv.hpp"
#include "card-drivers/openpgp/openpgp_objects.hpp"
#include "common/error.hpp"
#include "crypto/crypto.hpp"

namespace tessera::drivers::openpgp {

namespace {

constexpr std::uint8_t kPacketVersion = 4;
constexpr std::uint8_t kPublicKeyPacketTag = 0x99; // old format, tag 6, two-byte length
constexpr std::uint8_t kNativePointPrefix = 0x40;  // RFC 4880bis 13.3: 25519 points in native form
constexpr std::uint8_t kKdfParametersLength = 3;
constexpr std::uint8_t kKdfReserved = 0x01;
// RFC 4880 section 9.4 / 9.2 ids of the hash and cipher in the KDF parameters.
constexpr std::uint8_t kSha256 = 8, kSha384 = 9, kSha512 = 10;
constexpr std::uint8_t kAes128 = 7, kAes256 = 9;

[[noreturn]] void malformed(const std::string& what)
{
    fail(Errc::malformedResponse, "OpenPGP fingerprint: " + what);
}

// RFC 4880 section 3.2: two-byte bit count, then the value without leading zeros.
void appendMpi(Bytes& out, ByteView value)
{
    while (!value.empty() && value[0] == 0)
        value = value.subspan(1);
    std::size_t bits = value.size() * 8;
    if (!value.empty()) {
        for (std::uint8_t top = value[0]; (top & 0x80) == 0; top = static_cast<std::uint8_t>(top << 1))
            --bits;
    }
    if (bits > 0xFFFF) malformed("integer too long");
    out.push_back(static_cast<std::uint8_t>(bits >> 8));
    out.push_back(static_cast<std::uint8_t>(bits));
    out.insert(out.end(), value.begin(), value.end());
}

// GnuPG names each curve by the first OID of kCurves (its own ones for 25519).
ByteView curveOid(KeyAlgorithm algorithm)
{
    for (const CurveInfo& c : kCurves)
        if (c.algorithm == algorithm) return c.oidBytes();
    malformed("no curve OID for the key's algorithm");
}

ByteView part(const std::vector<apdu::Tlv>& items, std::uint32_t tag)
{
    for (const auto& t : items)
        if (t.tag == tag && !t.value.empty()) return t.value;
    malformed("public key template without tag " + std::to_string(tag));
}

// The point as OpenPGP carries it: NIST uncompressed, 25519 with the 40 prefix.
Bytes openPgpPoint(KeyAlgorithm algorithm, ByteView point)
{
    if (algorithm != KeyAlgorithm::ed25519 && algorithm != KeyAlgorithm::x25519) {
        if (point.empty() || point[0] != 0x04) malformed("EC point is not uncompressed");
        return Bytes(point.begin(), point.end());
    }
    if (point.size() == 33 && point[0] == kNativePointPrefix) point = point.subspan(1);
    if (point.size() != 32) malformed("25519 public key is not 32 bytes");
    Bytes out{kNativePointPrefix};
    out.insert(out.end(), point.begin(), point.end());
    return out;
}

// RFC 6637 section 9: KDF hash and key-wrap cipher; GnuPG's defaults by curve size.
std::pair<std::uint8_t, std::uint8_t> kdfParameters(KeyAlgorithm algorithm)
{
    if (algorithm == KeyAlgorithm::ecP384) return {kSha384, kAes256};
    if (algorithm == KeyAlgorithm::ecP521) return {kSha512, kAes256};
    return {kSha256, kAes128};
}

} // namespace

Bytes v4PublicKeyBody(const KeyAttributes& attributes, ByteView answer, std::uint32_t created)
{
    const std::vector<apdu::Tlv> items = apdu::parseAll(unwrapAnswer(answer, kPublicKeyTag));
    Bytes body{kPacketVersion,
               static_cast<std::uint8_t>(created >> 24),
               static_cast<std::uint8_t>(created >> 16),
               static_cast<std::uint8_t>(created >> 8),
               static_cast<std::uint8_t>(created),
               attributes.algorithmId};
    if (attributes.algorithm == KeyAlgorithm::rsa) {
        appendMpi(body, part(items, 0x81));
        appendMpi(body, part(items, 0x82));
        return body;
    }
    const ByteView oid = curveOid(attributes.algorithm);
    body.push_back(static_cast<std::uint8_t>(oid.size()));
    body.insert(body.end(), oid.begin(), oid.end());
    appendMpi(body, openPgpPoint(attributes.algorithm, part(items, 0x86)));
    if (attributes.algorithmId == kAlgEcdh) {
        const auto [hash, cipher] = kdfParameters(attributes.algorithm);
        body.insert(body.end(), {kKdfParametersLength, kKdfReserved, hash, cipher});
    }
    return body;
}

Bytes v4Fingerprint(const KeyAttributes& attributes, ByteView answer, std::uint32_t created)
{
    const Bytes body = v4PublicKeyBody(attributes, answer, created);
    if (body.size() > 0xFFFF) malformed("key packet too long");
    Bytes packet{kPublicKeyPacketTag, static_cast<std::uint8_t>(body.size() >> 8),
                 static_cast<std::uint8_t>(body.size())};
    packet.insert(packet.end(), body.begin(), body.end());
    return crypto::digest(crypto::HashAlg::sha1, packet);
}

} // namespace tessera::drivers::openpgp
