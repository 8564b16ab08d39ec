// PIN commands of the PIV card (SP 800-73-4 part 2 sections 3.2.1-3.2.2):
// status, VERIFY, reset of the security status (P1 = FF) and CHANGE
// REFERENCE DATA. The ISO 7816 logic (status words, the P1 = FF check and its
// quirks, wiping) is card-drivers/iso7816; this file adds the PIV encoding,
// the PIN padded with FF to 8 bytes (section 3.2.1), and the YubiKey
// metadata for the counter of a verified PIN.
#include "apdu/status_words.hpp"
#include "card-drivers/iso7816/iso7816_pin.hpp"
#include "card-drivers/piv/piv_card.hpp"
#include "card-drivers/piv/piv_commands.hpp"

namespace tessera::drivers::piv {

// Section 3.2.1, VERIFY without data: 63Cx = not verified, x tries left;
// 6983 = blocked; 9000 = verified (the counter is then unknown, so a YubiKey
// is asked for its PIN metadata, tag 06). See iso7816::interpretStatus.
PinInfo PivCard::readPinInfo(std::uint8_t pinReference)
{
    PinInfo info;
    const iso7816::PinStatus status = iso7816::queryStatus(channel_, pinReference);
    info.triesLeft = status.triesLeft;
    if (status.state == iso7816::PinState::verified && quirks_.yubikeyMetadata) {
        if (auto meta = readMetadata(pinReference); meta && meta->retriesLeft >= 0) {
            info.triesLeft = meta->retriesLeft;
            info.maxTries = meta->retriesTotal;
        }
    }
    return info;
}

// Section 3.2.1: VERIFY; 63Cx -> Error(pinIncorrect, x), 6983 -> Error(pinLocked).
void PivCard::verifyPin(std::uint8_t pinReference, const SecureBytes& pin)
{
    iso7816::verify(channel_, pinReference, paddedPin(pin).view(), "PIV VERIFY");
}

// Section 3.2.1, P1 = FF: "the security status of the key reference is reset".
bool PivCard::resetPinState(std::uint8_t pinReference)
{
    return iso7816::resetPinState(channel_, pinReference, quirks_.pinReset, "PIV");
}

// Section 3.2.2: CHANGE REFERENCE DATA with old || new, both padded to 8.
void PivCard::changePin(std::uint8_t pinReference, const SecureBytes& oldPin, const SecureBytes& newPin)
{
    const SecureBytes oldValue = paddedPin(oldPin);
    const SecureBytes newValue = paddedPin(newPin);
    apdu::Command command = iso7816::changeReferenceDataCommand(pinReference, oldValue.view(), newValue.view());
    apdu::Response r = iso7816::transmitSecret(channel_, command);
    apdu::throwIfError(r.sw, "PIV CHANGE REFERENCE DATA");
}

namespace {

// Section 3.2.1: 6 to 8 ASCII digits padded with FF to 8 bytes: the
// template's data is the padding; the reader writes the digits over it.
apdu::PinPadCommand padCommand(apdu::Command apduTemplate)
{
    apdu::PinPadCommand c;
    c.apduTemplate = std::move(apduTemplate);
    c.apduTemplate.sensitive = false; // padding only
    c.blockSize = 8;
    c.minDigits = 6;
    c.maxDigits = 8;
    return c;
}

} // namespace

// Section 3.2.1 VERIFY with the PIN from the reader's keypad.
void PivCard::verifyPinOnPad(std::uint8_t pinReference)
{
    const Bytes padding(8, 0xFF);
    apdu::Response r = channel_.pinPadVerify(padCommand(iso7816::verifyCommand(pinReference, padding)));
    iso7816::checkVerifyStatus(r.sw, "PIV VERIFY (PIN pad)");
}

// Section 3.2.2 CHANGE REFERENCE DATA: two padded blocks, current at 0, new at 8.
void PivCard::changePinOnPad(std::uint8_t pinReference)
{
    const Bytes padding(8, 0xFF);
    apdu::PinPadCommand c = padCommand(iso7816::changeReferenceDataCommand(pinReference, padding, padding));
    c.offsetOld = 0;
    c.offsetNew = 8;
    apdu::Response r = channel_.pinPadChange(c);
    apdu::throwIfError(r.sw, "PIV CHANGE REFERENCE DATA (PIN pad)");
}

} // namespace tessera::drivers::piv
