// transmit() against a scripted Transport that checks each C-APDU and returns
// the scripted R-APDU: command chaining (ISO 7816-4 5.3.3), 61xx GET RESPONSE
// assembly and its bound, 6Cxx re-send, errors inside a chain, and the trace
// log never showing the data of a sensitive command.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "apdu/channel.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

using namespace tessera;
using namespace tessera::apdu;

namespace {

// Expected command (hex) -> response (hex), in order. A command that does not
// match the script fails the test and throws, so transmit() stops there.
class ScriptedTransport : public Transport {
public:
    ScriptedTransport& expect(const std::string& command, const std::string& response)
    {
        script_.emplace_back(toHex(fromHex(command)), fromHex(response));
        return *this;
    }
    SensitiveBytes transmitRaw(ByteView command) override
    {
        std::string got = toHex(command);
        if (next_ >= script_.size()) {
            ADD_FAILURE() << "unexpected extra command " << got;
            throw std::runtime_error("script exhausted");
        }
        auto& [want, answer] = script_[next_++];
        if (got != want) {
            ADD_FAILURE() << "command " << next_ << ": expected " << want << "\n got " << got;
            throw std::runtime_error("script mismatch");
        }
        return SensitiveBytes(answer.begin(), answer.end());
    }
    bool done() const { return next_ == script_.size(); }
    std::size_t sent() const { return next_; }

private:
    std::vector<std::pair<std::string, Bytes>> script_;
    std::size_t next_ = 0;
};

// Answers every command with the same response, to prove loops are bounded.
class ForeverTransport : public Transport {
public:
    explicit ForeverTransport(Bytes answer) : answer_(std::move(answer)) {}
    SensitiveBytes transmitRaw(ByteView) override
    {
        ++count;
        if (count > 10000) throw std::runtime_error("loop not bounded");
        return SensitiveBytes(answer_.begin(), answer_.end());
    }
    std::size_t count = 0;

private:
    Bytes answer_;
};

std::string hexRange(std::uint8_t start, std::size_t n)
{
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i)
        b[i] = static_cast<std::uint8_t>(start + i);
    return toHex(b);
}

Bytes pattern(std::size_t n)
{
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i)
        b[i] = static_cast<std::uint8_t>(i);
    return b;
}

TransmitOptions shortOptions()
{
    return TransmitOptions{};
}

} // namespace

TEST(Transmit, SimpleCase4)
{
    ScriptedTransport t;
    t.expect("00A4040005A00000030800", "6101029000");
    Command c{0x00, 0xA4, 0x04, 0x00, fromHex("A000000308"), 256, false};
    Response r = transmit(t, c, shortOptions());
    EXPECT_EQ(toHex(r.data), "610102");
    EXPECT_EQ(r.sw, 0x9000);
    EXPECT_TRUE(t.done());
}

TEST(Transmit, ChainingSplits300Into255And45)
{
    Bytes data = pattern(300);
    ScriptedTransport t;
    t.expect("10DB3FFFFF" + toHex(ByteView(data).first(255)), "9000");
    t.expect("00DB3FFF2D" + toHex(ByteView(data).subspan(255)), "9000");
    Command c{0x00, 0xDB, 0x3F, 0xFF, data, std::nullopt, false};
    Response r = transmit(t, c, shortOptions());
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(t.done());
}

TEST(Transmit, ChainingKeepsLeOnLastChunkOnly)
{
    Bytes data = pattern(510); // exactly two full chunks
    ScriptedTransport t;
    t.expect("10872E9AFF" + toHex(ByteView(data).first(255)), "9000");
    t.expect("00872E9AFF" + toHex(ByteView(data).subspan(255)) + "00", "AABB9000");
    Command c{0x00, 0x87, 0x2E, 0x9A, data, 256, false};
    Response r = transmit(t, c, shortOptions());
    EXPECT_EQ(toHex(r.data), "AABB");
    EXPECT_TRUE(t.done());
}

TEST(Transmit, ExtendedLengthDoesNotChain)
{
    Bytes data = pattern(300);
    ScriptedTransport t;
    t.expect("00DB3FFF00012C" + toHex(data), "9000");
    Command c{0x00, 0xDB, 0x3F, 0xFF, data, std::nullopt, false};
    TransmitOptions o;
    o.extendedLength = true;
    EXPECT_TRUE(transmit(t, c, o).ok());
    EXPECT_TRUE(t.done());
}

TEST(Transmit, ExtendedLengthUsesShortFormWhenItFits)
{
    ScriptedTransport t;
    t.expect("00CB3FFF055C035FC10500", "539000");
    Command c{0x00, 0xCB, 0x3F, 0xFF, fromHex("5C035FC105"), 256, false};
    TransmitOptions o;
    o.extendedLength = true;
    EXPECT_EQ(toHex(transmit(t, c, o).data), "53");
}

TEST(Transmit, IntermediateChainErrorIsReturned)
{
    Bytes data = pattern(600);
    ScriptedTransport t;
    t.expect("10DB3FFFFF" + toHex(ByteView(data).first(255)), "9000");
    t.expect("10DB3FFFFF" + toHex(ByteView(data).subspan(255, 255)), "6A84");
    Command c{0x00, 0xDB, 0x3F, 0xFF, data, std::nullopt, false};
    Response r = transmit(t, c, shortOptions());
    EXPECT_EQ(r.sw, 0x6A84);
    EXPECT_TRUE(t.done()); // the third chunk was never sent
}

TEST(Transmit, GetResponseAssemblesThreeRounds)
{
    ScriptedTransport t;
    t.expect("00CB3FFF055C035FC10500", hexRange(0x00, 256) + "6100");
    t.expect("00C0000000", hexRange(0x10, 256) + "6100");
    t.expect("00C0000000", hexRange(0x20, 256) + "6110");
    t.expect("00C0000010", hexRange(0x30, 16) + "9000");
    Command c{0x00, 0xCB, 0x3F, 0xFF, fromHex("5C035FC105"), 256, false};
    Response r = transmit(t, c, shortOptions());
    EXPECT_EQ(r.sw, 0x9000);
    EXPECT_EQ(toHex(r.data), hexRange(0x00, 256) + hexRange(0x10, 256) + hexRange(0x20, 256) + hexRange(0x30, 16));
    EXPECT_TRUE(t.done());
}

TEST(Transmit, GetResponseFinalErrorKeepsStatus)
{
    ScriptedTransport t;
    t.expect("00CA010100", "01026104");
    t.expect("00C0000004", "6F00");
    Command c{0x00, 0xCA, 0x01, 0x01, {}, 256, false};
    Response r = transmit(t, c, shortOptions());
    EXPECT_EQ(r.sw, 0x6F00);
}

TEST(Transmit, GetResponseForeverIsAnErrorNotAHang)
{
    ForeverTransport t(fromHex("AA6101"));
    Command c{0x00, 0xCA, 0x01, 0x01, {}, 256, false};
    TransmitOptions o;
    o.maxGetResponse = 5;
    try {
        transmit(t, c, o);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::malformedResponse);
        EXPECT_NE(std::string(e.what()).find("kept answering 61xx"), std::string::npos) << e.what();
    }
    EXPECT_EQ(t.count, 1u + 5u);
}

TEST(Transmit, GetResponseBoundedByTotalSize)
{
    ForeverTransport t(fromHex(hexRange(0, 256) + "6100"));
    Command c{0x00, 0xCA, 0x01, 0x01, {}, 256, false};
    TransmitOptions o;
    o.maxResponseBytes = 1000;
    try {
        transmit(t, c, o);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::malformedResponse);
    }
    EXPECT_LE(t.count, 5u);
}

TEST(Transmit, WrongLeResendsOnceWithCorrectLe)
{
    ScriptedTransport t;
    t.expect("00CA5F5000", "6C05");
    t.expect("00CA5F5005", "01020304059000");
    Command c{0x00, 0xCA, 0x5F, 0x50, {}, 256, false};
    Response r = transmit(t, c, shortOptions());
    EXPECT_EQ(toHex(r.data), "0102030405");
    EXPECT_EQ(r.sw, 0x9000);
    EXPECT_TRUE(t.done());
}

TEST(Transmit, WrongLeOnlyResentOnce)
{
    ScriptedTransport t;
    t.expect("00CA5F50", "6C05");
    t.expect("00CA5F5005", "6C06");
    Command c{0x00, 0xCA, 0x5F, 0x50, {}, std::nullopt, false};
    Response r = transmit(t, c, shortOptions());
    EXPECT_EQ(r.sw, 0x6C06);
    EXPECT_TRUE(t.done());
}

TEST(Transmit, WrongLeThenMoreData)
{
    ScriptedTransport t;
    t.expect("00CA5F5001", "6C00");
    t.expect("00CA5F5000", hexRange(0, 256) + "6102");
    t.expect("00C0000002", "AABB9000");
    Command c{0x00, 0xCA, 0x5F, 0x50, {}, 1, false};
    Response r = transmit(t, c, shortOptions());
    EXPECT_EQ(toHex(r.data), hexRange(0, 256) + "AABB");
}

TEST(Transmit, ShortTransportAnswerIsMalformed)
{
    ScriptedTransport t;
    t.expect("00CA010100", "90");
    Command c{0x00, 0xCA, 0x01, 0x01, {}, 256, false};
    EXPECT_THROW(transmit(t, c, shortOptions()), Error);
}

TEST(Transmit, CountsEveryExchange)
{
    log::resetApduCount();
    ScriptedTransport t;
    t.expect("00CA010100", "016101");
    t.expect("00C0000001", "029000");
    Command c{0x00, 0xCA, 0x01, 0x01, {}, 256, false};
    transmit(t, c, shortOptions());
    EXPECT_EQ(log::apduCount(), 2u);
}

TEST(TransmitLog, SensitiveChainedCommandNeverLogged)
{
    std::string path = ::testing::TempDir() + "tessera_apdu_log_test.txt";
    std::remove(path.c_str());
    log::configure(2, path);

    // A 300-byte "secret" whose hex is unmistakable, split by chaining.
    Bytes secret(300);
    for (std::size_t i = 0; i < secret.size(); ++i)
        secret[i] = static_cast<std::uint8_t>(0xA5 ^ (i * 7));
    ScriptedTransport t;
    t.expect("10FE0000FF" + toHex(ByteView(secret).first(255)), "9000");
    t.expect("00FE00002D" + toHex(ByteView(secret).subspan(255)), "C0FFEE9000");
    Command c{0x00, 0xFE, 0x00, 0x00, secret, std::nullopt, true};
    EXPECT_TRUE(transmit(t, c, shortOptions()).ok());
    log::configure(0, "");

    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    EXPECT_NE(text.find("> 10 FE 00 00 Lc=255 [255 bytes redacted]"), std::string::npos) << text;
    EXPECT_NE(text.find("> 00 FE 00 00 Lc=45 [45 bytes redacted]"), std::string::npos) << text;
    // No 4-byte window of the secret appears anywhere in the log.
    for (std::size_t i = 0; i + 4 <= secret.size(); ++i) {
        std::string window = toHex(ByteView(secret).subspan(i, 4));
        ASSERT_EQ(text.find(window), std::string::npos) << "secret bytes at " << i << " leaked:\n" << text;
    }
    EXPECT_EQ(text.find("C0FFEE"), std::string::npos) << "answer to a sensitive command was logged";
    std::remove(path.c_str());
}

TEST(TransmitLog, SensitiveCommandGetResponseAnswerRedacted)
{
    std::string path = ::testing::TempDir() + "tessera_apdu_log_test3.txt";
    std::remove(path.c_str());
    log::configure(2, path);
    ScriptedTransport t;
    t.expect("00872E9A0631323334353600", "DEADBE6102");
    t.expect("00C0000002", "EF019000");
    Command c{0x00, 0x87, 0x2E, 0x9A, fromHex("313233343536"), 256, true};
    Response r = transmit(t, c, shortOptions());
    log::configure(0, "");
    EXPECT_EQ(toHex(r.data), "DEADBEEF01");
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    EXPECT_NE(text.find("< [3 bytes redacted] 6102"), std::string::npos) << text;
    EXPECT_NE(text.find("< [2 bytes redacted] 9000"), std::string::npos) << text;
    for (const char* leak : {"313233", "DEADBE", "EF01"})
        EXPECT_EQ(text.find(leak), std::string::npos) << text;
    std::remove(path.c_str());
}

TEST(TransmitLog, NonSensitiveCommandIsTraced)
{
    std::string path = ::testing::TempDir() + "tessera_apdu_log_test2.txt";
    std::remove(path.c_str());
    log::configure(2, path);
    ScriptedTransport t;
    t.expect("00A4040005A00000030800", "61029000");
    Command c{0x00, 0xA4, 0x04, 0x00, fromHex("A000000308"), 256, false};
    transmit(t, c, shortOptions());
    log::configure(0, "");
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_NE(ss.str().find("> 00 A4 04 00 Lc=5 [A000000308] Le=256"), std::string::npos) << ss.str();
    EXPECT_NE(ss.str().find("< 6102 9000"), std::string::npos) << ss.str();
    std::remove(path.c_str());
}
