// The PIV card (SP 800-73-4 part 2 section 3) behind the driver interface:
// token reading, PIN commands (the ISO 7816 ones of card-drivers/iso7816
// with the PIV PIN encoding) and private-key operations through GENERAL
// AUTHENTICATE. Card differences are named quirk flags (PivQuirks), set when
// the card is identified, never vendor checks in command code.
//
// Key usage follows ykcs11 (decided): every slot may sign; RSA keys also
// decrypt, EC keys also derive. OpenSC 0.23 refuses to sign with 9D; a PIV
// card does not, and ykcs11 users expect it. PIN policy defaults: 9C always,
// 9E never, the others once; a YubiKey's metadata overrides them.
#pragma once

#include <memory>
#include <optional>

#include "card-drivers/driver.hpp"
#include "card-drivers/iso7816/iso7816_pin.hpp"
#include "card-drivers/piv/piv_keys.hpp"
#include "card-drivers/piv/piv_objects.hpp"
#include "card-drivers/piv/yubikey_extensions.hpp"

namespace tessera::drivers::piv {

struct PivQuirks {
    bool yubikey = false;         // answers GET VERSION (00 FD)
    bool yubikeySerial = false;   // GET SERIAL (00 F8): YubiKey firmware 5.0+
    bool yubikeyMetadata = false; // GET METADATA (00 F7): YubiKey firmware 5.3+
    bool extendedLength = false;  // the ATR announces extended Lc/Le (piv_atr.hpp)
    // VERIFY P1=FF refused or ignored (pre-800-73-4 cards), or confirmed.
    iso7816::PinResetQuirks pinReset;
};

class PivCard final : public Card {
public:
    explicit PivCard(apdu::Channel& channel) : channel_(channel) {}

    std::string driverName() const override { return "PIV"; }
    void select() override;
    TokenModel readToken() override;
    TokenModel readIdentity() override;
    void readKeys(TokenModel& token) override;
    PinInfo readPinInfo(std::uint8_t pinReference) override;
    // piv_cache_check.cpp (issue 8)
    bool cachedKeysCurrent(const TokenModel& token, const std::vector<CardKey>& cached, ByteView stamp) override;

    void verifyPin(std::uint8_t pinReference, const SecureBytes& pin) override;
    bool resetPinState(std::uint8_t pinReference) override;
    void changePin(std::uint8_t pinReference, const SecureBytes& oldPin, const SecureBytes& newPin) override;
    bool pinPadUsable() const override { return true; }
    void verifyPinOnPad(std::uint8_t pinReference) override;
    void changePinOnPad(std::uint8_t pinReference) override;

    // piv_admin.cpp: the card administrator (piv_management.hpp)
    void verifyAdministrator(const SecureBytes& credential) override;
    void unblockPin(const SecureBytes& credential, const SecureBytes& newPin) override;
    void changeAdministrator(const SecureBytes& oldCredential, const SecureBytes& newCredential) override;
    CardKey generateKeyPair(const SecureBytes& credential, ByteView id, KeyAlgorithm algorithm, unsigned bits) override;
    std::optional<CardKey> writeCertificate(const SecureBytes& credential, ByteView id, ByteView certificate,
                                            const CardKey* known) override;
    std::optional<CardKey> importKey(const SecureBytes& credential, ByteView id,
                                     const PrivateKeyMaterial& key) override;

    Bytes sign(const CardKey& key, ByteView input) override;
    SensitiveBytes decrypt(const CardKey& key, ByteView input) override;
    SensitiveBytes deriveEcdh(const CardKey& key, ByteView peerPoint) override;

    const PivQuirks& quirks() const { return quirks_; }

private:
    // piv_token.cpp
    void identify(TokenModel& token);
    void readIdentityFromChuid(TokenModel& token);
    void readKeySlots(std::vector<CardKey>& keys);
    std::optional<CardKey> readSlot(const KeySlot& slot);
    std::optional<PublicKeyInfo> readCertificateKey(const KeySlot& slot);
    std::optional<YubiKeyMetadata> readMetadata(std::uint8_t slot);
    std::size_t readRetiredCount();
    // Le for answers that may exceed 256 bytes (kExtendedLe or kShortLe).
    std::uint32_t responseLe() const;

    // piv_admin.cpp
    void authenticateManagementKey(const SecureBytes& hexKey);
    void verifyPuk(const SecureBytes& puk);
    std::uint8_t managementAlgorithmId();
    void describeAdministration(TokenModel& token) const;
    void countRetiredCertificate(const KeySlot& slot);
    void writeMissingIdentityObjects();

    // piv_crypto.cpp
    // secretAnswer: the answer is a plaintext or shared secret (never traced).
    SensitiveBytes generalAuthenticate(const CardKey& key, std::uint8_t dataTag, ByteView input,
                                       bool secretAnswer = false);

    apdu::Channel& channel_;
    PivQuirks quirks_;
    YubiKeyVersion version_;
};

// Builds CardKey from a slot row, the key found for it, and a metadata PIN policy.
CardKey makeCardKey(const KeySlot& slot, PublicKeyInfo key, std::optional<PinPolicy> metadataPolicy);

// The driver object (also used by tests without the registry).
std::unique_ptr<Driver> makeDriver();

} // namespace tessera::drivers::piv
