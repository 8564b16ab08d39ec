// Private-key operations through GENERAL AUTHENTICATE (SP 800-73-4 part 2
// section 3.2.4, part 1 appendix A.5): signature and RSA decryption with the
// challenge tag 81, ECDH with the exponentiation tag 85; the card answers
// 7C { 82 response }. Inputs are checked against the key before any APDU.
#include "apdu/status_words.hpp"
#include "apdu/tlv.hpp"
#include "card-drivers/card_crypto.hpp"
#include "card-drivers/piv/piv_card.hpp"
#include "card-drivers/piv/piv_commands.hpp"
#include "common/error.hpp"
#include "crypto/crypto.hpp"

namespace tessera::drivers::piv {

namespace {

constexpr std::uint8_t kChallengeTag = 0x81;
constexpr std::uint8_t kExponentiationTag = 0x85;
constexpr std::uint32_t kTemplateTag = 0x7C;
constexpr std::uint32_t kResponseTag = 0x82;
constexpr std::size_t kEd25519SignatureBytes = 64;

bool isEcdsa(KeyAlgorithm a)
{
    return a == KeyAlgorithm::ecP256 || a == KeyAlgorithm::ecP384;
}

// Fits a result to exactly `size` bytes: some cards drop leading zero bytes
// of an RSA block; more than `size` bytes is malformed. A template so that a
// secret (SensitiveBytes) is padded in place, never copied to plain memory.
template <typename Buffer> Buffer leftPadTo(Buffer value, std::size_t size, const char* what)
{
    if (value.size() > size) fail(Errc::malformedResponse, std::string("PIV ") + what + " longer than the key");
    value.insert(value.begin(), size - value.size(), 0x00);
    return value;
}

// ECDSA input (FIPS 186-4 section 6.4): the leftmost field-size bytes of the
// hash; a shorter hash is left-padded with zeros (the same integer), which is
// what yubico-piv-tool does before GENERAL AUTHENTICATE.
Bytes ecdsaInput(ByteView hash, std::size_t field)
{
    if (hash.empty()) fail(Errc::dataLenRange, "empty ECDSA hash");
    if (hash.size() >= field) return Bytes(hash.begin(), hash.begin() + static_cast<std::ptrdiff_t>(field));
    Bytes out(field - hash.size(), 0x00);
    out.insert(out.end(), hash.begin(), hash.end());
    return out;
}

} // namespace

// The answer may be a secret (decrypted block, ECDH secret): it stays in
// SensitiveBytes; callers that return a signature copy it to Bytes.
SensitiveBytes PivCard::generalAuthenticate(const CardKey& key, std::uint8_t dataTag, ByteView input, bool secretAnswer)
{
    auto algorithm = algorithmIdFor(key.algorithm, key.bits);
    if (!algorithm) fail(Errc::unsupported, "PIV has no algorithm for this key");
    apdu::Command command = generalAuthenticateCommand(*algorithm, key.reference, dataTag, input, responseLe());
    command.sensitive = secretAnswer;
    apdu::Response r = channel_.transmit(command);
    apdu::throwIfError(r.sw, "PIV GENERAL AUTHENTICATE");
    std::vector<apdu::Tlv> top = apdu::parseAll(r.data);
    if (top.size() != 1 || top[0].tag != kTemplateTag) {
        fail(Errc::malformedResponse, "PIV GENERAL AUTHENTICATE answer is not one 7C template");
    }
    for (const apdu::Tlv& t : apdu::parseAll(top[0].value)) {
        if (t.tag == kResponseTag && !t.value.empty()) return SensitiveBytes(t.value.begin(), t.value.end());
    }
    fail(Errc::malformedResponse, "PIV GENERAL AUTHENTICATE answer without response (82)");
}

// RSA: a modulus-size block padded by the host. ECDSA: the hash; the card
// answers DER, returned as raw r || s. Ed25519 (YubiKey 5.7): the message.
Bytes PivCard::sign(const CardKey& key, ByteView input)
{
    const std::size_t field = fieldBytes(key.algorithm, key.bits);
    if (key.algorithm == KeyAlgorithm::rsa) {
        if (input.size() != field) fail(Errc::dataLenRange, "RSA input must be one modulus-size block");
        const SensitiveBytes sig = generalAuthenticate(key, kChallengeTag, input);
        return leftPadTo(Bytes(sig.begin(), sig.end()), field, "RSA signature");
    }
    if (isEcdsa(key.algorithm)) {
        const SensitiveBytes der = generalAuthenticate(key, kChallengeTag, ecdsaInput(input, field));
        return fromCard("PIV ECDSA signature: ", [&] { return crypto::ecdsaDerToRaw(der, field); });
    }
    if (key.algorithm == KeyAlgorithm::ed25519) {
        const SensitiveBytes sig = generalAuthenticate(key, kChallengeTag, input);
        if (sig.size() != kEd25519SignatureBytes) fail(Errc::malformedResponse, "Ed25519 signature not 64 bytes");
        return Bytes(sig.begin(), sig.end());
    }
    fail(Errc::unsupported, "this PIV key cannot sign");
}

// RSA decryption: the raw block comes back still padded; the PKCS#11 layer unpads.
SensitiveBytes PivCard::decrypt(const CardKey& key, ByteView input)
{
    if (key.algorithm != KeyAlgorithm::rsa) fail(Errc::unsupported, "only RSA PIV keys decrypt");
    const std::size_t field = fieldBytes(key.algorithm, key.bits);
    if (input.size() != field) fail(Errc::dataLenRange, "RSA ciphertext must be one modulus-size block");
    return leftPadTo(generalAuthenticate(key, kChallengeTag, input, true), field, "RSA decryption");
}

// ECDH (SP 800-73-4 part 2 section 3.2.4, key establishment): the peer's
// uncompressed point 04 || X || Y (or 32 bytes for X25519); the answer is
// the shared secret (x coordinate).
SensitiveBytes PivCard::deriveEcdh(const CardKey& key, ByteView peerPoint)
{
    const std::size_t field = fieldBytes(key.algorithm, key.bits);
    if (isEcdsa(key.algorithm)) {
        if (peerPoint.size() != 1 + 2 * field) fail(Errc::dataLenRange, "peer point must be uncompressed");
        if (peerPoint[0] != 0x04) fail(Errc::dataInvalid, "peer point must be uncompressed (04)");
    } else if (key.algorithm == KeyAlgorithm::x25519) {
        if (peerPoint.size() != field) fail(Errc::dataLenRange, "X25519 peer key must be 32 bytes");
    } else {
        fail(Errc::unsupported, "this PIV key cannot derive");
    }
    return leftPadTo(generalAuthenticate(key, kExponentiationTag, peerPoint, true), field, "ECDH secret");
}

} // namespace tessera::drivers::piv
