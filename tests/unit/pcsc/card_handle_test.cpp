// Unit tests of pcsc::CardHandle::transmit against the fake pcsc-lite
// (tests/events/fake_pcsc): the receive buffer is the handle's own, mapped
// once (not an mmap of 64 KiB per APDU, which doubled the module's CPU per
// signature), it keeps no answer between two calls, and each answer comes
// back in a right-sized SensitiveBytes of its own.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "fake_pcsc.hpp"
#include "pcsc/pcsc.hpp"

namespace {

using tessera::Bytes;
using tessera::SensitiveBytes;

const char* const kReader = "Fake Reader 00 00";

class CardHandleTransmit : public ::testing::Test {
protected:
    void SetUp() override
    {
        fakepcsc::reset();
        fakepcsc::addReader(kReader);
        fakepcsc::insertCard(kReader);
        // The card echoes the command's data with 9000, so each answer is distinct.
        fakepcsc::setResponder([](const std::string&, const Bytes& apdu) {
            Bytes answer(apdu.begin() + std::min<std::size_t>(5, apdu.size()), apdu.end());
            answer.push_back(0x90);
            answer.push_back(0x00);
            return answer;
        });
    }
    static Bytes command(std::size_t dataLength, std::uint8_t fill)
    {
        Bytes c{0x00, 0xCA, 0x00, 0x00, static_cast<std::uint8_t>(dataLength)};
        c.insert(c.end(), dataLength, fill);
        return c;
    }
};

bool allZero(const std::uint8_t* p, std::size_t n)
{
    return std::all_of(p, p + n, [](std::uint8_t b) { return b == 0; });
}

TEST_F(CardHandleTransmit, OneReceiveBufferPerHandle)
{
    tessera::pcsc::Context context;
    tessera::pcsc::CardHandle handle(context, kReader);
    const SensitiveBytes first = handle.transmit(command(200, 0xA5));
    const fakepcsc::ReceiveBuffer one = fakepcsc::lastReceiveBuffer();
    const SensitiveBytes second = handle.transmit(command(10, 0x5A));
    const fakepcsc::ReceiveBuffer two = fakepcsc::lastReceiveBuffer();
    ASSERT_NE(one.data, nullptr);
    EXPECT_EQ(one.data, two.data) << "a new receive buffer for each APDU";
    EXPECT_EQ(one.capacity, 65536UL + 2);
    // The answers are copies of their own, not views of the shared buffer.
    EXPECT_NE(first.data(), one.data);
    EXPECT_NE(second.data(), two.data);
    EXPECT_EQ(first.size(), 202U);
    EXPECT_EQ(first[0], 0xA5);
    EXPECT_EQ(second.size(), 12U);
    EXPECT_EQ(second[0], 0x5A);
}

TEST_F(CardHandleTransmit, ReceiveBufferKeepsNoAnswer)
{
    tessera::pcsc::Context context;
    tessera::pcsc::CardHandle handle(context, kReader);
    const SensitiveBytes answer = handle.transmit(command(250, 0xC3));
    ASSERT_EQ(answer.size(), 252U);
    const fakepcsc::ReceiveBuffer buffer = fakepcsc::lastReceiveBuffer();
    ASSERT_NE(buffer.data, nullptr);
    // The handle (and so its buffer) is alive: the answer may be a plaintext.
    EXPECT_TRUE(allZero(buffer.data, buffer.capacity)) << "the last answer is left in the receive buffer";
}

TEST_F(CardHandleTransmit, AnswerIsRightSized)
{
    tessera::pcsc::Context context;
    tessera::pcsc::CardHandle handle(context, kReader);
    const SensitiveBytes answer = handle.transmit(command(3, 0x11));
    ASSERT_EQ(answer.size(), 5U);
    // One page, not the 17 of a 64 KiB receive buffer kept alive with the answer.
    EXPECT_LE(answer.capacity(), static_cast<std::size_t>(sysconf(_SC_PAGESIZE)));
}

} // namespace
