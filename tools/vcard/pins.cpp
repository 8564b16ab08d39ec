// PIN and PUK handling of the virtual card: VERIFY (with the status query and
// the P1=FF reset of SP 800-73-4 part 2 section 3.2.1), CHANGE REFERENCE DATA
// (3.2.2) and RESET RETRY COUNTER (3.2.3), with retry counters persisted.
#include <algorithm>

#include "piv_card.hpp"

namespace tessera::vcard {

namespace {

constexpr std::size_t kPinBlock = 8;

// SP 800-73-4 part 2 section 2.4.3: 6-8 characters padded with FF. The plain
// profile insists on ASCII digits for the PIN; a YubiKey accepts any byte.
bool validReference(ByteView v, bool digitsOnly)
{
    if (v.size() != kPinBlock) return false;
    auto end = std::find(v.begin(), v.end(), 0xFF);
    auto length = static_cast<std::size_t>(end - v.begin());
    if (length < 6) return false;
    if (!std::all_of(end, v.end(), [](std::uint8_t b) { return b == 0xFF; })) return false;
    if (digitsOnly) return std::all_of(v.begin(), end, [](std::uint8_t b) { return b >= '0' && b <= '9'; });
    return true;
}

bool sameBytes(ByteView a, ByteView b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

} // namespace

// Compares a candidate against a reference with retry counting; on failure
// `failSw` is 6983 (blocked) or 63Cx (x tries left).
bool PivCard::checkReference(PinState& ref, ByteView candidate, std::uint16_t& failSw)
{
    if (ref.blocked()) {
        failSw = sw::authBlocked;
        return false;
    }
    if (!sameBytes(candidate, ref.value)) {
        --ref.triesLeft;
        markDirty();
        failSw = sw::wrongPin(ref.triesLeft);
        return false;
    }
    if (ref.triesLeft != ref.maxTries) {
        ref.triesLeft = ref.maxTries;
        markDirty();
    }
    return true;
}

// SP 800-73-4 part 2 section 3.2.1 VERIFY, key reference 80 (application PIN).
Reply PivCard::verify(const CardApdu& apdu)
{
    if (apdu.p1 != 0x00 && apdu.p1 != 0xFF) return status(sw::wrongP1P2);
    if (apdu.p2 != keyref::pin) return status(sw::refDataNotFound);
    if (apdu.p1 == 0xFF) {
        // Reset the security status of the PIN (new in SP 800-73-4).
        if (!apdu.data.empty()) return status(sw::wrongP1P2);
        sec_.pinVerified = false;
        return status(sw::ok);
    }
    if (apdu.data.empty()) {
        if (state_.pin.blocked()) return status(sw::authBlocked);
        return status(sec_.pinVerified ? sw::ok : sw::wrongPin(state_.pin.triesLeft));
    }
    if (apdu.data.size() != kPinBlock) return status(sw::wrongData);
    std::uint16_t failSw = 0;
    if (!checkReference(state_.pin, apdu.data, failSw)) {
        sec_.pinVerified = false;
        return status(failSw);
    }
    sec_.pinVerified = true;
    sec_.pinAlwaysArmed = true;
    return status(sw::ok);
}

// SP 800-73-4 part 2 section 3.2.2: data = current (8) || new (8), for 80 or 81.
Reply PivCard::changeReference(const CardApdu& apdu)
{
    if (apdu.p1 != 0x00) return status(sw::wrongP1P2);
    if (apdu.p2 != keyref::pin && apdu.p2 != keyref::puk) return status(sw::refDataNotFound);
    if (apdu.data.size() != 2 * kPinBlock) return status(sw::wrongData);
    bool isPin = apdu.p2 == keyref::pin;
    ByteView data(apdu.data);
    ByteView current = data.first(kPinBlock), next = data.subspan(kPinBlock);
    PinState& ref = isPin ? state_.pin : state_.puk;
    if (ref.blocked()) return status(sw::authBlocked);
    if (!validReference(next, isPin && !isYubikey())) return status(sw::wrongData);
    std::uint16_t failSw = 0;
    if (!checkReference(ref, current, failSw)) {
        if (isPin) sec_.pinVerified = false;
        return status(failSw);
    }
    ref.value.assign(next.begin(), next.end());
    ref.isDefault = sameBytes(ref.value, padPin(isPin ? kDefaultPin : kDefaultPuk));
    markDirty();
    return status(sw::ok);
}

// SP 800-73-4 part 2 section 3.2.3: data = PUK (8) || new PIN (8), reference 80 only.
Reply PivCard::resetRetryCounter(const CardApdu& apdu)
{
    if (apdu.p1 != 0x00) return status(sw::wrongP1P2);
    if (apdu.p2 != keyref::pin) return status(sw::refDataNotFound);
    if (apdu.data.size() != 2 * kPinBlock) return status(sw::wrongData);
    ByteView data(apdu.data);
    ByteView puk = data.first(kPinBlock), next = data.subspan(kPinBlock);
    if (state_.puk.blocked()) return status(sw::authBlocked);
    if (!validReference(next, !isYubikey())) return status(sw::wrongData);
    std::uint16_t failSw = 0;
    if (!checkReference(state_.puk, puk, failSw)) return status(failSw);
    state_.pin.value.assign(next.begin(), next.end());
    state_.pin.triesLeft = state_.pin.maxTries;
    state_.pin.isDefault = sameBytes(state_.pin.value, padPin(kDefaultPin));
    sec_.pinVerified = false;
    markDirty();
    return status(sw::ok);
}

} // namespace tessera::vcard
