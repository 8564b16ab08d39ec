// Password commands of the virtual OpenPGP card: VERIFY (card spec 3.4 section
// 7.2.2, with the status query and the 3.x P1=FF reset), CHANGE REFERENCE DATA
// (7.2.3), RESET RETRY COUNTER with the resetting code or after PW3 (7.2.4),
// and PUT DATA D3 setting the resetting code (4.4.3.4). Counters persist.
#include <algorithm>

#include "openpgp_card.hpp"

namespace tessera::vcard {

namespace {

constexpr std::size_t kPw1Min = 6;
constexpr std::size_t kPw3Min = 8;
constexpr std::size_t kRcMin = 8;
constexpr std::uint8_t kPw1Sign = 0x81;
constexpr std::uint8_t kPw1Other = 0x82;
constexpr std::uint8_t kPw3 = 0x83;

bool sameBytes(ByteView a, ByteView b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

} // namespace

void OpenPgpCard::requirePw1Other() const
{
    if (!sec_.pw1Other) failWith(sw::securityStatus);
}

void OpenPgpCard::requirePw3() const
{
    if (!sec_.pw3) failWith(sw::securityStatus);
}

// Compares with retry counting: 6983 when blocked, 63Cx (x tries left) when wrong.
bool OpenPgpCard::checkPassword(OpenPgpPassword& pw, ByteView candidate, std::uint16_t& failSw)
{
    if (pw.blocked()) {
        failSw = sw::authBlocked;
        return false;
    }
    if (!sameBytes(candidate, pw.value)) {
        --pw.triesLeft;
        markDirty();
        failSw = sw::wrongPin(pw.triesLeft);
        return false;
    }
    if (pw.triesLeft != pw.maxTries) {
        pw.triesLeft = pw.maxTries;
        markDirty();
    }
    return true;
}

// Section 7.2.2: P2 81 (PW1 for PSO:CDS), 82 (PW1 for the other operations), 83
// (PW3). No data: 9000 if verified, else 63Cx. P1=FF without data resets the
// status (3.x only; a 2.1 card knows P1=00 alone and answers 6A86).
Reply OpenPgpCard::verify(const CardApdu& apdu)
{
    if (apdu.p2 != kPw1Sign && apdu.p2 != kPw1Other && apdu.p2 != kPw3) return status(sw::wrongP1P2);
    bool& flag = apdu.p2 == kPw1Sign ? sec_.pw1Sign : apdu.p2 == kPw1Other ? sec_.pw1Other : sec_.pw3;
    OpenPgpPassword& pw = apdu.p2 == kPw3 ? state_.pw3 : state_.pw1;
    if (apdu.p1 == 0xFF && v3()) {
        if (!apdu.data.empty()) return status(sw::wrongP1P2);
        flag = false;
        return status(sw::ok);
    }
    if (apdu.p1 != 0x00) return status(sw::wrongP1P2);
    if (apdu.data.empty()) {
        if (flag) return status(sw::ok);
        return status(pw.blocked() ? sw::authBlocked : sw::wrongPin(pw.triesLeft));
    }
    std::uint16_t failSw = 0;
    if (!checkPassword(pw, apdu.data, failSw)) {
        flag = false;
        return status(failSw);
    }
    flag = true;
    return status(sw::ok);
}

// Section 7.2.3: P2 81 (PW1) or 83 (PW3), data = old || new; the card splits at
// the length of the stored password.
Reply OpenPgpCard::changeReference(const CardApdu& apdu)
{
    if (apdu.p1 != 0x00 || (apdu.p2 != kPw1Sign && apdu.p2 != kPw3)) return status(sw::wrongP1P2);
    OpenPgpPassword& pw = apdu.p2 == kPw3 ? state_.pw3 : state_.pw1;
    std::size_t minNew = apdu.p2 == kPw3 ? kPw3Min : kPw1Min;
    std::size_t maxNew = pwStatus()[1];
    ByteView data = apdu.data;
    if (pw.blocked()) return status(sw::authBlocked);
    if (data.size() < pw.value.size()) return status(sw::wrongLength);
    std::uint16_t failSw = 0;
    if (!checkPassword(pw, data.first(pw.value.size()), failSw)) {
        (apdu.p2 == kPw3 ? sec_.pw3 : sec_.pw1Sign) = false;
        return status(failSw);
    }
    ByteView fresh = data.subspan(pw.value.size());
    if (fresh.size() < minNew || fresh.size() > maxNew) return status(sw::wrongLength);
    pw.value.assign(fresh.begin(), fresh.end());
    pw.triesLeft = pw.maxTries;
    markDirty();
    return status(sw::ok);
}

// Section 7.2.4: P1 00 = resetting code || new PW1; P1 02 = new PW1 after PW3.
Reply OpenPgpCard::resetRetryCounter(const CardApdu& apdu)
{
    if (apdu.p2 != kPw1Sign || (apdu.p1 != 0x00 && apdu.p1 != 0x02)) return status(sw::wrongP1P2);
    ByteView fresh = apdu.data;
    if (apdu.p1 == 0x02) {
        requirePw3();
    } else {
        OpenPgpPassword& rc = state_.rc;
        if (rc.value.empty() || rc.blocked()) return status(sw::authBlocked);
        if (fresh.size() < rc.value.size()) return status(sw::wrongLength);
        std::uint16_t failSw = 0;
        if (!checkPassword(rc, fresh.first(rc.value.size()), failSw)) return status(failSw);
        fresh = fresh.subspan(rc.value.size());
    }
    if (fresh.size() < kPw1Min || fresh.size() > pwStatus()[1]) return status(sw::wrongLength);
    state_.pw1.value.assign(fresh.begin(), fresh.end());
    state_.pw1.triesLeft = state_.pw1.maxTries;
    markDirty();
    return status(sw::ok);
}

// Section 4.4.3.4 (DO D3): empty data removes the resetting code.
void OpenPgpCard::writeResettingCode(ByteView value)
{
    if (value.empty()) {
        state_.rc = OpenPgpPassword{{}, 0, 3};
        return;
    }
    if (value.size() < kRcMin || value.size() > pwStatus()[2]) failWith(sw::wrongLength);
    state_.rc = OpenPgpPassword{Bytes(value.begin(), value.end()), 3, 3};
}

} // namespace tessera::vcard
