// PC/SC part 10 (IFDs with secure PIN entry, v2.02.09): the reader's feature
// list (CM_IOCTL_GET_FEATURE_REQUEST, section 2.2), its PIN properties
// (section 2.6.8), and the PIN_VERIFY_STRUCTURE / PIN_MODIFY_STRUCTURE the
// host sends with VERIFY/MODIFY_PIN_DIRECT (sections 2.5.2, 2.5.3; the
// layouts of pcsc-lite's reader.h, multi-byte fields little-endian). Pure
// byte work, unit-tested; CardHandle::control sends them.
#pragma once

#include <cstdint>
#include <optional>

#include "common/bytes.hpp"

namespace tessera::pcsc {

// SCARD_CTL_CODE(3400) on pcsc-lite: the part 10 feature request.
inline constexpr std::uint32_t kGetFeatureRequest = 0x42000000 + 3400;

// Control codes of the features a reader offers (0 = not offered).
struct ReaderFeatures {
    std::uint32_t verifyPinDirect = 0;
    std::uint32_t verifyPinStart = 0;
    std::uint32_t modifyPinDirect = 0;
    std::uint32_t ifdPinProperties = 0;
    std::uint32_t getTlvProperties = 0;
    bool pinPad() const { return verifyPinDirect != 0; }
};

// The TLV list: tag (1 byte), length 4, big-endian control code. Unknown
// tags are skipped; a truncated or wrongly sized entry ends the list (a
// reader's answer is untrusted input).
ReaderFeatures parseFeatures(ByteView tlv);

// PIN_PROPERTIES_STRUCTURE (4 bytes). nullopt when too short.
struct PinProperties {
    std::uint16_t lcdLayout = 0; // 0: no display
    std::uint8_t entryValidation = 0;
    std::uint8_t timeout2 = 0;
};
std::optional<PinProperties> parsePinProperties(ByteView bytes);

// FEATURE_GET_TLV_PROPERTIES (section 2.6.14): tag, length, little-endian
// value. Only the PIN size limits are kept (0 = not given).
struct TlvProperties {
    std::uint8_t minPinSize = 0;
    std::uint8_t maxPinSize = 0;
};
TlvProperties parseTlvProperties(ByteView bytes);

// How the reader is to put the typed PIN into the APDU.
struct PinBlock {
    enum class Encoding : std::uint8_t { binary = 0, bcd = 1, ascii = 2 };
    Encoding encoding = Encoding::ascii;
    std::uint8_t blockSize = 0; // bytes of one PIN block, padding from the template; 0: the PIN's own length
    std::uint8_t minDigits = 4;
    std::uint8_t maxDigits = 8;
    std::uint8_t timeoutSeconds = 0; // 0: the reader's default
    // modify only
    std::uint8_t offsetOld = 0, offsetNew = 0; // bytes into the data field
    bool askCurrent = true;                    // bConfirmPIN bit 1: enter the current PIN
    bool confirmNew = true;                    // bConfirmPIN bit 0: enter the new PIN twice
};

// PIN_VERIFY_STRUCTURE / PIN_MODIFY_STRUCTURE followed by the APDU template
// (abData). PINs start at the first data byte, left-justified, byte units;
// validation by the OK key; no display messages.
Bytes verifyPinStructure(const PinBlock& block, ByteView apduTemplate);
Bytes modifyPinStructure(const PinBlock& block, ByteView apduTemplate);

} // namespace tessera::pcsc
