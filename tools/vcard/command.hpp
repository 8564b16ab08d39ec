// Card-side view of an APDU (ISO/IEC 7816-4 section 5.1): parsing the four
// command cases in short and extended form, the reply type the handlers
// return, and the status words the virtual card answers (SP 800-73-4 part 2
// appendix A).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>

#include "common/bytes.hpp"

namespace tessera::vcard {

namespace sw {
constexpr std::uint16_t ok = 0x9000;
constexpr std::uint16_t wrongLength = 0x6700;
constexpr std::uint16_t securityStatus = 0x6982;
constexpr std::uint16_t authBlocked = 0x6983;
constexpr std::uint16_t conditionsNotSatisfied = 0x6985;
constexpr std::uint16_t wrongData = 0x6A80;
constexpr std::uint16_t funcNotSupported = 0x6A81;
constexpr std::uint16_t notFound = 0x6A82;
constexpr std::uint16_t notEnoughMemory = 0x6A84;
constexpr std::uint16_t wrongP1P2 = 0x6A86;
constexpr std::uint16_t refDataNotFound = 0x6A88;
constexpr std::uint16_t insNotSupported = 0x6D00;
constexpr std::uint16_t claNotSupported = 0x6E00;
constexpr std::uint16_t unknown = 0x6F00;
constexpr std::uint16_t lastCommandOfChainExpected = 0x6883;
inline std::uint16_t wrongPin(unsigned triesLeft)
{
    return static_cast<std::uint16_t>(0x63C0 | (triesLeft & 0x0F));
}
} // namespace sw

struct CardApdu {
    std::uint8_t cla = 0;
    std::uint8_t ins = 0;
    std::uint8_t p1 = 0;
    std::uint8_t p2 = 0;
    Bytes data;
    std::uint32_t le = 0; // 0 when absent; 256 / 65536 for "00" / "0000"
    bool hasLe = false;
    bool extended = false;
    bool chained() const { return (cla & 0x10) != 0; }
};

// nullopt when the bytes are not a well-formed C-APDU (the card answers 6700).
std::optional<CardApdu> parseCommand(ByteView raw);

struct Reply {
    Bytes data;
    std::uint16_t sw = sw::ok;
};

inline Reply status(std::uint16_t s)
{
    return Reply{{}, s};
}
inline Reply okWith(Bytes data)
{
    return Reply{std::move(data), sw::ok};
}

// Thrown from deep inside a handler to answer a status word.
class StatusError : public std::runtime_error {
public:
    explicit StatusError(std::uint16_t s) : std::runtime_error("card status"), sw_(s) {}
    std::uint16_t sw() const { return sw_; }

private:
    std::uint16_t sw_;
};

[[noreturn]] inline void failWith(std::uint16_t s)
{
    throw StatusError(s);
}

} // namespace tessera::vcard
