// ISO/IEC 7816-4 PIN commands and PIN-state logic shared by the PIV and the
// OpenPGP driver (see iso7816_pin.hpp). Buffers that held a secret are
// reserved up front (no reallocation leaves an unwiped copy behind) and wiped
// as soon as the card has answered.
#include "card-drivers/iso7816/iso7816_pin.hpp"

#include <array>
#include <string>

#include "apdu/status_words.hpp"
#include "common/log.hpp"
#include "common/secure_bytes.hpp"

namespace tessera::drivers::iso7816 {

namespace {

constexpr std::uint8_t kInsVerify = 0x20;
constexpr std::uint8_t kInsChangeReferenceData = 0x24;
constexpr std::uint8_t kInsResetRetryCounter = 0x2C;
constexpr std::uint8_t kP1ResetSecurityStatus = 0xFF;

// Wrong P1-P2 (6A86, 6B00), wrong data (6A80), function not supported
// (6A81), INS or CLA unknown (6D00, 6E00), wrong length (6700): ISO 7816-4
// table 6 answers to a command the card does not implement as sent.
constexpr std::array kResetRefusals{apdu::kSwIncorrectP1P2, apdu::kSwWrongData,       apdu::kSwFunctionNotSupported,
                                    apdu::kSwWrongP1P2,     apdu::kSwInsNotSupported, apdu::kSwClaNotSupported,
                                    apdu::kSwWrongLength};

apdu::Command makeSecret(std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, ByteView first, ByteView second = {})
{
    apdu::Command c = apdu::Command::header(ins, p1, p2);
    c.sensitive = true;
    c.data.reserve(first.size() + second.size());
    c.data.insert(c.data.end(), first.begin(), first.end());
    c.data.insert(c.data.end(), second.begin(), second.end());
    return c;
}

void logLine(std::string_view cardName, const std::string& text)
{
    log::write(log::Level::calls, std::string(cardName) + " " + text);
}

// The first 9000 to P1 = FF: does the status query now say "not verified"?
bool confirmReset(apdu::Channel& channel, std::uint8_t reference, PinResetQuirks& quirks, std::string_view cardName)
{
    const PinStatus status = queryStatus(channel, reference);
    if (status.isNotVerified()) {
        quirks.pinResetConfirmed = true;
        return true;
    }
    if (status.state == PinState::verified) {
        quirks.noPinReset = true;
        logLine(cardName, "card ignores VERIFY P1=FF: PIN state will be dropped by a card reset");
    } else {
        logLine(cardName, "card did not confirm VERIFY P1=FF: this time the PIN state is dropped by a card reset");
    }
    return false;
}

} // namespace

apdu::Command verifyCommand(std::uint8_t reference, ByteView encodedPin)
{
    return makeSecret(kInsVerify, 0x00, reference, encodedPin);
}

apdu::Command verifyStatusCommand(std::uint8_t reference)
{
    return apdu::Command::header(kInsVerify, 0x00, reference);
}

apdu::Command verifyResetCommand(std::uint8_t reference)
{
    return apdu::Command::header(kInsVerify, kP1ResetSecurityStatus, reference);
}

apdu::Command changeReferenceDataCommand(std::uint8_t reference, ByteView oldPin, ByteView newPin)
{
    return makeSecret(kInsChangeReferenceData, 0x00, reference, oldPin, newPin);
}

apdu::Command resetRetryCounterCommand(std::uint8_t reference, ByteView resettingCode, ByteView newPin)
{
    return makeSecret(kInsResetRetryCounter, 0x00, reference, resettingCode, newPin);
}

apdu::Command resetRetryCounterNewPinCommand(std::uint8_t reference, ByteView newPin)
{
    return makeSecret(kInsResetRetryCounter, 0x02, reference, newPin);
}

apdu::Response transmitSecret(apdu::Channel& channel, apdu::Command& command)
{
    struct WipeOnExit {
        Bytes& bytes;
        ~WipeOnExit() { secureWipe(bytes.data(), bytes.size()); }
    } wipe{command.data};
    return channel.transmit(command);
}

PinStatus interpretStatus(const apdu::Response& answer)
{
    PinStatus s;
    if (!answer.data.empty()) return s;
    if (answer.sw == apdu::kSwOk) {
        s.state = PinState::verified;
    } else if (apdu::isTriesLeft(answer.sw)) {
        s.state = PinState::notVerified;
        s.triesLeft = apdu::triesLeftIn(answer.sw);
    } else if (answer.sw == apdu::kSwSecurityStatusNotSatisfied) {
        s.state = PinState::notVerified;
    } else if (answer.sw == apdu::kSwAuthenticationMethodBlocked) {
        s.state = PinState::blocked;
        s.triesLeft = 0;
    }
    return s;
}

PinStatus queryStatus(apdu::Channel& channel, std::uint8_t reference)
{
    return interpretStatus(channel.transmit(verifyStatusCommand(reference)));
}

std::uint16_t sendVerify(apdu::Channel& channel, std::uint8_t reference, ByteView encodedPin)
{
    apdu::Command command = verifyCommand(reference, encodedPin);
    return transmitSecret(channel, command).sw;
}

void checkVerifyStatus(std::uint16_t sw, std::string_view context)
{
    apdu::throwIfError(sw, std::string(context));
}

void verify(apdu::Channel& channel, std::uint8_t reference, ByteView encodedPin, std::string_view context)
{
    checkVerifyStatus(sendVerify(channel, reference, encodedPin), context);
}

bool isResetRefusal(std::uint16_t sw)
{
    for (auto r : kResetRefusals)
        if (r == sw) return true;
    return false;
}

bool resetPinState(apdu::Channel& channel, std::uint8_t reference, PinResetQuirks& quirks, std::string_view cardName)
{
    if (quirks.noPinReset) return false;
    const apdu::Response r = channel.transmit(verifyResetCommand(reference));
    if (r.ok() && r.data.empty()) return quirks.pinResetConfirmed || confirmReset(channel, reference, quirks, cardName);
    if (r.ok()) {
        logLine(cardName, "VERIFY P1=FF answered data: this time the PIN state is dropped by a card reset");
    } else if (isResetRefusal(r.sw)) {
        quirks.noPinReset = true;
        logLine(cardName, "card refuses VERIFY P1=FF (" + apdu::describeStatus(r.sw) +
                              "): PIN state will be dropped by a card reset");
    } else {
        logLine(cardName, "VERIFY P1=FF failed: " + apdu::describeStatus(r.sw));
    }
    return false;
}

} // namespace tessera::drivers::iso7816
