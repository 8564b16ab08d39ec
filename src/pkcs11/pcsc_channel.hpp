// apdu::Channel over a PC/SC card handle: the glue between the card drivers
// (which know only Channel) and src/pcsc. Lives in the PKCS#11 layer, the one
// layer that links both. The handle can be released while the token is idle
// (so an application that wants the card exclusively can have it) and is
// re-established on the next transaction, after checking that pcscd's event
// counter for the reader has not moved (it moves when a card is removed or
// inserted: then it is another card, not ours).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "apdu/channel.hpp"
#include "pcsc/part10.hpp"
#include "pcsc/pcsc.hpp"

namespace tessera::pkcs11 {

class PcscChannel : public apdu::Channel, private apdu::Transport {
public:
    // Connects (shared mode) and records the reader's event counter.
    PcscChannel(pcsc::Context& context, const std::string& reader, std::uint16_t eventCounter);
    apdu::Response transmit(const apdu::Command& command) override;
    void beginTransaction() override;
    void endTransaction(bool reset) override;
    Bytes atr() const override { return atr_; }
    void setExtendedLength(bool on) override { options_.extendedLength = on; }
    // PC/SC part 10 (pcsc_pinpad.cpp): the reader's features, asked once, in
    // the first transaction (SCardControl fails while another client holds one).
    bool hasPinPad() const override { return features_.pinPad(); }
    bool hasPinPadChange() const override { return features_.modifyPinDirect != 0; }
    apdu::Response pinPadVerify(const apdu::PinPadCommand& command) override;
    apdu::Response pinPadChange(const apdu::PinPadCommand& command) override;
    // After SCARD_W_RESET_CARD: SCardReconnect (the same card, security state gone).
    void reconnect();
    // Idle: SCardDisconnect(SCARD_LEAVE_CARD); the next transaction connects again.
    void release();
    bool connected() const { return connected_; }
    // Issue 9, writes seen from other processes: asks pcscd (SCardStatus, no
    // APDU) whether someone reset the card, and reconnects if so; a handle
    // released while idle is connected again (no APDU either).
    void probeReset();
    // True once after the card may have been changed by someone else: a reset
    // we did not ask for (SCARD_W_RESET_CARD not after our own
    // SCARD_RESET_CARD), or a new connection after an idle release.
    bool takeOutsideChange() { return std::exchange(outsideChange_, false); }

private:
    SensitiveBytes transmitRaw(ByteView command) override;
    void ensureConnected();
    void connect();
    void queryFeatures();
    apdu::Response pinPadSend(std::uint32_t code, const Bytes& structure, const char* what);
    pcsc::Context& context_;
    std::string reader_;
    std::uint16_t eventCounter_;
    std::unique_ptr<pcsc::CardHandle> handle_;
    std::atomic<bool> connected_{false};
    apdu::TransmitOptions options_;
    Bytes atr_;
    bool ownReset_ = false;      // we ended a transaction with SCARD_RESET_CARD
    bool outsideChange_ = false; // see takeOutsideChange(); under the slot's ioMutex
    bool featuresKnown_ = false;
    pcsc::ReaderFeatures features_;
    std::optional<pcsc::PinProperties> pinProperties_;
    pcsc::TlvProperties tlvProperties_; // the reader's own PIN length limits
};

} // namespace tessera::pkcs11
