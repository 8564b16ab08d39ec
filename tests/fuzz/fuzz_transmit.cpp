// Fuzz target: the ISO 7816-4 transmitter (apdu::transmit, src/apdu/channel.hpp)
// over a Transport that answers each exchange with the next record of the
// input. The first bytes choose the command (data length for chaining, Le,
// class, sensitivity) and the bounds; the records exercise 61xx GET RESPONSE,
// 6Cxx re-sends and chaining refusals. Properties: the number of exchanges is
// bounded, chained chunks and GET RESPONSE commands are well formed, and the
// assembled answer respects maxResponseBytes and comes from the card's bytes.
#include <algorithm>

#include "apdu/apdu.hpp"
#include "apdu/channel.hpp"
#include "common/log.hpp"
#include "fuzz_support.hpp"

using namespace tessera;

namespace {

class Card final : public apdu::Transport {
public:
    explicit Card(fuzz::Input& in) : in_(in) {}
    SensitiveBytes transmitRaw(ByteView command) override
    {
        sent.emplace_back(command.begin(), command.end());
        if (in_.empty()) return {0x6A, 0x82};
        ByteView r = in_.record();
        if (r.size() > 2) {
            received += r.size() - 2;
            largest = std::max(largest, r.size() - 2);
        }
        return SensitiveBytes(r.begin(), r.end());
    }
    std::vector<Bytes> sent;
    std::size_t received = 0;
    std::size_t largest = 0; // data of the largest single R-APDU

private:
    fuzz::Input& in_;
};

void checkSent(const std::vector<Bytes>& sent, const apdu::Command& c, const apdu::TransmitOptions& o)
{
    for (const Bytes& raw : sent) {
        if (raw.size() < 4) fuzz::violated("command shorter than its header");
        const bool getResponse = raw[1] == 0xC0 && c.ins != 0xC0;
        if (getResponse && raw.size() != 5) fuzz::violated("GET RESPONSE is not a case 2 short APDU");
        if (!o.extendedLength && raw.size() > 4 + 1 + 255 + 1) fuzz::violated("short APDU longer than 261 bytes");
        if ((raw[0] & 0x10) != 0 && (c.cla & 0x10) == 0 && raw.size() != 4 + 1 + 255) {
            fuzz::violated("chained chunk that is not 255 bytes");
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const bool logging = [] {
        // Trace every exchange so the describe/redaction code runs too.
        log::configure(2, "/dev/null");
        return true;
    }();
    (void)logging;

    fuzz::Input in(data, size);
    const std::uint8_t flags = in.u8();
    apdu::Command c;
    c.cla = static_cast<std::uint8_t>(in.u8() & 0xEF); // the caller never sets the chaining bit
    c.ins = in.u8();
    c.p1 = in.u8();
    c.p2 = in.u8();
    const std::uint16_t le = in.u16();
    const std::uint16_t lc = in.u16();
    c.sensitive = (flags & 0x02) != 0;
    if ((flags & 0x04) != 0) c.le = le == 0 ? 65536U : le;
    c.data.assign(lc % 1200, 0xA5); // up to four chained chunks
    apdu::TransmitOptions o;
    o.extendedLength = (flags & 0x01) != 0;
    o.maxGetResponse = in.u8() % 80;
    o.maxResponseBytes = 1 + (in.u32() % (1U << 21));

    Card card(in);
    apdu::Response r;
    try {
        r = apdu::transmit(card, c, o);
    } catch (const Error&) {
        checkSent(card.sent, c, o);
        return 0;
    }
    const std::size_t chunks = o.extendedLength ? 1 : 1 + (c.data.empty() ? 0 : (c.data.size() - 1) / 255);
    if (card.sent.size() > chunks + 1 + o.maxGetResponse) fuzz::violated("more exchanges than the bounds allow");
    // maxResponseBytes bounds what the transmitter assembles; one R-APDU
    // passed through as it came (a refused chained chunk) may be larger.
    if (r.data.size() > std::max(o.maxResponseBytes, card.largest)) fuzz::violated("answer exceeds maxResponseBytes");
    if (r.data.size() > card.received) fuzz::violated("answer longer than what the card sent");
    checkSent(card.sent, c, o);
    return 0;
}
