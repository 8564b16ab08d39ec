// The driver-call sequence shared by the token fuzz targets and the seed
// recorder, and the attribute reads of the PKCS#11 objects built from a token.
#include "fuzz_support.hpp"

#include <cstring>

#include "pkcs11/object.hpp"
#include "pkcs11/token_objects.hpp"

namespace tessera::fuzz {

namespace {

// The virtual cards' default PINs (tools/vcard: PIV and OpenPGP PW1 123456).
const SecureBytes& userPin()
{
    static const SecureBytes pin{std::string_view("123456")};
    return pin;
}

std::size_t fieldBytes(const drivers::CardKey& key)
{
    switch (key.algorithm) {
    case drivers::KeyAlgorithm::ecP256: return 32;
    case drivers::KeyAlgorithm::ecP384: return 48;
    case drivers::KeyAlgorithm::ecP521: return 66;
    case drivers::KeyAlgorithm::ed25519:
    case drivers::KeyAlgorithm::x25519: return 32;
    case drivers::KeyAlgorithm::rsa: break;
    }
    return std::min<std::size_t>((key.bits + 7) / 8, 1024);
}

// Each operation is independent: what the card may cause is a tessera::Error.
template <typename F> void attempt(F&& f)
{
    try {
        f();
    } catch (const Error&) {
    }
}

void readObject(const pkcs11::Object& o)
{
    std::vector<CK_ATTRIBUTE> templ;
    for (const auto& [type, value] : o.attributes)
        templ.push_back({type, nullptr, 0});
    templ.push_back({CKA_VENDOR_DEFINED, nullptr, 0}); // absent: CKR_ATTRIBUTE_TYPE_INVALID
    (void)o.getAttributeValues(templ.data(), static_cast<CK_ULONG>(templ.size()));
    std::vector<Bytes> buffers(templ.size());
    for (std::size_t i = 0; i < templ.size(); ++i) {
        if (templ[i].ulValueLen == CK_UNAVAILABLE_INFORMATION) continue;
        buffers[i].resize(templ[i].ulValueLen);
        templ[i].pValue = buffers[i].empty() ? nullptr : buffers[i].data();
    }
    (void)o.getAttributeValues(templ.data(), static_cast<CK_ULONG>(templ.size()));
    for (std::size_t i = 0; i + 1 < templ.size(); ++i) {
        if (templ[i].pValue == nullptr) continue;
        if (templ[i].ulValueLen != buffers[i].size()) violated("attribute length changed between two reads");
    }
    // The object matches a template of its own non-sensitive values.
    std::vector<CK_ATTRIBUTE> own;
    for (const auto& [type, value] : o.attributes) {
        if (value.sensitive) continue;
        own.push_back({type, const_cast<std::uint8_t*>(value.value.data()), static_cast<CK_ULONG>(value.value.size())});
    }
    if (!o.matches(own.data(), static_cast<CK_ULONG>(own.size()))) violated("object does not match its own attributes");
}

} // namespace

Bytes signInputFor(const drivers::CardKey& key)
{
    if (key.algorithm != drivers::KeyAlgorithm::rsa) return Bytes(fieldBytes(key), 0x5A);
    if (key.rsaSignInput == drivers::RsaSignInput::digestInfo) {
        // DigestInfo of SHA-256 (RFC 8017 9.2 note 1) over a fixed hash.
        Bytes di = fromHex("3031300D060960864801650304020105000420");
        di.resize(di.size() + 32, 0x5A);
        return di;
    }
    // EMSA-PKCS1-v1_5 block 00 01 FF..FF 00 T of the modulus size.
    const std::size_t k = fieldBytes(key);
    Bytes block(k, 0xFF);
    if (k < 64) return block;
    block[0] = 0x00;
    block[1] = 0x01;
    block[k - 33] = 0x00;
    std::memset(block.data() + (k - 32), 0x5A, 32);
    return block;
}

Bytes ciphertextFor(const drivers::CardKey& key)
{
    Bytes c(fieldBytes(key), 0x33);
    if (!c.empty()) c[0] = 0x00;
    return c;
}

// The key's own point (the end of its SubjectPublicKeyInfo), a valid peer for ECDH.
Bytes peerPointFor(const drivers::CardKey& key)
{
    const std::size_t n = key.algorithm == drivers::KeyAlgorithm::x25519 ? 32 : 1 + 2 * fieldBytes(key);
    if (key.publicKeySpki.size() < n) return Bytes(n, 0x04);
    return Bytes(key.publicKeySpki.end() - static_cast<std::ptrdiff_t>(n), key.publicKeySpki.end());
}

void readAllAttributes(const drivers::TokenModel& model)
{
    for (const auto& o : pkcs11::buildTokenObjects(model))
        readObject(*o);
}

void exerciseCard(drivers::Card& card, const OperationInputs& inputs)
{
    drivers::TokenModel token;
    try {
        token = card.readToken();
    } catch (const Error&) {
        return;
    }
    readAllAttributes(token);
    const bool skip = inputs.skipVerify && inputs.skipVerify(card);
    attempt([&] { (void)card.readPinInfo(token.userPin.reference); });
    for (const drivers::CardKey& key : token.keys) {
        if (key.canSign) {
            attempt([&] {
                if (!skip) card.verifyPin(key.pinReference, userPin());
                (void)card.sign(key, signInputFor(key));
            });
        }
        if (key.canDecrypt) {
            attempt([&] {
                if (!skip) card.verifyPin(key.pinReference, userPin());
                (void)card.decrypt(key, inputs.ciphertext ? inputs.ciphertext(key) : ciphertextFor(key));
            });
        }
        if (key.canDerive) {
            attempt([&] {
                if (!skip) card.verifyPin(key.pinReference, userPin());
                (void)card.deriveEcdh(key, peerPointFor(key));
            });
        }
    }
    attempt([&] { (void)card.resetPinState(token.userPin.reference); });
}

} // namespace tessera::fuzz
