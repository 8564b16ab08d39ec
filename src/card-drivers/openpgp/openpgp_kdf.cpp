// KDF-DO parsing and the iterated-salted S2K of a PIN (OpenPGP card spec
// 3.4.1 section 4.3.2, RFC 4880 section 3.7.1.3), with OpenSSL 3's EVP
// digests. The PIN is fed to the digest in place, never copied into an
// unwiped buffer; the result lives only in SecureBytes.
#include "card-drivers/openpgp/openpgp_kdf.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "apdu/tlv.hpp"
#include "card-drivers/openpgp/openpgp_data.hpp"
#include "card-drivers/openpgp/openpgp_objects.hpp"
#include "common/error.hpp"

namespace tessera::drivers::openpgp {

namespace {

constexpr std::uint8_t kHashSha256 = 0x08;
constexpr std::uint8_t kHashSha512 = 0x0A;

struct MdCtxFree {
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); } // cleanses the digest state
};

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

const EVP_MD* digestFor(std::uint8_t hash)
{
    if (hash == kHashSha256) return EVP_sha256();
    if (hash == kHashSha512) return EVP_sha512();
    return nullptr;
}

void update(EVP_MD_CTX* ctx, ByteView part)
{
    if (!part.empty() && EVP_DigestUpdate(ctx, part.data(), part.size()) != 1) fail(Errc::general, "EVP_DigestUpdate");
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
    if (hash.size() != 1 || digestFor(hash[0]) == nullptr) malformed("unknown hash algorithm (82)");
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
    const EVP_MD* md = digestFor(kdf.hash);
    if (md == nullptr) fail(Errc::unsupported, "OpenPGP KDF hash algorithm not supported");
    const Bytes* salt = &kdf.saltPw1;
    if (kind == PasswordKind::resettingCode && !kdf.saltRc.empty()) salt = &kdf.saltRc;
    if (kind == PasswordKind::pw3 && !kdf.saltPw3.empty()) salt = &kdf.saltPw3;

    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1) fail(Errc::hostMemory, "EVP_DigestInit_ex2");
    const ByteView saltView(*salt);
    const ByteView pinView = pin.view();
    std::size_t remaining = std::max<std::size_t>(kdf.iterations, saltView.size() + pinView.size());
    while (remaining > 0) {
        const std::size_t s = std::min(remaining, saltView.size());
        update(ctx.get(), saltView.first(s));
        remaining -= s;
        const std::size_t p = std::min(remaining, pinView.size());
        update(ctx.get(), pinView.first(p));
        remaining -= p;
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) fail(Errc::general, "EVP_DigestFinal_ex");
    SecureBytes out(ByteView(digest, length));
    secureWipe(digest, sizeof digest);
    return out;
}

} // namespace tessera::drivers::openpgp
