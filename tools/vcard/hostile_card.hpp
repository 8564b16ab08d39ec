// The hostile virtual card: a VirtualCard wrapper that answers like the card it
// wraps (PIV or OpenPGP) except for the answers its HostileMode corrupts
// (hostile_modes.hpp). It assembles the honest answer itself (following the
// inner card's 61xx), corrupts it, and serves the result in its own 61xx
// chunks.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "command.hpp"
#include "hostile_modes.hpp"
#include "vpcd_server.hpp"

namespace tessera::vcard {

class PivCard;

class HostileCard final : public VirtualCard {
public:
    // Called when the card should vanish (vanish-mid-chain); the default ends
    // the process at once, which closes the vpcd socket: card removal.
    using Vanish = std::function<void()>;
    HostileCard(VirtualCard& inner, HostileMode mode, Vanish vanish = {});

    Bytes atr() const override { return inner_.atr(); }
    void powerOn() override;
    void powerOff() override;
    void reset() override;
    Bytes transmit(ByteView command) override;
    bool takeDirty() override { return inner_.takeDirty(); }
    // The inner card's state, with the hostile marker kept as its first line.
    void save(const std::string& path) const override;
    bool carriesSecret(ByteView command) const override { return inner_.carriesSecret(command); }

    HostileMode mode() const { return mode_; }

private:
    std::optional<Bytes> intercept(const CardApdu& apdu, ByteView raw);
    std::optional<Bytes> interceptPiv(const CardApdu& apdu, ByteView raw);
    std::optional<Bytes> interceptOpenPgp(const CardApdu& apdu, ByteView raw);
    std::optional<Bytes> oddStatus(const CardApdu& apdu, std::uint8_t ins, Bytes answer);
    Bytes corruptCertificate(const CardApdu& apdu, ByteView raw);
    // Runs `raw` on the inner card, following its 61xx; false unless it ended in
    // 9000.
    bool collectInner(ByteView raw, Bytes& data, Bytes& failure);
    // The corrupted answer: served whole or as the first 61xx chunk.
    Bytes startChunked(Bytes data, const CardApdu& apdu);
    Bytes nextChunk(const CardApdu& apdu);
    void clearChunks();
    void note(const std::string& what) const;

    VirtualCard& inner_;
    HostileMode mode_;
    Vanish vanish_;
    Bytes pending_;
    std::size_t pendingOffset_ = 0;
    bool endless_ = false;
    unsigned getResponses_ = 0;
    unsigned sixCs_ = 0;
};

// The PIV card behind the VirtualCard interface (as the vpcd server wraps it).
std::unique_ptr<VirtualCard> pivVirtualCard(PivCard& card);

} // namespace tessera::vcard
