// APDU dispatch of the virtual PIV card: class byte and chaining (ISO 7816-4
// section 5.1.1), 61xx / GET RESPONSE for long answers to short commands,
// the per-command security bookkeeping, and SELECT (SP 800-73-4 part 2
// section 3.1.1).
#include "piv_card.hpp"

#include <algorithm>

#include "apdu/tlv.hpp"
#include "common/error.hpp"

namespace tessera::vcard {

namespace {

constexpr std::uint8_t kPivAid[] = {0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00};
constexpr std::size_t kRidLength = 5;
constexpr std::size_t kMaxChainedData = 65536;
constexpr std::size_t kShortResponseMax = 256;

namespace ins {
constexpr std::uint8_t select = 0xA4;
constexpr std::uint8_t getData = 0xCB;
constexpr std::uint8_t putData = 0xDB;
constexpr std::uint8_t verify = 0x20;
constexpr std::uint8_t changeReference = 0x24;
constexpr std::uint8_t resetRetryCounter = 0x2C;
constexpr std::uint8_t generalAuthenticate = 0x87;
constexpr std::uint8_t generate = 0x47;
constexpr std::uint8_t getResponse = 0xC0;
} // namespace ins

bool isPivAid(ByteView aid)
{
    if (aid.size() < kRidLength || aid.size() > sizeof kPivAid) return false;
    return std::equal(aid.begin(), aid.end(), kPivAid);
}

} // namespace

PivCard::PivCard(CardState state) : state_(std::move(state)) {}

bool PivCard::takeDirty()
{
    bool d = dirty_;
    dirty_ = false;
    return d;
}

void PivCard::clearSecurity()
{
    sec_ = SecurityState{};
    chain_.reset();
    pending_.clear();
}

void PivCard::requireMgmtAuth() const
{
    if (!sec_.mgmtAuthenticated) failWith(sw::securityStatus);
}

void PivCard::requirePinVerified() const
{
    if (!sec_.pinVerified) failWith(sw::securityStatus);
}

Bytes PivCard::transmit(ByteView command)
{
    auto apdu = parseCommand(command);
    if (!apdu) {
        pending_.clear();
        return {0x67, 0x00};
    }
    if (apdu->ins == ins::getResponse && (apdu->cla & 0xEF) == 0) return getResponse(*apdu);
    pending_.clear();
    if ((apdu->cla & 0xEF) != 0) {
        chain_.reset();
        return {0x6E, 0x00};
    }
    if (apdu->chained()) {
        if (chain_ && (chain_->ins != apdu->ins || chain_->p1 != apdu->p1 || chain_->p2 != apdu->p2)) chain_.reset();
        if (!chain_) {
            chain_ = *apdu;
        } else {
            chain_->data.insert(chain_->data.end(), apdu->data.begin(), apdu->data.end());
        }
        if (chain_->data.size() > kMaxChainedData) {
            chain_.reset();
            return {0x67, 0x00};
        }
        return {0x90, 0x00};
    }
    CardApdu whole = *apdu;
    if (chain_) {
        if (chain_->ins == apdu->ins && chain_->p1 == apdu->p1 && chain_->p2 == apdu->p2)
            whole.data.insert(whole.data.begin(), chain_->data.begin(), chain_->data.end());
        chain_.reset();
    }
    return packResponse(process(whole), whole);
}

// Long answers: whole for extended commands; 61xx chunks of at most Le (256) for short ones.
Bytes PivCard::packResponse(Reply reply, const CardApdu& apdu)
{
    std::size_t limit = apdu.extended ? (apdu.hasLe ? apdu.le : 65536) : (apdu.hasLe ? apdu.le : kShortResponseMax);
    Bytes out;
    if (reply.sw == sw::ok && reply.data.size() > limit) {
        out.assign(reply.data.begin(), reply.data.begin() + static_cast<std::ptrdiff_t>(limit));
        pending_.assign(reply.data.begin() + static_cast<std::ptrdiff_t>(limit), reply.data.end());
        std::size_t rest = pending_.size();
        out.push_back(0x61);
        out.push_back(rest > 0xFF ? 0x00 : static_cast<std::uint8_t>(rest));
        return out;
    }
    out = std::move(reply.data);
    out.push_back(static_cast<std::uint8_t>(reply.sw >> 8));
    out.push_back(static_cast<std::uint8_t>(reply.sw & 0xFF));
    return out;
}

// ISO 7816-4 section 7.6.1 GET RESPONSE.
Bytes PivCard::getResponse(const CardApdu& apdu)
{
    if (pending_.empty()) return {0x69, 0x85};
    std::size_t want = apdu.hasLe ? apdu.le : kShortResponseMax;
    std::size_t n = std::min(want, pending_.size());
    Bytes out;
    out.reserve(n + 2);
    out.insert(out.end(), pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    std::uint8_t sw1 = 0x90, sw2 = 0x00;
    if (!pending_.empty()) {
        sw1 = 0x61;
        sw2 = pending_.size() > 0xFF ? 0x00 : static_cast<std::uint8_t>(pending_.size());
    }
    const std::uint8_t tail[] = {sw1, sw2};
    out.insert(out.end(), tail, tail + 2);
    return out;
}

// Captures the one-shot security facts (PIN-always arming, 9B challenge) so that
// any command consumes them: SP 800-73-4 part 1 section 3.3.3 "immediately before".
Reply PivCard::process(const CardApdu& apdu)
{
    alwaysArmedForThisCommand_ = sec_.pinAlwaysArmed;
    sec_.pinAlwaysArmed = false;
    mgmtStepForThisCommand_ = sec_.mgmtStep;
    mgmtExpectedForThisCommand_ = std::move(sec_.mgmtExpected);
    sec_.mgmtStep = SecurityState::MgmtStep::none;
    sec_.mgmtExpected.clear();
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

Reply PivCard::dispatch(const CardApdu& apdu)
{
    if (apdu.ins == ins::select) return select(apdu);
    if (!sec_.pivSelected) return status(sw::conditionsNotSatisfied);
    switch (apdu.ins) {
    case ins::getData: return getData(apdu);
    case ins::putData: return putData(apdu);
    case ins::verify: return verify(apdu);
    case ins::changeReference: return changeReference(apdu);
    case ins::resetRetryCounter: return resetRetryCounter(apdu);
    case ins::generalAuthenticate: return generalAuthenticate(apdu);
    case ins::generate: return generate(apdu);
    default: break;
    }
    if (isYubikey()) return dispatchYubikey(apdu);
    return status(sw::insNotSupported);
}

Reply PivCard::dispatchYubikey(const CardApdu& apdu)
{
    switch (apdu.ins) {
    case 0xFD: return getVersion(apdu);
    case 0xF8: return getSerial(apdu);
    case 0xF7: return getMetadata(apdu);
    case 0xFE: return importKey(apdu);
    case 0xFF: return setManagementKey(apdu);
    case 0xF9: return attest(apdu);
    case 0xFB: return resetApplication(apdu);
    case 0xFA: return setPinRetries(apdu);
    default: return status(sw::insNotSupported);
    }
}

// SP 800-73-4 part 2 section 3.1.1: the full AID or its 5-byte RID selects PIV;
// the answer is the application property template (part 1 section 3.1.1 table 3).
// Any other AID is not found and, like a YubiKey whose OpenPGP applet got selected,
// leaves PIV deselected with its security status dropped.
Reply PivCard::select(const CardApdu& apdu)
{
    if (apdu.p1 != 0x04) return status(sw::wrongP1P2);
    if (!isPivAid(apdu.data)) {
        clearSecurity();
        sec_.pivSelected = false;
        return status(sw::notFound);
    }
    if (!sec_.pivSelected) clearSecurity();
    sec_.pivSelected = true;
    apdu::TlvWriter algs;
    for (auto a :
         {alg::tdes, alg::aes128, alg::aes192, alg::aes256, alg::rsa1024, alg::rsa2048, alg::eccP256, alg::eccP384})
        algs.addByte(0x80, a);
    algs.addByte(0x06, 0x00);
    apdu::TlvWriter t;
    t.add(0x4F, ByteView(kPivAid + kRidLength, sizeof kPivAid - kRidLength));
    t.add(0x79, apdu::tlv(0x4F, ByteView(kPivAid, kRidLength)));
    if (!isYubikey()) {
        const std::string label = "Tessera virtual PIV";
        t.add(0x50, ByteView(reinterpret_cast<const std::uint8_t*>(label.data()), label.size()));
    }
    t.add(0xAC, algs.bytes());
    return okWith(t.wrap(0x61));
}

} // namespace tessera::vcard
