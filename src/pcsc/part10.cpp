// PC/SC part 10 structures; see part10.hpp.
#include "pcsc/part10.hpp"

namespace tessera::pcsc {

namespace {

// Tags of part 10 section 2.3 (pcsc-lite reader.h).
constexpr std::uint8_t kVerifyPinStart = 0x01;
constexpr std::uint8_t kVerifyPinDirect = 0x06;
constexpr std::uint8_t kModifyPinDirect = 0x07;
constexpr std::uint8_t kIfdPinProperties = 0x0A;
constexpr std::uint8_t kGetTlvProperties = 0x12;

constexpr std::uint8_t kUnitsBytes = 0x80;    // bmFormatString bit 7
constexpr std::uint8_t kValidateByKey = 0x02; // bEntryValidationCondition
constexpr std::size_t kVerifyHeader = 19;     // PIN_VERIFY_STRUCTURE without abData
constexpr std::size_t kModifyHeader = 24;     // PIN_MODIFY_STRUCTURE without abData

void putLe16(Bytes& b, std::uint16_t v)
{
    b.push_back(static_cast<std::uint8_t>(v & 0xFF));
    b.push_back(static_cast<std::uint8_t>(v >> 8));
}

void putLe32(Bytes& b, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        b.push_back(static_cast<std::uint8_t>((v >> (8 * i)) & 0xFF));
}

// bmFormatString, bmPINBlockString, bmPINLengthFormat: byte units, PIN at
// position 0, left-justified; no PIN length field.
void putFormat(Bytes& b, const PinBlock& block)
{
    b.push_back(static_cast<std::uint8_t>(kUnitsBytes | static_cast<std::uint8_t>(block.encoding)));
    b.push_back(static_cast<std::uint8_t>(block.blockSize & 0x0F));
    b.push_back(0x00);
}

std::uint16_t minMax(const PinBlock& block)
{
    return static_cast<std::uint16_t>((block.minDigits << 8) | block.maxDigits);
}

} // namespace

ReaderFeatures parseFeatures(ByteView tlv)
{
    ReaderFeatures f;
    for (std::size_t i = 0; i + 2 <= tlv.size();) {
        const std::uint8_t tag = tlv[i];
        const std::size_t len = tlv[i + 1];
        if (len != 4 || i + 2 + len > tlv.size()) break;
        const std::uint32_t code = (std::uint32_t{tlv[i + 2]} << 24) | (std::uint32_t{tlv[i + 3]} << 16) |
                                   (std::uint32_t{tlv[i + 4]} << 8) | std::uint32_t{tlv[i + 5]};
        switch (tag) {
        case kVerifyPinStart: f.verifyPinStart = code; break;
        case kVerifyPinDirect: f.verifyPinDirect = code; break;
        case kModifyPinDirect: f.modifyPinDirect = code; break;
        case kIfdPinProperties: f.ifdPinProperties = code; break;
        case kGetTlvProperties: f.getTlvProperties = code; break;
        default: break;
        }
        i += 2 + len;
    }
    return f;
}

std::optional<PinProperties> parsePinProperties(ByteView bytes)
{
    if (bytes.size() < 4) return std::nullopt;
    PinProperties p;
    p.lcdLayout = static_cast<std::uint16_t>(bytes[0] | (bytes[1] << 8));
    p.entryValidation = bytes[2];
    p.timeout2 = bytes[3];
    return p;
}

TlvProperties parseTlvProperties(ByteView bytes)
{
    constexpr std::uint8_t kMinPinSize = 0x06, kMaxPinSize = 0x07; // PCSCv2_PART10_PROPERTY_b{Min,Max}PINSize
    TlvProperties t;
    for (std::size_t i = 0; i + 2 <= bytes.size();) {
        const std::size_t len = bytes[i + 1];
        if (i + 2 + len > bytes.size()) break;
        if (len == 1 && bytes[i] == kMinPinSize) t.minPinSize = bytes[i + 2];
        if (len == 1 && bytes[i] == kMaxPinSize) t.maxPinSize = bytes[i + 2];
        i += 2 + len;
    }
    return t;
}

Bytes verifyPinStructure(const PinBlock& block, ByteView apduTemplate)
{
    Bytes b;
    b.reserve(kVerifyHeader + apduTemplate.size());
    b.push_back(block.timeoutSeconds); // bTimerOut
    b.push_back(block.timeoutSeconds); // bTimerOut2
    putFormat(b, block);
    putLe16(b, minMax(block)); // wPINMaxExtraDigit: XX minimum, YY maximum
    b.push_back(kValidateByKey);
    b.push_back(0x00);          // bNumberMessage: none
    putLe16(b, 0x0000);         // wLangId
    b.push_back(0x00);          // bMsgIndex
    b.insert(b.end(), 3, 0x00); // bTeoPrologue: the reader builds T=1 blocks itself
    putLe32(b, static_cast<std::uint32_t>(apduTemplate.size()));
    b.insert(b.end(), apduTemplate.begin(), apduTemplate.end());
    return b;
}

Bytes modifyPinStructure(const PinBlock& block, ByteView apduTemplate)
{
    Bytes b;
    b.reserve(kModifyHeader + apduTemplate.size());
    b.push_back(block.timeoutSeconds);
    b.push_back(block.timeoutSeconds);
    putFormat(b, block);
    b.push_back(block.offsetOld); // bInsertionOffsetOld
    b.push_back(block.offsetNew); // bInsertionOffsetNew
    putLe16(b, minMax(block));
    b.push_back(static_cast<std::uint8_t>((block.askCurrent ? 0x02 : 0x00) | (block.confirmNew ? 0x01 : 0x00)));
    b.push_back(kValidateByKey);
    b.push_back(0x00);          // bNumberMessage
    putLe16(b, 0x0000);         // wLangId
    b.insert(b.end(), 3, 0x00); // bMsgIndex1..3
    b.insert(b.end(), 3, 0x00); // bTeoPrologue
    putLe32(b, static_cast<std::uint32_t>(apduTemplate.size()));
    b.insert(b.end(), apduTemplate.begin(), apduTemplate.end());
    return b;
}

} // namespace tessera::pcsc
