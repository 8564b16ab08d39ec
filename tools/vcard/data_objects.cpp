// GET DATA and PUT DATA of the virtual card (SP 800-73-4 part 2 sections 3.1.2
// and 3.3.2) over the container table: read access checked against the PIN
// status, writes need the 9B management key, an empty object answers 6A82.
#include "data_objects.hpp"

#include "apdu/tlv.hpp"
#include "piv_card.hpp"

namespace tessera::vcard {

namespace {

using RA = ReadAccess;

// SP 800-73-4 part 1 table 3 (containers) and appendix A; YubiKey 5FFFxx objects.
constexpr ContainerInfo kContainers[] = {
    {0x5FC107, RA::always, 0x00, 0x53, false, "Card Capability Container"},
    {0x5FC102, RA::always, 0x00, 0x53, false, "Card Holder Unique Identifier"},
    {0x5FC105, RA::always, 0x9A, 0x53, false, "X.509 Certificate for PIV Authentication"},
    {0x5FC103, RA::pin, 0x00, 0x53, false, "Cardholder Fingerprints"},
    {0x5FC106, RA::always, 0x00, 0x53, false, "Security Object"},
    {0x5FC108, RA::pin, 0x00, 0x53, false, "Cardholder Facial Image"},
    {0x5FC101, RA::always, 0x9E, 0x53, false, "X.509 Certificate for Card Authentication"},
    {0x5FC10A, RA::always, 0x9C, 0x53, false, "X.509 Certificate for Digital Signature"},
    {0x5FC10B, RA::always, 0x9D, 0x53, false, "X.509 Certificate for Key Management"},
    {0x5FC109, RA::pin, 0x00, 0x53, false, "Printed Information"},
    {0x7E, RA::always, 0x00, 0x7E, false, "Discovery Object"},
    {0x5FC10C, RA::always, 0x00, 0x53, false, "Key History Object"},
    {0x5FC10D, RA::always, 0x82, 0x53, false, "Retired X.509 Certificate for Key Management 1"},
    {0x5FC10E, RA::always, 0x83, 0x53, false, "Retired X.509 Certificate for Key Management 2"},
    {0x5FC10F, RA::always, 0x84, 0x53, false, "Retired X.509 Certificate for Key Management 3"},
    {0x5FC110, RA::always, 0x85, 0x53, false, "Retired X.509 Certificate for Key Management 4"},
    {0x5FC111, RA::always, 0x86, 0x53, false, "Retired X.509 Certificate for Key Management 5"},
    {0x5FC112, RA::always, 0x87, 0x53, false, "Retired X.509 Certificate for Key Management 6"},
    {0x5FC113, RA::always, 0x88, 0x53, false, "Retired X.509 Certificate for Key Management 7"},
    {0x5FC114, RA::always, 0x89, 0x53, false, "Retired X.509 Certificate for Key Management 8"},
    {0x5FC115, RA::always, 0x8A, 0x53, false, "Retired X.509 Certificate for Key Management 9"},
    {0x5FC116, RA::always, 0x8B, 0x53, false, "Retired X.509 Certificate for Key Management 10"},
    {0x5FC117, RA::always, 0x8C, 0x53, false, "Retired X.509 Certificate for Key Management 11"},
    {0x5FC118, RA::always, 0x8D, 0x53, false, "Retired X.509 Certificate for Key Management 12"},
    {0x5FC119, RA::always, 0x8E, 0x53, false, "Retired X.509 Certificate for Key Management 13"},
    {0x5FC11A, RA::always, 0x8F, 0x53, false, "Retired X.509 Certificate for Key Management 14"},
    {0x5FC11B, RA::always, 0x90, 0x53, false, "Retired X.509 Certificate for Key Management 15"},
    {0x5FC11C, RA::always, 0x91, 0x53, false, "Retired X.509 Certificate for Key Management 16"},
    {0x5FC11D, RA::always, 0x92, 0x53, false, "Retired X.509 Certificate for Key Management 17"},
    {0x5FC11E, RA::always, 0x93, 0x53, false, "Retired X.509 Certificate for Key Management 18"},
    {0x5FC11F, RA::always, 0x94, 0x53, false, "Retired X.509 Certificate for Key Management 19"},
    {0x5FC120, RA::always, 0x95, 0x53, false, "Retired X.509 Certificate for Key Management 20"},
    {0x5FC121, RA::pin, 0x00, 0x53, false, "Cardholder Iris Images"},
    {0x7F61, RA::always, 0x00, 0x7F61, false, "Biometric Information Templates Group Template"},
    {0x5FC122, RA::always, 0x00, 0x53, false, "Secure Messaging Certificate Signer"},
    {0x5FC123, RA::pin, 0x00, 0x53, false, "Pairing Code Reference Data Container"},
    {0x5FFF00, RA::always, 0x00, 0x53, true, "YubiKey admin data"},
    {0x5FFF01, RA::always, 0x00, 0x53, true, "YubiKey attestation certificate"},
    {0x5FFF10, RA::always, 0x00, 0x53, true, "YubiKey MS roots 1"},
    {0x5FFF11, RA::always, 0x00, 0x53, true, "YubiKey MS roots 2"},
    {0x5FFF12, RA::always, 0x00, 0x53, true, "YubiKey MS roots 3"},
    {0x5FFF13, RA::always, 0x00, 0x53, true, "YubiKey MS roots 4"},
    {0x5FFF14, RA::always, 0x00, 0x53, true, "YubiKey MS roots 5"},
    {0x5FFF15, RA::always, 0x00, 0x53, true, "YubiKey MS roots 6"},
};

std::uint32_t tagValue(ByteView v)
{
    if (v.empty() || v.size() > 3) failWith(sw::wrongData);
    std::uint32_t t = 0;
    for (auto b : v)
        t = (t << 8) | b;
    return t;
}

} // namespace

std::span<const ContainerInfo> containers()
{
    return kContainers;
}

std::optional<ContainerInfo> findContainer(std::uint32_t t, bool yubikey)
{
    for (const auto& c : kContainers)
        if (c.tag == t && (yubikey || !c.yubikeyOnly)) return c;
    return std::nullopt;
}

std::uint32_t certificateTagFor(std::uint8_t keyRef)
{
    for (const auto& c : kContainers)
        if (keyRef != 0 && c.keyRef == keyRef) return c.tag;
    return 0;
}

// SP 800-73-4 part 2 section 3.1.2: data field 5C {tag}; answer 53 {content}.
Reply PivCard::getData(const CardApdu& apdu)
{
    if (apdu.p1 != 0x3F || apdu.p2 != 0xFF) return status(sw::wrongP1P2);
    auto items = apdu::parseAll(apdu.data);
    if (items.size() != 1 || items[0].tag != 0x5C) return status(sw::wrongData);
    std::uint32_t t = tagValue(items[0].value);
    auto info = findContainer(t, isYubikey());
    if (!info) return status(sw::notFound);
    if (info->read == ReadAccess::pin) requirePinVerified();
    auto it = state_.objects.find(t);
    if (it == state_.objects.end() || it->second.empty()) return status(sw::notFound);
    return okWith(apdu::tlv(info->wrapperTag, it->second));
}

// SP 800-73-4 part 2 section 3.3.2: 5C {tag} 53 {content}, or 7E {...} / 7F61 {...}
// for the two objects that carry their own tag. An empty 53 deletes the object.
Reply PivCard::putData(const CardApdu& apdu)
{
    if (apdu.p1 != 0x3F || apdu.p2 != 0xFF) return status(sw::wrongP1P2);
    requireMgmtAuth();
    auto items = apdu::parseAll(apdu.data);
    std::uint32_t t = 0;
    ByteView content;
    if (items.size() == 1 && (items[0].tag == tag::discovery || items[0].tag == 0x7F61)) {
        t = items[0].tag;
        content = items[0].value;
    } else if (items.size() == 2 && items[0].tag == 0x5C && items[1].tag == 0x53) {
        t = tagValue(items[0].value);
        content = items[1].value;
    } else {
        return status(sw::wrongData);
    }
    if (!findContainer(t, isYubikey())) return status(sw::notFound);
    if (content.size() > kMaxObjectSize) return status(sw::notEnoughMemory);
    if (content.empty())
        state_.objects.erase(t);
    else
        state_.objects[t] = Bytes(content.begin(), content.end());
    markDirty();
    return status(sw::ok);
}

} // namespace tessera::vcard
