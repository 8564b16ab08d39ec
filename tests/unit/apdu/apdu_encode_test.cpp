// Command APDU encoding for every ISO 7816-4 case (5.1, tables 3 and 4) in
// short and extended form with exact bytes, the limits of each form, the
// redacting describe(), and parseResponse.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "apdu/apdu.hpp"
#include "common/error.hpp"

using namespace tessera;
using namespace tessera::apdu;

namespace {

Command make(std::string_view header, std::string_view data, std::optional<std::uint32_t> le)
{
    Bytes h = fromHex(header);
    Command c{h[0], h[1], h[2], h[3], fromHex(data), le, false};
    return c;
}

struct EncodeCase {
    const char* name;
    const char* header;
    const char* data;
    std::optional<std::uint32_t> le;
    bool extended;
    const char* expected;
};

Bytes repeated(std::uint8_t b, std::size_t n)
{
    return Bytes(n, b);
}

} // namespace

class EncodeTest : public ::testing::TestWithParam<EncodeCase> {};

TEST_P(EncodeTest, ExactBytes)
{
    const EncodeCase& tc = GetParam();
    Command c = make(tc.header, tc.data, tc.le);
    EXPECT_EQ(toHex(c.encode(tc.extended)), toHex(fromHex(tc.expected))) << tc.name;
}

INSTANTIATE_TEST_SUITE_P(
    AllCases, EncodeTest,
    ::testing::Values(
        EncodeCase{"case1 short", "00A40400", "", std::nullopt, false, "00A40400"},
        EncodeCase{"case1 extended", "00A40400", "", std::nullopt, true, "00A40400"},
        EncodeCase{"case2 short Le=1", "00CA0101", "", 1, false, "00CA010101"},
        EncodeCase{"case2 short Le=255", "00CA0101", "", 255, false, "00CA0101FF"},
        EncodeCase{"case2 short Le=256 -> 00", "00CA0101", "", 256, false, "00CA010100"},
        EncodeCase{"case2 extended Le=256", "00CA0101", "", 256, true, "00CA0101000100"},
        EncodeCase{"case2 extended Le=1", "00CA0101", "", 1, true, "00CA0101000001"},
        EncodeCase{"case2 extended Le=65535", "00CA0101", "", 65535, true, "00CA010100FFFF"},
        EncodeCase{"case2 extended Le=65536 -> 0000", "00CA0101", "", 65536, true, "00CA0101000000"},
        EncodeCase{"case3 short", "00200080", "3132333435368FFF", std::nullopt, false, "00200080083132333435368FFF"},
        EncodeCase{"case3 extended", "00200080", "31323334", std::nullopt, true, "0020008000000431323334"},
        EncodeCase{"case4 short", "00A40400", "A000000308", 256, false, "00A4040005A00000030800"},
        EncodeCase{"case4 short Le=16", "00CB3FFF", "5C037E", 16, false, "00CB3FFF035C037E10"},
        EncodeCase{"case4 extended", "00A40400", "A000000308", 256, true, "00A40400000005A0000003080100"},
        EncodeCase{"case4 extended Le=65536", "00872E9A", "7C02", 65536, true, "00872E9A0000027C020000"}),
    [](const ::testing::TestParamInfo<EncodeCase>& p) { return "row" + std::to_string(p.index); });

TEST(Encode, Case3ExtendedLongData)
{
    Command c{0x00, 0xDB, 0x3F, 0xFF, repeated(0xAB, 300), std::nullopt, false};
    Bytes e = c.encode(true);
    ASSERT_EQ(e.size(), 4u + 3u + 300u);
    EXPECT_EQ(toHex(ByteView(e).first(7)), "00DB3FFF00012C");
    EXPECT_EQ(e.back(), 0xAB);
}

TEST(Encode, Case4ExtendedLongDataAndLe)
{
    Command c{0x00, 0x2A, 0x80, 0x86, repeated(0x11, 257), 65536, false};
    Bytes e = c.encode(true);
    ASSERT_EQ(e.size(), 4u + 3u + 257u + 2u);
    EXPECT_EQ(toHex(ByteView(e).first(7)), "002A8086000101");
    EXPECT_EQ(toHex(ByteView(e).last(2)), "0000");
}

TEST(Encode, ShortRejectsLongData)
{
    Command c{0x00, 0xDB, 0x3F, 0xFF, repeated(0, 256), std::nullopt, false};
    EXPECT_THROW(c.encode(false), Error);
    c.data.resize(255);
    EXPECT_EQ(c.encode(false).size(), 4u + 1u + 255u);
}

TEST(Encode, ShortRejectsLargeLe)
{
    Command c{0x00, 0xCA, 0x00, 0x00, {}, 257, false};
    EXPECT_THROW(c.encode(false), Error);
}

TEST(Encode, RejectsLeZeroAndAboveMaximum)
{
    Command zero{0x00, 0xCA, 0x00, 0x00, {}, 0, false};
    EXPECT_THROW(zero.encode(true), Error);
    Command big{0x00, 0xCA, 0x00, 0x00, {}, 65537, false};
    EXPECT_THROW(big.encode(true), Error);
}

TEST(Encode, ExtendedRejectsDataAbove65535)
{
    Command c{0x00, 0xDB, 0x3F, 0xFF, repeated(0, 65536), std::nullopt, false};
    try {
        c.encode(true);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::dataLenRange);
    }
}

TEST(Describe, ShowsHeaderDataAndLe)
{
    Command c = make("00A40400", "A000000308", 256);
    EXPECT_EQ(c.describe(), "00 A4 04 00 Lc=5 [A000000308] Le=256");
    EXPECT_EQ(make("00CA0101", "", std::nullopt).describe(), "00 CA 01 01");
}

TEST(Describe, RedactsSensitiveData)
{
    Command c = make("00200080", "3132333435368FFF", std::nullopt);
    c.sensitive = true;
    std::string d = c.describe();
    EXPECT_EQ(d, "00 20 00 80 Lc=8 [8 bytes redacted]");
    EXPECT_EQ(d.find("313233"), std::string::npos);
}

struct ParseCase {
    const char* raw;
    const char* data;
    std::uint16_t sw;
};

TEST(ParseResponse, SplitsDataAndStatus)
{
    const ParseCase cases[] = {
        {"9000", "", 0x9000},
        {"6A82", "", 0x6A82},
        {"0102039000", "010203", 0x9000},
        {"AA6110", "AA", 0x6110},
    };
    for (const auto& tc : cases) {
        Response r = parseResponse(fromHex(tc.raw));
        EXPECT_EQ(toHex(r.data), tc.data) << tc.raw;
        EXPECT_EQ(r.sw, tc.sw) << tc.raw;
        EXPECT_EQ(r.sw1(), tc.sw >> 8);
        EXPECT_EQ(r.sw2(), tc.sw & 0xFF);
        EXPECT_EQ(r.ok(), tc.sw == 0x9000);
    }
}

TEST(ParseResponse, RejectsShortAnswers)
{
    for (const char* raw : {"", "90"}) {
        try {
            parseResponse(fromHex(raw));
            FAIL() << "accepted " << raw;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::malformedResponse);
        }
    }
}
