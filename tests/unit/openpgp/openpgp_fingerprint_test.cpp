// OpenPGP v4 fingerprints of card keys (RFC 4880 section 12.2) from the
// public key template a card answers to GENERATE: the sample Ed25519 key of
// RFC 9580 appendix A.3 (its published fingerprint), and RSA / ECDH keys
// whose expected values were computed independently (Python hashlib over
// the RFC 4880 packet layout), which check the MPI bit counts, the leading
// zero a card may put before n, and the RFC 6637 KDF parameters of ECDH.
#include <gtest/gtest.h>

#include "apdu/tlv.hpp"
#include "card-drivers/openpgp/openpgp_fingerprint.hpp"
#include "card-drivers/openpgp/openpgp_objects.hpp"
#include "common/error.hpp"

using namespace tessera;
using namespace tessera::drivers;
using namespace tessera::drivers::openpgp;

namespace {

Bytes publicKeyTemplate(std::initializer_list<std::pair<std::uint32_t, Bytes>> parts)
{
    apdu::TlvWriter w;
    for (const auto& [tag, value] : parts)
        w.add(tag, value);
    return apdu::tlv(kPublicKeyTag, w.bytes());
}

} // namespace

TEST(OpenPgpFingerprintTest, Rfc9580SampleEd25519Key)
{
    const KeyAttributes ed{kAlgEddsa, KeyAlgorithm::ed25519, 255};
    const Bytes point = fromHex("3f098994bdd916ed4053197934e4a87c80733a1280d62f8010992e43ee3b2406");
    const Bytes answer = publicKeyTemplate({{0x86, point}});
    EXPECT_EQ(toHex(v4Fingerprint(ed, answer, 0x53F35F0B)), "C959BDBAFA32A2F89A153B678CFDE12197965A9A");
    // The same key with the 40 prefix some cards send, and without the 7F49 wrapper.
    Bytes prefixed{0x40};
    prefixed.insert(prefixed.end(), point.begin(), point.end());
    EXPECT_EQ(toHex(v4Fingerprint(ed, apdu::tlv(0x86, prefixed), 0x53F35F0B)),
              "C959BDBAFA32A2F89A153B678CFDE12197965A9A");
    EXPECT_EQ(toHex(v4PublicKeyBody(ed, answer, 0x53F35F0B)), "0453F35F0B16092B06010401DA470F01010740" + toHex(point));
}

TEST(OpenPgpFingerprintTest, RsaStripsLeadingZerosAndCountsBits)
{
    const KeyAttributes rsa{kAlgRsa, KeyAlgorithm::rsa, 2048};
    const Bytes answer = publicKeyTemplate({{0x81, fromHex("009F9F9F9F9F9F9F9F")}, {0x82, fromHex("010001")}});
    EXPECT_EQ(toHex(v4PublicKeyBody(rsa, answer, 0x5F000001)), "045F000001010040"
                                                               "9F9F9F9F9F9F9F9F"
                                                               "0011010001");
    EXPECT_EQ(toHex(v4Fingerprint(rsa, answer, 0x5F000001)), "087D4056BE2B36A953B2A499C2771DF788E35C24");
}

TEST(OpenPgpFingerprintTest, EcdhCarriesGnuPgKdfParameters)
{
    const KeyAttributes ecdh{kAlgEcdh, KeyAlgorithm::ecP256, 256};
    Bytes point{0x04};
    for (std::uint8_t b = 1; b <= 64; ++b)
        point.push_back(b);
    const Bytes answer = publicKeyTemplate({{0x86, point}});
    const std::string body = toHex(v4PublicKeyBody(ecdh, answer, 0x5F000001));
    EXPECT_EQ(body.substr(body.size() - 8), "03010807"); // SHA-256, AES-128 (RFC 6637 section 9)
    EXPECT_EQ(toHex(v4Fingerprint(ecdh, answer, 0x5F000001)), "567C3C7527B3E6718FC64FB269667CA04594218C");
}

TEST(OpenPgpFingerprintTest, MissingPartsAreMalformed)
{
    const KeyAttributes rsa{kAlgRsa, KeyAlgorithm::rsa, 2048};
    const KeyAttributes ed{kAlgEddsa, KeyAlgorithm::ed25519, 255};
    for (const auto& [attributes, answer] :
         {std::pair{rsa, publicKeyTemplate({{0x81, fromHex("C5")}})}, std::pair{ed, publicKeyTemplate({})},
          std::pair{ed, publicKeyTemplate({{0x86, fromHex("0102")}})}}) {
        try {
            v4Fingerprint(attributes, answer, 1);
            ADD_FAILURE() << "accepted " << toHex(answer);
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::malformedResponse);
        }
    }
}
