// Factory defaults of the virtual OpenPGP card (card spec 3.4 section 4.3.3:
// PW1 123456, PW3 12345678, no resetting code), its AID (section 4.2.1),
// historical bytes (section 6) and ATRs.
#include "openpgp_state.hpp"

#include <string>

#include "openpgp_algorithms.hpp"

namespace tessera::vcard {

namespace {

Bytes ascii(const std::string& s)
{
    return Bytes(s.begin(), s.end());
}

// Compact-TLV after category indicator 00: 31 = card service data, 73 = card
// capabilities (byte 3: 80 command chaining, 40 extended Lc/Le, 20 extended
// length information in 7F66), then the life cycle status 05 (operational,
// which GnuPG requires before it offers factory-reset) and 9000.
constexpr const char* kHistoricalV34 = "0031F573C00160059000";
constexpr const char* kHistoricalV21 = "0031C573C00180059000";
// The ATR of a ZeitControl OpenPGP 3.x card, byte for byte (OpenSC knows it as
// "OpenPGP card V3"); its historical bytes carry status 00 where DO 5F52 says
// 05: clients read the DO (a YubiKey's differ likewise).
constexpr const char* kAtrV34 = "3BDA18FF81B1FE751F030031F573C00160009000"
                                "1C";
// The same T=1 frame (TA1 18, TC1 FF, TD1 81, TD2 B1, TA3 FE, TB3 75, TD3 1F,
// TA4 03) around the v21 historical bytes, TCK recomputed.
constexpr const char* kAtrPrefix = "3BDA18FF81B1FE751F03";

} // namespace

const char* openPgpProfileName(OpenPgpProfile p)
{
    return p == OpenPgpProfile::v34 ? "v34" : "v21";
}

bool isV3(const OpenPgpState& s)
{
    return s.profile == OpenPgpProfile::v34;
}

OpenPgpKeySlot& slot(OpenPgpState& s, KeyRole role)
{
    return s.keys[static_cast<std::size_t>(role)];
}
const OpenPgpKeySlot& slot(const OpenPgpState& s, KeyRole role)
{
    return s.keys[static_cast<std::size_t>(role)];
}

OpenPgpState defaultOpenPgpState(OpenPgpProfile profile, std::uint32_t serial)
{
    OpenPgpState s;
    s.profile = profile;
    s.serial = serial;
    s.pw1 = OpenPgpPassword{ascii(kOpenPgpDefaultPw1), 3, 3};
    s.pw3 = OpenPgpPassword{ascii(kOpenPgpDefaultPw3), 3, 3};
    s.rc = OpenPgpPassword{{}, 0, 3};
    s.pw1Mode = 0x00;
    for (auto& k : s.keys)
        k.attributes = defaultRsaAttributes();
    return s;
}

Bytes openPgpAid(const OpenPgpState& s)
{
    Bytes aid{0xD2, 0x76, 0x00, 0x01, 0x24, 0x01};
    if (isV3(s)) {
        aid.push_back(0x03);
        aid.push_back(0x04);
    } else {
        aid.push_back(0x02);
        aid.push_back(0x01);
    }
    aid.push_back(static_cast<std::uint8_t>(s.manufacturer >> 8));
    aid.push_back(static_cast<std::uint8_t>(s.manufacturer));
    for (int shift = 24; shift >= 0; shift -= 8)
        aid.push_back(static_cast<std::uint8_t>(s.serial >> shift));
    aid.push_back(0x00);
    aid.push_back(0x00);
    return aid;
}

Bytes openPgpHistoricalBytes(OpenPgpProfile profile)
{
    return fromHex(profile == OpenPgpProfile::v34 ? kHistoricalV34 : kHistoricalV21);
}

Bytes openPgpAtr(OpenPgpProfile profile)
{
    if (profile == OpenPgpProfile::v34) return fromHex(kAtrV34);
    Bytes atr = fromHex(kAtrPrefix);
    Bytes hist = openPgpHistoricalBytes(profile);
    atr.insert(atr.end(), hist.begin(), hist.end());
    std::uint8_t tck = 0;
    for (std::size_t i = 1; i < atr.size(); ++i)
        tck ^= atr[i]; // ISO 7816-3 section 8.2.5: T0 to the end
    atr.push_back(tck);
    return atr;
}

} // namespace tessera::vcard
