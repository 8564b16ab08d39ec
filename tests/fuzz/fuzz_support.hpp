// Shared pieces of the fuzz targets: a bounds-checked reader over the fuzz
// input, a card channel that answers every command with the next response
// taken from the input (the OpenSC fuzzer_reader idea), and the fixed sequence
// of driver calls the token targets and the seed recorder both run, so a
// recorded session replays through the same code path.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "apdu/apdu.hpp"
#include "apdu/channel.hpp"
#include "card-drivers/driver.hpp"
#include "common/bytes.hpp"
#include "common/error.hpp"
#include "common/secure_bytes.hpp"

namespace tessera::fuzz {

// A property the code under test must keep was broken: report and abort, so
// libFuzzer (or the corpus replay) records the input as a crash.
[[noreturn]] inline void violated(const char* what)
{
    std::fprintf(stderr, "fuzz: property violated: %s\n", what);
    std::abort();
}

// Reads integers and byte strings off the front of the fuzz input; running
// out yields zeros / short strings, never an overread.
class Input {
public:
    Input(const std::uint8_t* data, std::size_t size) : data_(data, size) {}
    explicit Input(ByteView data) : data_(data) {}

    bool empty() const { return pos_ >= data_.size(); }
    std::size_t remaining() const { return data_.size() - pos_; }

    std::uint8_t u8()
    {
        if (empty()) return 0;
        return data_[pos_++];
    }
    std::uint16_t u16()
    {
        const auto hi = u8();
        return static_cast<std::uint16_t>((hi << 8) | u8());
    }
    std::uint32_t u32()
    {
        const std::uint32_t hi = u16();
        return (hi << 16) | u16();
    }
    // Up to n bytes (fewer when the input ends).
    ByteView bytes(std::size_t n)
    {
        n = std::min(n, remaining());
        ByteView out = data_.subspan(pos_, n);
        pos_ += n;
        return out;
    }
    // A 16-bit big-endian length, then that many bytes.
    ByteView record() { return bytes(u16()); }
    ByteView rest() { return bytes(remaining()); }

private:
    ByteView data_;
    std::size_t pos_ = 0;
};

// Appends one record in the Input::record() format (used by the seed recorder).
inline void appendRecord(Bytes& out, ByteView record)
{
    const std::size_t n = std::min<std::size_t>(record.size(), 0xFFFF);
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n & 0xFF));
    out.insert(out.end(), record.begin(), record.begin() + static_cast<std::ptrdiff_t>(n));
}

// A card: each raw R-APDU (data || SW) is the next record of the input; once
// the input is used up every command gets 6A82 (not found), which ends every
// loop in the drivers. transmit() runs the real ISO 7816-4 transmitter
// (chaining, 61xx, 6Cxx) over it, as the PC/SC channel does.
class ReplayChannel final : public apdu::Channel, private apdu::Transport {
public:
    explicit ReplayChannel(Input& input, Bytes atr = {}) : input_(input), atr_(std::move(atr)) {}

    apdu::Response transmit(const apdu::Command& command) override { return apdu::transmit(*this, command, options_); }
    void beginTransaction() override {}
    void endTransaction(bool /*reset*/) override {}
    Bytes atr() const override { return atr_; }
    void setExtendedLength(bool on) override { options_.extendedLength = on; }
    std::size_t exchanges() const { return exchanges_; }

private:
    SensitiveBytes transmitRaw(ByteView /*command*/) override
    {
        ++exchanges_;
        if (input_.empty()) return {0x6A, 0x82};
        ByteView r = input_.record();
        return SensitiveBytes(r.begin(), r.end());
    }

    Input& input_;
    Bytes atr_;
    apdu::TransmitOptions options_;
    std::size_t exchanges_ = 0;
};

// The data a private-key operation sends for `key`: a sign input of the size
// the card expects, a decryption block, and the peer point for ECDH. The seed
// recorder replaces the ciphertext with a real one so the card answers 9000.
struct OperationInputs {
    std::function<Bytes(const drivers::CardKey&)> ciphertext;
    // Asked after readToken: no VERIFY before the operations (an OpenPGP card
    // with an active KDF-DO, whose iteration count would make each run slow).
    std::function<bool(drivers::Card&)> skipVerify;
};

Bytes signInputFor(const drivers::CardKey& key);
Bytes ciphertextFor(const drivers::CardKey& key);
Bytes peerPointFor(const drivers::CardKey& key);

// The fixed sequence a token target runs on a probed card: readToken, the
// PKCS#11 objects made from it with every attribute read, the PIN state, and
// for every key each operation it allows (VERIFY first, as the module does),
// then the PIN reset and GET CHALLENGE. tessera::Error is what a card may
// cause; anything else escapes to the harness as a finding.
void exerciseCard(drivers::Card& card, const OperationInputs& inputs);

// Every object's attributes, read twice as an application does (sizes, then values).
void readAllAttributes(const drivers::TokenModel& model);

} // namespace tessera::fuzz
