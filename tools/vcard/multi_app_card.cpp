// The two-application card (multi_app_card.hpp): SELECT routing and the
// state each application loses when the other one is selected.
#include "multi_app_card.hpp"

#include "hostile_card.hpp"

namespace tessera::vcard {

namespace {
constexpr std::uint8_t kInsSelect = 0xA4;
constexpr std::uint8_t kSelectByAid = 0x04;

bool isSelectByAid(ByteView c)
{
    return c.size() >= 4 && c[1] == kInsSelect && c[2] == kSelectByAid;
}

// 9000 or 61xx: the application answered the SELECT.
bool selected(const Bytes& r)
{
    return r.size() >= 2 && ((r[r.size() - 2] == 0x90 && r.back() == 0x00) || r[r.size() - 2] == 0x61);
}
} // namespace

MultiAppCard::MultiAppCard(PivCard& piv, OpenPgpCard& openpgp, std::string openPgpPath)
    : piv_(pivVirtualCard(piv)), openpgp_(openpgp), openPgpPath_(std::move(openPgpPath))
{
}

void MultiAppCard::powerOn()
{
    piv_->powerOn();
    openpgp_.powerOn();
    openPgpSelected_ = false;
}

void MultiAppCard::powerOff()
{
    piv_->powerOff();
    openpgp_.powerOff();
    openPgpSelected_ = false;
}

void MultiAppCard::reset()
{
    piv_->reset();
    openpgp_.reset();
    openPgpSelected_ = false;
}

// A SELECT goes to PIV first: on any other AID the PIV application answers
// 6A82 and drops its own security state (piv_card.cpp), which is what a
// YubiKey does. Then OpenPGP gets it. Selecting PIV drops OpenPGP's state.
Bytes MultiAppCard::transmit(ByteView command)
{
    if (!isSelectByAid(command)) return openPgpSelected_ ? openpgp_.transmit(command) : piv_->transmit(command);
    Bytes answer = piv_->transmit(command);
    if (selected(answer)) {
        openpgp_.reset();
        openPgpSelected_ = false;
        return answer;
    }
    Bytes other = openpgp_.transmit(command);
    openPgpSelected_ = selected(other);
    return openPgpSelected_ ? other : answer;
}

bool MultiAppCard::takeDirty()
{
    const bool piv = piv_->takeDirty();        // both, every time: each flag is
    const bool openpgp = openpgp_.takeDirty(); // true once per change
    return piv || openpgp;
}

void MultiAppCard::save(const std::string& path) const
{
    piv_->save(path);
    openpgp_.save(openPgpPath_);
}

bool MultiAppCard::carriesSecret(ByteView command) const
{
    return piv_->carriesSecret(command) || openpgp_.carriesSecret(command);
}

} // namespace tessera::vcard
