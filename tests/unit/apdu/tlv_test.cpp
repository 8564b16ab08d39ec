// BER-TLV reader and writer (ISO 7816-4 5.2): spec-shaped examples from PIV
// and OpenPGP, multi-byte tags, long lengths, table-driven malformed inputs,
// the depth bound of find(), and byte-identical write -> parse round trips.
#include <gtest/gtest.h>

#include <string>

#include "apdu/tlv.hpp"
#include "common/error.hpp"

using namespace tessera;
using namespace tessera::apdu;

namespace {

std::string hex(ByteView v)
{
    return toHex(v);
}

void expectMalformed(const Bytes& data, bool allowPadding = false)
{
    try {
        parseAll(data, allowPadding);
        ADD_FAILURE() << "accepted " << toHex(data);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::malformedResponse) << toHex(data);
    }
}

} // namespace

TEST(TlvParse, PivApplicationPropertyTemplate)
{
    // SP 800-73-4 part 2 3.1.1: 61 {4F AID, 79 {4F RID}}
    Bytes data = fromHex("61 11 4F 06 000010000100 79 07 4F 05 A000000308");
    auto all = parseAll(data);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].tag, 0x61u);
    EXPECT_TRUE(all[0].constructed());
    auto inner = parseAll(all[0].value);
    ASSERT_EQ(inner.size(), 2u);
    EXPECT_EQ(inner[0].tag, 0x4Fu);
    EXPECT_FALSE(inner[0].constructed());
    EXPECT_EQ(hex(inner[0].value), "000010000100");
    auto rid = find(data, 0x4F);
    ASSERT_TRUE(rid);
    EXPECT_EQ(hex(rid->value), "000010000100"); // first in document order at the shallowest level
    auto nested = find(inner[1].value, 0x4F, false);
    ASSERT_TRUE(nested);
    EXPECT_EQ(hex(nested->value), "A000000308");
}

TEST(TlvParse, MultiByteTags)
{
    Bytes data = fromHex("5C 03 5FC105  7F49 05 86 03 010203  5F52 01 00  9F7F 00");
    auto all = parseAll(data);
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all[0].tag, 0x5Cu);
    EXPECT_EQ(hex(all[0].value), "5FC105");
    EXPECT_EQ(all[1].tag, 0x7F49u);
    EXPECT_TRUE(all[1].constructed());
    EXPECT_EQ(all[2].tag, 0x5F52u);
    EXPECT_FALSE(all[2].constructed());
    EXPECT_EQ(all[3].tag, 0x9F7Fu);
    EXPECT_TRUE(all[3].value.empty());
    auto point = find(data, 0x86);
    ASSERT_TRUE(point);
    EXPECT_EQ(hex(point->value), "010203");
    EXPECT_FALSE(find(data, 0x86, false));
}

TEST(TlvParse, ThreeAndFourByteTags)
{
    auto three = parseAll(fromHex("5FC105 02 AABB"));
    ASSERT_EQ(three.size(), 1u);
    EXPECT_EQ(three[0].tag, 0x5FC105u);
    EXPECT_FALSE(three[0].constructed());
    auto four = parseAll(fromHex("7F818203 01 CC"));
    ASSERT_EQ(four.size(), 1u);
    EXPECT_EQ(four[0].tag, 0x7F818203u);
    EXPECT_TRUE(four[0].constructed());
}

struct LengthCase {
    const char* prefix; // tag + length bytes
    std::size_t length;
};

TEST(TlvParse, LongLengths)
{
    const LengthCase cases[] = {
        {"53 7F", 127},        {"53 81 80", 128},       {"53 81 FF", 255}, {"53 82 0100", 256},
        {"53 82 FFFF", 65535}, {"53 83 010000", 65536}, {"53 81 05", 5}, // non-minimal accepted
    };
    for (const auto& tc : cases) {
        Bytes data = fromHex(tc.prefix);
        data.resize(data.size() + tc.length, 0x5A);
        std::size_t consumed = 0;
        Tlv t = parseOne(data, consumed);
        EXPECT_EQ(t.tag, 0x53u) << tc.prefix;
        EXPECT_EQ(t.value.size(), tc.length) << tc.prefix;
        EXPECT_EQ(consumed, data.size()) << tc.prefix;
    }
}

TEST(TlvParse, ValueIsAViewIntoTheBuffer)
{
    Bytes data = fromHex("04 02 1122 05 00");
    std::size_t consumed = 0;
    Tlv t = parseOne(data, consumed);
    EXPECT_EQ(consumed, 4u);
    EXPECT_EQ(t.value.data(), data.data() + 2);
}

struct MalformedCase {
    const char* name;
    const char* hex;
};

TEST(TlvParse, MalformedInputsAreRejected)
{
    const MalformedCase cases[] = {
        {"missing length", "53"},
        {"truncated value", "53 05 0102"},
        {"truncated 81 length", "53 81"},
        {"truncated 82 length", "53 82 01"},
        {"truncated 83 length", "53 83 0100"},
        {"82 length beyond buffer", "53 82 0100 00"},
        {"indefinite length 80", "53 80 0000"},
        {"84 length rejected", "53 84 00000001 AA"},
        {"85 length rejected", "53 85 0000000001 AA"},
        {"FF length byte", "53 FF"},
        {"truncated multi-byte tag", "5F"},
        {"truncated third tag byte", "5FC1"},
        {"five-byte tag", "5F818181 01 01 00"},
        {"trailing garbage", "53 01 AA 01"},
        {"padding not allowed by default", "53 01 AA 00"},
        {"FF padding not allowed by default", "FF 53 01 AA"},
    };
    for (const auto& tc : cases) {
        SCOPED_TRACE(tc.name);
        expectMalformed(fromHex(tc.hex));
    }
}

TEST(TlvParse, EmptyInputIsEmptyList)
{
    EXPECT_TRUE(parseAll(Bytes{}).empty());
    std::size_t consumed = 0;
    EXPECT_THROW(parseOne(Bytes{}, consumed), Error);
}

TEST(TlvParse, PaddingSkippedWhenAllowed)
{
    Bytes data = fromHex("00 FF 53 01 AA 00 00 5C 00 FF");
    auto all = parseAll(data, true);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].tag, 0x53u);
    EXPECT_EQ(all[1].tag, 0x5Cu);
    // Padding does not excuse a broken object.
    expectMalformed(fromHex("00 53 05 AA"), true);
}

TEST(TlvParse, LengthBeyondParentIsRejectedInside)
{
    // The inner 4F claims 6 bytes but its parent 61 only holds 4 after it.
    Bytes data = fromHex("61 06 4F 06 01020304 9000");
    auto all = parseAll(data, false); // outer is fine: 61 {6 bytes} then 90 00
    ASSERT_EQ(all.size(), 2u);
    expectMalformed(Bytes(all[0].value.begin(), all[0].value.end()));
    try {
        find(data, 0x4F);
        FAIL() << "find accepted an inner length beyond its parent";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::malformedResponse);
    }
}

TEST(TlvFind, NestedGarbageThrowsWhenSearchedInto)
{
    // 7C is constructed but holds garbage; 82 sits at the top level after it.
    Bytes data = fromHex("7C 03 81 05 01  82 01 AA");
    auto top = find(data, 0x82);
    ASSERT_TRUE(top); // this level is searched first; the garbage is not opened
    EXPECT_EQ(hex(top->value), "AA");
    EXPECT_THROW(find(data, 0x99), Error); // must open 7C: garbage -> error
    EXPECT_FALSE(find(data, 0x99, false)); // not opened without recursion
}

TEST(TlvFind, AbsentTagIsNullopt)
{
    EXPECT_FALSE(find(fromHex("7C 04 82 02 0102"), 0x85));
    EXPECT_FALSE(find(Bytes{}, 0x53));
}

namespace {

// n nested constructed 7C objects around 82 01 AA, built inside out.
Bytes nested(std::size_t n)
{
    Bytes b = tlv(0x82, fromHex("AA"));
    for (std::size_t i = 0; i < n; ++i)
        b = tlv(0x7C, b);
    return b;
}

} // namespace

TEST(TlvFind, DepthWithinBoundIsFound)
{
    Bytes b = nested(kMaxTlvDepth); // find() returns views into b: keep it alive
    auto t = find(b, 0x82);
    ASSERT_TRUE(t);
    EXPECT_EQ(hex(t->value), "AA");
}

TEST(TlvFind, Depth100IsRejected)
{
    Bytes deep = nested(100);
    try {
        find(deep, 0x82);
        FAIL() << "depth 100 accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::malformedResponse);
    }
    try {
        find(nested(kMaxTlvDepth + 1), 0x82);
        FAIL() << "depth beyond kMaxTlvDepth accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::malformedResponse);
    }
}

struct TagCase {
    std::uint32_t tag;
    const char* hex;
};

TEST(TlvWrite, EncodeTag)
{
    const TagCase cases[] = {{0x53, "53"}, {0x7F49, "7F49"}, {0x5FC105, "5FC105"}, {0x7F818203, "7F818203"}};
    for (const auto& tc : cases)
        EXPECT_EQ(hex(encodeTag(tc.tag)), tc.hex);
    EXPECT_THROW(encodeTag(0), Error);
}

TEST(TlvWrite, EncodeLengthIsMinimal)
{
    const struct {
        std::size_t length;
        const char* hex;
    } cases[] = {{0, "00"},       {1, "01"},         {127, "7F"},         {128, "8180"},         {255, "81FF"},
                 {256, "820100"}, {65535, "82FFFF"}, {65536, "83010000"}, {0xFFFFFF, "83FFFFFF"}};
    for (const auto& tc : cases)
        EXPECT_EQ(hex(encodeLength(tc.length)), tc.hex) << tc.length;
    EXPECT_THROW(encodeLength(0x1000000), Error);
}

TEST(TlvWrite, WriterBuildsPivGeneralAuthenticate)
{
    // SP 800-73-4 part 2 3.2.4: 7C {82 00, 81 challenge}
    TlvWriter w;
    w.add(0x82, {}).add(0x81, fromHex("0102030405"));
    EXPECT_EQ(hex(w.bytes()), "82008105"
                              "0102030405");
    EXPECT_EQ(hex(w.wrap(0x7C)), "7C0982008105"
                                 "0102030405");
    TlvWriter g;
    g.add(0x5C, fromHex("5FC105")).addByte(0x80, 0x11).addRaw(fromHex("AC03"));
    EXPECT_EQ(hex(g.bytes()), "5C035FC105"
                              "800111"
                              "AC03");
}

TEST(TlvWrite, RoundTripIsByteIdentical)
{
    const std::size_t sizes[] = {0, 1, 127, 128, 255, 256, 1000, 65535, 65536, 70000};
    const std::uint32_t tags[] = {0x53, 0x5FC105, 0x7F49, 0x7F818203};
    for (std::uint32_t tag : tags) {
        for (std::size_t n : sizes) {
            Bytes value(n);
            for (std::size_t i = 0; i < n; ++i)
                value[i] = static_cast<std::uint8_t>(i * 13 + 1);
            Bytes encoded = tlv(tag, value);
            auto all = parseAll(encoded);
            ASSERT_EQ(all.size(), 1u);
            EXPECT_EQ(all[0].tag, tag);
            ASSERT_EQ(all[0].value.size(), n);
            EXPECT_TRUE(std::equal(value.begin(), value.end(), all[0].value.begin()));
            EXPECT_EQ(tlv(all[0].tag, all[0].value), encoded);
        }
    }
}

TEST(TlvWrite, NestedRoundTrip)
{
    // OpenPGP 3.4 7.2.14: 7F49 {86 point} inside A6 for PSO:DECIPHER with ECDH.
    Bytes point(65, 0x04);
    Bytes built = tlv(0xA6, tlv(0x7F49, tlv(0x86, point)));
    EXPECT_EQ(hex(ByteView(built).first(7)), "A6467F49438641");
    auto p = find(built, 0x86);
    ASSERT_TRUE(p);
    EXPECT_EQ(Bytes(p->value.begin(), p->value.end()), point);
    std::vector<Tlv> outer = parseAll(built);
    EXPECT_EQ(tlv(outer[0].tag, outer[0].value), built);
}
