// Command APDU builders for the OpenPGP card application (OpenPGP card spec
// 3.4.1 section 7.2). Data fields are built with the BER-TLV writer.
#include "card-drivers/openpgp/openpgp_commands.hpp"

#include "apdu/tlv.hpp"
#include "card-drivers/iso7816/iso7816_data.hpp"
#include "card-drivers/openpgp/openpgp_objects.hpp"

namespace tessera::drivers::openpgp {

// Section 7.2.1: SELECT, P1 04 (by DF name), P2 00.
apdu::Command selectCommand()
{
    apdu::Command c = apdu::Command::header(0xA4, 0x04, 0x00);
    c.data.assign(kAidPrefix.begin(), kAidPrefix.end());
    c.le = kShortLe;
    return c;
}

// Section 7.2.6: GET DATA, P1-P2 the tag (one- or two-byte).
apdu::Command getDataCommand(std::uint32_t tag, std::uint32_t le)
{
    apdu::Command c = apdu::Command::header(0xCA, static_cast<std::uint8_t>((tag >> 8) & 0xFF),
                                            static_cast<std::uint8_t>(tag & 0xFF));
    c.le = le;
    return c;
}

// Section 7.2.5: SELECT DATA, P1 occurrence (0 = first), P2 04, tag list 60 { 5C tag }.
apdu::Command selectDataCommand(std::uint8_t occurrence, bool lengthPrefix)
{
    apdu::Command c = apdu::Command::header(0xA5, occurrence, 0x04);
    Bytes inner = apdu::tlv(0x5C, apdu::encodeTag(kCardholderCertificateTag));
    Bytes data = apdu::tlv(0x60, inner);
    if (lengthPrefix) c.data.push_back(static_cast<std::uint8_t>(data.size()));
    c.data.insert(c.data.end(), data.begin(), data.end());
    return c;
}

// Section 7.2.14: P1 81 reads the public key; data is the CRT with no content.
apdu::Command readPublicKeyCommand(std::uint8_t crt, std::uint32_t le)
{
    apdu::Command c = apdu::Command::header(0x47, 0x81, 0x00);
    c.data = apdu::tlv(crt, ByteView{});
    c.le = le;
    return c;
}

// Section 7.2.14: P1 80 generates; data is the CRT with no content.
apdu::Command generateKeyCommand(std::uint8_t crt, std::uint32_t le)
{
    apdu::Command c = iso7816::generateKeyPairCommand(0x80, 0x00, apdu::tlv(crt, ByteView{}));
    c.le = le;
    return c;
}

// Section 7.2.8: PUT DATA 00 DA with the tag in P1-P2.
apdu::Command putDataCommand(std::uint32_t tag, Bytes value)
{
    return iso7816::putDataCommand(iso7816::kInsPutDataSimple, static_cast<std::uint8_t>((tag >> 8) & 0xFF),
                                   static_cast<std::uint8_t>(tag & 0xFF), std::move(value));
}

// Section 7.2.8: PUT DATA 00 DB 3F FF with the extended header list 4D.
apdu::Command importKeyCommand(Bytes extendedHeaderList)
{
    apdu::Command c = iso7816::putDataCommand(iso7816::kInsPutDataBer, 0x3F, 0xFF, std::move(extendedHeaderList));
    c.sensitive = true;
    return c;
}

// Section 7.2.10: PSO, P1 9E (digital signature returned), P2 9A (data to sign).
apdu::Command computeSignatureCommand(ByteView input, std::uint32_t le)
{
    apdu::Command c = apdu::Command::header(0x2A, 0x9E, 0x9A);
    c.data.assign(input.begin(), input.end());
    c.le = le;
    return c;
}

// Section 7.2.13: INTERNAL AUTHENTICATE, P1-P2 00 00, with the authentication key.
apdu::Command internalAuthenticateCommand(ByteView input, std::uint32_t le)
{
    apdu::Command c = apdu::Command::header(0x88, 0x00, 0x00);
    c.data.assign(input.begin(), input.end());
    c.le = le;
    return c;
}

// Section 7.2.11: PSO, P1 80 (plain value returned), P2 86 (enciphered data).
apdu::Command decipherCommand(Bytes data, std::uint32_t le)
{
    apdu::Command c = apdu::Command::header(0x2A, 0x80, 0x86);
    c.data = std::move(data);
    c.le = le;
    c.sensitive = true; // the answer is a plaintext or a shared secret: never traced
    return c;
}

// Yubico OpenPGP applet: GET VERSION (INS F1) answers the firmware version.
apdu::Command yubikeyVersionCommand()
{
    apdu::Command c = apdu::Command::header(0xF1, 0x00, 0x00);
    c.le = kShortLe;
    return c;
}

} // namespace tessera::drivers::openpgp
