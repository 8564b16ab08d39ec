// Fuzz target: the BER-TLV reader (src/apdu/tlv.hpp). parseAll with and
// without padding, parseOne, find at one level and recursively, and a walk
// into every constructed value down to kMaxTlvDepth. Properties: a parsed
// value lies inside the input, parseAll consumes everything, and re-encoding
// a parsed object with the writer parses back to the same tag and value.
#include <cstring>

#include "apdu/tlv.hpp"
#include "fuzz_support.hpp"

using namespace tessera;

namespace {

void checkInside(const apdu::Tlv& t, ByteView parent)
{
    if (t.value.empty()) return;
    if (t.value.data() < parent.data() || t.value.data() + t.value.size() > parent.data() + parent.size()) {
        fuzz::violated("TLV value outside its parent");
    }
}

void roundTrip(const apdu::Tlv& t)
{
    Bytes encoded;
    try {
        encoded = apdu::tlv(t.tag, t.value);
    } catch (const Error&) {
        return; // the writer refuses what it cannot express (values of 16 MiB and more)
    }
    std::size_t consumed = 0;
    apdu::Tlv back = apdu::parseOne(encoded, consumed);
    if (consumed != encoded.size()) fuzz::violated("re-encoded TLV not consumed exactly");
    if (back.tag != t.tag) fuzz::violated("re-encoded TLV changed its tag");
    if (back.value.size() != t.value.size() ||
        (!t.value.empty() && std::memcmp(back.value.data(), t.value.data(), t.value.size()) != 0)) {
        fuzz::violated("re-encoded TLV changed its value");
    }
}

void walk(ByteView data, std::size_t depth)
{
    if (depth > apdu::kMaxTlvDepth) return;
    std::vector<apdu::Tlv> items;
    try {
        items = apdu::parseAll(data, true);
    } catch (const Error&) {
        return;
    }
    for (const apdu::Tlv& t : items) {
        checkInside(t, data);
        roundTrip(t);
        if (t.constructed()) walk(t.value, depth + 1);
    }
}

template <typename F> void attempt(F&& f)
{
    try {
        f();
    } catch (const Error&) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::Input in(data, size);
    const std::uint32_t wanted = in.u32(); // a tag to look for (any value)
    ByteView body = in.rest();

    attempt([&] {
        std::size_t total = 0;
        for (const apdu::Tlv& t : apdu::parseAll(body, false)) {
            checkInside(t, body);
            total += t.value.size();
        }
        if (total > body.size()) fuzz::violated("values longer than the input");
    });
    attempt([&] {
        std::size_t consumed = 0;
        apdu::Tlv t = apdu::parseOne(body, consumed);
        if (consumed > body.size()) fuzz::violated("parseOne consumed past the end");
        checkInside(t, body);
    });
    attempt([&] {
        if (auto t = apdu::find(body, wanted, true)) {
            if (t->tag != wanted) fuzz::violated("find returned another tag");
            checkInside(*t, body);
        }
    });
    attempt([&] {
        if (auto t = apdu::find(body, wanted, false)) checkInside(*t, body);
    });
    walk(body, 0);
    return 0;
}
