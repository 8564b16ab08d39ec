// Status words (ISO/IEC 7816-4 section 5.6, SP 800-73-4 part 2 appendix A,
// OpenPGP card 3.4 section 7.1): one table from SW to error category.
#pragma once

#include <cstdint>
#include <string>

#include "common/error.hpp"

namespace tessera::apdu {

// Named status words, for code that branches on one (ISO/IEC 7816-4:2020
// section 5.6 tables 5 and 6). The table in status_words.cpp gives each its
// text and error category; a driver names a status word here, not locally.
inline constexpr std::uint16_t kSwOk = 0x9000;
inline constexpr std::uint16_t kSwWrongLength = 0x6700;
inline constexpr std::uint16_t kSwSecurityStatusNotSatisfied = 0x6982;
inline constexpr std::uint16_t kSwAuthenticationMethodBlocked = 0x6983;
inline constexpr std::uint16_t kSwWrongData = 0x6A80; // incorrect parameters in the data field
inline constexpr std::uint16_t kSwFunctionNotSupported = 0x6A81;
inline constexpr std::uint16_t kSwFileNotFound = 0x6A82; // file or application not found
inline constexpr std::uint16_t kSwIncorrectP1P2 = 0x6A86;
inline constexpr std::uint16_t kSwReferencedDataNotFound = 0x6A88;
inline constexpr std::uint16_t kSwWrongP1P2 = 0x6B00;
inline constexpr std::uint16_t kSwInsNotSupported = 0x6D00;
inline constexpr std::uint16_t kSwClaNotSupported = 0x6E00;

// 63Cx: verification failed, x further tries allowed (ISO/IEC 7816-4 table 5).
constexpr bool isTriesLeft(std::uint16_t sw)
{
    return (sw & 0xFFF0) == 0x63C0;
}
constexpr int triesLeftIn(std::uint16_t sw)
{
    return sw & 0x0F;
}

// Short English name, e.g. "6982 security status not satisfied".
std::string describeStatus(std::uint16_t sw);
// Category for a non-9000 status word; 63Cx maps to pinIncorrect.
Errc statusErrc(std::uint16_t sw);
// Throws Error(statusErrc(sw), context + describeStatus(sw), tries) unless sw == 9000.
// For 63Cx the error carries x as retriesLeft.
void throwIfError(std::uint16_t sw, const std::string& context);

} // namespace tessera::apdu
