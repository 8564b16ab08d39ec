// Reading a PIV token: identity (YubiKey version/serial or the CHUID), the
// user PIN's state, and every key slot of the kKeySlots table through its
// certificate container (SP 800-73-4 part 2 section 3.1.2 GET DATA), with
// YubiKey metadata for PIN policies and for keys without a certificate.
// One bad container never sinks the token: that slot is skipped and logged.
#include <cstdio>

#include "apdu/status_words.hpp"
#include "card-drivers/piv/piv_atr.hpp"
#include "card-drivers/piv/piv_card.hpp"
#include "card-drivers/piv/piv_commands.hpp"
#include "card-drivers/piv/piv_containers.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace tessera::drivers::piv {

namespace {

constexpr std::uint16_t kSwNotFound = 0x6A82;
constexpr std::size_t kSerialTailBytes = 8; // CK_TOKEN_INFO serialNumber holds 16 characters

std::string hexByte(std::uint8_t b)
{
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02X", b);
    return buf;
}

void logSkip(const KeySlot& slot, const std::string& why)
{
    log::write(log::Level::calls, "PIV slot " + hexByte(slot.reference) + " skipped: " + why);
}

bool allZero(ByteView b)
{
    for (auto c : b)
        if (c != 0) return false;
    return true;
}

} // namespace

CardKey makeCardKey(const KeySlot& slot, PublicKeyInfo key, std::optional<PinPolicy> metadataPolicy)
{
    CardKey k;
    k.reference = slot.reference;
    k.id = Bytes{slot.id};
    k.label = std::string(slot.keyLabel);
    k.algorithm = key.algorithm;
    k.bits = key.bits;
    k.publicKeySpki = std::move(key.spki);
    if (!key.certificate.empty()) k.certificate = std::move(key.certificate);
    k.certificateLabel = std::string(slot.certLabel);
    const bool rsa = key.algorithm == KeyAlgorithm::rsa;
    k.canSign = slot.usage.sign && key.algorithm != KeyAlgorithm::x25519;
    k.canDecrypt = slot.usage.decryptRsa && rsa;
    k.canDerive =
        slot.usage.deriveEc && (key.algorithm == KeyAlgorithm::ecP256 || key.algorithm == KeyAlgorithm::ecP384 ||
                                key.algorithm == KeyAlgorithm::x25519);
    k.pinPolicy = metadataPolicy.value_or(slot.defaultPolicy);
    k.pinReference = kApplicationPin;
    k.rsaSignInput = RsaSignInput::paddedBlock;
    k.rsaDecryptReturnsPaddedBlock = true;
    return k;
}

TokenModel PivCard::readToken()
{
    TokenModel token = readIdentity();
    readKeys(token);
    return token;
}

// What C_GetTokenInfo needs and no more: on a YubiKey GET VERSION, GET SERIAL
// and the empty VERIFY (with the SELECT of the probe: 4 APDUs in all).
TokenModel PivCard::readIdentity()
{
    TokenModel token;
    identify(token);
    token.userPin = readPinInfo(kApplicationPin);
    describeAdministration(token);
    token.keysRead = false;
    return token;
}

void PivCard::readKeys(TokenModel& token)
{
    token.keys.clear();
    readKeySlots(token.keys);
    token.keysRead = true;
}

// YubiKey GET VERSION / GET SERIAL; other cards answer 6D00 and are
// identified by their CHUID (SP 800-73-4 part 1 section 3.1.2).
void PivCard::identify(TokenModel& token)
{
    quirks_.yubikey = quirks_.yubikeySerial = quirks_.yubikeyMetadata = false;
    quirks_.extendedLength = atrAnnouncesExtendedLength(channel_.atr());
    channel_.setExtendedLength(quirks_.extendedLength);
    apdu::Response v = channel_.transmit(yubikeyVersionCommand());
    std::optional<YubiKeyVersion> version = v.ok() ? parseYubiKeyVersion(v.data) : std::nullopt;
    if (version) {
        version_ = *version;
        quirks_.yubikey = true;
        quirks_.yubikeySerial = version_.atLeast(5, 0);
        quirks_.yubikeyMetadata = version_.atLeast(5, 3);
        token.manufacturer = "Yubico";
        token.model = "YubiKey " + std::to_string(version_.major) + "." + std::to_string(version_.minor) + "." +
                      std::to_string(version_.patch);
        token.firmwareMajor = version_.major;
        token.firmwareMinor = version_.minor;
        token.label = "YubiKey PIV";
    } else {
        token.manufacturer = "PIV";
        token.model = "PIV II";
        token.label = "PIV Card";
    }
    if (quirks_.yubikeySerial) {
        apdu::Response s = channel_.transmit(yubikeySerialCommand());
        if (auto serial = s.ok() ? parseYubiKeySerial(s.data) : std::nullopt) {
            token.serial = std::to_string(*serial);
            token.label += " #" + token.serial;
            token.identity.assign(s.data.begin(), s.data.end());
            return;
        }
    }
    readIdentityFromChuid(token);
}

// CHUID GUID (tag 34) when set, else the FASC-N (tag 30); the serial is the
// hex of the last 8 bytes (16 characters, the CK_TOKEN_INFO field size).
void PivCard::readIdentityFromChuid(TokenModel& token)
{
    apdu::Response r = channel_.transmit(getDataCommand(kChuidTag, responseLe()));
    if (!r.ok()) return;
    Chuid chuid;
    try {
        chuid = parseChuid(r.data);
    } catch (const Error& e) {
        if (e.code() != Errc::malformedResponse) throw;
        log::write(log::Level::calls, std::string("PIV CHUID unreadable: ") + e.what());
        return;
    }
    const Bytes& id = !chuid.guid.empty() && !allZero(chuid.guid) ? chuid.guid : chuid.fascn;
    if (id.empty()) return;
    token.identity = id;
    ByteView tail(id);
    if (tail.size() > kSerialTailBytes) tail = tail.last(kSerialTailBytes);
    token.serial = toHex(tail);
}

void PivCard::readKeySlots(std::vector<CardKey>& keys)
{
    for (std::size_t i = 0; i < kPrimarySlotCount; ++i) {
        if (auto key = readSlot(kKeySlots[i])) keys.push_back(std::move(*key));
    }
    // SP 800-73-4 part 1 section 3.3.2: retired keys are numbered from 82
    // upwards; the key history object says how many have on-card certificates.
    const std::size_t retired = readRetiredCount();
    for (std::size_t i = 0; i < retired; ++i) {
        if (auto key = readSlot(kKeySlots[kPrimarySlotCount + i])) keys.push_back(std::move(*key));
    }
}

std::size_t PivCard::readRetiredCount()
{
    apdu::Response r = channel_.transmit(getDataCommand(kKeyHistoryTag, responseLe()));
    if (!r.ok()) return 0;
    try {
        return parseKeyHistoryOnCardCount(r.data);
    } catch (const Error& e) {
        if (e.code() != Errc::malformedResponse) throw;
        log::write(log::Level::calls, std::string("PIV key history unreadable: ") + e.what());
        return 0;
    }
}

std::optional<CardKey> PivCard::readSlot(const KeySlot& slot)
{
    std::optional<PublicKeyInfo> key = readCertificateKey(slot);
    std::optional<YubiKeyMetadata> meta;
    if (quirks_.yubikeyMetadata) meta = readMetadata(slot.reference);
    if (!key && meta && meta->algorithm && !meta->publicKeyTemplate.empty()) {
        try {
            key = keyFromMetadata(*meta->algorithm, meta->publicKeyTemplate);
        } catch (const Error& e) {
            if (e.code() != Errc::malformedResponse) throw;
            logSkip(slot, std::string("metadata public key: ") + e.what());
        }
    }
    if (!key) return std::nullopt;
    return makeCardKey(slot, std::move(*key), meta ? meta->pinPolicy : std::nullopt);
}

// GET DATA of the slot's certificate container; nullopt when empty (6A82),
// unreadable, or not a certificate of a PIV key algorithm.
std::optional<PublicKeyInfo> PivCard::readCertificateKey(const KeySlot& slot)
{
    apdu::Response r;
    try {
        r = channel_.transmit(getDataCommand(slot.containerTag, responseLe()));
    } catch (const Error& e) {
        // A container the card cannot deliver within the transmit bounds (61xx
        // without end, a broken answer) costs that slot, not the whole token.
        if (e.code() != Errc::malformedResponse) throw;
        logSkip(slot, e.what());
        return std::nullopt;
    }
    if (!r.ok()) {
        if (r.sw != kSwNotFound) logSkip(slot, "GET DATA " + apdu::describeStatus(r.sw));
        return std::nullopt;
    }
    try {
        std::optional<Bytes> der = parseCertificateContainer(r.data);
        if (!der) return std::nullopt;
        auto key = keyFromCertificate(*der);
        if (!key) logSkip(slot, "certificate unreadable or of an algorithm PIV cannot use");
        return key;
    } catch (const Error& e) {
        if (e.code() != Errc::malformedResponse) throw;
        logSkip(slot, e.what());
        return std::nullopt;
    }
}

std::uint32_t PivCard::responseLe() const
{
    return quirks_.extendedLength ? kExtendedLe : kShortLe;
}

// YubiKey GET METADATA for a slot (firmware 5.3+); 6A82 = no key there.
std::optional<YubiKeyMetadata> PivCard::readMetadata(std::uint8_t slot)
{
    apdu::Response r = channel_.transmit(yubikeyMetadataCommand(slot, responseLe()));
    if (!r.ok()) return std::nullopt;
    try {
        return parseYubiKeyMetadata(r.data);
    } catch (const Error& e) {
        if (e.code() != Errc::malformedResponse) throw;
        log::write(log::Level::calls, "YubiKey metadata for " + hexByte(slot) + " unreadable: " + e.what());
        return std::nullopt;
    }
}

} // namespace tessera::drivers::piv
