// Defaults of a fresh virtual PIV card (PIN 123456, PUK 12345678, the well-known
// YubiKey management key), key reference helpers and the two ATRs.
#include "card_state.hpp"

#include <stdexcept>

namespace tessera::vcard {

Profile parseProfile(const std::string& name)
{
    if (name == "yubikey") return Profile::yubikey;
    if (name == "plain") return Profile::plain;
    throw std::invalid_argument("unknown profile '" + name + "' (yubikey or plain)");
}

const char* profileName(Profile p)
{
    return p == Profile::yubikey ? "yubikey" : "plain";
}

bool isAsymmetricSlot(std::uint8_t ref)
{
    return ref == keyref::authentication || ref == keyref::signature || ref == keyref::keyManagement ||
           ref == keyref::cardAuth || (ref >= keyref::retiredFirst && ref <= keyref::retiredLast);
}

std::uint8_t defaultPinPolicy(std::uint8_t ref)
{
    if (ref == keyref::signature) return policy::pinAlways;
    if (ref == keyref::cardAuth || ref == keyref::attestation) return policy::pinNever;
    return policy::pinOnce;
}

Bytes padPin(const std::string& pin)
{
    Bytes out(pin.begin(), pin.end());
    out.resize(8, 0xFF);
    return out;
}

CardState defaultCardState(Profile profile, std::uint8_t mgmtAlg)
{
    CardState s;
    s.profile = profile;
    s.pin = PinState{padPin(kDefaultPin), 3, 3, true};
    s.puk = PinState{padPin(kDefaultPuk), 3, 3, true};
    s.mgmt.algorithm = mgmtAlg;
    Bytes key = fromHex(kDefaultMgmtKeyHex);
    key.resize(symmetricKeyLength(mgmtAlg), 0);
    // AES-128/256 have no well-known default: repeat the 3DES pattern to the key length.
    for (std::size_t i = 24; i < key.size(); ++i)
        key[i] = key[i % 8];
    s.mgmt.key = key;
    s.mgmt.isDefault = true;
    return s;
}

Bytes atrFor(Profile profile)
{
    if (profile == Profile::yubikey) return fromHex("3BFD1300008131FE158073C021C057597562694B657940");
    // T=1, 8 proprietary historical bytes "Tessera1", TCK.
    return fromHex("3B88800154657373657261317F");
}

} // namespace tessera::vcard
