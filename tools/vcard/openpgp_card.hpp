// The virtual OpenPGP card application (OpenPGP card 3.4.1, or 2.1 in the v21
// profile): raw C-APDUs in, raw R-APDUs out, transport-independent so unit
// tests drive it in-process and the vpcd server plugs it into pcscd. Handlers
// are split by concept: openpgp_card.cpp (transport, SELECT, life cycle),
// openpgp_data_objects.cpp (GET/PUT DATA), openpgp_pins.cpp (VERIFY and
// friends), openpgp_keys.cpp (PSO, INTERNAL AUTHENTICATE, GENERATE, import).
#pragma once

#include <cstdint>
#include <optional>

#include "command.hpp"
#include "openpgp_algorithms.hpp"
#include "openpgp_state.hpp"
#include "vpcd_server.hpp"

namespace tessera::vcard {

// Volatile access status (section 4.3): lost at power-off, reset and SELECT.
struct OpenPgpSecurity {
    bool pw1Sign = false;               // VERIFY 81: PSO:CDS
    bool pw1Other = false;              // VERIFY 82: DECIPHER, INTERNAL AUTHENTICATE, private DOs
    bool pw3 = false;                   // VERIFY 83: admin
    std::uint8_t certOccurrence = 0;    // SELECT DATA for 7F21 (section 7.2.5)
    KeyRole decipherKey = KeyRole::dec; // MSE (section 7.2.18): key of PSO:DECIPHER
    KeyRole authKey = KeyRole::aut;     // and of INTERNAL AUTHENTICATE
};

class OpenPgpCard final : public VirtualCard {
public:
    explicit OpenPgpCard(OpenPgpState state);

    Bytes atr() const override { return openPgpAtr(state_.profile); }
    void powerOn() override { clearSecurity(); }
    void powerOff() override { clearSecurity(); }
    void reset() override { clearSecurity(); }
    Bytes transmit(ByteView command) override;
    bool takeDirty() override;
    void save(const std::string& path) const override;
    bool carriesSecret(ByteView command) const override;

    const OpenPgpState& state() const { return state_; }
    const OpenPgpSecurity& security() const { return sec_; }

private:
    // openpgp_card.cpp: transport and dispatch
    Reply process(const CardApdu& apdu);
    Reply dispatch(const CardApdu& apdu);
    Bytes packResponse(Reply reply, const CardApdu& apdu);
    Bytes getResponse(const CardApdu& apdu);
    Bytes acceptChained(const CardApdu& apdu);
    void clearSecurity();
    void markDirty() { dirty_ = true; }
    bool v3() const { return isV3(state_); }
    std::size_t maxCommandData() const;
    std::size_t maxResponseData() const;
    Reply select(const CardApdu& apdu);
    Reply selectData(const CardApdu& apdu);
    Reply getChallenge(const CardApdu& apdu);
    Reply terminate(const CardApdu& apdu);
    Reply activate(const CardApdu& apdu);

    // openpgp_data_objects.cpp: section 7.2.6 GET DATA, 7.2.7 GET NEXT DATA, 7.2.8 PUT DATA
    Reply getData(const CardApdu& apdu);
    Reply getNextData(const CardApdu& apdu);
    Reply putData(const CardApdu& apdu);
    Bytes readDo(std::uint16_t tag) const;
    void writeDo(std::uint16_t tag, ByteView value);
    Bytes applicationRelatedData() const;
    Bytes discretionaryData() const;
    Bytes extendedCapabilities() const;
    Bytes pwStatus() const;
    Bytes keyInformation() const;
    Bytes algorithmInformation() const;
    void writeAttributes(KeyRole role, ByteView value);
    void writeKdf(ByteView value);

    // openpgp_pins.cpp: section 7.2.2 VERIFY, 7.2.3 CHANGE REFERENCE DATA, 7.2.4 RESET RETRY COUNTER
    Reply verify(const CardApdu& apdu);
    Reply changeReference(const CardApdu& apdu);
    Reply resetRetryCounter(const CardApdu& apdu);
    bool checkPassword(OpenPgpPassword& pw, ByteView candidate, std::uint16_t& failSw);
    void writeResettingCode(ByteView value);
    void requirePw1Other() const;
    void requirePw3() const;

    // openpgp_keys.cpp: 7.2.10 PSO:CDS, 7.2.11 PSO:DECIPHER, 7.2.13 INTERNAL
    // AUTHENTICATE, 7.2.14 GENERATE ASYMMETRIC KEY PAIR, 7.2.18 MANAGE SECURITY
    // ENVIRONMENT, 4.4.3.12 key import
    Reply performSecurityOperation(const CardApdu& apdu);
    Reply computeSignature(const CardApdu& apdu);
    Reply decipher(const CardApdu& apdu);
    Reply internalAuthenticate(const CardApdu& apdu);
    Reply manageSecurityEnvironment(const CardApdu& apdu);
    Reply generateKeyPair(const CardApdu& apdu);
    void importKey(ByteView extendedHeaderList);
    KeySpec specOf(KeyRole role) const;
    const PkeyPtr& keyOf(KeyRole role) const;
    void installKey(KeyRole role, PkeyPtr key, std::uint8_t status);

    OpenPgpState state_;
    OpenPgpSecurity sec_;
    bool dirty_ = false;
    std::optional<CardApdu> chain_; // ISO 7816-4 section 5.1.1.1 command chaining
    Bytes pending_;                 // rest of a long answer, for GET RESPONSE (61xx)
};

} // namespace tessera::vcard
