// The status-word table (ISO/IEC 7816-4:2020 section 5.6 tables 5 and 6,
// SP 800-73-4 part 2 appendix A, OpenPGP card 3.4 section 7.1): each row maps
// a status word (or a family such as 63Cx) to an error category and a short
// English text. Anything not in the table is a device error.
#include "apdu/status_words.hpp"

#include <array>
#include <cstdio>

namespace tessera::apdu {

namespace {

struct StatusRow {
    std::uint16_t sw;
    std::uint16_t mask; // 0xFFFF exact; 0xFF00 "xx" family; 0xFFF0 "Cx" family
    Errc errc;
    const char* text;
};

// Order matters: the first matching row wins, so exact rows precede families.
constexpr std::array kStatusTable{
    StatusRow{0x9000, 0xFFFF, Errc::general, "success"},
    StatusRow{0x6100, 0xFF00, Errc::deviceError, "more response data available"},
    StatusRow{0x6281, 0xFFFF, Errc::deviceError, "part of returned data may be corrupted"},
    StatusRow{0x6282, 0xFFFF, Errc::deviceError, "end of file reached before reading Le bytes"},
    StatusRow{0x6283, 0xFFFF, Errc::deviceError, "selected file deactivated"},
    StatusRow{0x6300, 0xFFFF, Errc::authenticationFailed, "authentication failed"},
    StatusRow{0x63C0, 0xFFF0, Errc::pinIncorrect, "verification failed"},
    StatusRow{0x6400, 0xFFFF, Errc::deviceError, "execution error"},
    StatusRow{0x6581, 0xFFFF, Errc::deviceError, "memory failure"},
    StatusRow{0x6700, 0xFFFF, Errc::dataLenRange, "wrong length"},
    StatusRow{0x6881, 0xFFFF, Errc::unsupported, "logical channel not supported"},
    StatusRow{0x6882, 0xFFFF, Errc::unsupported, "secure messaging not supported"},
    StatusRow{0x6883, 0xFFFF, Errc::deviceError, "last command of the chain expected"},
    StatusRow{0x6884, 0xFFFF, Errc::unsupported, "command chaining not supported"},
    StatusRow{0x6982, 0xFFFF, Errc::securityStatus, "security status not satisfied"},
    StatusRow{0x6983, 0xFFFF, Errc::pinLocked, "authentication method blocked"},
    StatusRow{0x6984, 0xFFFF, Errc::deviceError, "reference data not usable"},
    StatusRow{0x6985, 0xFFFF, Errc::conditionsNotSatisfied, "conditions of use not satisfied"},
    StatusRow{0x6986, 0xFFFF, Errc::conditionsNotSatisfied, "command not allowed (no current EF)"},
    StatusRow{0x6987, 0xFFFF, Errc::deviceError, "expected secure messaging data objects missing"},
    StatusRow{0x6988, 0xFFFF, Errc::deviceError, "incorrect secure messaging data objects"},
    StatusRow{0x6A80, 0xFFFF, Errc::wrongParameters, "incorrect parameters in the command data field"},
    StatusRow{0x6A81, 0xFFFF, Errc::unsupported, "function not supported"},
    StatusRow{0x6A82, 0xFFFF, Errc::notFound, "file or application not found"},
    StatusRow{0x6A83, 0xFFFF, Errc::notFound, "record not found"},
    StatusRow{0x6A84, 0xFFFF, Errc::deviceError, "not enough memory space in the file"},
    StatusRow{0x6A86, 0xFFFF, Errc::wrongParameters, "incorrect parameters P1-P2"},
    StatusRow{0x6A87, 0xFFFF, Errc::wrongParameters, "Nc inconsistent with parameters P1-P2"},
    StatusRow{0x6A88, 0xFFFF, Errc::notFound, "referenced data or reference data not found"},
    StatusRow{0x6B00, 0xFFFF, Errc::wrongParameters, "wrong parameters P1-P2"},
    StatusRow{0x6C00, 0xFF00, Errc::deviceError, "wrong Le field"},
    StatusRow{0x6D00, 0xFFFF, Errc::insNotSupported, "instruction code not supported or invalid"},
    StatusRow{0x6E00, 0xFFFF, Errc::insNotSupported, "class not supported"},
    StatusRow{0x6F00, 0xFFFF, Errc::deviceError, "no precise diagnosis"},
};

const StatusRow* findRow(std::uint16_t sw)
{
    for (const auto& row : kStatusTable) {
        if ((sw & row.mask) == row.sw) return &row;
    }
    return nullptr;
}

std::string swHex(std::uint16_t sw)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04X", static_cast<unsigned>(sw));
    return buf;
}

} // namespace

std::string describeStatus(std::uint16_t sw)
{
    const StatusRow* row = findRow(sw);
    std::string s = swHex(sw) + " " + (row != nullptr ? row->text : "unknown status");
    if (isTriesLeft(sw)) {
        s += ", " + std::to_string(triesLeftIn(sw)) + " tries left";
    } else if ((sw & 0xFF00) == 0x6100 || (sw & 0xFF00) == 0x6C00) {
        s += " (" + std::to_string(sw & 0xFF) + " bytes)";
    }
    return s;
}

Errc statusErrc(std::uint16_t sw)
{
    const StatusRow* row = findRow(sw);
    return row != nullptr ? row->errc : Errc::deviceError;
}

void throwIfError(std::uint16_t sw, const std::string& context)
{
    if (sw == kSwOk) return;
    int tries = -1;
    if (isTriesLeft(sw)) tries = triesLeftIn(sw);
    if (sw == kSwAuthenticationMethodBlocked) tries = 0;
    std::string prefix = context;
    if (!prefix.empty() && prefix.back() != ' ') prefix += ": ";
    throw Error(statusErrc(sw), prefix + describeStatus(sw), tries);
}

} // namespace tessera::apdu
