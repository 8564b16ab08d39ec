// The OpenPGP card (OpenPGP card spec 3.4.1, and 2.x cards) behind the
// driver interface: token reading, PIN commands, private-key operations.
// Card differences are named quirk flags (OpenPgpQuirks) set when the card
// is identified, never vendor checks in command code.
//
// Keys follow OpenSC: ids 01 signature, 02 decryption, 03 authentication.
// The signature key needs PW1 as 81, the others PW1 as 82 (C_Login verifies
// 82); with C4 byte 1 = 00 (PW1 valid for one signature) the signature key
// is PinPolicy::always.
#pragma once

#include <memory>
#include <optional>

#include "card-drivers/driver.hpp"
#include "card-drivers/iso7816/iso7816_pin.hpp"
#include "card-drivers/openpgp/openpgp_data.hpp"
#include "card-drivers/openpgp/openpgp_kdf.hpp"
#include "card-drivers/openpgp/openpgp_objects.hpp"

namespace tessera::drivers::openpgp {

struct OpenPgpQuirks {
    // Extended Lc/Le (7F66 present, or card capabilities b7 of the
    // historical bytes); otherwise short APDUs with command chaining.
    bool extendedLength = false;
    // Section 4.3.2: an active KDF-DO; PINs are sent as their S2K hash.
    bool kdf = false;
    // C4 byte 1 = 01: one VERIFY 81 serves several signatures.
    bool pw1ValidForSeveral = false;
    // Only one cardholder certificate, the authentication key's, without
    // SELECT DATA: 2.x cards and YubiKey firmware before 5.2.
    bool singleCertificate = false;
    // YubiKey firmware 5.2.0-5.4.3 want SELECT DATA's data preceded by its length.
    bool selectDataLengthPrefix = false;
    // VERIFY P1=FF refused or ignored (2.x cards), or confirmed.
    iso7816::PinResetQuirks pinReset;
};

// Firmware version a YubiKey reports (Yubico GET VERSION, 00 F1).
struct FirmwareVersion {
    std::uint8_t major = 0, minor = 0, patch = 0;
    bool below(std::uint8_t maj, std::uint8_t min, std::uint8_t pat) const
    {
        if (major != maj) return major < maj;
        if (minor != min) return minor < min;
        return patch < pat;
    }
};

class OpenPgpCard final : public Card {
public:
    // `data` and `kdf` as read by the probe (GET DATA 6E, F9).
    OpenPgpCard(apdu::Channel& channel, ApplicationData data, KdfParameters kdf,
                std::optional<FirmwareVersion> firmware);

    std::string driverName() const override { return "OpenPGP"; }
    void select() override;
    TokenModel readToken() override;
    TokenModel readIdentity() override;
    void readKeys(TokenModel& token) override;
    PinInfo readPinInfo(std::uint8_t pinReference) override;
    void initPin(const SecureBytes& newPin) override;
    // openpgp_cache_check.cpp (issue 8)
    Bytes cacheStamp() const override;
    bool cachedKeysCurrent(const TokenModel& token, const std::vector<CardKey>& cached, ByteView stamp) override;

    void verifyPin(std::uint8_t pinReference, const SecureBytes& pin) override;
    bool resetPinState(std::uint8_t pinReference) override;
    void changePin(std::uint8_t pinReference, const SecureBytes& oldPin, const SecureBytes& newPin) override;
    bool pinPadUsable() const override { return !quirks_.kdf; }
    void verifyPinOnPad(std::uint8_t pinReference) override;
    void changePinOnPad(std::uint8_t pinReference) override;

    // openpgp_management.cpp: CKU_SO is PW3
    void verifyAdministrator(const SecureBytes& credential) override;
    void unblockPin(const SecureBytes& credential, const SecureBytes& newPin) override;
    CardKey generateKeyPair(const SecureBytes& credential, ByteView id, KeyAlgorithm algorithm, unsigned bits) override;

    Bytes sign(const CardKey& key, ByteView input) override;
    SensitiveBytes decrypt(const CardKey& key, ByteView input) override;
    SensitiveBytes deriveEcdh(const CardKey& key, ByteView peerPoint) override;

    const OpenPgpQuirks& quirks() const { return quirks_; }
    const ApplicationData& applicationData() const { return data_; }

private:
    // openpgp_token.cpp
    void refresh();
    void applyQuirks();
    void identify(TokenModel& token);
    void readLabel(TokenModel& token);
    std::optional<CardKey> readSlot(const KeySlot& slot, std::size_t index);
    std::optional<Bytes> readCertificate(const KeySlot& slot);
    void endCertificateSelection();

    // openpgp_management.cpp
    void describeAdministration(TokenModel& token) const;
    Bytes attributesFor(const KeySlot& slot, KeyAlgorithm algorithm, unsigned bits) const;
    KeyAttributes setAttributes(const KeySlot& slot, KeyAlgorithm algorithm, unsigned bits);

    // openpgp_pin.cpp
    SecureBytes pinValue(PasswordKind kind, const SecureBytes& pin) const;
    void checkPinLength(PasswordKind kind, const SecureBytes& pin) const;
    void checkVerifyAnswer(std::uint8_t pinReference, std::uint16_t sw, const char* context);
    apdu::PinPadCommand pinPadCommand(std::uint8_t pinReference, apdu::Command apduTemplate) const;

    // openpgp_crypto.cpp
    std::uint32_t responseLe() const;
    SensitiveBytes transmitOperation(const apdu::Command& command, const char* what);

    apdu::Channel& channel_;
    ApplicationData data_;
    KdfParameters kdf_;
    std::optional<FirmwareVersion> firmware_;
    OpenPgpQuirks quirks_;
    bool dataFresh_ = true;               // data_ just read by the probe: readIdentity needs no new GET DATA 6E
    std::uint8_t selectedOccurrence_ = 0; // 7F21 occurrence the card has selected (SELECT DATA)
};

// Builds the CardKey of a slot from its attributes and public key.
CardKey makeCardKey(const KeySlot& slot, const KeyAttributes& attributes, Bytes spki, unsigned bits,
                    bool pw1ValidForSeveral);

// Section 4.3.2: GET DATA F9; no KDF-DO (6A88) gives inactive parameters.
KdfParameters readKdf(apdu::Channel& channel);

// The driver object (also used by tests without the registry).
std::unique_ptr<Driver> makeDriver();

} // namespace tessera::drivers::openpgp
