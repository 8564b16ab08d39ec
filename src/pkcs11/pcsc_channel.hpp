// apdu::Channel over a PC/SC card handle: the glue between the card drivers
// (which know only Channel) and src/pcsc. Lives in the PKCS#11 layer, the one
// layer that links both.
#pragma once

#include <memory>
#include <string>

#include "apdu/channel.hpp"
#include "pcsc/pcsc.hpp"

namespace tessera::pkcs11 {

class PcscChannel : public apdu::Channel, private apdu::Transport {
public:
    PcscChannel(pcsc::Context& context, const std::string& reader);
    apdu::Response transmit(const apdu::Command& command) override;
    void beginTransaction() override;
    void endTransaction(bool reset) override;
    Bytes atr() const override { return atr_; }
    void setExtendedLength(bool on) override { options_.extendedLength = on; }
    // After SCARD_W_RESET_CARD: SCardReconnect (the same card, security state gone).
    void reconnect();

private:
    Bytes transmitRaw(ByteView command) override;
    std::unique_ptr<pcsc::CardHandle> handle_;
    apdu::TransmitOptions options_;
    Bytes atr_;
};

} // namespace tessera::pkcs11
