// The virtual PIV card application: takes raw C-APDUs and answers raw R-APDUs,
// as SP 800-73-4 part 2 section 3 describes (plus YubiKey extensions in the
// yubikey profile). Transport-independent, so unit tests drive it in-process;
// the vpcd server feeds it APDUs and power events. Handlers are split by
// concept over piv_card.cpp (dispatch), data_objects, pins, keys, mgmt_key and
// yubikey_ext.
#pragma once

#include <cstdint>
#include <optional>

#include "card_state.hpp"
#include "command.hpp"

namespace tessera::vcard {

// Volatile security status (SP 800-73-4 part 2 section 2.3): lost at power-off,
// reset, and (as on a YubiKey) when another application is selected.
struct SecurityState {
    bool pivSelected = true; // PIV is the default application at power-on
    bool pinVerified = false;
    bool pinAlwaysArmed = false; // VERIFY just succeeded: one PIN-always key use allowed
    bool mgmtAuthenticated = false;
    // 9B authentication in progress: the witness or challenge the card sent.
    enum class MgmtStep { none, witnessSent, challengeSent } mgmtStep = MgmtStep::none;
    Bytes mgmtExpected;
};

class PivCard {
public:
    explicit PivCard(CardState state);

    Bytes atr() const { return atrFor(state_.profile); }
    void powerOn() { clearSecurity(); }
    void powerOff() { clearSecurity(); }
    void reset() { clearSecurity(); }

    // One C-APDU in, one R-APDU (data || SW1 SW2) out. Never throws.
    Bytes transmit(ByteView command);

    const CardState& state() const { return state_; }
    const SecurityState& security() const { return sec_; }
    // True once after each change of the persistent state (the server then saves it).
    bool takeDirty();

private:
    Reply process(const CardApdu& apdu);
    Reply dispatch(const CardApdu& apdu);
    Reply dispatchYubikey(const CardApdu& apdu);
    Bytes packResponse(Reply reply, const CardApdu& apdu);
    Bytes getResponse(const CardApdu& apdu);
    void clearSecurity();
    void markDirty() { dirty_ = true; }
    bool isYubikey() const { return state_.profile == Profile::yubikey; }
    void requireMgmtAuth() const;
    void requirePinVerified() const;

    // piv_card.cpp: SP 800-73-4 part 2 section 3.1.1 SELECT
    Reply select(const CardApdu& apdu);
    // data_objects.cpp: 3.1.2 GET DATA, 3.3.2 PUT DATA
    Reply getData(const CardApdu& apdu);
    Reply putData(const CardApdu& apdu);
    // pins.cpp: 3.2.1 VERIFY, 3.2.2 CHANGE REFERENCE DATA, 3.2.3 RESET RETRY COUNTER
    Reply verify(const CardApdu& apdu);
    Reply changeReference(const CardApdu& apdu);
    Reply resetRetryCounter(const CardApdu& apdu);
    bool checkReference(PinState& ref, ByteView candidate, std::uint16_t& failSw);
    // keys.cpp: 3.2.4 GENERAL AUTHENTICATE (asymmetric), 3.3.2 GENERATE ASYMMETRIC KEY PAIR
    Reply generalAuthenticate(const CardApdu& apdu);
    Reply keyOperation(const CardApdu& apdu, ByteView dynamicTemplate);
    Reply generate(const CardApdu& apdu);
    void checkKeyPolicy(const KeySlot& slot);
    // mgmt_key.cpp: 3.2.4 with key 9B (appendix A.1 mutual / external authentication)
    Reply mgmtAuthenticate(const CardApdu& apdu, ByteView dynamicTemplate);
    // yubikey_ext.cpp: YubiKey PIV extensions
    Reply getVersion(const CardApdu& apdu);
    Reply getSerial(const CardApdu& apdu);
    Reply getMetadata(const CardApdu& apdu);
    Reply importKey(const CardApdu& apdu);
    Reply setManagementKey(const CardApdu& apdu);
    Reply attest(const CardApdu& apdu);
    Reply resetApplication(const CardApdu& apdu);
    Reply setPinRetries(const CardApdu& apdu);

    CardState state_;
    SecurityState sec_;
    bool dirty_ = false;
    // Security facts captured at the start of the current command.
    bool alwaysArmedForThisCommand_ = false;
    SecurityState::MgmtStep mgmtStepForThisCommand_ = SecurityState::MgmtStep::none;
    Bytes mgmtExpectedForThisCommand_;
    // Command chaining (ISO 7816-4 section 5.1.1.1, CLA bit 0x10).
    std::optional<CardApdu> chain_;
    // Remaining response bytes for GET RESPONSE (61xx).
    Bytes pending_;
};

} // namespace tessera::vcard
