// KDF-DO parsing and the iterated-salted S2K of a PIN (OpenPGP card spec
// 3.4.1 section 4.3.2, RFC 4880 section 3.7.1.3), with tessera_crypto's
// hashes. The PIN is fed to the digest in place, never copied into an
// unwiped buffer; the result lives only in SecureBytes.
#include "card-drivers/openpgp/openpgp_kdf.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "apdu/tlv.hpp"
#include "card-drivers/openpgp/openpgp_data.hpp"
#include "card-drivers/openpgp/openpgp_objects.hpp"
#include "common/error.hpp"
#include "crypto/crypto.hpp"

namespace tessera::drivers::openpgp {

namespace {

constexpr std::uint8_t kHashSha256 = 0x08;
constexpr std::uint8_t kHashSha512 = 0x0A;

[[noreturn]] void malformed(const std::string& what)
{
    fail(Errc::malformedResponse, "OpenPGP KDF-DO: " + what);
}

Bytes valueOf(const std::vector<apdu::Tlv>& items, std::uint32_t tag)
{
    for (const auto& t : items)
        if (t.tag == tag) return Bytes(t.value.begin(), t.value.end());
    return {};
}

std::optional<crypto::HashAlg> digestFor(std::uint8_t hash)
{
    if (hash == kHashSha256) return crypto::HashAlg::sha256;
    if (hash == kHashSha512) return crypto::HashAlg::sha512;
    return std::nullopt;
}

void update(crypto::Hasher& hasher, ByteView part)
{
    if (!part.empty()) hasher.update(part);
}

} // namespace

KdfParameters parseKdf(ByteView answer)
{
    KdfParameters kdf;
    const ByteView body = unwrapAnswer(answer, kKdfTag);
    if (body.empty()) return kdf;
    std::vector<apdu::Tlv> items = apdu::parseAll(body);
    Bytes algorithm = valueOf(items, 0x81);
    if (algorithm.size() != 1) malformed("algorithm (81) missing");
    kdf.algorithm = algorithm[0];
    if (kdf.algorithm == 0x00) return kdf;
    if (!kdf.active()) malformed("unknown KDF algorithm (81)");
    Bytes hash = valueOf(items, 0x82);
    Bytes count = valueOf(items, 0x83);
    if (hash.size() != 1 || !digestFor(hash[0])) malformed("unknown hash algorithm (82)");
    if (count.size() != 4) malformed("iteration count (83) is not 4 bytes");
    kdf.hash = hash[0];
    kdf.iterations =
        (std::uint32_t{count[0]} << 24) | (std::uint32_t{count[1]} << 16) | (std::uint32_t{count[2]} << 8) | count[3];
    if (kdf.iterations > kMaxKdfIterations) malformed("iteration count above the supported bound");
    kdf.saltPw1 = valueOf(items, 0x84);
    kdf.saltRc = valueOf(items, 0x85);
    kdf.saltPw3 = valueOf(items, 0x86);
    if (kdf.saltPw1.empty()) malformed("no salt for PW1 (84)");
    return kdf;
}

// RFC 4880 3.7.1.3: hash salt || PIN repeated until `iterations` octets were
// hashed (at least once whole); the digest is the value sent to the card.
SecureBytes kdfHashPin(const KdfParameters& kdf, PasswordKind kind, const SecureBytes& pin)
{
    if (!kdf.active()) return pin;
    const std::optional<crypto::HashAlg> alg = digestFor(kdf.hash);
    if (!alg) fail(Errc::unsupported, "OpenPGP KDF hash algorithm not supported");
    const Bytes* salt = &kdf.saltPw1;
    if (kind == PasswordKind::resettingCode && !kdf.saltRc.empty()) salt = &kdf.saltRc;
    if (kind == PasswordKind::pw3 && !kdf.saltPw3.empty()) salt = &kdf.saltPw3;

    crypto::Hasher hasher(*alg);
    const ByteView saltView(*salt);
    const ByteView pinView = pin.view();
    std::size_t remaining = std::max<std::size_t>(kdf.iterations, saltView.size() + pinView.size());
    while (remaining > 0) {
        const std::size_t s = std::min(remaining, saltView.size());
        update(hasher, saltView.first(s));
        remaining -= s;
        const std::size_t p = std::min(remaining, pinView.size());
        update(hasher, pinView.first(p));
        remaining -= p;
    }
    std::array<std::uint8_t, 64> digest{}; // SHA-512 at most
    const std::size_t length = crypto::hashLength(*alg);
    try {
        hasher.finishInto(std::span(digest).first(length));
    } catch (...) {
        secureWipe(digest.data(), digest.size());
        throw;
    }
    SecureBytes out(ByteView(digest.data(), length));
    secureWipe(digest.data(), digest.size());
    return out;
}

} // namespace tessera::drivers::openpgp
