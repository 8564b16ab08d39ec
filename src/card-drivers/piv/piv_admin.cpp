// The PIV card administrator behind the driver interface: the management key
// by mutual authentication (SP 800-73-4 part 2 appendix A.1, section 3.2.4),
// the PUK (sections 3.2.2-3.2.3), key generation (3.3.2) and certificate
// containers written with PUT DATA (3.3.1). Which credential C_Login(CKU_SO)
// was given is told by its form (piv_management.hpp). The caller's
// transaction ends with a card reset: PIV has no command that drops the
// management key's authenticated state.
#include "apdu/status_words.hpp"
#include "card-drivers/iso7816/iso7816_pin.hpp"
#include "card-drivers/piv/piv_card.hpp"
#include "card-drivers/piv/piv_commands.hpp"
#include "card-drivers/piv/piv_containers.hpp"
#include "card-drivers/piv/piv_management.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace tessera::drivers::piv {

namespace {

const KeySlot& slotForId(ByteView id)
{
    if (id.size() == 1)
        for (const auto& s : kKeySlots)
            if (s.id == id[0]) return s;
    fail(Errc::dataInvalid, "no PIV key slot has this CKA_ID (01-04: 9A 9C 9D 9E, 05-18: retired 82-95)");
}

void requireManagementKey(const SecureBytes& credential)
{
    if (credentialKind(credential) != CredentialKind::managementKey)
        fail(Errc::securityStatus, "this needs the PIV management key: log in as SO with it, not with the PUK");
}

// Constant time over equal lengths: the card's proof of the key.
bool sameBytes(ByteView a, ByteView b)
{
    if (a.size() != b.size()) return false;
    std::uint8_t diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<std::uint8_t>(a[i] ^ b[i]);
    return diff == 0;
}

// A refused step 2 (6982 security status, 6A80 wrong data, 63Cx) means a
// wrong key; other status words keep their own category.
void checkAuthenticationStatus(std::uint16_t sw)
{
    if (sw == 0x6982 || sw == 0x6A80 || (sw & 0xFFF0) == 0x63C0)
        fail(Errc::authenticationFailed, "PIV management key refused (" + apdu::describeStatus(sw) + ")");
    apdu::throwIfError(sw, "PIV GENERAL AUTHENTICATE 9B");
}

} // namespace

// CKU_SO is the administrator; keys PIV can generate (SP 800-78-4 table
// 6-2): RSA 1024-2048 and P-256/P-384; YubiKey 5.7 adds RSA 3072 and 4096.
void PivCard::describeAdministration(TokenModel& token) const
{
    token.administratorLogin = true;
    token.rsaGenerateMinBits = 1024;
    token.rsaGenerateMaxBits = quirks_.yubikey && version_.atLeast(5, 7) ? 4096 : 2048;
    token.ecGenerateMinBits = 256;
    token.ecGenerateMaxBits = 384;
}

// YubiKey 5.3+: GET METADATA 9B, tag 01; other cards: 3DES (SP 800-78-4).
std::uint8_t PivCard::managementAlgorithmId()
{
    if (!quirks_.yubikeyMetadata) return kDefaultManagementAlgorithm.id;
    std::optional<YubiKeyMetadata> meta = readMetadata(kManagementKey);
    if (meta && meta->algorithm && managementAlgorithm(*meta->algorithm)) return *meta->algorithm;
    return kDefaultManagementAlgorithm.id;
}

// Appendix A.1 mutual authentication: the card sends E(witness), we return
// the witness with our challenge, the card proves the key with E(challenge).
void PivCard::authenticateManagementKey(const SecureBytes& hexKey)
{
    const SecureBytes key = managementKeyBytes(hexKey);
    const std::uint8_t algorithmId = managementAlgorithmId();
    const ManagementAlgorithm algorithm = *managementAlgorithm(algorithmId);
    if (key.size() != crypto::blockCipherKeyLength(algorithm.cipher))
        fail(Errc::pinLenRange, "PIV management key length does not fit the card's key algorithm");
    const std::size_t block = crypto::blockCipherBlockSize(algorithm.cipher);
    apdu::Response first = channel_.transmit(witnessRequestCommand(algorithmId));
    apdu::throwIfError(first.sw, "PIV GENERAL AUTHENTICATE 9B witness");
    const Bytes witness =
        crypto::ecbDecryptBlock(algorithm.cipher, key.view(), dynamicTemplateItem(first.data, 0x80, block));
    const Bytes challenge = crypto::randomBytes(block);
    apdu::Response second = channel_.transmit(mutualResponseCommand(algorithmId, witness, challenge));
    checkAuthenticationStatus(second.sw);
    const Bytes proof = dynamicTemplateItem(second.data, 0x82, block);
    if (!sameBytes(proof, crypto::ecbEncryptBlock(algorithm.cipher, key.view(), challenge)))
        fail(Errc::authenticationFailed, "the card's answer to our challenge is wrong: not the card this key is for");
}

// The PUK cannot be VERIFYed (key reference 81 serves only RESET RETRY
// COUNTER and CHANGE REFERENCE DATA): CHANGE REFERENCE DATA from the PUK to
// itself checks it, with the card's retry counter, and changes nothing.
void PivCard::verifyPuk(const SecureBytes& puk)
{
    const SecureBytes padded = paddedPin(puk);
    apdu::Command command = iso7816::changeReferenceDataCommand(kPuk, padded.view(), padded.view());
    apdu::throwIfError(iso7816::transmitSecret(channel_, command).sw, "PIV PUK");
}

void PivCard::verifyAdministrator(const SecureBytes& credential)
{
    if (credentialKind(credential) == CredentialKind::puk)
        verifyPuk(credential);
    else
        authenticateManagementKey(credential);
}

// Section 3.2.3 RESET RETRY COUNTER: PUK || new PIN, each padded to 8.
void PivCard::unblockPin(const SecureBytes& credential, const SecureBytes& newPin)
{
    if (credentialKind(credential) != CredentialKind::puk)
        fail(Errc::unsupported, "a PIV PIN is unblocked with the PUK: log in as SO with the PUK");
    const SecureBytes puk = paddedPin(credential);
    const SecureBytes pin = paddedPin(newPin);
    apdu::Command command = iso7816::resetRetryCounterCommand(kApplicationPin, puk.view(), pin.view());
    apdu::throwIfError(iso7816::transmitSecret(channel_, command).sw, "PIV RESET RETRY COUNTER");
}

// The PUK: CHANGE REFERENCE DATA 81. The management key: YubiKey SET
// MANAGEMENT KEY with the card's current algorithm, after authenticating.
void PivCard::changeAdministrator(const SecureBytes& oldCredential, const SecureBytes& newCredential)
{
    const CredentialKind kind = credentialKind(oldCredential);
    if (credentialKind(newCredential) != kind)
        fail(Errc::pinLenRange, "the new PIV SO credential must be of the old one's kind (PUK or management key)");
    if (kind == CredentialKind::puk) {
        changePin(kPuk, oldCredential, newCredential);
        return;
    }
    if (!quirks_.yubikey) fail(Errc::unsupported, "PIV has no standard command to change the management key");
    authenticateManagementKey(oldCredential);
    const SecureBytes key = managementKeyBytes(newCredential);
    const std::uint8_t algorithmId = managementAlgorithmId();
    if (key.size() != crypto::blockCipherKeyLength(managementAlgorithm(algorithmId)->cipher))
        fail(Errc::pinLenRange, "the new management key does not fit the card's key algorithm");
    apdu::Command command = setManagementKeyCommand(algorithmId, key);
    apdu::throwIfError(iso7816::transmitSecret(channel_, command).sw, "YubiKey SET MANAGEMENT KEY");
}

// Section 3.3.2: the card answers the new public key (7F49); the key's PIN
// policy is the slot's default (no YubiKey policy tags are sent).
CardKey PivCard::generateKeyPair(const SecureBytes& credential, ByteView id, KeyAlgorithm algorithm, unsigned bits)
{
    const KeySlot& slot = slotForId(id);
    const std::optional<std::uint8_t> algorithmId = algorithmIdFor(algorithm, bits);
    if (!algorithmId) fail(Errc::unsupported, "PIV has no algorithm identifier for this key type and size");
    requireManagementKey(credential);
    authenticateManagementKey(credential);
    writeMissingIdentityObjects();
    apdu::Response r = channel_.transmit(generateCommand(*algorithmId, slot.reference));
    apdu::throwIfError(r.sw, "PIV GENERATE ASYMMETRIC KEY PAIR");
    PublicKeyInfo key = keyFromMetadata(*algorithmId, generatedPublicKey(r.data));
    log::write(log::Level::calls, std::string("PIV key generated in slot ") + std::string(slot.keyLabel));
    return makeCardKey(slot, std::move(key), std::nullopt);
}

// A card provisioned only through Tessera gets the CHUID and the CCC it lacks
// (GET DATA answers 6A82), written in the same authenticated transaction.
void PivCard::writeMissingIdentityObjects()
{
    struct Missing {
        std::uint32_t tag;
        std::size_t randomBytes;
        Bytes (*content)(ByteView);
    };
    for (const Missing& m : {Missing{kChuidTag, 16, chuidContent}, Missing{kCccTag, 14, cccContent}}) {
        if (channel_.transmit(getDataCommand(m.tag)).sw != 0x6A82) continue;
        apdu::Response r = channel_.transmit(putDataCommand(m.tag, m.content(crypto::randomBytes(m.randomBytes))));
        apdu::throwIfError(r.sw, "PIV PUT DATA CHUID/CCC");
        log::write(log::Level::calls, m.tag == kChuidTag ? "PIV CHUID written" : "PIV CCC written");
    }
}

// YubiKey IMPORT KEY (a PIV extension: plain PIV cards have no key import);
// the key as the card then reports it comes from GET METADATA.
std::optional<CardKey> PivCard::importKey(const SecureBytes& credential, ByteView id, const PrivateKeyMaterial& key)
{
    const KeySlot& slot = slotForId(id);
    if (!quirks_.yubikey) fail(Errc::unsupported, "this PIV card has no key import (a YubiKey extension)");
    const std::optional<std::uint8_t> algorithmId = algorithmIdFor(key.algorithm, key.bits);
    if (!algorithmId || key.algorithm == KeyAlgorithm::ed25519 || key.algorithm == KeyAlgorithm::x25519)
        fail(Errc::unsupported, "PIV imports RSA and P-256/P-384 keys");
    requireManagementKey(credential);
    apdu::Command command = importKeyCommand(*algorithmId, slot.reference, key); // checks sizes before any APDU
    struct WipeOnExit {
        Bytes& bytes;
        ~WipeOnExit() { secureWipe(bytes.data(), bytes.size()); }
    } wipe{command.data};
    authenticateManagementKey(credential);
    writeMissingIdentityObjects();
    apdu::throwIfError(iso7816::transmitSecret(channel_, command).sw, "YubiKey IMPORT KEY");
    log::write(log::Level::calls, std::string("PIV key imported into slot ") + std::string(slot.keyLabel));
    return readSlot(slot);
}

// SP 800-73-4 part 1 section 3.3.2 and appendix A table 19: retired keys
// with on-card certificates are numbered from 82, and readers (OpenSC, and
// Tessera's own token read) look only at the first C1 of them. A certificate
// in retired slot n raises C1 to at least n; a deletion leaves it (an empty
// container within the count is harmless).
void PivCard::countRetiredCertificate(const KeySlot& slot)
{
    const std::size_t position = static_cast<std::size_t>(slot.reference - kKeySlots[kPrimarySlotCount].reference) + 1;
    apdu::Response current = channel_.transmit(getDataCommand(kKeyHistoryTag));
    Bytes keyHistory;
    ByteView answer = current.ok() ? ByteView(current.data) : ByteView{};
    try {
        if (!answer.empty() && parseKeyHistoryOnCardCount(answer) >= position) return;
        keyHistory = keyHistoryContent(answer, static_cast<std::uint8_t>(position));
    } catch (const Error& e) {
        if (e.code() != Errc::malformedResponse) throw;
        log::write(log::Level::calls, std::string("PIV key history unreadable, rewritten: ") + e.what());
        keyHistory = keyHistoryContent({}, static_cast<std::uint8_t>(position));
    }
    apdu::Response r = channel_.transmit(putDataCommand(kKeyHistoryTag, keyHistory));
    apdu::throwIfError(r.sw, "PIV PUT DATA key history");
}

// Section 3.3.1 PUT DATA of the slot's certificate container, then the slot
// read back as a token read would (certificate, YubiKey metadata).
std::optional<CardKey> PivCard::writeCertificate(const SecureBytes& credential, ByteView id, ByteView certificate,
                                                 const CardKey* known)
{
    const KeySlot& slot = slotForId(id);
    requireManagementKey(credential);
    authenticateManagementKey(credential);
    if (!certificate.empty()) writeMissingIdentityObjects();
    const Bytes content = certificate.empty() ? Bytes{} : certificateContainer(certificate);
    apdu::Response r = channel_.transmit(putDataCommand(slot.containerTag, content));
    apdu::throwIfError(r.sw, "PIV PUT DATA");
    if (slot.retired && !certificate.empty()) countRetiredCertificate(slot);
    std::optional<CardKey> now = readSlot(slot);
    if (!now && known != nullptr && !known->publicKeySpki.empty()) {
        // A card without metadata reports a key only through its certificate.
        CardKey kept = *known;
        kept.certificate.reset();
        return kept;
    }
    return now;
}

} // namespace tessera::drivers::piv
