// PcscChannel: see pcsc_channel.hpp.
#include "pkcs11/pcsc_channel.hpp"

#include <chrono>
#include <thread>
#include <utility>

#include "common/log.hpp"

namespace tessera::pkcs11 {

namespace {
// Another application holding the card exclusively: retry the shared connect
// for a bounded time, then give up with a clear error (never hang).
constexpr auto kSharingRetryFor = std::chrono::seconds(5);
constexpr auto kSharingRetryEvery = std::chrono::milliseconds(100);
} // namespace

PcscChannel::PcscChannel(pcsc::Context& context, const std::string& reader, std::uint16_t eventCounter)
    : context_(context), reader_(reader), eventCounter_(eventCounter)
{
    connect();
}

void PcscChannel::connect()
{
    const auto deadline = std::chrono::steady_clock::now() + kSharingRetryFor;
    bool logged = false;
    for (;;) {
        try {
            handle_ = std::make_unique<pcsc::CardHandle>(context_, reader_);
            break;
        } catch (const Error& e) {
            if (e.code() != Errc::sharingViolation || std::chrono::steady_clock::now() >= deadline) throw;
            if (!logged)
                log::write(log::Level::calls, "sharing violation on " + reader_ +
                                                  ": another application holds the card exclusively; retrying");
            logged = true;
            std::this_thread::sleep_for(kSharingRetryEvery);
        }
    }
    atr_ = handle_->atr();
    connected_ = true;
}

void PcscChannel::ensureConnected()
{
    if (connected_) return;
    // The reader's event counter moves with every removal and insertion: if it
    // moved while we were disconnected, the card in the reader is not ours.
    std::vector<pcsc::ReaderState> states(1);
    states[0].reader = reader_;
    context_.getStatusChange(states, 0);
    if (!states[0].present()) fail(Errc::deviceRemoved, "card removed from " + reader_ + " while idle");
    if (states[0].eventCounter() != eventCounter_)
        fail(Errc::deviceRemoved, "another card was inserted in " + reader_ + " while idle");
    connect();
    ownReset_ = false;
    outsideChange_ = true; // others had the card meanwhile (an exclusive writer, say)
    log::write(log::Level::calls, "reconnected to " + reader_ + " after idle release");
}

void PcscChannel::release()
{
    if (!connected_) return;
    handle_.reset(); // SCardDisconnect(SCARD_LEAVE_CARD)
    connected_ = false;
    log::write(log::Level::calls, "idle: released the card in " + reader_);
}

apdu::Response PcscChannel::transmit(const apdu::Command& command)
{
    ensureConnected();
    return apdu::transmit(*this, command, options_);
}

SensitiveBytes PcscChannel::transmitRaw(ByteView command)
{
    return handle_->transmit(command);
}

void PcscChannel::beginTransaction()
{
    ensureConnected();
    handle_->beginTransaction();
    if (!featuresKnown_) queryFeatures();
}

void PcscChannel::endTransaction(bool reset)
{
    if (!connected_) return;
    handle_->endTransaction(reset ? pcsc::Disposition::reset : pcsc::Disposition::leave);
    if (!reset) return;
    // pcscd reports our own reset to our handle too. Reconnecting at once (no
    // APDU) means a later SCARD_W_RESET_CARD is someone else's; if that
    // fails, the next call meets the reset and reconnect() knows it was ours.
    ownReset_ = true;
    try {
        handle_->reconnect(pcsc::Disposition::leave);
        atr_ = handle_->atr();
        ownReset_ = false;
    } catch (const Error&) {
    }
}

void PcscChannel::reconnect()
{
    if (!connected_) {
        ensureConnected();
        return;
    }
    handle_->reconnect(pcsc::Disposition::leave);
    atr_ = handle_->atr();
    // Our own reset is reported to our handle too; any other is someone
    // else's (an admin tool's write ends with one: yubico-piv-tool, Tessera).
    if (!std::exchange(ownReset_, false)) outsideChange_ = true;
}

void PcscChannel::probeReset()
{
    if (!connected_) {
        // Released while idle: anyone may have written meanwhile, with or
        // without a reset we could see. ensureConnected() says so.
        ensureConnected();
        return;
    }
    try {
        (void)handle_->atr(); // SCardStatus: SCARD_W_RESET_CARD after a reset
    } catch (const Error& e) {
        if (e.code() != Errc::cardReset) throw;
        reconnect();
    }
}

} // namespace tessera::pkcs11
