// A card with two applications, PIV and OpenPGP, as a YubiKey (or a CanoKey)
// carries them: one ATR (the PIV card's), one reader, and SELECT by AID
// choosing which application answers the commands that follow. Selecting one
// application drops the other's security state, as a YubiKey does (its PIV
// PIN status is gone once OpenPGP is selected, and the other way round).
// Each application keeps its own state file.
#pragma once

#include <memory>
#include <string>

#include "openpgp_card.hpp"
#include "piv_card.hpp"
#include "vpcd_server.hpp"

namespace tessera::vcard {

class MultiAppCard final : public VirtualCard {
public:
    // Serves `piv` (saved to the path serve() gives) and `openpgp` (saved to openPgpPath).
    MultiAppCard(PivCard& piv, OpenPgpCard& openpgp, std::string openPgpPath);

    Bytes atr() const override { return piv_->atr(); }
    void powerOn() override;
    void powerOff() override;
    void reset() override;
    Bytes transmit(ByteView command) override;
    bool takeDirty() override;
    void save(const std::string& path) const override;
    // Either application's secret-carrying commands are redacted in the trace.
    bool carriesSecret(ByteView command) const override;

    bool openPgpSelected() const { return openPgpSelected_; }

private:
    std::unique_ptr<VirtualCard> piv_; // PivCard behind the VirtualCard interface
    OpenPgpCard& openpgp_;
    std::string openPgpPath_;
    bool openPgpSelected_ = false; // PIV is selected at power-on, as on the single-application card
};

} // namespace tessera::vcard
