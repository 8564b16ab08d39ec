// The OpenPGP card administrator behind the driver interface (OpenPGP card
// spec 3.4.1): CKU_SO is PW3 (VERIFY 83, section 7.2.2), key generation
// (GENERATE ASYMMETRIC KEY PAIR, 7.2.14) after the algorithm attributes are
// changed when needed (PUT DATA C1-C3, 4.4.3.9), followed by the v4
// fingerprint (C7-C9) and the generation time (CE-D0) GnuPG matches the key
// by, and the unblocking of PW1 with the resetting code (RESET RETRY
// COUNTER P1 00, 7.2.4). The caller's transaction ends with a card reset
// (card-drivers/admin_rule.hpp), which also drops PW3's verified state.
//
// CKA_ID chooses the key as the driver numbers them: 01 signature (C1, C7,
// CE), 02 decryption (C2, C8, CF), 03 authentication (C3, C9, D0).
#include <ctime>

#include "apdu/status_words.hpp"
#include "apdu/tlv.hpp"
#include "card-drivers/iso7816/iso7816_pin.hpp"
#include "card-drivers/openpgp/openpgp_card.hpp"
#include "card-drivers/openpgp/openpgp_commands.hpp"
#include "card-drivers/openpgp/openpgp_fingerprint.hpp"
#include "card-drivers/openpgp/openpgp_keys.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace tessera::drivers::openpgp {

namespace {

constexpr std::uint32_t kFirstFingerprintTag = 0xC7;            // C7 sig, C8 dec, C9 aut (section 4.4.2)
constexpr std::uint32_t kFirstGenerationTimeTag = 0xCE;         // CE sig, CF dec, D0 aut
constexpr std::uint8_t kRsaPublicExponentBits[] = {0x00, 0x20}; // GnuPG's default attribute: e in 32 bits

const KeySlot& slotForId(ByteView id)
{
    if (id.size() == 1)
        if (const KeySlot* s = findSlot(id[0])) return *s; // ids 01-03 are the key references
    fail(Errc::dataInvalid, "no OpenPGP key has this CKA_ID (01 signature, 02 decryption, 03 authentication)");
}

std::size_t indexOf(const KeySlot& slot)
{
    return slot.fingerprintIndex;
}

// Section 4.4.3.9: the algorithm id a key of `algorithm` takes in `slot`.
std::uint8_t algorithmIdFor(const KeySlot& slot, KeyAlgorithm algorithm)
{
    switch (algorithm) {
    case KeyAlgorithm::rsa: return kAlgRsa;
    case KeyAlgorithm::ed25519:
        if (slot.reference == kDecryptionKey) fail(Errc::dataInvalid, "Ed25519 is for the keys 01 and 03 only");
        return kAlgEddsa;
    case KeyAlgorithm::x25519:
        if (slot.reference != kDecryptionKey) fail(Errc::dataInvalid, "X25519 is for the decryption key 02 only");
        return kAlgEcdh;
    default: return slot.reference == kDecryptionKey ? kAlgEcdh : kAlgEcdsa;
    }
}

Bytes bigEndian32(std::uint32_t v)
{
    return Bytes{static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                 static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

} // namespace

// CKU_SO writes keys; the RSA sizes and curves of section 4.4.3.9 a card
// may take (2.x cards: RSA only).
void OpenPgpCard::describeAdministration(TokenModel& token) const
{
    token.administratorLogin = true;
    token.rsaGenerateMinBits = 2048;
    token.rsaGenerateMaxBits = 4096;
    if (data_.aid.versionMajor >= 3) {
        token.ecGenerateMinBits = 256;
        token.ecGenerateMaxBits = 521;
        token.generate25519 = true;
    }
}

// Section 7.2.2: VERIFY 83.
void OpenPgpCard::verifyAdministrator(const SecureBytes& credential)
{
    verifyPin(kPw3, credential);
}

// Section 7.2.4: RESET RETRY COUNTER P1 00 with resetting code || new PW1
// (no PW3 needed); both encoded as the card wants (KDF).
void OpenPgpCard::unblockPin(const SecureBytes& credential, const SecureBytes& newPin)
{
    const SecureBytes code = pinValue(PasswordKind::resettingCode, credential);
    const SecureBytes pin = pinValue(PasswordKind::pw1, newPin);
    apdu::Command command = iso7816::resetRetryCounterCommand(kPw1Sign, code.view(), pin.view());
    apdu::throwIfError(iso7816::transmitSecret(channel_, command).sw, "OpenPGP RESET RETRY COUNTER (resetting code)");
}

// The attribute value for a new key, or the card's own when it already
// describes such a key (an RSA key keeps the card's exponent size and import
// format, as GnuPG does).
Bytes OpenPgpCard::attributesFor(const KeySlot& slot, KeyAlgorithm algorithm, unsigned bits) const
{
    const std::size_t i = indexOf(slot);
    const std::uint8_t id = algorithmIdFor(slot, algorithm);
    const std::optional<KeyAttributes>& current = data_.attributes[i];
    if (current && current->algorithm == algorithm && current->algorithmId == id &&
        (algorithm != KeyAlgorithm::rsa || current->bits == bits))
        return data_.rawAttributes[i];
    if (algorithm != KeyAlgorithm::rsa && data_.aid.versionMajor < 3)
        fail(Errc::unsupported, "OpenPGP cards before 3.0 have RSA keys only");
    Bytes value{id};
    if (algorithm == KeyAlgorithm::rsa) {
        value.push_back(static_cast<std::uint8_t>(bits >> 8));
        value.push_back(static_cast<std::uint8_t>(bits));
        const bool rsaNow = current && current->algorithm == KeyAlgorithm::rsa && data_.rawAttributes[i].size() >= 6;
        if (rsaNow) {
            value.insert(value.end(), data_.rawAttributes[i].begin() + 3, data_.rawAttributes[i].begin() + 6);
        } else {
            value.insert(value.end(), std::begin(kRsaPublicExponentBits), std::end(kRsaPublicExponentBits));
            value.push_back(0x00); // import format: standard (e, p, q)
        }
        return value;
    }
    for (const CurveInfo& c : kCurves) {
        if (c.algorithm != algorithm) continue; // the first OID of a curve is GnuPG's
        const ByteView oid = c.oidBytes();
        value.insert(value.end(), oid.begin(), oid.end());
        return value;
    }
    fail(Errc::unsupported, "no OpenPGP algorithm attributes for this key type");
}

// Section 4.4.3.9: PUT DATA C1-C3 when the key's algorithm or size changes
// (the card deletes the old key then).
KeyAttributes OpenPgpCard::setAttributes(const KeySlot& slot, KeyAlgorithm algorithm, unsigned bits)
{
    const std::size_t i = indexOf(slot);
    Bytes value = attributesFor(slot, algorithm, bits);
    const std::optional<KeyAttributes> parsed = parseKeyAttributes(value);
    if (!parsed) fail(Errc::unsupported, "the card's algorithm attributes for this key cannot be used");
    if (value == data_.rawAttributes[i]) return *parsed;
    if (!data_.extended.attributesChangeable)
        fail(Errc::unsupported, "this OpenPGP card cannot change its algorithm attributes (C0)");
    apdu::Response r = channel_.transmit(putDataCommand(slot.attributesTag, value));
    apdu::throwIfError(r.sw, "OpenPGP PUT DATA algorithm attributes");
    data_.attributes[i] = parsed;
    data_.rawAttributes[i] = std::move(value);
    return *parsed;
}

// Section 7.2.14: GENERATE, then what the host must write for GnuPG: the v4
// fingerprint (RFC 4880 section 12.2) over the new public key and the
// generation time, and the time itself (section 4.4.2, C7-C9 and CE-D0).
CardKey OpenPgpCard::generateKeyPair(const SecureBytes& credential, ByteView id, KeyAlgorithm algorithm, unsigned bits)
{
    const KeySlot& slot = slotForId(id);
    if (algorithm == KeyAlgorithm::rsa && (bits < 2048 || bits > 4096 || bits % 1024 != 0))
        fail(Errc::unsupported, "OpenPGP cards generate RSA keys of 2048, 3072 or 4096 bits");
    (void)attributesFor(slot, algorithm, bits); // refuses a key the slot cannot hold before VERIFY
    verifyPin(kPw3, credential);
    const KeyAttributes attributes = setAttributes(slot, algorithm, bits);
    apdu::Response r = channel_.transmit(generateKeyCommand(slot.crt, responseLe()));
    apdu::throwIfError(r.sw, "OpenPGP GENERATE ASYMMETRIC KEY PAIR");
    PublicKey key = publicKeyFromCard(attributes, r.data);
    const auto created = static_cast<std::uint32_t>(std::time(nullptr));
    const Bytes fingerprint = v4Fingerprint(attributes, r.data, created);
    const std::size_t i = indexOf(slot);
    const auto offset = static_cast<std::uint32_t>(i);
    apdu::throwIfError(channel_.transmit(putDataCommand(kFirstFingerprintTag + offset, fingerprint)).sw,
                       "OpenPGP PUT DATA fingerprint");
    apdu::throwIfError(channel_.transmit(putDataCommand(kFirstGenerationTimeTag + offset, bigEndian32(created))).sw,
                       "OpenPGP PUT DATA generation time");
    data_.fingerprints[i] = fingerprint;
    data_.keyStatus[i] = KeyStatus::generated;
    log::write(log::Level::calls,
               "OpenPGP " + std::string(slot.keyLabel) + " generated, fingerprint " + toHex(fingerprint));
    return makeCardKey(slot, attributes, std::move(key.spki), key.bits, quirks_.pw1ValidForSeveral);
}

} // namespace tessera::drivers::openpgp
