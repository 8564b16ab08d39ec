// Fuzz target: the PIV data object parsers, called directly (src/card-drivers/
// piv/piv_containers.hpp, yubikey_extensions.hpp, piv_keys.hpp, and the
// crypto layer's ECDSA conversion the driver applies to signatures). The first
// byte picks the parser, the rest is the card's answer: certificate container
// (with gzip CertInfo) and the certificate behind it, gunzip with its bound,
// key history, CHUID, GET VERSION / SERIAL / METADATA, the metadata public
// key for each PIV algorithm, the ECDSA signature conversion, and the
// driver's ATR hint.
#include "card-drivers/piv/piv_card.hpp"
#include "card-drivers/piv/piv_containers.hpp"
#include "card-drivers/piv/piv_keys.hpp"
#include "card-drivers/piv/yubikey_extensions.hpp"
#include "crypto/crypto.hpp"
#include "fuzz_support.hpp"

using namespace tessera;
using namespace tessera::drivers::piv;

namespace {

void certificate(ByteView answer)
{
    std::optional<Bytes> der = parseCertificateContainer(answer);
    if (!der) return;
    if (der->size() > kMaxCertificateBytes + answer.size()) fuzz::violated("certificate larger than its bound");
    (void)keyFromCertificate(*der);
}

void metadata(ByteView answer)
{
    YubiKeyMetadata m = parseYubiKeyMetadata(answer);
    if (m.algorithm && !m.publicKeyTemplate.empty()) (void)keyFromMetadata(*m.algorithm, m.publicKeyTemplate);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::Input in(data, size);
    static const auto driver = makeDriver();
    const std::uint8_t selector = in.u8();
    try {
        switch (selector % 11) {
        case 0: certificate(in.rest()); break;
        case 1: {
            const std::size_t bound = 1 + in.u16();
            if (gunzipBounded(in.rest(), bound).size() > bound) fuzz::violated("gunzip exceeded its bound");
            break;
        }
        case 2:
            if (parseKeyHistoryOnCardCount(in.rest()) > 20) fuzz::violated("key history count above 20");
            break;
        // (parseChuid takes a GUID of any length: reported, not a property here.)
        case 3: (void)parseChuid(in.rest()); break;
        case 4: (void)dataObjectValue(in.rest()); break;
        case 5:
            (void)parseYubiKeyVersion(in.rest());
            (void)parseYubiKeySerial(in.rest());
            break;
        case 6: metadata(in.rest()); break;
        case 7: {
            const std::uint8_t algorithm = in.u8();
            (void)keyFromMetadata(algorithm, in.rest());
            break;
        }
        case 8: {
            const std::size_t half = 1 + in.u8() % 80;
            if (crypto::ecdsaDerToRaw(in.rest(), half).size() != 2 * half) fuzz::violated("r || s of the wrong size");
            break;
        }
        case 9: (void)keyFromCertificate(in.rest()); break;
        case 10: (void)driver->atrHint(in.rest()); break; // the ATR search for "YubiKey"
        }
    } catch (const Error&) {
    }
    return 0;
}
