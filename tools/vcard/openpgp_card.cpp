// Transport and application-level commands of the virtual OpenPGP card: class
// byte and command chaining (ISO 7816-4 section 5.1.1.1), extended length in the
// v34 profile (card spec 3.4 section 7.1 and DO 7F66), 61xx / GET RESPONSE for
// long answers to short commands, SELECT (7.2.1), SELECT DATA (7.2.5), GET
// CHALLENGE (7.2.15), TERMINATE DF (7.2.16) and ACTIVATE FILE (7.2.17).
#include "openpgp_card.hpp"

#include <algorithm>

#include "apdu/tlv.hpp"
#include "common/error.hpp"
#include "openpgp_persistence.hpp"

namespace tessera::vcard {

namespace {

constexpr std::uint8_t kOpenPgpRid[] = {0xD2, 0x76, 0x00, 0x01, 0x24, 0x01};
constexpr std::size_t kMaxChainedData = 65536;
constexpr std::size_t kShortMax = 256;
constexpr std::size_t kExtendedMax = 2048;    // 7F66 in the v34 profile
constexpr std::uint16_t kTerminated = 0x6285; // ISO 7816-4: selected file in termination state

namespace ins {
constexpr std::uint8_t select = 0xA4;
constexpr std::uint8_t selectData = 0xA5;
constexpr std::uint8_t getData = 0xCA;
constexpr std::uint8_t getNextData = 0xCC;
constexpr std::uint8_t putData = 0xDA;
constexpr std::uint8_t putDataOdd = 0xDB;
constexpr std::uint8_t verify = 0x20;
constexpr std::uint8_t changeReference = 0x24;
constexpr std::uint8_t resetRetryCounter = 0x2C;
constexpr std::uint8_t pso = 0x2A;
constexpr std::uint8_t internalAuthenticate = 0x88;
constexpr std::uint8_t generate = 0x47;
constexpr std::uint8_t getChallenge = 0x84;
constexpr std::uint8_t terminate = 0xE6;
constexpr std::uint8_t activate = 0x44;
constexpr std::uint8_t getResponse = 0xC0;
constexpr std::uint8_t manageSecurityEnvironment = 0x22;
} // namespace ins

Bytes withStatus(Bytes data, std::uint16_t s)
{
    data.push_back(static_cast<std::uint8_t>(s >> 8));
    data.push_back(static_cast<std::uint8_t>(s & 0xFF));
    return data;
}

// 61xx: xx = bytes still available (00 = 256 or more).
std::uint16_t moreData(std::size_t rest)
{
    return static_cast<std::uint16_t>(0x6100 | (rest > 0xFF ? 0 : rest));
}

} // namespace

OpenPgpCard::OpenPgpCard(OpenPgpState state) : state_(std::move(state)) {}

bool OpenPgpCard::takeDirty()
{
    bool d = dirty_;
    dirty_ = false;
    return d;
}

void OpenPgpCard::save(const std::string& path) const
{
    saveOpenPgpState(path, state_);
}

// PINs travel in VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER and PUT DATA
// D3 (resetting code) / F9 (KDF hashes); keys in PUT DATA 3FFF (import).
bool OpenPgpCard::carriesSecret(ByteView c) const
{
    if (c.size() < 4) return false;
    std::uint8_t i = c[1];
    if (i == ins::verify || i == ins::changeReference || i == ins::resetRetryCounter || i == ins::putDataOdd)
        return true;
    return i == ins::putData && c[2] == 0x00 && (c[3] == 0xD3 || c[3] == 0xF9);
}

void OpenPgpCard::clearSecurity()
{
    sec_ = OpenPgpSecurity{};
    chain_.reset();
    pending_.clear();
}

std::size_t OpenPgpCard::maxCommandData() const
{
    return v3() ? kExtendedMax : 255;
}
std::size_t OpenPgpCard::maxResponseData() const
{
    return v3() ? kExtendedMax : kShortMax;
}

Bytes OpenPgpCard::transmit(ByteView command)
{
    auto apdu = parseCommand(command);
    // The 2.1 profile has no extended length (historical bytes: chaining only).
    if (!apdu || (apdu->extended && !v3()) || apdu->data.size() > maxCommandData()) {
        pending_.clear();
        chain_.reset();
        return {0x67, 0x00};
    }
    if (apdu->ins == ins::getResponse && (apdu->cla & 0xEF) == 0) return getResponse(*apdu);
    pending_.clear();
    if ((apdu->cla & 0xEF) != 0) {
        chain_.reset();
        return {0x6E, 0x00};
    }
    if (apdu->chained()) return acceptChained(*apdu);
    CardApdu whole = *apdu;
    if (chain_) {
        if (chain_->ins == apdu->ins && chain_->p1 == apdu->p1 && chain_->p2 == apdu->p2)
            whole.data.insert(whole.data.begin(), chain_->data.begin(), chain_->data.end());
        chain_.reset();
    }
    return packResponse(process(whole), whole);
}

// A chained part (CLA 10): collected until the last command of the chain.
Bytes OpenPgpCard::acceptChained(const CardApdu& apdu)
{
    if (chain_ && (chain_->ins != apdu.ins || chain_->p1 != apdu.p1 || chain_->p2 != apdu.p2)) chain_.reset();
    if (!chain_)
        chain_ = apdu;
    else
        chain_->data.insert(chain_->data.end(), apdu.data.begin(), apdu.data.end());
    if (chain_->data.size() > kMaxChainedData) {
        chain_.reset();
        return {0x67, 0x00};
    }
    return {0x90, 0x00};
}

// Long answers: up to Le (2048 at most: 7F66), the rest via 61xx / GET RESPONSE.
// (Answering more than Le breaks clients whose receive buffer is Le + 2 bytes,
// such as OpenSC 0.23 generating an RSA key through a reader limited to 256.)
Bytes OpenPgpCard::packResponse(Reply reply, const CardApdu& apdu)
{
    std::size_t limit = apdu.hasLe ? apdu.le : (apdu.extended ? maxResponseData() : kShortMax);
    if (reply.sw == sw::ok && reply.data.size() > limit) {
        Bytes out(reply.data.begin(), reply.data.begin() + static_cast<std::ptrdiff_t>(limit));
        pending_.assign(reply.data.begin() + static_cast<std::ptrdiff_t>(limit), reply.data.end());
        return withStatus(std::move(out), moreData(pending_.size()));
    }
    return withStatus(std::move(reply.data), reply.sw);
}

// ISO 7816-4 section 7.6.1 GET RESPONSE.
Bytes OpenPgpCard::getResponse(const CardApdu& apdu)
{
    if (pending_.empty()) return {0x69, 0x85};
    std::size_t want = apdu.hasLe ? apdu.le : kShortMax;
    std::size_t n = std::min(want, pending_.size());
    Bytes out(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    return withStatus(std::move(out), pending_.empty() ? sw::ok : moreData(pending_.size()));
}

Reply OpenPgpCard::process(const CardApdu& apdu)
{
    try {
        return dispatch(apdu);
    } catch (const StatusError& e) {
        return status(e.sw());
    } catch (const CryptoError&) {
        return status(sw::wrongData);
    } catch (const tessera::Error&) {
        return status(sw::wrongData); // malformed TLV in the command data
    } catch (const std::exception&) {
        return status(sw::unknown);
    }
}

Reply OpenPgpCard::dispatch(const CardApdu& apdu)
{
    if (apdu.ins == ins::select) return select(apdu);
    if (apdu.ins == ins::activate) return activate(apdu);
    if (state_.terminated) return status(kTerminated);
    switch (apdu.ins) {
    case ins::getData: return getData(apdu);
    case ins::putData:
    case ins::putDataOdd: return putData(apdu);
    case ins::verify: return verify(apdu);
    case ins::changeReference: return changeReference(apdu);
    case ins::resetRetryCounter: return resetRetryCounter(apdu);
    case ins::pso: return performSecurityOperation(apdu);
    case ins::internalAuthenticate: return internalAuthenticate(apdu);
    case ins::generate: return generateKeyPair(apdu);
    case ins::getChallenge: return getChallenge(apdu);
    case ins::terminate: return terminate(apdu);
    default: break;
    }
    if (v3() && apdu.ins == ins::selectData) return selectData(apdu);
    if (v3() && apdu.ins == ins::getNextData) return getNextData(apdu);
    if (v3() && apdu.ins == ins::manageSecurityEnvironment) return manageSecurityEnvironment(apdu);
    return status(sw::insNotSupported);
}

// Section 7.2.1: SELECT by (partial) DF name D2 76 00 01 24 01; no FCI in the
// answer. Selecting resets the access status. In termination state: 6285.
Reply OpenPgpCard::select(const CardApdu& apdu)
{
    if (apdu.p1 != 0x04) return status(sw::wrongP1P2);
    const ByteView aid = apdu.data;
    Bytes full = openPgpAid(state_);
    bool match = aid.size() >= sizeof kOpenPgpRid && aid.size() <= full.size() &&
                 std::equal(aid.begin(), aid.end(), full.begin());
    if (!match) return status(sw::notFound);
    clearSecurity();
    return status(state_.terminated ? kTerminated : sw::ok);
}

// Section 7.2.5: P1 = occurrence (0-2), P2 = 04, data 60 {5C 02 7F 21}. The
// form without the 60 wrapper (older GnuPG, some YubiKeys) is accepted as well.
Reply OpenPgpCard::selectData(const CardApdu& apdu)
{
    if (apdu.p1 > 2 || apdu.p2 != 0x04) return status(sw::wrongP1P2);
    ByteView body = apdu.data;
    if (auto outer = apdu::find(body, 0x60, false)) body = outer->value;
    auto tag = apdu::find(body, 0x5C, false);
    if (!tag || tag->value.size() != 2 || tag->value[0] != 0x7F || tag->value[1] != 0x21)
        return status(sw::refDataNotFound);
    sec_.certOccurrence = apdu.p1;
    return status(sw::ok);
}

// Section 7.2.15: Le random bytes (at most the C0 maximum).
Reply OpenPgpCard::getChallenge(const CardApdu& apdu)
{
    if (apdu.p1 != 0 || apdu.p2 != 0) return status(sw::wrongP1P2);
    if (!apdu.hasLe || apdu.le > maxResponseData()) return status(sw::wrongLength);
    return okWith(randomBytes(apdu.le));
}

// Section 7.2.16: allowed with PW3 verified or PW3 blocked (GnuPG's factory
// reset blocks PW3 with wrong PINs first). The state survives power-off.
Reply OpenPgpCard::terminate(const CardApdu& apdu)
{
    if (apdu.p1 != 0 || apdu.p2 != 0) return status(sw::wrongP1P2);
    if (!sec_.pw3 && !state_.pw3.blocked()) return status(sw::securityStatus);
    state_.terminated = true;
    clearSecurity();
    markDirty();
    return status(sw::ok);
}

// Section 7.2.17: in termination state, back to factory defaults (same AID);
// otherwise nothing to do.
Reply OpenPgpCard::activate(const CardApdu& apdu)
{
    if (apdu.p1 != 0 || apdu.p2 != 0) return status(sw::wrongP1P2);
    if (!state_.terminated) return status(sw::ok);
    OpenPgpState fresh = defaultOpenPgpState(state_.profile, state_.serial);
    fresh.manufacturer = state_.manufacturer;
    state_ = std::move(fresh);
    clearSecurity();
    markDirty();
    return status(sw::ok);
}

} // namespace tessera::vcard
