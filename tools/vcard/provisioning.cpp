// Provisioning of the virtual PIV card: generated keys with self-signed
// certificates, CHUID (FASC-N, random GUID, expiry, empty signature), CCC,
// discovery object, key history, printed information, YubiKey serial and
// attestation key.
#include "provisioning.hpp"

#include <ctime>
#include <string>

#include "apdu/tlv.hpp"
#include "data_objects.hpp"
#include "x509_util.hpp"

namespace tessera::vcard {

namespace {

// FASC-N of a non-federal issuer (agency code 9999), as yubico-piv-tool writes it.
constexpr const char* kFascn = "D4E739DA739CED39CE739D836858210842108421C84210C3EB";
constexpr int kCertificateDays = 3650;

ByteView text(const std::string& s)
{
    return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

int yearsFromNow(int years)
{
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    return tm.tm_year + 1900 + years;
}

struct SlotPlan {
    std::uint8_t ref;
    std::uint8_t algorithm;
    const char* name;
};

constexpr SlotPlan kProvisionedSlots[] = {
    {keyref::authentication, alg::rsa2048, "PIV Authentication"},
    {keyref::signature, alg::eccP256, "Digital Signature"},
    {keyref::keyManagement, alg::rsa2048, "Key Management"},
    {keyref::cardAuth, alg::eccP256, "Card Authentication"},
};

void addKeyWithCertificate(CardState& s, const SlotPlan& plan)
{
    KeySlot k;
    k.algorithm = plan.algorithm;
    k.pinPolicy = defaultPinPolicy(plan.ref);
    k.touchPolicy = policy::touchNever;
    k.origin = kOriginGenerated;
    k.key = generateKey(plan.algorithm);
    std::string cn = std::string("Tessera Virtual PIV ") + plan.name;
    s.objects[certificateTagFor(plan.ref)] =
        certificateContainer(makeSelfSignedCertificate(k.key, cn, plan.ref, kCertificateDays));
    s.keys[plan.ref] = std::move(k);
}

// Every YubiKey leaves the factory with an attestation key in F9 and its certificate.
void addAttestation(CardState& s)
{
    KeySlot k;
    k.algorithm = alg::rsa2048;
    k.pinPolicy = policy::pinNever;
    k.touchPolicy = policy::touchNever;
    k.origin = kOriginImported;
    k.key = generateKey(k.algorithm);
    s.objects[tag::yubikeyAttestation] = certificateContainer(
        makeSelfSignedCertificate(k.key, "Tessera Virtual PIV Attestation", keyref::attestation, 7300));
    s.keys[keyref::attestation] = std::move(k);
}

std::uint32_t randomSerial()
{
    Bytes r = randomBytes(4);
    std::uint32_t v = (std::uint32_t{r[0]} << 24) | (std::uint32_t{r[1]} << 16) | (std::uint32_t{r[2]} << 8) | r[3];
    return 10000000u + v % 90000000u; // eight decimal digits, like a YubiKey 5
}

} // namespace

Bytes certificateContainer(ByteView certDer)
{
    const std::uint8_t uncompressed[] = {0x00};
    return apdu::TlvWriter().add(0x70, certDer).add(0x71, uncompressed).add(0xFE, {}).bytes();
}

// SP 800-73-4 part 1 appendix A table 9: 30 FASC-N, 34 GUID, 35 expiration
// (YYYYMMDD), 3E issuer asymmetric signature (empty: not signed), FE LRC.
Bytes makeChuid()
{
    std::string expiry = std::to_string(yearsFromNow(10)) + "1231";
    return apdu::TlvWriter()
        .add(0x30, fromHex(kFascn))
        .add(0x34, randomBytes(16))
        .add(0x35, text(expiry))
        .add(0x3E, {})
        .add(0xFE, {})
        .bytes();
}

// SP 800-73-4 part 1 appendix A table 8: card identifier (GSC-RID A000000116,
// manufacturer FF, card type 02, 14 random bytes), versions 21, data model 10.
Bytes makeCcc()
{
    Bytes id = fromHex("A000000116FF02");
    Bytes r = randomBytes(14);
    id.insert(id.end(), r.begin(), r.end());
    const std::uint8_t v21[] = {0x21}, v00[] = {0x00}, v10[] = {0x10};
    apdu::TlvWriter w;
    w.add(0xF0, id).add(0xF1, v21).add(0xF2, v21).add(0xF3, {}).add(0xF4, v00).add(0xF5, v10);
    w.add(0xF6, {}).add(0xF7, {}).add(0xFA, {}).add(0xFB, {}).add(0xFC, {}).add(0xFD, {}).add(0xFE, {});
    return w.bytes();
}

// SP 800-73-4 part 1 section 3.3.2: PIV AID and PIN usage policy (PIV PIN only, 40 00).
Bytes makeDiscovery()
{
    return fromHex("4F0BA0000003080000100001005F2F024000");
}

// SP 800-73-4 part 1 section 3.3.3: no retired keys on card (C1 00) or off card (C2 00).
Bytes makeKeyHistory()
{
    const std::uint8_t zero[] = {0x00};
    return apdu::TlvWriter().add(0xC1, zero).add(0xC2, zero).add(0xFE, {}).bytes();
}

// SP 800-73-4 part 1 appendix A table 18: name, affiliation, expiry (YYYYMMMDD), serial, issuer.
Bytes makePrintedInfo()
{
    std::string expiry = std::to_string(yearsFromNow(10)) + "DEC31";
    return apdu::TlvWriter()
        .add(0x01, text("Tessera Test Cardholder"))
        .add(0x02, text("Tessera"))
        .add(0x04, text(expiry))
        .add(0x05, text("TESSERA0001"))
        .add(0x06, text("Tessera virtual card"))
        .add(0xFE, {})
        .bytes();
}

CardState provisionCard(const ProvisionOptions& o)
{
    CardState s = defaultCardState(o.profile, o.mgmtAlgorithm);
    s.objects[tag::discovery] = makeDiscovery();
    if (o.profile == Profile::yubikey) {
        s.serial = randomSerial();
        addAttestation(s);
    }
    if (o.empty) return s;
    for (const auto& plan : kProvisionedSlots)
        addKeyWithCertificate(s, plan);
    s.objects[tag::chuid] = makeChuid();
    s.objects[tag::ccc] = makeCcc();
    s.objects[tag::keyHistory] = makeKeyHistory();
    s.objects[tag::printedInfo] = makePrintedInfo();
    return s;
}

} // namespace tessera::vcard
