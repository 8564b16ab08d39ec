// YubiKey PIV extensions of the virtual card (yubikey profile only; the plain
// profile answers 6D00): GET VERSION (FD), GET SERIAL (F8), GET METADATA (F7),
// IMPORT KEY (FE), ATTEST (F9), RESET (FB) and SET PIN RETRIES (FA), as
// Yubico's PIV documentation and yubico-piv-tool use them.
#include "apdu/tlv.hpp"
#include "data_objects.hpp"
#include "piv_card.hpp"
#include "provisioning.hpp"
#include "x509_util.hpp"

namespace tessera::vcard {

namespace {

std::optional<ByteView> child(const std::vector<apdu::Tlv>& items, std::uint32_t t)
{
    for (const auto& i : items)
        if (i.tag == t) return i.value;
    return std::nullopt;
}

ByteView required(const std::vector<apdu::Tlv>& items, std::uint32_t t)
{
    auto v = child(items, t);
    if (!v || v->empty()) failWith(sw::wrongData);
    return *v;
}

std::uint8_t policyFrom(const std::vector<apdu::Tlv>& items, std::uint32_t t, std::uint8_t slotDefault)
{
    auto v = child(items, t);
    if (!v || v->empty() || (*v)[0] == 0) return slotDefault;
    if (v->size() != 1 || (*v)[0] > 3) failWith(sw::wrongData);
    return (*v)[0];
}

Bytes pinMetadata(const PinState& p)
{
    apdu::TlvWriter w;
    w.addByte(0x01, 0xFF);
    w.addByte(0x05, p.isDefault ? 0x01 : 0x00);
    const std::uint8_t retries[] = {p.maxTries, p.triesLeft};
    w.add(0x06, retries);
    return w.bytes();
}

} // namespace

Reply PivCard::getVersion(const CardApdu&)
{
    return okWith(Bytes(state_.version.begin(), state_.version.end()));
}

Reply PivCard::getSerial(const CardApdu&)
{
    std::uint32_t s = state_.serial;
    return okWith(Bytes{static_cast<std::uint8_t>(s >> 24), static_cast<std::uint8_t>(s >> 16),
                        static_cast<std::uint8_t>(s >> 8), static_cast<std::uint8_t>(s)});
}

// GET METADATA 00 F7 00 slot: 01 algorithm, 02 {PIN policy, touch policy},
// 03 origin, 04 public key (7F49 content), 05 is-default, 06 {max, left}.
Reply PivCard::getMetadata(const CardApdu& apdu)
{
    if (apdu.p1 != 0x00) return status(sw::wrongP1P2);
    if (apdu.p2 == keyref::pin) return okWith(pinMetadata(state_.pin));
    if (apdu.p2 == keyref::puk) return okWith(pinMetadata(state_.puk));
    apdu::TlvWriter w;
    if (apdu.p2 == keyref::management) {
        const std::uint8_t pol[] = {0xFF, state_.mgmt.touchPolicy};
        w.addByte(0x01, state_.mgmt.algorithm).add(0x02, pol).addByte(0x05, state_.mgmt.isDefault ? 1 : 0);
        return okWith(w.bytes());
    }
    if (!isAsymmetricSlot(apdu.p2) && apdu.p2 != keyref::attestation) return status(sw::wrongP1P2);
    auto it = state_.keys.find(apdu.p2);
    if (it == state_.keys.end()) return status(sw::refDataNotFound);
    const KeySlot& k = it->second;
    const std::uint8_t pol[] = {k.pinPolicy, k.touchPolicy};
    w.addByte(0x01, k.algorithm).add(0x02, pol).addByte(0x03, k.origin).add(0x04, publicKeyTemplate(k.key));
    return okWith(w.bytes());
}

// IMPORT KEY 00 FE alg slot: RSA 01 p, 02 q, 03 dp, 04 dq, 05 qinv (e = 65537);
// EC 06 private scalar; optional AA PIN policy, AB touch policy.
Reply PivCard::importKey(const CardApdu& apdu)
{
    if (!isAsymmetricSlot(apdu.p2) && apdu.p2 != keyref::attestation) return status(sw::wrongP1P2);
    requireMgmtAuth();
    auto items = apdu::parseAll(apdu.data);
    KeySlot slot;
    slot.algorithm = apdu.p1;
    slot.origin = kOriginImported;
    if (isRsaAlg(apdu.p1))
        slot.key = rsaFromCrt(required(items, 0x01), required(items, 0x02), required(items, 0x03),
                              required(items, 0x04), required(items, 0x05));
    else if (isEcAlg(apdu.p1))
        slot.key = ecFromScalar(apdu.p1, required(items, 0x06));
    else
        return status(sw::wrongP1P2);
    if (algorithmOf(slot.key) != apdu.p1) return status(sw::wrongData);
    slot.pinPolicy = policyFrom(items, 0xAA, defaultPinPolicy(apdu.p2));
    slot.touchPolicy = policyFrom(items, 0xAB, policy::touchNever);
    state_.keys[apdu.p2] = std::move(slot);
    markDirty();
    return status(sw::ok);
}

// ATTEST 00 F9 slot 00: an X.509 certificate for a key generated on the card,
// signed by the attestation key F9 (whose certificate is object 5FFF01).
Reply PivCard::attest(const CardApdu& apdu)
{
    if (!isAsymmetricSlot(apdu.p1)) return status(sw::wrongP1P2);
    auto it = state_.keys.find(apdu.p1);
    if (it == state_.keys.end()) return status(sw::refDataNotFound);
    if (it->second.origin != kOriginGenerated) return status(sw::wrongData);
    auto attestKey = state_.keys.find(keyref::attestation);
    auto attestCert = state_.objects.find(tag::yubikeyAttestation);
    if (attestKey == state_.keys.end() || attestCert == state_.objects.end()) return status(sw::refDataNotFound);
    auto certTlv = apdu::find(attestCert->second, 0x70, false);
    if (!certTlv) return status(sw::refDataNotFound);
    AttestationFacts facts{apdu.p1, state_.version, state_.serial, it->second.pinPolicy, it->second.touchPolicy};
    return okWith(makeAttestationCertificate(it->second.key, attestKey->second.key, certTlv->value, facts));
}

// RESET 00 FB 00 00: back to factory defaults, allowed only when PIN and PUK are
// both blocked. The attestation key and its certificate survive, as on a YubiKey.
Reply PivCard::resetApplication(const CardApdu&)
{
    if (!state_.pin.blocked() || !state_.puk.blocked()) return status(sw::conditionsNotSatisfied);
    CardState fresh = defaultCardState(state_.profile);
    fresh.objects[tag::discovery] = makeDiscovery(); // firmware-provided on a YubiKey
    fresh.version = state_.version;
    fresh.serial = state_.serial;
    if (auto k = state_.keys.find(keyref::attestation); k != state_.keys.end()) fresh.keys.insert(*k);
    if (auto o = state_.objects.find(tag::yubikeyAttestation); o != state_.objects.end()) fresh.objects.insert(*o);
    state_ = std::move(fresh);
    sec_ = SecurityState{};
    markDirty();
    return status(sw::ok);
}

// SET PIN RETRIES 00 FA pin puk: needs 9B and the PIN; resets PIN and PUK to defaults.
Reply PivCard::setPinRetries(const CardApdu& apdu)
{
    requireMgmtAuth();
    requirePinVerified();
    if (apdu.p1 == 0 || apdu.p2 == 0 || apdu.p1 > 15 || apdu.p2 > 15) return status(sw::wrongP1P2);
    state_.pin = PinState{padPin(kDefaultPin), apdu.p1, apdu.p1, true};
    state_.puk = PinState{padPin(kDefaultPuk), apdu.p2, apdu.p2, true};
    markDirty();
    return status(sw::ok);
}

} // namespace tessera::vcard
