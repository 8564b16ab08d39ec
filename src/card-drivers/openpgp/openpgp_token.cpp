// Reading an OpenPGP token (OpenPGP card spec 3.4.1) in two steps: the
// identity (AID, label from the cardholder name, PIN state from C4), then, when
// an application looks, each present key's public key (7.2.14) and
// certificate (SELECT DATA + GET DATA 7F21, 7.2.5-7.2.6).
// One bad key never sinks the token: that slot is skipped and logged.
#include "apdu/status_words.hpp"
#include "card-drivers/openpgp/openpgp_card.hpp"
#include "card-drivers/openpgp/openpgp_commands.hpp"
#include "card-drivers/openpgp/openpgp_keys.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace tessera::drivers::openpgp {

namespace {

void logSkip(const KeySlot& slot, const std::string& why)
{
    log::write(log::Level::calls, "OpenPGP " + std::string(slot.keyLabel) + " skipped: " + why);
}

bool canDerive(KeyAlgorithm a)
{
    return a == KeyAlgorithm::ecP256 || a == KeyAlgorithm::ecP384 || a == KeyAlgorithm::ecP521 ||
           a == KeyAlgorithm::x25519;
}

} // namespace

OpenPgpCard::OpenPgpCard(apdu::Channel& channel, ApplicationData data, KdfParameters kdf,
                         std::optional<FirmwareVersion> firmware)
    : channel_(channel), data_(std::move(data)), kdf_(std::move(kdf)), firmware_(firmware)
{
    applyQuirks();
}

// Quirks that follow from what the card says about itself; the PIN reset
// flags are learnt at first use and survive a refresh.
void OpenPgpCard::applyQuirks()
{
    const bool v2 = data_.aid.versionMajor >= 2;
    const bool v3 = data_.aid.versionMajor >= 3;
    quirks_.extendedLength = v2 && (data_.extendedLength.has_value() || data_.capabilities.extendedLength);
    quirks_.kdf = kdf_.active();
    quirks_.pw1ValidForSeveral = data_.pwStatus.pw1ValidForSeveral;
    const bool yubikey = data_.aid.manufacturer == kManufacturerYubico && firmware_.has_value();
    quirks_.singleCertificate = !v3 || (yubikey && firmware_->below(5, 2, 0));
    quirks_.selectDataLengthPrefix = yubikey && !firmware_->below(5, 2, 0) && firmware_->below(5, 4, 4);
    channel_.setExtendedLength(quirks_.extendedLength);
}

// GET DATA 6E again (and F9 when offered): the state may have changed since
// the probe (keys generated, PIN tries used, KDF set up by another application).
void OpenPgpCard::refresh()
{
    apdu::Response r = channel_.transmit(getDataCommand(kApplicationDataTag, responseLe()));
    apdu::throwIfError(r.sw, "OpenPGP GET DATA 6E");
    ApplicationData data = parseApplicationData(r.data);
    if (data.aid.raw != data_.aid.raw) fail(Errc::deviceRemoved, "OpenPGP card identity changed");
    kdf_ = data.extended.kdf ? readKdf(channel_) : KdfParameters{};
    data_ = std::move(data);
    applyQuirks();
}

TokenModel OpenPgpCard::readToken()
{
    TokenModel token = readIdentity();
    readKeys(token);
    return token;
}

// What C_GetTokenInfo needs and no more (issue 8): the AID, the PIN state
// and the lengths come with the application related data 6E the probe read,
// the label with the cardholder data 65; keys and certificates wait for
// readKeys().
TokenModel OpenPgpCard::readIdentity()
{
    if (!dataFresh_) refresh();
    dataFresh_ = false;
    TokenModel token;
    identify(token);
    readLabel(token);
    token.userPin.reference = kPw1;
    token.userPin.triesLeft = data_.pwStatus.triesPw1;
    token.userPin.maxTries = kDefaultMaxTries;
    token.userPin.minLength = kPw1MinLength;
    token.userPin.maxLength = data_.pwStatus.maxLengthPw1;
    PinInfo admin;
    admin.reference = kPw3;
    admin.triesLeft = data_.pwStatus.triesPw3;
    admin.maxTries = kDefaultMaxTries;
    admin.minLength = kPw3MinLength;
    admin.maxLength = data_.pwStatus.maxLengthPw3;
    token.soPin = admin;
    describeAdministration(token);
    token.keysRead = false;
    return token;
}

// Each present key's public key (GET PUBLIC KEY, 7.2.14) and certificate
// (SELECT DATA + GET DATA 7F21), from the key presence and attributes of the
// 6E read with the identity.
void OpenPgpCard::readKeys(TokenModel& token)
{
    token.keys.clear();
    for (std::size_t i = 0; i < kKeySlots.size(); ++i) {
        if (auto key = readSlot(kKeySlots[i], i)) token.keys.push_back(std::move(*key));
    }
    endCertificateSelection();
    token.keysRead = true;
}

// Section 4.2.1: everything that identifies the card is in its AID.
void OpenPgpCard::identify(TokenModel& token)
{
    const AidInfo& aid = data_.aid;
    token.manufacturer = std::string(manufacturerName(aid.manufacturer));
    // "OpenPGP card 3.4": 16 characters, the size of CK_TOKEN_INFO's model field.
    token.model = "OpenPGP card " + std::to_string(aid.versionMajor) + "." + std::to_string(aid.versionMinor);
    token.serial = aid.serialHex();
    token.identity = aid.raw;
    token.hardwareMajor = aid.versionMajor;
    token.hardwareMinor = aid.versionMinor;
    token.firmwareMajor = firmware_ ? firmware_->major : aid.versionMajor;
    token.firmwareMinor = firmware_ ? firmware_->minor : aid.versionMinor;
}

// Section 4.4.1 (65, cardholder related data): the name, else "OpenPGP card <serial>".
void OpenPgpCard::readLabel(TokenModel& token)
{
    token.label = "OpenPGP card " + token.serial;
    apdu::Response r = channel_.transmit(getDataCommand(kCardholderDataTag, responseLe()));
    if (!r.ok()) return;
    try {
        std::string name = parseCardholderName(r.data);
        if (!name.empty()) token.label = std::move(name);
    } catch (const Error& e) {
        if (e.code() != Errc::malformedResponse) throw;
        log::write(log::Level::calls, std::string("OpenPGP cardholder data unreadable: ") + e.what());
    }
}

std::optional<CardKey> OpenPgpCard::readSlot(const KeySlot& slot, std::size_t index)
{
    if (!data_.keyPresent(index)) return std::nullopt;
    const std::optional<KeyAttributes>& attributes = data_.attributes[index];
    if (!attributes) {
        logSkip(slot, "algorithm attributes missing or of an algorithm the driver cannot use");
        return std::nullopt;
    }
    apdu::Response r = channel_.transmit(readPublicKeyCommand(slot.crt, responseLe()));
    if (!r.ok()) {
        logSkip(slot, "GET PUBLIC KEY " + apdu::describeStatus(r.sw));
        return std::nullopt;
    }
    PublicKey key;
    try {
        key = publicKeyFromCard(*attributes, r.data);
    } catch (const Error& e) {
        if (e.code() != Errc::malformedResponse) throw;
        logSkip(slot, e.what());
        return std::nullopt;
    }
    CardKey k = makeCardKey(slot, *attributes, std::move(key.spki), key.bits, quirks_.pw1ValidForSeveral);
    if (auto cert = readCertificate(slot)) {
        if (certificateMatchesKey(*cert, k.publicKeySpki)) {
            k.certificate = std::move(*cert);
        } else {
            log::write(log::Level::calls,
                       "OpenPGP certificate for the " + std::string(slot.keyLabel) + " is for another key: not shown");
        }
    }
    return k;
}

// Sections 7.2.5-7.2.6: SELECT DATA of the key's 7F21 occurrence, then GET
// DATA 7F21. Cards with a single certificate hold the authentication key's.
std::optional<Bytes> OpenPgpCard::readCertificate(const KeySlot& slot)
{
    if (quirks_.singleCertificate) {
        if (slot.reference != kAuthenticationKey) return std::nullopt;
    } else {
        apdu::Response s = channel_.transmit(selectDataCommand(slot.occurrence, quirks_.selectDataLengthPrefix));
        if (!s.ok()) {
            log::write(log::Level::calls, "OpenPGP SELECT DATA 7F21: " + apdu::describeStatus(s.sw));
            return std::nullopt;
        }
        selectedOccurrence_ = slot.occurrence;
    }
    apdu::Response r = channel_.transmit(getDataCommand(kCardholderCertificateTag, responseLe()));
    if (!r.ok()) return std::nullopt;
    auto cert = certificateFromAnswer(r.data);
    if (!cert && !r.data.empty()) log::write(log::Level::calls, "OpenPGP 7F21 does not hold an X.509 certificate");
    return cert;
}

// Leave the first occurrence selected, as GnuPG does: another application
// that reads 7F21 without SELECT DATA expects the authentication key's.
void OpenPgpCard::endCertificateSelection()
{
    if (selectedOccurrence_ == 0) return;
    apdu::Response r = channel_.transmit(selectDataCommand(0, quirks_.selectDataLengthPrefix));
    if (!r.ok()) log::write(log::Level::calls, "OpenPGP SELECT DATA 0: " + apdu::describeStatus(r.sw));
    selectedOccurrence_ = 0;
}

CardKey makeCardKey(const KeySlot& slot, const KeyAttributes& attributes, Bytes spki, unsigned bits,
                    bool pw1ValidForSeveral)
{
    CardKey k;
    k.reference = slot.reference;
    k.id = Bytes{slot.id};
    k.label = std::string(slot.keyLabel);
    k.algorithm = attributes.algorithm;
    k.bits = bits;
    k.publicKeySpki = std::move(spki);
    k.certificateLabel = std::string(slot.certLabel);
    const bool rsa = attributes.algorithm == KeyAlgorithm::rsa;
    if (slot.reference == kDecryptionKey) {
        k.canDecrypt = rsa;                            // PSO:DECIPHER with 00 || cryptogram
        k.canDerive = canDerive(attributes.algorithm); // PSO:DECIPHER with A6 { 7F49 { 86 } }
    } else {
        k.canSign = attributes.algorithm != KeyAlgorithm::x25519; // PSO:CDS or INTERNAL AUTHENTICATE
    }
    // Section 4.4.3 (C4 byte 1): PW1 valid for one PSO:CDS only -> a PIN per signature.
    k.pinPolicy = slot.reference == kSignatureKey && !pw1ValidForSeveral ? PinPolicy::always : PinPolicy::once;
    k.pinReference = slot.pinReference;
    k.rsaSignInput = RsaSignInput::digestInfo;
    k.rsaDecryptReturnsPaddedBlock = false;
    return k;
}

} // namespace tessera::drivers::openpgp
