// A replay channel with a PIN pad for driver tests of the keypad path: it
// records each PinPadCommand the driver hands to the reader (and whether a
// transaction was open), and answers with scripted status words; every
// ordinary APDU still goes through ReplayChannel's script.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "replay_channel.hpp"

namespace tessera::test {

class KeypadChannel : public ReplayChannel {
public:
    struct PadCall {
        bool change = false;
        bool inTransaction = false;
        std::string templateHex;
        apdu::PinPadCommand command;
    };
    // The reader's answer to the next keypad command: a card SW, or an error
    // thrown as PcscChannel throws the reader's own 64xx answers.
    void answer(std::uint16_t sw) { answers_.push_back({sw, false, Errc::general}); }
    void answerError(Errc code) { answers_.push_back({0, true, code}); }
    const std::vector<PadCall>& calls() const { return calls_; }

    bool hasPinPad() const override { return true; }
    bool hasPinPadChange() const override { return true; }
    apdu::Response pinPadVerify(const apdu::PinPadCommand& c) override { return pad(c, false); }
    apdu::Response pinPadChange(const apdu::PinPadCommand& c) override { return pad(c, true); }
    void beginTransaction() override
    {
        ReplayChannel::beginTransaction();
        open_ = true;
    }
    void endTransaction(bool reset) override
    {
        ReplayChannel::endTransaction(reset);
        open_ = false;
    }

private:
    struct Answer {
        std::uint16_t sw;
        bool error;
        Errc code;
    };
    apdu::Response pad(const apdu::PinPadCommand& c, bool change)
    {
        calls_.push_back({change, open_, canonical(c.apduTemplate), c});
        if (answers_.empty()) {
            ADD_FAILURE() << "keypad: no scripted answer";
            return apdu::Response{{}, 0x6F00};
        }
        Answer a = answers_.front();
        answers_.pop_front();
        if (a.error) throw Error(a.code, "scripted reader answer");
        return apdu::Response{{}, a.sw};
    }
    std::deque<Answer> answers_;
    std::vector<PadCall> calls_;
    bool open_ = false;
};

} // namespace tessera::test
