// The ISO/IEC 7816-4 PIN commands both card drivers speak, in one place:
// command builders for VERIFY (section 11.5.6), CHANGE REFERENCE DATA
// (11.5.7) and RESET RETRY COUNTER (11.5.10), and the PIN-state logic on top
// of them: the status query (VERIFY without data), VERIFY with its 63Cx /
// 6983 mapping, and the reset of the security status (VERIFY P1 = FF) with
// its confirmation and quirk flags. A driver adds only its PIN encoding
// (PIV: ASCII padded with FF to 8 bytes; OpenPGP: as it is, or its KDF hash)
// and passes the encoded bytes in.
#pragma once

#include <cstdint>
#include <string_view>

#include "apdu/apdu.hpp"
#include "apdu/channel.hpp"
#include "common/bytes.hpp"

namespace tessera::drivers::iso7816 {

// Section 11.5.6 VERIFY, P1 00: the encoded PIN as the data field (sensitive).
apdu::Command verifyCommand(std::uint8_t reference, ByteView encodedPin);
// Section 11.5.6 VERIFY, P1 00 without data: asks for the PIN's status.
apdu::Command verifyStatusCommand(std::uint8_t reference);
// Section 11.5.6 VERIFY, P1 FF without data: resets the security status
// (SP 800-73-4 part 2 section 3.2.1; OpenPGP card 3.4 section 7.2.2).
apdu::Command verifyResetCommand(std::uint8_t reference);
// Section 11.5.7 CHANGE REFERENCE DATA, P1 00: old || new (sensitive).
apdu::Command changeReferenceDataCommand(std::uint8_t reference, ByteView oldPin, ByteView newPin);
// Section 11.5.10 RESET RETRY COUNTER, P1 00: resetting code || new (sensitive).
apdu::Command resetRetryCounterCommand(std::uint8_t reference, ByteView resettingCode, ByteView newPin);
// Section 11.5.10 RESET RETRY COUNTER, P1 02: the new reference data only;
// the card wants another authentication first (OpenPGP: PW3, section 7.2.4).
apdu::Command resetRetryCounterNewPinCommand(std::uint8_t reference, ByteView newPin);

// Transmits a command that carries a secret and wipes its data field as soon
// as the card answered, also when the transmission throws.
apdu::Response transmitSecret(apdu::Channel& channel, apdu::Command& command);

// What an empty VERIFY says about a PIN (see interpretStatus).
enum class PinState { verified, notVerified, blocked, unknown };

struct PinStatus {
    PinState state = PinState::unknown;
    int triesLeft = -1; // 63Cx: x; 6983: 0; otherwise unknown (-1)
    bool isNotVerified() const { return state == PinState::notVerified || state == PinState::blocked; }
};

// The answer to VERIFY without data (ISO 7816-4 section 11.5.6: "If Lc is
// absent, the card returns the status of the verification"):
//   9000 -> verified (ISO 7816-4 11.5.6; SP 800-73-4 part 2 3.2.1: "9000
//           if the PIN is verified"; OpenPGP 3.4 7.2.2 the same);
//   63Cx -> not verified, x tries left (SP 800-73-4 3.2.1 "63CX"; ISO
//           7816-4 table 6, "counter provided by X");
//   6982 -> not verified, tries unknown: "security status not satisfied",
//           the answer of OpenPGP cards without the status query (OpenPGP
//           3.4 7.2.2 allows it) and of cards that take the empty VERIFY as a
//           failed one;
//   6983 -> blocked (ISO 7816-4 table 6 "authentication method blocked";
//           SP 800-73-4 3.2.1), hence not verified either, 0 tries;
//   anything else, and any answer with a data field (an empty VERIFY has no
//           response data in any of the three specifications) -> unknown.
PinStatus interpretStatus(const apdu::Response& answer);

// Sends the status query and interprets it.
PinStatus queryStatus(apdu::Channel& channel, std::uint8_t reference);

// Sends VERIFY with the encoded PIN (wiped afterwards) and returns the SW.
std::uint16_t sendVerify(apdu::Channel& channel, std::uint8_t reference, ByteView encodedPin);
// 9000 returns; 63Cx throws Error(pinIncorrect, x); 6983 Error(pinLocked);
// any other SW the error of its category (apdu::throwIfError).
void checkVerifyStatus(std::uint16_t sw, std::string_view context);
// sendVerify + checkVerifyStatus.
void verify(apdu::Channel& channel, std::uint8_t reference, ByteView encodedPin, std::string_view context);

// What a card taught us about its VERIFY P1 = FF.
struct PinResetQuirks {
    // The card refuses P1 = FF (pre-800-73-4 PIV, OpenPGP 2.x), or ignores
    // P1 and still reports the PIN verified: resetPinState() answers false at
    // once and the caller ends the transaction with a card reset.
    bool noPinReset = false;
    // Set after the first P1 = FF that answered 9000 was confirmed by a
    // status query saying "not verified"; later resets are trusted as they are.
    bool pinResetConfirmed = false;
};

// Status words with which a card refuses VERIFY P1 = FF as a command it does
// not know (rather than failing it): the card has no reset, for good.
bool isResetRefusal(std::uint16_t sw);

// Drops the verified state of `reference` with VERIFY P1 = FF. True when the
// card's security status is known to be reset; false when the caller must
// end the transaction with a card reset instead. The first 9000 is checked
// with a status query (a card that ignores P1 answers 9000 to a status query
// of a verified PIN): isNotVerified() confirms; 9000 means P1 was ignored
// (noPinReset for good); any other answer cannot confirm, so this reset
// counts as failed but the next one asks again. `cardName` prefixes the log.
bool resetPinState(apdu::Channel& channel, std::uint8_t reference, PinResetQuirks& quirks, std::string_view cardName);

} // namespace tessera::drivers::iso7816
