// ISO/IEC 7816-4 transmission rules over a raw Transport: command chaining
// (section 5.3.3, CLA bit 0x10), GET RESPONSE after 61xx (section 11.4.2 and
// 5.6 SW1=61) and the re-send with the right Le after 6Cxx. Loops are bounded,
// and every exchange is traced with the data of sensitive commands redacted.
#include <algorithm>

#include "apdu/channel.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/secure_bytes.hpp"

namespace tessera::apdu {

namespace {

constexpr std::size_t kShortChunk = 255;
constexpr std::uint8_t kChainBit = 0x10;
constexpr std::uint8_t kInsGetResponse = 0xC0;

std::string swHex(std::uint16_t sw)
{
    return toHex(Bytes{static_cast<std::uint8_t>(sw >> 8), static_cast<std::uint8_t>(sw & 0xFF)});
}

// Trace line for a response: data of a sensitive exchange is shown by length only,
// since answers to secret-bearing commands may carry secrets too.
std::string describeResponse(const Response& r, bool sensitive)
{
    std::string s = "< ";
    if (!r.data.empty()) {
        s += sensitive ? "[" + std::to_string(r.data.size()) + " bytes redacted]" : toHex(r.data);
        s += " ";
    }
    return s + swHex(r.sw);
}

// Short form whenever it fits, extended only when needed (and allowed).
bool needsExtended(const Command& c)
{
    return c.data.size() > kShortChunk || (c.le && *c.le > 256);
}

// Wipes a command buffer (its whole capacity) when it leaves scope, if it
// carries a secret (a PIN). Answers need no such guard: they live in
// SensitiveBytes, whose allocator wipes every buffer it frees.
struct ScopedWipe {
    Bytes& bytes;
    bool active;
    ~ScopedWipe()
    {
        if (active) secureWipe(bytes.data(), bytes.capacity());
    }
};

// One raw exchange: encode, trace, count, send, parse.
Response exchange(Transport& transport, const Command& c, const TransmitOptions& options)
{
    bool extended = options.extendedLength && needsExtended(c);
    Bytes raw = c.encode(extended);
    ScopedWipe wipeRaw{raw, c.sensitive};
    if (log::enabled(log::Level::apdu)) log::write(log::Level::apdu, "> " + c.describe());
    log::countApdu();
    const SensitiveBytes answer = transport.transmitRaw(raw);
    Response r = parseResponse(answer);
    if (log::enabled(log::Level::apdu)) log::write(log::Level::apdu, describeResponse(r, c.sensitive));
    return r;
}

// GET RESPONSE uses the interindustry class of the original command's logical
// channel (ISO 7816-4 5.4.1), without the chaining bit.
std::uint8_t getResponseClass(std::uint8_t cla)
{
    if ((cla & 0x80) != 0) return 0x00;
    if ((cla & 0x40) != 0) return static_cast<std::uint8_t>(cla & 0x4F);
    return static_cast<std::uint8_t>(cla & 0x03);
}

std::uint32_t leFromSw2(std::uint8_t sw2)
{
    return sw2 == 0 ? 256U : sw2;
}

// Sends every chunk but the last with CLA | 0x10 (ISO 7816-4 5.3.3); each must
// answer 9000, otherwise that answer is returned. Returns the last chunk to send.
std::optional<Response> sendChainPrefix(Transport& transport, const Command& c, const TransmitOptions& options,
                                        Command& last)
{
    last = c;
    if (options.extendedLength || c.data.size() <= kShortChunk) return std::nullopt;
    std::size_t offset = 0;
    while (c.data.size() - offset > kShortChunk) {
        Command chunk;
        ScopedWipe wipeChunk{chunk.data, c.sensitive};
        chunk.cla = static_cast<std::uint8_t>(c.cla | kChainBit);
        chunk.ins = c.ins;
        chunk.p1 = c.p1;
        chunk.p2 = c.p2;
        chunk.sensitive = c.sensitive;
        chunk.data.assign(c.data.begin() + static_cast<std::ptrdiff_t>(offset),
                          c.data.begin() + static_cast<std::ptrdiff_t>(offset + kShortChunk));
        Response r = exchange(transport, chunk, options);
        if (!r.ok()) return r;
        offset += kShortChunk;
    }
    last.data.assign(c.data.begin() + static_cast<std::ptrdiff_t>(offset), c.data.end());
    return std::nullopt;
}

// 61xx: GET RESPONSE (00 C0 00 00 xx) until the card stops answering 61xx,
// at most maxGetResponse rounds and maxResponseBytes in all.
// GET RESPONSE of a sensitive command inherits the flag, so its answer is redacted too.
Response collectResponse(Transport& transport, Response first, const Command& original, const TransmitOptions& options)
{
    // SensitiveBytes: growing it frees each outgrown buffer wiped.
    SensitiveBytes assembled = std::move(first.data);
    Response r{{}, first.sw};
    std::size_t rounds = 0;
    Command get{getResponseClass(original.cla), kInsGetResponse, 0x00, 0x00, {}, std::nullopt, original.sensitive};
    while (r.sw1() == 0x61 || (rounds > 0 && r.sw1() == 0x6C)) {
        if (rounds++ >= options.maxGetResponse) {
            fail(Errc::malformedResponse,
                 "card kept answering 61xx after " + std::to_string(rounds - 1) + " GET RESPONSE rounds");
        }
        get.le = leFromSw2(r.sw2());
        r = exchange(transport, get, options);
        assembled.insert(assembled.end(), r.data.begin(), r.data.end());
        if (assembled.size() > options.maxResponseBytes) {
            fail(Errc::malformedResponse, "response exceeds " + std::to_string(options.maxResponseBytes) + " bytes");
        }
    }
    r.data = std::move(assembled);
    return r;
}

} // namespace

Response transmit(Transport& transport, const Command& command, const TransmitOptions& options)
{
    Command last;
    ScopedWipe wipeLast{last.data, command.sensitive};
    if (auto failed = sendChainPrefix(transport, command, options, last)) {
        if (failed->data.size() > options.maxResponseBytes)
            fail(Errc::malformedResponse, "response exceeds " + std::to_string(options.maxResponseBytes) + " bytes");
        return *failed;
    }
    if (!options.extendedLength && last.le && *last.le > 256) last.le = 256; // the card answers 61xx for more
    Response r = exchange(transport, last, options);
    if (r.sw1() == 0x6C) {
        // Wrong Le: re-send the same (last) command once with Le = SW2 (00 means 256).
        last.le = leFromSw2(r.sw2());
        r = exchange(transport, last, options);
    }
    if (r.sw1() == 0x61 && !command.firstChunkOnly) r = collectResponse(transport, std::move(r), command, options);
    if (r.data.size() > options.maxResponseBytes) {
        fail(Errc::malformedResponse, "response exceeds " + std::to_string(options.maxResponseBytes) + " bytes");
    }
    return r;
}

} // namespace tessera::apdu
