// Command builders and credential handling of piv_management.hpp. Hex
// decoding writes straight into SecureBytes, so the management key never
// sits in an unwiped buffer; commands that carry it are marked sensitive.
#include "card-drivers/piv/piv_management.hpp"

#include <array>

#include "apdu/tlv.hpp"
#include "card-drivers/iso7816/iso7816_data.hpp"
#include "card-drivers/piv/piv_containers.hpp"
#include "common/error.hpp"

namespace tessera::drivers::piv {

namespace {

constexpr std::size_t kPukMin = 6;
constexpr std::size_t kPukMax = 8;
constexpr std::uint32_t kTemplateTag = 0x7C;
constexpr std::uint32_t kPublicKeyTemplate = 0x7F49;

constexpr std::array<ManagementAlgorithm, 5> kManagementAlgorithms{{
    {0x00, crypto::BlockCipher::tdes},
    {0x03, crypto::BlockCipher::tdes},
    {0x08, crypto::BlockCipher::aes128},
    {0x0A, crypto::BlockCipher::aes192},
    {0x0C, crypto::BlockCipher::aes256},
}};

int hexValue(std::uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool isKeyHexLength(std::size_t n)
{
    return n == 32 || n == 48 || n == 64;
}

} // namespace

CredentialKind credentialKind(const SecureBytes& credential)
{
    const std::size_t n = credential.size();
    if (n >= kPukMin && n <= kPukMax) return CredentialKind::puk;
    if (isKeyHexLength(n)) return CredentialKind::managementKey;
    fail(Errc::pinLenRange, "PIV SO credential: a PUK (6-8 characters) or a management key (32/48/64 hex digits)");
}

SecureBytes managementKeyBytes(const SecureBytes& hexKey)
{
    ByteView hex = hexKey.view();
    if (!isKeyHexLength(hex.size())) fail(Errc::pinLenRange, "PIV management key must be 32, 48 or 64 hex digits");
    SecureBytes key;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = hexValue(hex[i]), lo = hexValue(hex[i + 1]);
        if (hi < 0 || lo < 0) fail(Errc::pinLenRange, "PIV management key must be hex digits");
        key.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    }
    return key;
}

std::optional<ManagementAlgorithm> managementAlgorithm(std::uint8_t id)
{
    for (const auto& a : kManagementAlgorithms)
        if (a.id == id) return a;
    return std::nullopt;
}

apdu::Command witnessRequestCommand(std::uint8_t algorithm)
{
    apdu::Command c = apdu::Command::header(0x87, algorithm, kManagementKey);
    c.data = apdu::tlv(kTemplateTag, apdu::tlv(0x80, ByteView{}));
    c.le = 256;
    return c;
}

apdu::Command mutualResponseCommand(std::uint8_t algorithm, ByteView witness, ByteView challenge)
{
    apdu::Command c = apdu::Command::header(0x87, algorithm, kManagementKey);
    apdu::TlvWriter inner;
    inner.add(0x80, witness);
    inner.add(0x81, challenge);
    c.data = inner.wrap(kTemplateTag);
    c.le = 256;
    return c;
}

Bytes dynamicTemplateItem(ByteView answer, std::uint32_t tag, std::size_t size)
{
    std::vector<apdu::Tlv> top = apdu::parseAll(answer);
    if (top.size() != 1 || top[0].tag != kTemplateTag) fail(Errc::malformedResponse, "PIV answer is not one 7C");
    for (const apdu::Tlv& t : apdu::parseAll(top[0].value)) {
        if (t.tag != tag) continue;
        if (t.value.size() != size) fail(Errc::malformedResponse, "PIV 7C item of the wrong length");
        return Bytes(t.value.begin(), t.value.end());
    }
    fail(Errc::malformedResponse, "PIV 7C answer lacks the expected item");
}

apdu::Command generateCommand(std::uint8_t algorithm, std::uint8_t keyReference)
{
    return iso7816::generateKeyPairCommand(0x00, keyReference,
                                           apdu::tlv(0xAC, apdu::tlv(0x80, ByteView(&algorithm, 1))));
}

Bytes generatedPublicKey(ByteView answer)
{
    std::vector<apdu::Tlv> top = apdu::parseAll(answer);
    if (top.size() != 1 || top[0].tag != kPublicKeyTemplate)
        fail(Errc::malformedResponse, "PIV GENERATE answer is not one 7F49 template");
    return Bytes(top[0].value.begin(), top[0].value.end());
}

apdu::Command putDataCommand(std::uint32_t objectTag, ByteView content)
{
    apdu::TlvWriter w;
    w.add(0x5C, apdu::encodeTag(objectTag));
    w.add(0x53, content);
    return iso7816::putDataCommand(iso7816::kInsPutDataBer, 0x3F, 0xFF, w.bytes());
}

Bytes certificateContainer(ByteView certificate)
{
    const std::uint8_t uncompressed = 0x00;
    apdu::TlvWriter w;
    w.add(0x70, certificate);
    w.add(0x71, ByteView(&uncompressed, 1));
    w.add(0xFE, ByteView{});
    return w.bytes();
}

Bytes keyHistoryContent(ByteView currentAnswer, std::uint8_t onCard)
{
    std::uint8_t offCard = 0;
    Bytes url;
    if (!currentAnswer.empty()) {
        for (const apdu::Tlv& t : apdu::parseAll(dataObjectValue(currentAnswer), true)) {
            if (t.tag == 0xC2 && t.value.size() == 1) offCard = t.value[0];
            if (t.tag == 0xF3) url.assign(t.value.begin(), t.value.end());
        }
    }
    apdu::TlvWriter w;
    w.addByte(0xC1, onCard);
    w.addByte(0xC2, offCard);
    if (!url.empty()) w.add(0xF3, url);
    w.add(0xFE, ByteView{});
    return w.bytes();
}

Bytes chuidContent(ByteView random16)
{
    // FASC-N of a card without an agency (all zeros, BCD with parity), the
    // value yubico-piv-tool's set-chuid writes; expiry 2030-12-31.
    const Bytes fascn = fromHex("D4E739DA739CED39CE739D836858210842108421C84210C3EB");
    const std::string expiry = "20301231";
    apdu::TlvWriter w;
    w.add(0x30, fascn);
    w.add(0x34, random16);
    w.add(0x35, ByteView(reinterpret_cast<const std::uint8_t*>(expiry.data()), expiry.size()));
    w.add(0x3E, ByteView{});
    w.add(0xFE, ByteView{});
    return w.bytes();
}

Bytes cccContent(ByteView random14)
{
    Bytes id = fromHex("A000000116FF02"); // GSC-IS RID, manufacturer FF, card type 02 (Java card)
    id.insert(id.end(), random14.begin(), random14.end());
    const std::uint8_t v21 = 0x21, zero = 0x00, model = 0x10;
    apdu::TlvWriter w;
    w.add(0xF0, id);
    w.add(0xF1, ByteView(&v21, 1));   // capability container version
    w.add(0xF2, ByteView(&v21, 1));   // capability grammar version
    w.add(0xF3, ByteView{});          // applications CardURL
    w.add(0xF4, ByteView(&zero, 1));  // PKCS#15: no
    w.add(0xF5, ByteView(&model, 1)); // registered data model number
    for (std::uint32_t tag : {0xF6u, 0xF7u, 0xFAu, 0xFBu, 0xFCu, 0xFDu, 0xFEu})
        w.add(tag, ByteView{});
    return w.bytes();
}

namespace {

// tag, length, value left-padded with zeros to `size`, straight into the
// command's (reserved, later wiped) data field: no other copy of the secret.
void addPadded(Bytes& out, std::uint8_t tag, const SensitiveBytes& value, std::size_t size)
{
    std::size_t skip = 0;
    while (skip < value.size() && value.size() - skip > size && value[skip] == 0)
        ++skip; // a DER-style leading zero
    if (value.size() - skip > size) fail(Errc::dataInvalid, "private key part longer than the key size");
    out.push_back(tag);
    const Bytes length = apdu::encodeLength(size); // BER: 81 xx from 128 bytes on
    out.insert(out.end(), length.begin(), length.end());
    out.insert(out.end(), size - (value.size() - skip), 0x00);
    out.insert(out.end(), value.begin() + static_cast<std::ptrdiff_t>(skip), value.end());
}

} // namespace

apdu::Command importKeyCommand(std::uint8_t algorithm, std::uint8_t keyReference, const PrivateKeyMaterial& key)
{
    apdu::Command c = apdu::Command::header(0xFE, algorithm, keyReference);
    c.sensitive = true;
    if (key.algorithm == KeyAlgorithm::rsa) {
        const std::size_t half = key.bits / 16;
        c.data.reserve(5 * (half + 4));
        addPadded(c.data, 0x01, key.p, half);
        addPadded(c.data, 0x02, key.q, half);
        addPadded(c.data, 0x03, key.dp, half);
        addPadded(c.data, 0x04, key.dq, half);
        addPadded(c.data, 0x05, key.qinv, half);
    } else {
        const std::size_t field = (key.bits + 7) / 8;
        c.data.reserve(field + 4);
        addPadded(c.data, 0x06, key.scalar, field);
    }
    return c;
}

apdu::Command setManagementKeyCommand(std::uint8_t algorithm, const SecureBytes& key)
{
    apdu::Command c = apdu::Command::header(0xFF, 0xFF, 0xFF);
    c.sensitive = true;
    c.data.reserve(3 + key.size());
    c.data.push_back(algorithm);
    c.data.push_back(kManagementKey);
    c.data.push_back(static_cast<std::uint8_t>(key.size()));
    c.data.insert(c.data.end(), key.view().begin(), key.view().end());
    return c;
}

} // namespace tessera::drivers::piv
