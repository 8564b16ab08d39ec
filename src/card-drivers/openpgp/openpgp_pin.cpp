// PIN commands of the OpenPGP card (OpenPGP card spec 3.4.1 sections
// 7.2.2-7.2.4): PW status from C4, VERIFY (the PIN as it is, or its KDF
// hash), the reset of the verification (P1 = FF) with its fallback quirk,
// CHANGE REFERENCE DATA and RESET RETRY COUNTER with the resetting code.
// Command buffers that held a secret are wiped as soon as the card answered.
#include <array>

#include "apdu/status_words.hpp"
#include "card-drivers/openpgp/openpgp_card.hpp"
#include "card-drivers/openpgp/openpgp_commands.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace tessera::drivers::openpgp {

namespace {

constexpr std::uint16_t kSwBlocked = 0x6983;
constexpr std::uint16_t kSwSecurityStatus = 0x6982;
constexpr std::size_t kResettingCodeMinLength = 8;

// Status words with which a card refuses VERIFY P1=FF as a command it does
// not know (rather than failing it): the card has no reset, for good.
constexpr std::array<std::uint16_t, 7> kResetRefusals{0x6A86, 0x6A80, 0x6A81, 0x6B00, 0x6D00, 0x6E00, 0x6700};

bool isResetRefusal(std::uint16_t sw)
{
    for (auto r : kResetRefusals)
        if (r == sw) return true;
    return false;
}

bool isTriesLeft(std::uint16_t sw)
{
    return (sw & 0xFFF0) == 0x63C0;
}

struct WipeOnExit {
    Bytes& bytes;
    ~WipeOnExit() { secureWipe(bytes.data(), bytes.size()); }
};

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

apdu::Response OpenPgpCard::transmitSecret(apdu::Command& command)
{
    WipeOnExit wipe{command.data};
    return channel_.transmit(command);
}

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
    apdu::Command command = verifyCommand(pinReference, pinValue(kindOf(pinReference), pin));
    apdu::Response r = transmitSecret(command);
    if (r.sw == kSwSecurityStatus) {
        int tries = -1;
        try {
            tries = readPinInfo(pinReference).triesLeft;
        } catch (const Error&) {
        }
        if (tries == 0) throw Error(Errc::pinLocked, "OpenPGP VERIFY: PIN blocked");
        throw Error(Errc::pinIncorrect, "OpenPGP VERIFY: wrong PIN", tries);
    }
    apdu::throwIfError(r.sw, "OpenPGP VERIFY");
}

// Section 7.2.2, P1 = FF: "the access status of the password is set to not verified".
bool OpenPgpCard::resetPinState(std::uint8_t pinReference)
{
    if (quirks_.noPinReset) return false;
    apdu::Response r = channel_.transmit(verifyResetCommand(pinReference));
    if (r.ok()) return quirks_.pinResetConfirmed || confirmPinReset(pinReference);
    if (isResetRefusal(r.sw)) {
        quirks_.noPinReset = true;
        log::write(log::Level::calls, "OpenPGP card refuses VERIFY P1=FF (" + apdu::describeStatus(r.sw) +
                                          "): PIN state will be dropped by a card reset");
    } else {
        log::write(log::Level::calls, "OpenPGP VERIFY P1=FF failed: " + apdu::describeStatus(r.sw));
    }
    return false;
}

// A card that ignores P1 treats VERIFY FF as a status query and answers 9000
// while the PIN stays verified. The first time, ask the status (VERIFY
// without data): it must now say "not verified" (63Cx, or 6982 on cards
// without the status query). Anything else: trust a card reset instead.
bool OpenPgpCard::confirmPinReset(std::uint8_t pinReference)
{
    apdu::Response status = channel_.transmit(verifyStatusCommand(pinReference));
    if (isTriesLeft(status.sw) || status.sw == kSwSecurityStatus || status.sw == kSwBlocked) {
        quirks_.pinResetConfirmed = true;
        return true;
    }
    quirks_.noPinReset = true;
    log::write(log::Level::calls, "OpenPGP card did not confirm VERIFY P1=FF (" + apdu::describeStatus(status.sw) +
                                      "): PIN state will be dropped by a card reset");
    return false;
}

// Section 7.2.3: CHANGE REFERENCE DATA with old || new, each hashed with a KDF.
void OpenPgpCard::changePin(std::uint8_t pinReference, const SecureBytes& oldPin, const SecureBytes& newPin)
{
    const PasswordKind kind = kindOf(pinReference);
    apdu::Command command =
        changeReferenceCommand(changeReference(pinReference), pinValue(kind, oldPin), pinValue(kind, newPin));
    apdu::Response r = transmitSecret(command);
    apdu::throwIfError(r.sw, "OpenPGP CHANGE REFERENCE DATA");
}

// Section 7.2.4: RESET RETRY COUNTER, P1 00: resetting code || new PW1.
void OpenPgpCard::unblockPin(const SecureBytes& puk, const SecureBytes& newPin)
{
    apdu::Command command =
        resetRetryCommand(pinValue(PasswordKind::resettingCode, puk), pinValue(PasswordKind::pw1, newPin));
    apdu::Response r = transmitSecret(command);
    apdu::throwIfError(r.sw, "OpenPGP RESET RETRY COUNTER");
}

// Section 7.2.9: RESET RETRY COUNTER with P1 02 after PW3 was verified: new PW1, no resetting code.
void OpenPgpCard::initPin(const SecureBytes& newPin)
{
    apdu::Command command = resetRetryByAdminCommand(pinValue(PasswordKind::pw1, newPin));
    apdu::Response r = transmitSecret(command);
    apdu::throwIfError(r.sw, "OpenPGP RESET RETRY COUNTER (PW3)");
}

} // namespace tessera::drivers::openpgp
