// The status-word table (ISO 7816-4 5.6, SP 800-73-4 part 2 appendix A,
// OpenPGP card 3.4 section 7.1): every row, the 63Cx tries count and the
// fallback for status words the table does not know.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "apdu/status_words.hpp"

using namespace tessera;
using namespace tessera::apdu;

namespace {

struct SwCase {
    std::uint16_t sw;
    Errc errc;
    const char* text; // expected describeStatus() prefix
};

const SwCase kCases[] = {
    {0x6100, Errc::deviceError, "6100 more response data available"},
    {0x6110, Errc::deviceError, "6110 more response data available (16 bytes)"},
    {0x6281, Errc::deviceError, "6281 part of returned data may be corrupted"},
    {0x6282, Errc::deviceError, "6282 end of file reached"},
    {0x6283, Errc::deviceError, "6283 selected file deactivated"},
    {0x6300, Errc::authenticationFailed, "6300 authentication failed"},
    {0x63C0, Errc::pinIncorrect, "63C0 verification failed, 0 tries left"},
    {0x63C2, Errc::pinIncorrect, "63C2 verification failed, 2 tries left"},
    {0x63CF, Errc::pinIncorrect, "63CF verification failed, 15 tries left"},
    {0x6400, Errc::deviceError, "6400 execution error"},
    {0x6581, Errc::deviceError, "6581 memory failure"},
    {0x6700, Errc::dataLenRange, "6700 wrong length"},
    {0x6881, Errc::unsupported, "6881 logical channel not supported"},
    {0x6882, Errc::unsupported, "6882 secure messaging not supported"},
    {0x6883, Errc::deviceError, "6883 last command of the chain expected"},
    {0x6884, Errc::unsupported, "6884 command chaining not supported"},
    {0x6982, Errc::securityStatus, "6982 security status not satisfied"},
    {0x6983, Errc::pinLocked, "6983 authentication method blocked"},
    {0x6984, Errc::deviceError, "6984 reference data not usable"},
    {0x6985, Errc::conditionsNotSatisfied, "6985 conditions of use not satisfied"},
    {0x6986, Errc::conditionsNotSatisfied, "6986 command not allowed"},
    {0x6987, Errc::deviceError, "6987 expected secure messaging"},
    {0x6988, Errc::deviceError, "6988 incorrect secure messaging"},
    {0x6A80, Errc::wrongParameters, "6A80 incorrect parameters in the command data field"},
    {0x6A81, Errc::unsupported, "6A81 function not supported"},
    {0x6A82, Errc::notFound, "6A82 file or application not found"},
    {0x6A83, Errc::notFound, "6A83 record not found"},
    {0x6A84, Errc::deviceError, "6A84 not enough memory"},
    {0x6A86, Errc::wrongParameters, "6A86 incorrect parameters P1-P2"},
    {0x6A87, Errc::wrongParameters, "6A87 Nc inconsistent"},
    {0x6A88, Errc::notFound, "6A88 referenced data or reference data not found"},
    {0x6B00, Errc::wrongParameters, "6B00 wrong parameters P1-P2"},
    {0x6C20, Errc::deviceError, "6C20 wrong Le field (32 bytes)"},
    {0x6D00, Errc::insNotSupported, "6D00 instruction code not supported"},
    {0x6E00, Errc::insNotSupported, "6E00 class not supported"},
    {0x6F00, Errc::deviceError, "6F00 no precise diagnosis"},
    // Not in the table: device error, "unknown status".
    {0x6F12, Errc::deviceError, "6F12 unknown status"},
    {0x6A89, Errc::deviceError, "6A89 unknown status"},
    {0x9001, Errc::deviceError, "9001 unknown status"},
    {0x0000, Errc::deviceError, "0000 unknown status"},
};

} // namespace

class StatusWordTest : public ::testing::TestWithParam<SwCase> {};

TEST_P(StatusWordTest, Row)
{
    const SwCase& tc = GetParam();
    EXPECT_EQ(statusErrc(tc.sw), tc.errc) << describeStatus(tc.sw);
    std::string text = describeStatus(tc.sw);
    EXPECT_EQ(text.rfind(tc.text, 0), 0u) << "got: " << text;
    try {
        throwIfError(tc.sw, "TEST");
        FAIL() << "no error for " << text;
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), tc.errc);
        EXPECT_EQ(std::string(e.what()).rfind("TEST: ", 0), 0u) << e.what();
        EXPECT_NE(std::string(e.what()).find(tc.text), std::string::npos) << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(Table, StatusWordTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<SwCase>& p) {
                             char buf[8];
                             std::snprintf(buf, sizeof buf, "sw%04X", static_cast<unsigned>(p.param.sw));
                             return std::string(buf);
                         });

TEST(StatusWords, SuccessDoesNotThrow)
{
    EXPECT_NO_THROW(throwIfError(0x9000, "VERIFY"));
    EXPECT_EQ(describeStatus(0x9000), "9000 success");
}

TEST(StatusWords, TriesLeftCarriedInError)
{
    for (int x = 0; x < 16; ++x) {
        try {
            throwIfError(static_cast<std::uint16_t>(0x63C0 | x), "VERIFY");
            FAIL();
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::pinIncorrect);
            EXPECT_EQ(e.retriesLeft(), x);
        }
    }
}

TEST(StatusWords, BlockedCarriesZeroTriesOthersUnknown)
{
    try {
        throwIfError(0x6983, "VERIFY");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.retriesLeft(), 0);
    }
    try {
        throwIfError(0x6982, "");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.retriesLeft(), -1);
        EXPECT_EQ(std::string(e.what()), "6982 security status not satisfied");
    }
}

// The named constants are the table's rows, not another copy that can drift.
TEST(StatusWords, NamedConstantsAreTheTableRows)
{
    const std::pair<std::uint16_t, const char*> named[] = {
        {kSwOk, "9000 success"},
        {kSwWrongLength, "6700 wrong length"},
        {kSwSecurityStatusNotSatisfied, "6982 security status not satisfied"},
        {kSwAuthenticationMethodBlocked, "6983 authentication method blocked"},
        {kSwWrongData, "6A80 incorrect parameters in the command data field"},
        {kSwFunctionNotSupported, "6A81 function not supported"},
        {kSwFileNotFound, "6A82 file or application not found"},
        {kSwIncorrectP1P2, "6A86 incorrect parameters P1-P2"},
        {kSwReferencedDataNotFound, "6A88 referenced data or reference data not found"},
        {kSwWrongP1P2, "6B00 wrong parameters P1-P2"},
        {kSwInsNotSupported, "6D00 instruction code not supported or invalid"},
        {kSwClaNotSupported, "6E00 class not supported"},
    };
    for (const auto& [sw, text] : named)
        EXPECT_EQ(describeStatus(sw), text);
}

TEST(StatusWords, TriesLeftFamily)
{
    static_assert(isTriesLeft(0x63C0) && isTriesLeft(0x63CF) && !isTriesLeft(0x6300) && !isTriesLeft(0x62C1));
    static_assert(triesLeftIn(0x63C3) == 3 && triesLeftIn(0x63CF) == 15);
    for (int x = 0; x < 16; ++x)
        EXPECT_EQ(triesLeftIn(static_cast<std::uint16_t>(0x63C0 | x)), x);
}
