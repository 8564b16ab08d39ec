// A replay apdu::Channel for driver tests: it holds the expected exchanges
// (command hex -> raw response hex, data || SW), fails the test on any
// mismatch or unexpected command, and records transactions so tests can
// check which APDUs ran inside which transaction and how each one ended.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "apdu/channel.hpp"
#include "common/bytes.hpp"

namespace tessera::test {

class ReplayChannel : public apdu::Channel {
public:
    struct Exchange {
        std::string command;  // canonical hex (no spaces, upper case)
        std::string response; // data || SW
    };

    ReplayChannel() = default;
    ~ReplayChannel() override
    {
        EXPECT_EQ(next_, script_.size()) << "replay: " << (script_.size() - next_) << " expected APDUs not sent"
                                         << (next_ < script_.size() ? ", next: " + script_[next_].command : "");
    }

    // Both arguments accept spaces; the command is compared after encoding
    // (short form, or extended form only when the command cannot be short).
    ReplayChannel& expect(const std::string& commandHex, const std::string& responseHex)
    {
        script_.push_back({normalise(commandHex), normalise(responseHex)});
        return *this;
    }

    apdu::Response transmit(const apdu::Command& command) override
    {
        const std::string got = canonical(command);
        sent_.push_back(command);
        events_.push_back((inTransaction_ ? "apdu " : "apdu-outside ") + got);
        if (next_ >= script_.size()) {
            ADD_FAILURE() << "replay: unexpected command " << got;
            return apdu::Response{{}, 0x6F00};
        }
        const Exchange& e = script_[next_++];
        if (got != e.command) {
            ADD_FAILURE() << "replay: command #" << next_ << " mismatch\n  expected " << e.command << "\n  got      "
                          << got;
            return apdu::Response{{}, 0x6F00};
        }
        Bytes raw = fromHex(e.response);
        if (raw.size() < 2) {
            ADD_FAILURE() << "replay: recorded response shorter than a status word";
            return apdu::Response{{}, 0x6F00};
        }
        apdu::Response r;
        r.sw = static_cast<std::uint16_t>((raw[raw.size() - 2] << 8) | raw[raw.size() - 1]);
        r.data.assign(raw.begin(), raw.end() - 2);
        return r;
    }

    void beginTransaction() override
    {
        EXPECT_FALSE(inTransaction_) << "replay: nested transaction";
        inTransaction_ = true;
        ++transactions_;
        events_.push_back("begin");
    }
    void endTransaction(bool reset) override
    {
        EXPECT_TRUE(inTransaction_) << "replay: end without begin";
        inTransaction_ = false;
        events_.push_back(reset ? "end reset" : "end leave");
    }
    Bytes atr() const override { return atr_; }
    void setExtendedLength(bool on) override { extended_ = on; }

    void setAtr(Bytes atr) { atr_ = std::move(atr); }
    std::size_t transactions() const { return transactions_; }
    std::size_t transmitted() const { return sent_.size(); }
    std::size_t remaining() const { return script_.size() - next_; }
    const std::vector<apdu::Command>& sent() const { return sent_; }
    const std::vector<std::string>& events() const { return events_; }

    static std::string canonical(const apdu::Command& c)
    {
        const bool extended = c.data.size() > 255 || (c.le && *c.le > 256);
        return toHex(c.encode(extended));
    }
    static std::string normalise(const std::string& hex) { return toHex(fromHex(hex)); }

private:
    std::vector<Exchange> script_;
    std::size_t next_ = 0;
    std::vector<apdu::Command> sent_;
    std::vector<std::string> events_;
    bool inTransaction_ = false;
    std::size_t transactions_ = 0;
    bool extended_ = false;
    Bytes atr_;
};

} // namespace tessera::test
