// Fuzz target: the OpenPGP driver end to end over a channel that answers each
// command with the next record of the input (fuzz_support.hpp): probe
// (SELECT, GET DATA 6E, GET VERSION of a YubiKey, KDF-DO F9), readToken (6E
// again, cardholder data 65, GET PUBLIC KEY 7F49 per key, SELECT DATA and
// cardholder certificates 7F21), the PKCS#11 objects with all their
// attributes, then VERIFY and PSO:CDS / DECIPHER / INTERNAL AUTHENTICATE for
// each key's operations, the PIN reset and GET CHALLENGE.
#include "card-drivers/openpgp/openpgp_card.hpp"
#include "fuzz_support.hpp"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::Input in(data, size);
    fuzz::ReplayChannel channel(in);
    static const auto driver = drivers::openpgp::makeDriver();
    std::unique_ptr<drivers::Card> card;
    try {
        card = driver->probe(channel);
    } catch (const Error&) {
        return 0;
    }
    if (!card) return 0;
    fuzz::OperationInputs inputs;
    // An active KDF-DO makes every VERIFY hash up to 2^28 octets: correct but
    // slow, so the operations run without VERIFY then (the S2K is fuzzed by
    // fuzz_openpgp_data with small counts).
    inputs.skipVerify = [](drivers::Card& c) {
        auto* pgp = dynamic_cast<drivers::openpgp::OpenPgpCard*>(&c);
        return pgp != nullptr && pgp->quirks().kdf;
    };
    fuzz::exerciseCard(*card, inputs);
    return 0;
}
