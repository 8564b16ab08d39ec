// The hostile card wrapper (hostile_card.hpp): which commands each mode
// corrupts, and the 61xx chunking of the corrupted answers. Each corruption is
// noted on stderr (the card's log in a sandbox), so tests can tell that the
// hostile answer was really served.
#include "hostile_card.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "persistence.hpp"
#include "piv_card.hpp"

namespace tessera::vcard {

namespace {

constexpr std::size_t kChunk = 256;
constexpr std::size_t kMaxInnerRounds = 1024;
constexpr std::uint8_t kInsGetResponse = 0xC0;

Bytes withSw(Bytes data, std::uint16_t sw)
{
    data.push_back(static_cast<std::uint8_t>(sw >> 8));
    data.push_back(static_cast<std::uint8_t>(sw & 0xFF));
    return data;
}

class PivAdapter final : public VirtualCard {
public:
    explicit PivAdapter(PivCard& card) : card_(card) {}
    Bytes atr() const override { return card_.atr(); }
    void powerOn() override { card_.powerOn(); }
    void powerOff() override { card_.powerOff(); }
    void reset() override { card_.reset(); }
    Bytes transmit(ByteView command) override { return card_.transmit(command); }
    bool takeDirty() override { return card_.takeDirty(); }
    void save(const std::string& path) const override { saveState(path, card_.state()); }
    // As the vpcd server's PIV endpoint: VERIFY, CHANGE/RESET REFERENCE, IMPORT,
    // SET MGMT KEY.
    bool carriesSecret(ByteView c) const override
    {
        return c.size() > 1 && (c[1] == 0x20 || c[1] == 0x24 || c[1] == 0x2C || c[1] == 0xFE || c[1] == 0xFF);
    }

private:
    PivCard& card_;
};

void vanishNow()
{
    std::fputs("tessera-vcard: hostile: vanishing now (process exit mid-chain)\n", stderr);
    std::fflush(stderr);
    std::_Exit(0);
}

} // namespace

std::unique_ptr<VirtualCard> pivVirtualCard(PivCard& card)
{
    return std::make_unique<PivAdapter>(card);
}

HostileCard::HostileCard(VirtualCard& inner, HostileMode mode, Vanish vanish)
    : inner_(inner), mode_(mode), vanish_(vanish ? std::move(vanish) : Vanish(vanishNow))
{
}

void HostileCard::clearChunks()
{
    pending_.clear();
    pendingOffset_ = 0;
    endless_ = false;
    getResponses_ = 0;
}

void HostileCard::powerOn()
{
    clearChunks();
    inner_.powerOn();
}

void HostileCard::powerOff()
{
    clearChunks();
    inner_.powerOff();
}

void HostileCard::reset()
{
    clearChunks();
    inner_.reset();
}

void HostileCard::save(const std::string& path) const
{
    inner_.save(path);
    addHostileMarker(path, mode_);
}

void HostileCard::note(const std::string& what) const
{
    std::fprintf(stderr, "tessera-vcard: hostile %s: %s\n", hostileModeName(mode_).c_str(), what.c_str());
}

Bytes HostileCard::transmit(ByteView command)
{
    auto apdu = parseCommand(command);
    if (!apdu) return inner_.transmit(command);
    if (apdu->ins == kInsGetResponse && (endless_ || pendingOffset_ < pending_.size())) return nextChunk(*apdu);
    clearChunks();
    if (apdu->chained()) return inner_.transmit(command); // corrupt the answer, not the chain
    try {
        if (auto answer = intercept(*apdu, command)) return *answer;
    } catch (const std::exception& e) {
        // The honest answer did not have the shape to corrupt: never take the card
        // down.
        note(std::string("not corrupted: ") + e.what());
        return {0x6F, 0x00};
    }
    return inner_.transmit(command);
}

std::optional<Bytes> HostileCard::intercept(const CardApdu& apdu, ByteView raw)
{
    return isOpenPgpMode(mode_) ? interceptOpenPgp(apdu, raw) : interceptPiv(apdu, raw);
}

bool HostileCard::collectInner(ByteView raw, Bytes& data, Bytes& failure)
{
    Bytes r = inner_.transmit(raw);
    for (std::size_t round = 0; round < kMaxInnerRounds && r.size() >= 2; ++round) {
        std::uint8_t sw1 = r[r.size() - 2], sw2 = r[r.size() - 1];
        data.insert(data.end(), r.begin(), r.end() - 2);
        if (sw1 == 0x90 && sw2 == 0x00) return true;
        if (sw1 != 0x61) break;
        const std::uint8_t get[] = {0x00, kInsGetResponse, 0x00, 0x00, sw2};
        r = inner_.transmit(get);
    }
    failure = std::move(r);
    return false;
}

Bytes HostileCard::startChunked(Bytes data, const CardApdu& apdu)
{
    pending_ = std::move(data);
    pendingOffset_ = 0;
    return nextChunk(apdu);
}

// ISO 7816-4 section 7.6.1 GET RESPONSE, from the corrupted answer (or
// forever).
Bytes HostileCard::nextChunk(const CardApdu& apdu)
{
    if (apdu.ins == kInsGetResponse) ++getResponses_;
    if (mode_ == HostileMode::vanishMidChain && getResponses_ == 2) vanish_();
    std::size_t want = std::min<std::size_t>(apdu.hasLe && apdu.le > 0 ? apdu.le : kChunk, kChunk);
    if (endless_) return withSw(Bytes(want, 0x5A), 0x6100);
    std::size_t n = std::min(want, pending_.size() - pendingOffset_);
    auto first = pending_.begin() + static_cast<std::ptrdiff_t>(pendingOffset_);
    Bytes out(first, first + static_cast<std::ptrdiff_t>(n));
    pendingOffset_ += n;
    std::size_t rest = pending_.size() - pendingOffset_;
    if (rest == 0) {
        clearChunks();
        return withSw(std::move(out), 0x9000);
    }
    return withSw(std::move(out), static_cast<std::uint16_t>(0x6100 | (rest > 0xFF ? 0 : rest)));
}

} // namespace tessera::vcard
