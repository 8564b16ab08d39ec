// PIN commands of the PIV card (SP 800-73-4 part 2 sections 3.2.1-3.2.3):
// status, VERIFY, reset of the security status (P1 = FF), CHANGE REFERENCE
// DATA and RESET RETRY COUNTER. Command buffers that held a secret are wiped
// as soon as the card has answered, also when the transmission throws.
#include <array>

#include "apdu/status_words.hpp"
#include "card-drivers/piv/piv_card.hpp"
#include "card-drivers/piv/piv_commands.hpp"
#include "common/log.hpp"

namespace tessera::drivers::piv {

namespace {

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

} // namespace

apdu::Response PivCard::transmitSecret(apdu::Command& command)
{
    WipeOnExit wipe{command.data};
    return channel_.transmit(command);
}

// Section 3.2.1, VERIFY without data: 63Cx = not verified, x tries left;
// 6983 = blocked; 9000 = verified (the counter is then unknown, so a YubiKey
// is asked for its PIN metadata, tag 06).
PinInfo PivCard::readPinInfo(std::uint8_t pinReference)
{
    PinInfo info;
    apdu::Response r = channel_.transmit(verifyStatusCommand(pinReference));
    if (isTriesLeft(r.sw)) {
        info.triesLeft = r.sw & 0x0F;
    } else if (r.sw == 0x6983) {
        info.triesLeft = 0;
    } else if (r.ok() && quirks_.yubikeyMetadata) {
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
    apdu::Command command = verifyCommand(pinReference, pin);
    apdu::Response r = transmitSecret(command);
    apdu::throwIfError(r.sw, "PIV VERIFY");
}

// Section 3.2.1, P1 = FF: "the security status of the key reference is reset".
bool PivCard::resetPinState(std::uint8_t pinReference)
{
    if (quirks_.noPinReset) return false;
    apdu::Response r = channel_.transmit(verifyResetCommand(pinReference));
    if (r.ok()) return quirks_.pinResetConfirmed || confirmPinReset(pinReference);
    if (isResetRefusal(r.sw)) {
        quirks_.noPinReset = true;
        log::write(log::Level::calls, "PIV card refuses VERIFY P1=FF (" + apdu::describeStatus(r.sw) +
                                          "): PIN state will be dropped by a card reset");
    } else {
        log::write(log::Level::calls, "PIV VERIFY P1=FF failed: " + apdu::describeStatus(r.sw));
    }
    return false;
}

// A card that ignores P1 treats VERIFY FF as a status query and answers 9000
// ("verified") while the PIN stays verified. The first time, ask the status:
// it must now say "not verified" (63Cx).
bool PivCard::confirmPinReset(std::uint8_t pinReference)
{
    apdu::Response status = channel_.transmit(verifyStatusCommand(pinReference));
    if (isTriesLeft(status.sw)) {
        quirks_.pinResetConfirmed = true;
        return true;
    }
    if (status.ok()) {
        quirks_.noPinReset = true;
        log::write(log::Level::calls, "PIV card ignores VERIFY P1=FF: PIN state will be dropped by a card reset");
    }
    return false;
}

// Section 3.2.2: CHANGE REFERENCE DATA with old || new, both padded to 8.
void PivCard::changePin(std::uint8_t pinReference, const SecureBytes& oldPin, const SecureBytes& newPin)
{
    apdu::Command command = changeReferenceCommand(pinReference, oldPin, newPin);
    apdu::Response r = transmitSecret(command);
    apdu::throwIfError(r.sw, "PIV CHANGE REFERENCE DATA");
}

// Section 3.2.3: RESET RETRY COUNTER with PUK || new PIN.
void PivCard::unblockPin(const SecureBytes& puk, const SecureBytes& newPin)
{
    apdu::Command command = resetRetryCommand(puk, newPin);
    apdu::Response r = transmitSecret(command);
    apdu::throwIfError(r.sw, "PIV RESET RETRY COUNTER");
}

} // namespace tessera::drivers::piv
