// Fuzz target: the PIV driver end to end over a channel that answers each
// command with the next record of the input (fuzz_support.hpp): probe
// (SELECT), readToken (GET VERSION, SERIAL, CHUID, PIN status, every
// certificate container, key history, YubiKey metadata), the PKCS#11 objects
// built from the token with all their attributes, then VERIFY, GENERAL
// AUTHENTICATE for each key's operations, and the PIN reset.
#include "card-drivers/piv/piv_card.hpp"
#include "fuzz_support.hpp"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::Input in(data, size);
    fuzz::ReplayChannel channel(in);
    static const auto driver = drivers::piv::makeDriver();
    std::unique_ptr<drivers::Card> card;
    try {
        card = driver->probe(channel);
    } catch (const Error&) {
        return 0;
    }
    if (card) fuzz::exerciseCard(*card, {});
    return 0;
}
