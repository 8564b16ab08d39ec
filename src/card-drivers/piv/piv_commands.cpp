// Command APDU builders for the PIV card application (SP 800-73-4 part 2
// section 3) and the YubiKey extensions, and the PIV encoding of a PIN. Data
// fields are built with the BER-TLV writer.
#include "card-drivers/piv/piv_commands.hpp"

#include "apdu/tlv.hpp"
#include "card-drivers/piv/piv_objects.hpp"
#include "common/error.hpp"

namespace tessera::drivers::piv {

namespace {

constexpr std::size_t kPinMin = 6;
constexpr std::size_t kPinMax = 8;
constexpr std::uint8_t kPinPad = 0xFF;

} // namespace

SecureBytes paddedPin(const SecureBytes& pin)
{
    if (pin.size() < kPinMin || pin.size() > kPinMax) {
        throw Error(Errc::pinLenRange, "PIV PIN must be 6 to 8 characters");
    }
    SecureBytes padded(pin);
    while (padded.size() < kPinMax)
        padded.push_back(kPinPad);
    return padded;
}

// SP 800-73-4 part 2 section 3.1.1: SELECT by AID, P1 04, P2 00; the answer
// is the application property template (tag 61).
apdu::Command selectCommand()
{
    apdu::Command c = apdu::Command::header(0xA4, 0x04, 0x00);
    c.data.assign(kPivAid.begin(), kPivAid.end());
    c.le = kShortLe;
    return c;
}

// SP 800-73-4 part 2 section 3.1.2: GET DATA, P1-P2 3FFF, data = tag list 5C.
apdu::Command getDataCommand(std::uint32_t objectTag, std::uint32_t le)
{
    apdu::Command c = apdu::Command::header(0xCB, 0x3F, 0xFF);
    c.data = apdu::tlv(0x5C, apdu::encodeTag(objectTag));
    c.le = le;
    return c;
}

// Section 3.2.4: GENERAL AUTHENTICATE, P1 algorithm, P2 key reference,
// Dynamic Authentication Template 7C { 82 00 (response requested), input }.
apdu::Command generalAuthenticateCommand(std::uint8_t algorithm, std::uint8_t keyReference, std::uint8_t dataTag,
                                         ByteView input, std::uint32_t le)
{
    apdu::Command c = apdu::Command::header(0x87, algorithm, keyReference);
    apdu::TlvWriter inner;
    inner.add(0x82, ByteView{});
    inner.add(dataTag, input);
    c.data = inner.wrap(0x7C);
    c.le = le;
    return c;
}

// YubiKey: GET VERSION answers major, minor, patch.
apdu::Command yubikeyVersionCommand()
{
    apdu::Command c = apdu::Command::header(0xFD, 0x00, 0x00);
    c.le = kShortLe;
    return c;
}

// YubiKey 5+: GET SERIAL answers the serial as 4 bytes big-endian.
apdu::Command yubikeySerialCommand()
{
    apdu::Command c = apdu::Command::header(0xF8, 0x00, 0x00);
    c.le = kShortLe;
    return c;
}

// YubiKey 5.3+: GET METADATA for a key slot or PIN reference.
apdu::Command yubikeyMetadataCommand(std::uint8_t slot, std::uint32_t le)
{
    apdu::Command c = apdu::Command::header(0xF7, 0x00, slot);
    c.le = le;
    return c;
}

} // namespace tessera::drivers::piv
