// PcscChannel: see pcsc_channel.hpp.
#include "pkcs11/pcsc_channel.hpp"

namespace tessera::pkcs11 {

PcscChannel::PcscChannel(pcsc::Context& context, const std::string& reader)
    : handle_(std::make_unique<pcsc::CardHandle>(context, reader))
{
    atr_ = handle_->atr();
}

apdu::Response PcscChannel::transmit(const apdu::Command& command)
{
    return apdu::transmit(*this, command, options_);
}

Bytes PcscChannel::transmitRaw(ByteView command) { return handle_->transmit(command); }

void PcscChannel::beginTransaction() { handle_->beginTransaction(); }

void PcscChannel::endTransaction(bool reset)
{
    handle_->endTransaction(reset ? pcsc::Disposition::reset : pcsc::Disposition::leave);
}

void PcscChannel::reconnect()
{
    handle_->reconnect(pcsc::Disposition::leave);
    atr_ = handle_->atr();
}

} // namespace tessera::pkcs11
