// The OpenPGP driver: recognises a card by SELECT of the OpenPGP AID (OpenPGP
// card spec 3.4.1 section 7.2.1) followed by GET DATA of the application
// related data 6E, reads the KDF-DO when the card offers one and a
// YubiKey's firmware version, and registers itself with the driver registry.
#include "card-drivers/openpgp/openpgp_driver.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "apdu/status_words.hpp"
#include "card-drivers/openpgp/openpgp_card.hpp"
#include "card-drivers/openpgp/openpgp_commands.hpp"
#include "card-drivers/registry.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace tessera::drivers::openpgp {

namespace {

constexpr std::uint16_t kSwNotFound = 0x6A88; // section 7.9: referenced data not found

// ATRs of cards that carry only the OpenPGP application (OpenSC's
// card-openpgp.c table, YubiKeys left out: they carry PIV too, and the PIV
// driver claims them). A match makes the registry probe OpenPGP first, which
// spares the PIV SELECT these cards would answer 6A82 (issue 8).
constexpr std::array<std::string_view, 4> kOpenPgpAtrs{
    "3BFA1300FF813180450031C173C00100009000B1",   // OpenPGP card 1.x
    "3BDA18FF81B1FE751F030031C573C001400090000C", // OpenPGP card 2.x
    "3BDA18FF81B1FE751F030031F573C001600090001C", // OpenPGP card 3.x (ZeitControl)
    "3BDA11FF81B1FE551F0300318473800180009000E4", // Gnuk 1.x
};

bool isKnownOpenPgpAtr(ByteView atr)
{
    const std::string hex = toHex(atr);
    return std::find(kOpenPgpAtrs.begin(), kOpenPgpAtrs.end(), hex) != kOpenPgpAtrs.end();
}

// Yubico GET VERSION answers major, minor, patch in BCD.
std::optional<FirmwareVersion> parseFirmwareVersion(const apdu::Response& r)
{
    if (!r.ok() || r.data.size() != 3) return std::nullopt;
    auto bcd = [](std::uint8_t b) { return static_cast<std::uint8_t>((b >> 4) * 10 + (b & 0x0F)); };
    return FirmwareVersion{bcd(r.data[0]), bcd(r.data[1]), bcd(r.data[2])};
}

class OpenPgpDriver final : public Driver {
public:
    std::string name() const override { return "OpenPGP"; }

    // The historical bytes of some OpenPGP cards carry the application's RID,
    // others are known by their whole ATR; any card may still be probed.
    bool atrHint(ByteView atr) const override
    {
        return std::search(atr.begin(), atr.end(), kAidPrefix.begin(), kAidPrefix.end()) != atr.end() ||
               isKnownOpenPgpAtr(atr);
    }

    std::unique_ptr<Card> probe(apdu::Channel& channel) const override
    {
        apdu::Response r = channel.transmit(selectCommand());
        if (!r.ok()) return nullptr;
        apdu::Response app = channel.transmit(getDataCommand(kApplicationDataTag, kShortLe));
        apdu::throwIfError(app.sw, "OpenPGP GET DATA 6E");
        ApplicationData data = parseApplicationData(app.data);
        std::optional<FirmwareVersion> firmware;
        if (data.aid.manufacturer == kManufacturerYubico) {
            firmware = parseFirmwareVersion(channel.transmit(yubikeyVersionCommand()));
        }
        KdfParameters kdf;
        if (data.extended.kdf) kdf = readKdf(channel);
        return std::make_unique<OpenPgpCard>(channel, std::move(data), std::move(kdf), firmware);
    }
};

} // namespace

// Section 4.3.2: the KDF-DO; "not found" means no KDF.
KdfParameters readKdf(apdu::Channel& channel)
{
    apdu::Response r = channel.transmit(getDataCommand(kKdfTag, kShortLe));
    if (r.sw == kSwNotFound) return {};
    apdu::throwIfError(r.sw, "OpenPGP GET DATA F9");
    return parseKdf(r.data);
}

// Section 7.2.1: SELECT again (after a reset, or when another application
// such as PIV was selected meanwhile). Sent at the start of every
// transaction after the first, for the reasons of PivCard::select()
// (piv_driver.cpp): PC/SC cannot show that no other client selected another
// application between our transactions, and PW1's 81 is the PIV PUK there.
void OpenPgpCard::select()
{
    apdu::Response r = channel_.transmit(selectCommand());
    apdu::throwIfError(r.sw, "OpenPGP SELECT");
}

std::unique_ptr<Driver> makeDriver()
{
    return std::make_unique<OpenPgpDriver>();
}

void registerDriver(Registry& registry)
{
    registry.add(makeDriver());
}

} // namespace tessera::drivers::openpgp
