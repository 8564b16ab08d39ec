// Fuzz target: the OpenPGP card data object parsers, called directly
// (src/card-drivers/openpgp/openpgp_data.hpp, openpgp_kdf.hpp,
// openpgp_keys.hpp). The first byte picks the parser, the rest is the card's
// answer: application related data 6E (and its parts: AID, historical bytes,
// 7F66, C0, algorithm attributes C1-C3, PW status C4), cardholder data 65,
// the KDF-DO F9 (and the S2K with small counts), 7F49 public key templates
// for attributes taken from the input, cardholder certificates 7F21, and
// the driver's ATR hint.
#include "card-drivers/openpgp/openpgp_card.hpp"
#include "card-drivers/openpgp/openpgp_data.hpp"
#include "card-drivers/openpgp/openpgp_kdf.hpp"
#include "card-drivers/openpgp/openpgp_keys.hpp"
#include "fuzz_support.hpp"

using namespace tessera;
using namespace tessera::drivers::openpgp;

namespace {

void applicationData(ByteView answer)
{
    ApplicationData d = parseApplicationData(answer);
    if (d.aid.serial.size() != 4) fuzz::violated("AID serial not 4 bytes");
    for (std::size_t i = 0; i < 3; ++i)
        (void)d.keyPresent(i);
    (void)d.aid.serialHex();
}

void publicKey(fuzz::Input& in)
{
    ByteView attributes = in.record();
    std::optional<KeyAttributes> a = parseKeyAttributes(attributes);
    if (!a) return;
    PublicKey k = publicKeyFromCard(*a, in.rest());
    if (k.spki.empty()) fuzz::violated("public key without SPKI");
}

void certificate(fuzz::Input& in)
{
    ByteView spki = in.record();
    std::optional<Bytes> cert = certificateFromAnswer(in.rest());
    if (cert) (void)certificateMatchesKey(*cert, spki);
}

void kdf(ByteView answer)
{
    KdfParameters p = parseKdf(answer);
    if (!p.active()) return;
    if (p.iterations > kMaxKdfIterations) fuzz::violated("KDF iteration count above the bound");
    if (p.iterations > (1U << 16)) return; // correct but slow: not per fuzz run
    (void)kdfHashPin(p, PasswordKind::pw1, SecureBytes(std::string_view("123456")));
    (void)kdfHashPin(p, PasswordKind::pw3, SecureBytes(std::string_view("12345678")));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::Input in(data, size);
    static const auto driver = makeDriver();
    const std::uint8_t selector = in.u8();
    try {
        switch (selector % 13) {
        case 0: applicationData(in.rest()); break;
        case 1: (void)parseAid(in.rest()); break;
        case 2: (void)parseHistoricalBytes(in.rest()); break;
        case 3: (void)parseExtendedLengthInfo(in.rest()); break;
        case 4: (void)parseExtendedCapabilities(in.rest()); break;
        case 5: (void)parseKeyAttributes(in.rest()); break;
        case 6: (void)parsePwStatusAnswer(in.rest()); break;
        case 7: (void)parseCardholderName(in.rest()); break;
        case 8: {
            const std::uint32_t tag = in.u16();
            ByteView answer = in.rest();
            ByteView v = unwrapAnswer(answer, tag);
            if (!v.empty() && (v.data() < answer.data() || v.data() + v.size() > answer.data() + answer.size())) {
                fuzz::violated("unwrapped value outside the answer");
            }
            break;
        }
        case 9: kdf(in.rest()); break;
        case 10: publicKey(in); break;
        case 11: certificate(in); break;
        case 12: (void)driver->atrHint(in.rest()); break; // the ATR search for the AID prefix
        }
    } catch (const Error&) {
    }
    return 0;
}
