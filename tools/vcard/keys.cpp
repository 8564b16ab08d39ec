// Asymmetric keys of the virtual card: GENERATE ASYMMETRIC KEY PAIR (SP 800-73-4
// part 2 section 3.3.2) and GENERAL AUTHENTICATE (section 3.2.4) for signing,
// RSA decryption (raw private operation) and ECDH, under the PIN policy of each
// key (part 1 section 3.3.3: 9A/9D/retired once, 9C always, 9E never).
#include "apdu/tlv.hpp"
#include "piv_card.hpp"

namespace tessera::vcard {

namespace {

std::optional<ByteView> child(const std::vector<apdu::Tlv>& items, std::uint32_t t)
{
    for (const auto& i : items)
        if (i.tag == t) return i.value;
    return std::nullopt;
}

std::optional<std::uint8_t> byteChild(const std::vector<apdu::Tlv>& items, std::uint32_t t)
{
    auto v = child(items, t);
    if (!v) return std::nullopt;
    if (v->size() != 1) failWith(sw::wrongData);
    return (*v)[0];
}

bool isAsymmetricAlg(std::uint8_t a)
{
    return isRsaAlg(a) || isEcAlg(a);
}

// YubiKey GENERATE / IMPORT policies: 00 = slot default, 01..03 explicit.
std::uint8_t resolvePolicy(std::optional<std::uint8_t> requested, std::uint8_t slotDefault)
{
    if (!requested || *requested == 0) return slotDefault;
    if (*requested > 3) failWith(sw::wrongData);
    return *requested;
}

} // namespace

void PivCard::checkKeyPolicy(const KeySlot& slot)
{
    if (slot.pinPolicy == policy::pinNever) return;
    if (!sec_.pinVerified) failWith(sw::securityStatus);
    // PIN-always: VERIFY must be the command right before this one.
    if (slot.pinPolicy == policy::pinAlways && !alwaysArmedForThisCommand_) failWith(sw::securityStatus);
}

// SP 800-73-4 part 2 section 3.2.4: 7C {...}; key 9B goes to the management key code.
Reply PivCard::generalAuthenticate(const CardApdu& apdu)
{
    auto items = apdu::parseAll(apdu.data);
    if (items.size() != 1 || items[0].tag != 0x7C) return status(sw::wrongData);
    if (apdu.p2 == keyref::management) return mgmtAuthenticate(apdu, items[0].value);
    return keyOperation(apdu, items[0].value);
}

// Sign / decrypt: 7C {82 00, 81 data}; ECDH: 7C {82 00, 85 point}. Answer 7C {82 result}.
// RSA input is a full modulus-size block (the host pads); ECDSA input is the hash
// and the answer a DER SEQUENCE {r, s}.
Reply PivCard::keyOperation(const CardApdu& apdu, ByteView dynamicTemplate)
{
    if (!isAsymmetricSlot(apdu.p2) && !(isYubikey() && apdu.p2 == keyref::attestation)) return status(sw::wrongP1P2);
    auto it = state_.keys.find(apdu.p2);
    if (it == state_.keys.end()) return status(sw::wrongData);
    const KeySlot& slot = it->second;
    if (slot.algorithm != apdu.p1) return status(sw::wrongP1P2);
    auto items = apdu::parseAll(dynamicTemplate);
    auto response = child(items, 0x82);
    auto challenge = child(items, 0x81);
    auto point = child(items, 0x85);
    if (!response || !response->empty() || (challenge.has_value() == point.has_value())) return status(sw::wrongData);
    if (apdu.p2 == keyref::attestation) return status(sw::securityStatus); // F9 only signs attestations
    checkKeyPolicy(slot);
    Bytes result;
    if (challenge && isRsaAlg(slot.algorithm))
        result = rsaRawPrivate(slot.key, *challenge);
    else if (challenge)
        result = ecdsaSignHash(slot.key, *challenge);
    else if (isEcAlg(slot.algorithm))
        result = ecdhDerive(slot.key, *point);
    else
        return status(sw::wrongData);
    return okWith(apdu::tlv(0x7C, apdu::tlv(0x82, result)));
}

// SP 800-73-4 part 2 section 3.3.2: AC {80 alg [, AA pin policy, AB touch policy]}
// -> 7F49 {81 n, 82 e} or 7F49 {86 point}. Needs the 9B management key.
Reply PivCard::generate(const CardApdu& apdu)
{
    if (apdu.p1 != 0x00 || !isAsymmetricSlot(apdu.p2)) return status(sw::wrongP1P2);
    requireMgmtAuth();
    auto outer = apdu::parseAll(apdu.data);
    if (outer.size() != 1 || outer[0].tag != 0xAC) return status(sw::wrongData);
    auto items = apdu::parseAll(outer[0].value);
    auto algorithm = byteChild(items, 0x80);
    if (!algorithm || !isAsymmetricAlg(*algorithm)) return status(sw::wrongData);
    KeySlot slot;
    slot.algorithm = *algorithm;
    slot.origin = kOriginGenerated;
    slot.pinPolicy = defaultPinPolicy(apdu.p2);
    slot.touchPolicy = policy::touchNever;
    if (isYubikey()) {
        slot.pinPolicy = resolvePolicy(byteChild(items, 0xAA), slot.pinPolicy);
        slot.touchPolicy = resolvePolicy(byteChild(items, 0xAB), policy::touchNever);
    }
    slot.key = generateKey(slot.algorithm);
    Bytes publicKey = publicKeyTemplate(slot.key);
    state_.keys[apdu.p2] = std::move(slot);
    markDirty();
    return okWith(apdu::tlv(0x7F49, publicKey));
}

} // namespace tessera::vcard
