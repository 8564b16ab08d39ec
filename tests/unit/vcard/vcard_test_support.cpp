// Shared helpers of the virtual card tests (see vcard_test_support.hpp).
#include "vcard_test_support.hpp"

#include <map>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "apdu/tlv.hpp"
#include "data_objects.hpp"
#include "persistence.hpp"
#include "provisioning.hpp"

namespace tessera::vcard::test {

// ctest runs every test in its own process: keep the provisioned cards in the
// temporary directory (atomic writes make parallel runs safe) so the RSA keys
// are generated once per machine, not once per test.
CardState loadOrProvision(Profile profile)
{
    std::string path = ::testing::TempDir() + "tessera-vcard-unit-" + profileName(profile) + "-v1.state";
    try {
        CardState s = loadState(path);
        if (s.profile == profile && s.keys.count(keyref::signature) == 1) return s;
    } catch (const std::exception&) {
        // absent or unreadable: provision afresh
    }
    CardState s = provisionCard(ProvisionOptions{profile, false, alg::tdes});
    try {
        saveState(path, s);
    } catch (const std::exception&) {
        // a read-only temporary directory only costs time
    }
    return s;
}

const CardState& provisionedState(Profile profile)
{
    static std::map<Profile, CardState> cache;
    auto it = cache.find(profile);
    if (it == cache.end()) it = cache.emplace(profile, loadOrProvision(profile)).first;
    return it->second;
}

Bytes apduBytes(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, ByteView data, int le,
                bool extended)
{
    Bytes out{cla, ins, p1, p2};
    if (extended) {
        if (!data.empty()) {
            out.push_back(0x00);
            out.push_back(static_cast<std::uint8_t>(data.size() >> 8));
            out.push_back(static_cast<std::uint8_t>(data.size()));
            out.insert(out.end(), data.begin(), data.end());
        }
        if (le >= 0) {
            if (data.empty()) out.push_back(0x00);
            out.push_back(static_cast<std::uint8_t>((le >> 8) & 0xFF));
            out.push_back(static_cast<std::uint8_t>(le & 0xFF));
        }
        return out;
    }
    if (!data.empty()) {
        out.push_back(static_cast<std::uint8_t>(data.size()));
        out.insert(out.end(), data.begin(), data.end());
    }
    if (le >= 0) out.push_back(static_cast<std::uint8_t>(le & 0xFF));
    return out;
}

Answer CardTest::raw(ByteView command)
{
    Bytes r = card.transmit(command);
    EXPECT_GE(r.size(), 2u);
    Answer a;
    a.sw = static_cast<std::uint16_t>((r[r.size() - 2] << 8) | r[r.size() - 1]);
    a.data.assign(r.begin(), r.end() - 2);
    return a;
}

Answer CardTest::send(std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, ByteView data, int le)
{
    Bytes command;
    if (data.size() > 255) {
        // Command chaining in 255-byte parts (ISO 7816-4 section 5.1.1.1).
        std::size_t off = 0;
        while (data.size() - off > 255) {
            Answer part = raw(apduBytes(0x10, ins, p1, p2, data.subspan(off, 255)));
            EXPECT_EQ(part.sw, 0x9000);
            off += 255;
        }
        command = apduBytes(0x00, ins, p1, p2, data.subspan(off), le);
    } else {
        command = apduBytes(0x00, ins, p1, p2, data, le);
    }
    Answer a = raw(command);
    Bytes all = a.data;
    for (int guard = 0; (a.sw >> 8) == 0x61 && guard < 300; ++guard) {
        a = raw(apduBytes(0x00, 0xC0, 0x00, 0x00, {}, a.sw & 0xFF));
        all.insert(all.end(), a.data.begin(), a.data.end());
    }
    a.data = all;
    return a;
}

Answer CardTest::verifyPin(const std::string& pin)
{
    return send(0x20, 0x00, 0x80, padPin(pin), -1);
}

Answer CardTest::getData(std::uint32_t tag)
{
    return send(0xCB, 0x3F, 0xFF, apdu::tlv(0x5C, apdu::encodeTag(tag)), 0);
}

Answer CardTest::putData(std::uint32_t tag, ByteView content)
{
    Bytes data = apdu::TlvWriter().add(0x5C, apdu::encodeTag(tag)).add(0x53, content).bytes();
    return send(0xDB, 0x3F, 0xFF, data, -1);
}

Answer CardTest::authenticate(std::uint8_t algorithm, ByteView key)
{
    Answer w = send(0x87, algorithm, 0x9B, fromHex("7C028000"), 0);
    if (w.sw != 0x9000) return w;
    Bytes encrypted = childValue(childValue(w.data, 0x7C), 0x80);
    Bytes witness = ecbDecrypt(algorithm, key, encrypted);
    Bytes challenge = randomBytes(witness.size());
    Bytes inner = apdu::TlvWriter().add(0x80, witness).add(0x81, challenge).bytes();
    Answer r = send(0x87, algorithm, 0x9B, apdu::tlv(0x7C, inner), 0);
    if (r.sw != 0x9000) return r;
    EXPECT_EQ(childValue(childValue(r.data, 0x7C), 0x82), ecbEncrypt(algorithm, key, challenge));
    return r;
}

Answer CardTest::authenticateDefault()
{
    return authenticate(alg::tdes, fromHex(kDefaultMgmtKeyHex));
}

Answer CardTest::sign(std::uint8_t algorithm, std::uint8_t slot, ByteView input)
{
    Bytes inner = apdu::TlvWriter().add(0x82, {}).add(0x81, input).bytes();
    return send(0x87, algorithm, slot, apdu::tlv(0x7C, inner), 0);
}

Bytes CardTest::certificate(std::uint8_t slot)
{
    const auto& objects = card.state().objects;
    auto it = objects.find(certificateTagFor(slot));
    if (it == objects.end()) return {};
    return childValue(it->second, 0x70);
}

Bytes childValue(ByteView data, std::uint32_t tag)
{
    for (const auto& t : apdu::parseAll(data))
        if (t.tag == tag) return Bytes(t.value.begin(), t.value.end());
    ADD_FAILURE() << "tag " << std::hex << tag << " not found in " << toHex(data);
    return {};
}

bool verifyEcdsa(const PkeyPtr& pub, ByteView hash, ByteView derSig)
{
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, pub.get(), nullptr);
    bool ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
              EVP_PKEY_verify(ctx, derSig.data(), derSig.size(), hash.data(), hash.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

Bytes rsaPublicRaw(const PkeyPtr& pub, ByteView sig)
{
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, pub.get(), nullptr);
    Bytes out(sig.size());
    size_t len = out.size();
    bool ok = ctx && EVP_PKEY_encrypt_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
              EVP_PKEY_encrypt(ctx, out.data(), &len, sig.data(), sig.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    EXPECT_TRUE(ok);
    out.resize(len);
    return out;
}

} // namespace tessera::vcard::test
