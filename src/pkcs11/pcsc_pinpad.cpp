// PcscChannel's PIN pad (PC/SC part 10): the reader's features, asked once
// per connection, and VERIFY/MODIFY_PIN_DIRECT. The reader answers 6400
// (timeout), 6401 (cancel), 6402 (the new PINs differ), 6403 (length out of
// range) itself (part 10 section 2.5.2); they become typed errors with a log
// line saying what happened at the reader. Nothing typed passes through here:
// the template's data is only the padding of the PIN block.
#include "common/log.hpp"
#include "pkcs11/pcsc_channel.hpp"

namespace tessera::pkcs11 {

namespace {

// Seconds the reader waits for the user (OpenSC asks for the same).
constexpr std::uint8_t kPinPadTimeout = 30;

// The card's PIN length limits, narrowed to the reader's own (as OpenSC
// does): a reader refuses a structure asking for more than its keypad takes.
pcsc::PinBlock blockOf(const apdu::PinPadCommand& c, bool change, const pcsc::TlvProperties& reader)
{
    pcsc::PinBlock b;
    b.encoding = c.ascii ? pcsc::PinBlock::Encoding::ascii : pcsc::PinBlock::Encoding::bcd;
    b.blockSize = c.blockSize;
    b.minDigits = c.minDigits;
    b.maxDigits = c.maxDigits;
    if (reader.minPinSize > b.minDigits) b.minDigits = reader.minPinSize;
    if (reader.maxPinSize != 0 && reader.maxPinSize < b.maxDigits) b.maxDigits = reader.maxPinSize;
    b.timeoutSeconds = kPinPadTimeout;
    b.offsetOld = c.offsetOld;
    b.offsetNew = c.offsetNew;
    b.askCurrent = change;
    b.confirmNew = change;
    return b;
}

} // namespace

void PcscChannel::queryFeatures()
{
    featuresKnown_ = true;
    try {
        features_ = pcsc::parseFeatures(handle_->control(pcsc::kGetFeatureRequest, {}));
    } catch (const Error& e) {
        // A reader without part 10 (vpcd answers only GET_TLV_PROPERTIES;
        // others refuse the request): no PIN pad.
        log::write(log::Level::calls, reader_ + ": no PC/SC part 10 features (" + e.what() + ")");
        return;
    }
    if (features_.ifdPinProperties != 0) {
        try {
            pinProperties_ = pcsc::parsePinProperties(handle_->control(features_.ifdPinProperties, {}));
        } catch (const Error&) {
        }
    }
    if (features_.pinPad() && features_.getTlvProperties != 0) { // vpcd offers it too: no need there
        try {
            tlvProperties_ = pcsc::parseTlvProperties(handle_->control(features_.getTlvProperties, {}));
        } catch (const Error&) {
        }
    }
    if (features_.pinPad())
        log::write(log::Level::calls, reader_ + ": PIN pad reader (VERIFY_PIN_DIRECT" +
                                          std::string(features_.modifyPinDirect ? ", MODIFY_PIN_DIRECT" : "") +
                                          (pinProperties_ && pinProperties_->lcdLayout ? ", display" : "") + ")");
    else if (features_.verifyPinStart != 0)
        log::write(log::Level::calls, reader_ + ": the reader offers only VERIFY_PIN_START: not used as a PIN pad");
}

apdu::Response PcscChannel::pinPadVerify(const apdu::PinPadCommand& command)
{
    if (features_.verifyPinDirect == 0) fail(Errc::unsupported, reader_ + " has no PIN pad");
    const Bytes structure =
        pcsc::verifyPinStructure(blockOf(command, false, tlvProperties_), command.apduTemplate.encode(false));
    return pinPadSend(features_.verifyPinDirect, structure, "VERIFY");
}

apdu::Response PcscChannel::pinPadChange(const apdu::PinPadCommand& command)
{
    if (features_.modifyPinDirect == 0) fail(Errc::unsupported, reader_ + ": the PIN pad cannot change PINs");
    const Bytes structure =
        pcsc::modifyPinStructure(blockOf(command, true, tlvProperties_), command.apduTemplate.encode(false));
    return pinPadSend(features_.modifyPinDirect, structure, "CHANGE REFERENCE DATA");
}

apdu::Response PcscChannel::pinPadSend(std::uint32_t code, const Bytes& structure, const char* what)
{
    ensureConnected();
    log::write(log::Level::calls, reader_ + ": " + what + " with the PIN from the reader's keypad");
    const Bytes answer = handle_->control(code, structure);
    apdu::Response r = apdu::parseResponse(answer);
    const std::string at = reader_ + " PIN pad: ";
    switch (r.sw) {
    case 0x6400: log::write(log::Level::calls, at + "timeout, nobody typed a PIN (6400)"); break;
    case 0x6401: log::write(log::Level::calls, at + "the user pressed Cancel (6401)"); break;
    case 0x6402: log::write(log::Level::calls, at + "the new PIN and its confirmation differ (6402)"); break;
    case 0x6403: log::write(log::Level::calls, at + "the PIN typed is too short or too long (6403)"); break;
    default: return r;
    }
    if (!r.data.empty()) return r; // not the reader's own answer
    switch (r.sw) {
    case 0x6400: throw Error(Errc::cancelled, at + "timeout (6400)");
    case 0x6401: throw Error(Errc::cancelled, at + "cancelled (6401)");
    case 0x6402: throw Error(Errc::pinIncorrect, at + "the new PINs differ (6402)");
    default: throw Error(Errc::pinLenRange, at + "PIN length out of range (6403)");
    }
}

} // namespace tessera::pkcs11
