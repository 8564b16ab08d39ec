// Private-key operations of the OpenPGP card (OpenPGP card spec 3.4.1):
// PSO:CDS with the signature key (7.2.10), INTERNAL AUTHENTICATE with the
// authentication key (7.2.13), PSO:DECIPHER for RSA and ECDH (7.2.11), GET
// CHALLENGE (7.2.15). Inputs and answers are checked for their exact size.
#include "apdu/status_words.hpp"
#include "apdu/tlv.hpp"
#include "card-drivers/openpgp/openpgp_card.hpp"
#include "card-drivers/openpgp/openpgp_commands.hpp"
#include "common/error.hpp"

namespace tessera::drivers::openpgp {

namespace {

constexpr std::size_t kEd25519SignatureBytes = 64;
constexpr std::size_t kRsaPkcs1Overhead = 11;       // RFC 8017 9.2: the DigestInfo leaves room for 00 01 FF*8 00
constexpr std::uint8_t kRsaPaddingIndicator = 0x00; // section 7.2.11: first byte of an RSA cryptogram
constexpr std::uint32_t kCipherDoTag = 0xA6;
constexpr std::uint8_t kNativePointPrefix = 0x40;

bool isNistEc(KeyAlgorithm a)
{
    return a == KeyAlgorithm::ecP256 || a == KeyAlgorithm::ecP384 || a == KeyAlgorithm::ecP521;
}

// Fits an RSA result to exactly `size` bytes (some cards drop leading zero
// bytes); more than `size` bytes is malformed.
template <typename Buffer> Buffer leftPadTo(Buffer value, std::size_t size, const char* what)
{
    if (value.size() > size) fail(Errc::malformedResponse, std::string("OpenPGP ") + what + " longer than the key");
    value.insert(value.begin(), size - value.size(), 0x00);
    return value;
}

// ECDSA input (FIPS 186-4 section 6.4): the leftmost field-size bytes of the
// hash; a shorter hash is left-padded with zeros (the same integer).
Bytes ecdsaInput(ByteView hash, std::size_t field)
{
    if (hash.empty()) fail(Errc::dataLenRange, "empty ECDSA hash");
    if (hash.size() >= field) return Bytes(hash.begin(), hash.begin() + static_cast<std::ptrdiff_t>(field));
    Bytes out(field - hash.size(), 0x00);
    out.insert(out.end(), hash.begin(), hash.end());
    return out;
}

// Section 7.2.11: the shared secret is the x coordinate; some cards answer
// the whole point (04 || X || Y) or, for Curve25519, 40 || X.
SensitiveBytes sharedSecret(SensitiveBytes answer, KeyAlgorithm algorithm, std::size_t field)
{
    if (answer.size() == field) return answer;
    if (isNistEc(algorithm) && answer.size() == 1 + 2 * field && answer[0] == 0x04) {
        return SensitiveBytes(answer.begin() + 1, answer.begin() + 1 + static_cast<std::ptrdiff_t>(field));
    }
    if (algorithm == KeyAlgorithm::x25519 && answer.size() == 1 + field && answer[0] == kNativePointPrefix) {
        return SensitiveBytes(answer.begin() + 1, answer.end());
    }
    fail(Errc::malformedResponse, "OpenPGP ECDH answer is not a shared secret of the key's size");
}

} // namespace

// The Le for answers: 256 in short form, else the card's maximum (7F66).
std::uint32_t OpenPgpCard::responseLe() const
{
    if (!quirks_.extendedLength) return kShortLe;
    if (data_.extendedLength && data_.extendedLength->maxResponse > kShortLe) return data_.extendedLength->maxResponse;
    return 65536;
}

SensitiveBytes OpenPgpCard::transmitOperation(const apdu::Command& command, const char* what)
{
    apdu::Response r = channel_.transmit(command);
    apdu::throwIfError(r.sw, std::string("OpenPGP ") + what);
    if (r.data.empty()) fail(Errc::malformedResponse, std::string("OpenPGP ") + what + " answered no data");
    return std::move(r.data); // may be a secret: stays page-backed
}

// RSA: a DigestInfo, padded by the card (PKCS#1 v1.5). ECDSA: the hash;
// EdDSA: the message; both answer raw r || s. The signature key signs with
// PSO:CDS, the authentication key with INTERNAL AUTHENTICATE.
Bytes OpenPgpCard::sign(const CardKey& key, ByteView input)
{
    if (key.reference != kSignatureKey && key.reference != kAuthenticationKey) {
        fail(Errc::unsupported, "only the OpenPGP signature and authentication keys sign");
    }
    const std::size_t field = fieldBytes(key.algorithm, key.bits);
    Bytes data;
    if (key.algorithm == KeyAlgorithm::rsa) {
        if (input.empty() || input.size() + kRsaPkcs1Overhead > field) {
            fail(Errc::dataLenRange, "DigestInfo does not fit the RSA key");
        }
        data.assign(input.begin(), input.end());
    } else if (isNistEc(key.algorithm)) {
        data = ecdsaInput(input, field);
    } else if (key.algorithm == KeyAlgorithm::ed25519) {
        data.assign(input.begin(), input.end());
    } else {
        fail(Errc::unsupported, "this OpenPGP key cannot sign");
    }
    const bool cds = key.reference == kSignatureKey;
    const SensitiveBytes answer =
        cds ? transmitOperation(computeSignatureCommand(data, responseLe()), "PSO:COMPUTE DIGITAL SIGNATURE")
            : transmitOperation(internalAuthenticateCommand(data, responseLe()), "INTERNAL AUTHENTICATE");
    Bytes sig(answer.begin(), answer.end()); // a signature is public
    if (key.algorithm == KeyAlgorithm::rsa) return leftPadTo(std::move(sig), field, "RSA signature");
    const std::size_t expected = key.algorithm == KeyAlgorithm::ed25519 ? kEd25519SignatureBytes : 2 * field;
    if (sig.size() != expected) fail(Errc::malformedResponse, "OpenPGP signature is not r || s of the key's size");
    return sig;
}

// Section 7.2.11: RSA cryptogram preceded by the padding indicator 00; the
// card removes the PKCS#1 v1.5 padding and answers the plaintext.
SensitiveBytes OpenPgpCard::decrypt(const CardKey& key, ByteView input)
{
    if (key.reference != kDecryptionKey || key.algorithm != KeyAlgorithm::rsa) {
        fail(Errc::unsupported, "only an RSA OpenPGP decryption key decrypts");
    }
    const std::size_t field = fieldBytes(key.algorithm, key.bits);
    if (input.empty() || input.size() > field)
        fail(Errc::dataLenRange, "RSA ciphertext must be one modulus-size block");
    Bytes data;
    data.reserve(1 + field);
    data.push_back(kRsaPaddingIndicator);
    data.insert(data.end(), field - input.size(), 0x00);
    data.insert(data.end(), input.begin(), input.end());
    apdu::Response r = channel_.transmit(decipherCommand(std::move(data), responseLe()));
    apdu::throwIfError(r.sw, "OpenPGP PSO:DECIPHER");
    if (r.data.size() + kRsaPkcs1Overhead > field) fail(Errc::malformedResponse, "OpenPGP plaintext too long");
    // An empty message is a valid plaintext; it stays page-backed.
    return std::move(r.data);
}

// Section 7.2.11: ECDH with A6 { 7F49 { 86 peer point } }; the peer point is
// uncompressed 04 || X || Y, or 32 bytes for X25519.
SensitiveBytes OpenPgpCard::deriveEcdh(const CardKey& key, ByteView peerPoint)
{
    if (key.reference != kDecryptionKey) fail(Errc::unsupported, "only the OpenPGP decryption key derives");
    const std::size_t field = fieldBytes(key.algorithm, key.bits);
    if (isNistEc(key.algorithm)) {
        if (peerPoint.size() != 1 + 2 * field) fail(Errc::dataLenRange, "peer point must be uncompressed");
        if (peerPoint[0] != 0x04) fail(Errc::dataInvalid, "peer point must be uncompressed (04)");
    } else if (key.algorithm == KeyAlgorithm::x25519) {
        if (peerPoint.size() != field) fail(Errc::dataLenRange, "X25519 peer key must be 32 bytes");
    } else {
        fail(Errc::unsupported, "this OpenPGP key cannot derive");
    }
    const Bytes point = apdu::tlv(0x86, peerPoint);
    const Bytes data = apdu::tlv(kCipherDoTag, apdu::tlv(kPublicKeyTag, point));
    SensitiveBytes answer = transmitOperation(decipherCommand(data, responseLe()), "PSO:DECIPHER (ECDH)");
    return sharedSecret(std::move(answer), key.algorithm, field);
}

} // namespace tessera::drivers::openpgp
