// The narrow interface through which a card driver talks to a card: transmit
// APDUs, hold a transaction, reconnect. Implemented over PC/SC by the PKCS#11
// layer and by replay/scripted channels in tests. Drivers see nothing else.
#pragma once

#include "apdu/apdu.hpp"
#include "common/bytes.hpp"
#include "common/error.hpp"

namespace tessera::apdu {

// Raw exchange of one encoded C-APDU for one raw R-APDU (data || SW). The
// R-APDU comes back in SensitiveBytes: it may be a plaintext or a shared secret.
class Transport {
public:
    virtual ~Transport() = default;
    virtual SensitiveBytes transmitRaw(ByteView command) = 0;
};

struct TransmitOptions {
    bool extendedLength = false; // card accepts extended-length APDUs
    // Bound on 61xx rounds: 320 x 256 bytes = 80 KiB, above the largest
    // certificate a driver accepts (64 KiB after decompression).
    std::size_t maxGetResponse = 320;
    std::size_t maxResponseBytes = 1 << 20; // bound on the assembled response
};

// ISO 7816-4 transmission rules on top of a Transport:
//  - data > 255 bytes without extended length: command chaining (CLA | 0x10)
//  - 61xx: GET RESPONSE (00 C0 00 00 xx) until 9000, bounded by maxGetResponse
//  - 6Cxx: re-send once with Le = xx
// Logs each exchange at Level::apdu (sensitive data redacted) and counts APDUs.
Response transmit(Transport& transport, const Command& command, const TransmitOptions& options);

// A command whose PIN the user types on the reader's keypad (PC/SC part 10
// VERIFY/MODIFY_PIN_DIRECT): the driver gives the command with the PIN
// block's padding as its data (or no data: the PIN's own length) and how the
// PIN is to be written into it; the host never sees the PIN.
struct PinPadCommand {
    Command apduTemplate;
    bool ascii = true;          // ASCII digits (PIV, OpenPGP); else BCD
    std::uint8_t blockSize = 0; // bytes of one PIN block; 0: as long as the PIN
    std::uint8_t minDigits = 4, maxDigits = 8;
    // a change (CHANGE REFERENCE DATA): where the current and the new PIN go
    std::uint8_t offsetOld = 0, offsetNew = 0;
};

// What drivers hold: a card connection with transactions.
class Channel {
public:
    virtual ~Channel() = default;
    // Full transmission with chaining/61xx/6Cxx handled (see transmit()).
    virtual Response transmit(const Command& command) = 0;
    virtual void beginTransaction() = 0;
    // reset=true ends with SCARD_RESET_CARD (drops all card security state).
    virtual void endTransaction(bool reset) = 0;
    virtual Bytes atr() const = 0;
    virtual void setExtendedLength(bool on) = 0;
    // The reader's keypad, when it has one. The reader's own answers come
    // back as errors (timeout or cancel: Error(cancelled); new PINs differ:
    // pinIncorrect; length: pinLenRange); the card's answer as a Response.
    virtual bool hasPinPad() const { return false; }
    virtual bool hasPinPadChange() const { return false; }
    virtual Response pinPadVerify(const PinPadCommand& command);
    virtual Response pinPadChange(const PinPadCommand& command);
};

inline Response Channel::pinPadVerify(const PinPadCommand&)
{
    throw Error(Errc::unsupported, "the reader has no PIN pad");
}

inline Response Channel::pinPadChange(const PinPadCommand&)
{
    throw Error(Errc::unsupported, "the reader's PIN pad cannot change PINs");
}

// RAII transaction on a Channel. end(reset) ends early; otherwise the
// destructor ends with SCARD_LEAVE_CARD (never throws).
class Transaction {
public:
    explicit Transaction(Channel& ch) : ch_(ch) { ch_.beginTransaction(); }
    ~Transaction()
    {
        if (!ended_) {
            try {
                ch_.endTransaction(false);
            } catch (...) {
            }
        }
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void end(bool reset)
    {
        ended_ = true;
        ch_.endTransaction(reset);
    }

private:
    Channel& ch_;
    bool ended_ = false;
};

} // namespace tessera::apdu
