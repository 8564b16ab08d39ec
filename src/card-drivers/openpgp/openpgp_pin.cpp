// PIN commands of the OpenPGP card (OpenPGP card spec 3.4.1 sections
// 7.2.2-7.2.4): PW status from C4, VERIFY, the reset of the verification
// (P1 = FF), CHANGE REFERENCE DATA and RESET RETRY COUNTER after PW3. The
// ISO 7816 logic (status words, the P1 = FF check and its quirks, wiping) is
// card-drivers/iso7816; this file adds the OpenPGP encoding of a PIN (its
// bytes as they are, or their KDF hash, section 4.3.2), its length rules,
// and the 6982 answer to a wrong PIN.
#include "apdu/status_words.hpp"
#include "card-drivers/iso7816/iso7816_pin.hpp"
#include "card-drivers/openpgp/openpgp_card.hpp"
#include "card-drivers/openpgp/openpgp_commands.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace tessera::drivers::openpgp {

namespace {

constexpr std::uint16_t kSwSecurityStatus = 0x6982;
constexpr std::size_t kResettingCodeMinLength = 8;

PasswordKind kindOf(std::uint8_t pinReference)
{
    return pinReference == kPw3 ? PasswordKind::pw3 : PasswordKind::pw1;
}

// CHANGE REFERENCE DATA addresses the password itself: PW1 is 81 whichever
// way it is verified (section 7.2.3), PW3 is 83.
std::uint8_t changeReference(std::uint8_t pinReference)
{
    return pinReference == kPw3 ? kPw3 : kPw1Sign;
}

} // namespace

// Section 4.3.1: PW1 at least 6, resetting code and PW3 at least 8
// characters; the maximum from C4 limits what the card stores, which with a
// KDF is the hash, not the PIN.
void OpenPgpCard::checkPinLength(PasswordKind kind, const SecureBytes& pin) const
{
    std::size_t min = kPw1MinLength;
    std::size_t max = data_.pwStatus.maxLengthPw1;
    if (kind == PasswordKind::resettingCode) {
        min = kResettingCodeMinLength;
        max = data_.pwStatus.maxLengthRc;
    } else if (kind == PasswordKind::pw3) {
        min = kPw3MinLength;
        max = data_.pwStatus.maxLengthPw3;
    }
    if (pin.size() < min) throw Error(Errc::pinLenRange, "OpenPGP PIN shorter than " + std::to_string(min));
    if (!quirks_.kdf && max != 0 && pin.size() > max) {
        throw Error(Errc::pinLenRange, "OpenPGP PIN longer than " + std::to_string(max));
    }
}

SecureBytes OpenPgpCard::pinValue(PasswordKind kind, const SecureBytes& pin) const
{
    checkPinLength(kind, pin);
    return quirks_.kdf ? kdfHashPin(kdf_, kind, pin) : pin;
}

// Section 4.4.3 (C4): GET DATA C4 gives the retry counters of PW1 and PW3.
PinInfo OpenPgpCard::readPinInfo(std::uint8_t pinReference)
{
    apdu::Response r = channel_.transmit(getDataCommand(kPwStatusTag, kShortLe));
    apdu::throwIfError(r.sw, "OpenPGP GET DATA C4");
    data_.pwStatus = parsePwStatusAnswer(r.data);
    quirks_.pw1ValidForSeveral = data_.pwStatus.pw1ValidForSeveral;
    PinInfo info;
    info.reference = pinReference;
    info.maxTries = kDefaultMaxTries;
    if (pinReference == kPw3) {
        info.triesLeft = data_.pwStatus.triesPw3;
        info.minLength = kPw3MinLength;
        info.maxLength = data_.pwStatus.maxLengthPw3;
    } else {
        info.triesLeft = data_.pwStatus.triesPw1;
        info.minLength = kPw1MinLength;
        info.maxLength = data_.pwStatus.maxLengthPw1;
    }
    return info;
}

// Section 7.2.2: VERIFY; 63Cx -> Error(pinIncorrect, x), 6983 -> Error(pinLocked).
// Some cards answer a wrong PIN with 6982 and no counter: the counter then
// comes from C4.
void OpenPgpCard::verifyPin(std::uint8_t pinReference, const SecureBytes& pin)
{
    const std::uint16_t sw = iso7816::sendVerify(channel_, pinReference, pinValue(kindOf(pinReference), pin).view());
    checkVerifyAnswer(pinReference, sw, "OpenPGP VERIFY");
}

void OpenPgpCard::checkVerifyAnswer(std::uint8_t pinReference, std::uint16_t sw, const char* context)
{
    if (sw == kSwSecurityStatus) {
        int tries = -1;
        try {
            tries = readPinInfo(pinReference).triesLeft;
        } catch (const Error&) {
        }
        if (tries == 0) throw Error(Errc::pinLocked, std::string(context) + ": PIN blocked");
        throw Error(Errc::pinIncorrect, std::string(context) + ": wrong PIN", tries);
    }
    iso7816::checkVerifyStatus(sw, context);
}

// Section 4.3.1: PINs are UTF-8 strings of their own length (keypad digits
// are ASCII); the reader sets Lc. A KDF-DO (section 4.3.2) makes the card
// want the host's hash of the PIN, which a keypad cannot give.
apdu::PinPadCommand OpenPgpCard::pinPadCommand(std::uint8_t pinReference, apdu::Command apduTemplate) const
{
    if (quirks_.kdf)
        throw Error(Errc::unsupported, "OpenPGP card with a KDF-DO: the host must hash the PIN, so it cannot come "
                                       "from a PIN pad; give the PIN to the application instead");
    apdu::PinPadCommand c;
    c.apduTemplate = std::move(apduTemplate);
    c.blockSize = 0;
    const bool pw3 = pinReference == kPw3;
    c.minDigits = static_cast<std::uint8_t>(pw3 ? kPw3MinLength : kPw1MinLength);
    std::size_t max = pw3 ? data_.pwStatus.maxLengthPw3 : data_.pwStatus.maxLengthPw1;
    c.maxDigits = static_cast<std::uint8_t>(max == 0 || max > 127 ? 127 : max);
    return c;
}

// Section 7.2.2 VERIFY with the PIN from the reader's keypad.
void OpenPgpCard::verifyPinOnPad(std::uint8_t pinReference)
{
    apdu::Response r = channel_.pinPadVerify(pinPadCommand(pinReference, iso7816::verifyStatusCommand(pinReference)));
    checkVerifyAnswer(pinReference, r.sw, "OpenPGP VERIFY (PIN pad)");
}

// Section 7.2.3 CHANGE REFERENCE DATA: current || new, each of its own length.
void OpenPgpCard::changePinOnPad(std::uint8_t pinReference)
{
    apdu::Command t = apdu::Command::header(0x24, 0x00, changeReference(pinReference));
    apdu::Response r = channel_.pinPadChange(pinPadCommand(pinReference, std::move(t)));
    apdu::throwIfError(r.sw, "OpenPGP CHANGE REFERENCE DATA (PIN pad)");
}

// Section 7.2.2, P1 = FF: "the access status of the password is set to not verified".
bool OpenPgpCard::resetPinState(std::uint8_t pinReference)
{
    return iso7816::resetPinState(channel_, pinReference, quirks_.pinReset, "OpenPGP");
}

// Section 7.2.3: CHANGE REFERENCE DATA with old || new, each hashed with a KDF.
void OpenPgpCard::changePin(std::uint8_t pinReference, const SecureBytes& oldPin, const SecureBytes& newPin)
{
    const PasswordKind kind = kindOf(pinReference);
    const SecureBytes oldValue = pinValue(kind, oldPin);
    const SecureBytes newValue = pinValue(kind, newPin);
    apdu::Command command =
        iso7816::changeReferenceDataCommand(changeReference(pinReference), oldValue.view(), newValue.view());
    apdu::Response r = iso7816::transmitSecret(channel_, command);
    apdu::throwIfError(r.sw, "OpenPGP CHANGE REFERENCE DATA");
}

// Section 7.2.9: RESET RETRY COUNTER with P1 02 after PW3 was verified: new PW1, no resetting code.
void OpenPgpCard::initPin(const SecureBytes& newPin)
{
    const SecureBytes newValue = pinValue(PasswordKind::pw1, newPin);
    apdu::Command command = iso7816::resetRetryCounterNewPinCommand(kPw1Sign, newValue.view());
    apdu::Response r = iso7816::transmitSecret(channel_, command);
    apdu::throwIfError(r.sw, "OpenPGP RESET RETRY COUNTER (PW3)");
}

} // namespace tessera::drivers::openpgp
