// Seed recorder: drives the real drivers against Tessera's virtual cards
// in-process (tools/vcard, the same card code the integration tests use) and
// writes what the cards answered as fuzz inputs: whole sessions for the token
// targets (every raw R-APDU, 61xx rounds included, in order), and the single
// answers, by kind, for the parser targets. Usage: tessera_fuzz_seeds OUTDIR
// (tests/fuzz/record-seeds runs it into tests/fuzz/corpus).
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "apdu/tlv.hpp"
#include "card-drivers/openpgp/openpgp_card.hpp"
#include "card-drivers/piv/piv_card.hpp"
#include "card-drivers/piv/piv_containers.hpp"
#include "fuzz_support.hpp"
#include "openpgp_card.hpp"
#include "openpgp_provisioning.hpp"
#include "piv_card.hpp"
#include "pkcs11/token_objects.hpp"
#include "provisioning.hpp"
#include "x509_util.hpp"

using namespace tessera;
namespace fs = std::filesystem;

namespace {

fs::path gOut;

void writeSeed(const std::string& target, const std::string& name, ByteView bytes)
{
    fs::create_directories(gOut / target);
    std::ofstream f(gOut / target / name, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// One top-level command and what the card answered to it.
struct Exchange {
    apdu::Command command;
    std::vector<Bytes> raw;  // every raw R-APDU of this transmit (61xx rounds, chunks)
    apdu::Response response; // as the transmitter assembled it
};

// An apdu::Channel over a virtual card that records, like the PC/SC channel
// runs the ISO 7816-4 transmitter over the reader.
template <typename VCard> class RecordingChannel final : public apdu::Channel, private apdu::Transport {
public:
    explicit RecordingChannel(VCard& card) : card_(card) {}
    apdu::Response transmit(const apdu::Command& command) override
    {
        exchanges.push_back({command, {}, {}});
        apdu::Response r = apdu::transmit(*this, command, options_);
        exchanges.back().response = r;
        return r;
    }
    void beginTransaction() override {}
    void endTransaction(bool /*reset*/) override {}
    Bytes atr() const override { return card_.atr(); }
    void setExtendedLength(bool on) override { options_.extendedLength = on; }

    Bytes session; // the fuzz input of the token targets
    std::vector<Exchange> exchanges;

private:
    SensitiveBytes transmitRaw(ByteView command) override
    {
        Bytes answer = card_.transmit(command);
        fuzz::appendRecord(session, answer);
        exchanges.back().raw.push_back(answer);
        return SensitiveBytes(answer.begin(), answer.end());
    }
    VCard& card_;
    apdu::TransmitOptions options_;
};

Bytes gzipBytes(ByteView data)
{
    z_stream zs{};
    if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
    Bytes out(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
    zs.next_in = const_cast<Bytef*>(data.data());
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) std::abort();
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

// PKCS#1 v1.5 encryption to the key's SPKI, so an OpenPGP card's DECIPHER answers 9000.
Bytes encryptTo(const drivers::CardKey& key)
{
    const unsigned char* p = key.publicKeySpki.data();
    EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, static_cast<long>(key.publicKeySpki.size()));
    if (pub == nullptr) return fuzz::ciphertextFor(key);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pub, nullptr);
    Bytes out(static_cast<std::size_t>(EVP_PKEY_get_size(pub)));
    std::size_t len = out.size();
    const std::uint8_t msg[] = "tessera fuzz seed";
    if (EVP_PKEY_encrypt_init(ctx) <= 0 || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
        EVP_PKEY_encrypt(ctx, out.data(), &len, msg, sizeof msg - 1) <= 0) {
        out = fuzz::ciphertextFor(key);
    } else {
        out.resize(len);
    }
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pub);
    return out;
}

std::uint32_t pivTagOf(const apdu::Command& c)
{
    if (c.ins != 0xCB || c.data.size() < 5) return 0;
    return (std::uint32_t{c.data[2]} << 16) | (std::uint32_t{c.data[3]} << 8) | c.data[4];
}

Bytes prefixed(std::uint8_t selector, ByteView body)
{
    Bytes b{selector};
    b.insert(b.end(), body.begin(), body.end());
    return b;
}

Bytes withTag(std::uint32_t tag, ByteView body)
{
    Bytes b{static_cast<std::uint8_t>(tag >> 24), static_cast<std::uint8_t>(tag >> 16),
            static_cast<std::uint8_t>(tag >> 8), static_cast<std::uint8_t>(tag)};
    b.insert(b.end(), body.begin(), body.end());
    return b;
}

// The transmit target's input for one recorded exchange: the command's shape, then the raw answers.
Bytes transmitSeed(const Exchange& e, bool extended)
{
    Bytes b;
    std::uint8_t flags = extended ? 0x01 : 0x00;
    if (e.command.sensitive) flags |= 0x02;
    if (e.command.le) flags |= 0x04;
    b.push_back(flags);
    b.insert(b.end(), {e.command.cla, e.command.ins, e.command.p1, e.command.p2});
    const std::uint32_t le = e.command.le.value_or(0) % 65536;
    b.push_back(static_cast<std::uint8_t>(le >> 8));
    b.push_back(static_cast<std::uint8_t>(le));
    b.push_back(static_cast<std::uint8_t>(e.command.data.size() >> 8));
    b.push_back(static_cast<std::uint8_t>(e.command.data.size()));
    b.push_back(64);                             // maxGetResponse
    b.insert(b.end(), {0x00, 0x10, 0x00, 0x00}); // maxResponseBytes 1 MiB
    for (const Bytes& r : e.raw)
        fuzz::appendRecord(b, r);
    return b;
}

// Per-answer seeds of the TLV, transmit and parser targets, named after the session.
template <typename Channel> void singleAnswerSeeds(const std::string& session, const Channel& ch, bool pgp)
{
    std::size_t n = 0;
    std::map<std::uint8_t, Bytes> attributesByCrt; // OpenPGP: C1-C3 from the 6E answer, by CRT tag
    Bytes lastSpki;
    for (const Exchange& e : ch.exchanges) {
        const std::string id = session + "-" + std::to_string(n++);
        const Bytes& d = e.response.data;
        if (e.raw.size() > 1 || n % 4 == 0) writeSeed("transmit", id, transmitSeed(e, false));
        if (d.empty()) continue;
        writeSeed("tlv", id, withTag(pgp ? 0x7F49 : 0x70, d));
        if (!pgp) {
            const std::uint32_t tag = pivTagOf(e.command);
            if (tag == 0x5FC10C)
                writeSeed("piv_objects", id + "-history", prefixed(2, d));
            else if (tag == 0x5FC102)
                writeSeed("piv_objects", id + "-chuid", prefixed(3, d));
            else if (tag != 0) {
                writeSeed("piv_objects", id + "-container", prefixed(0, d));
                writeSeed("piv_objects", id + "-object", prefixed(4, d));
                try {
                    if (auto v = apdu::find(drivers::piv::dataObjectValue(d), 0x70, false)) {
                        if (d.size() > 3 && v->value.size() > 2 && v->value[0] == 0x1F && v->value[1] == 0x8B)
                            writeSeed("piv_objects", id + "-gzip", prefixed(1, v->value));
                        else
                            writeSeed("piv_objects", id + "-x509", prefixed(9, v->value));
                    }
                } catch (const Error&) {
                }
            } else if (e.command.ins == 0xFD || e.command.ins == 0xF8) {
                writeSeed("piv_objects", id + "-yubikey", prefixed(5, d));
            } else if (e.command.ins == 0xF7) {
                writeSeed("piv_objects", id + "-metadata", prefixed(6, d));
                try {
                    auto alg = apdu::find(d, 0x01, false);
                    auto pub = apdu::find(d, 0x04, false);
                    if (alg && pub && !alg->value.empty()) {
                        Bytes b{7, alg->value[0]};
                        b.insert(b.end(), pub->value.begin(), pub->value.end());
                        writeSeed("piv_objects", id + "-metakey", b);
                    }
                } catch (const Error&) {
                }
            } else if (e.command.ins == 0x87) {
                try {
                    auto sig = apdu::find(d, 0x82, true);
                    if (sig && !sig->value.empty() && sig->value[0] == 0x30) {
                        // ECDSA-Sig-Value of P-256 (up to 72 bytes) or P-384.
                        Bytes b{8, static_cast<std::uint8_t>(sig->value.size() > 72 ? 47 : 31)}; // half - 1
                        b.insert(b.end(), sig->value.begin(), sig->value.end());
                        writeSeed("piv_objects", id + "-ecdsa", b);
                    }
                } catch (const Error&) {
                }
            }
            continue;
        }
        // OpenPGP
        const std::uint16_t tag = static_cast<std::uint16_t>((e.command.p1 << 8) | e.command.p2);
        if (e.command.ins == 0xCA && tag == 0x006E) {
            writeSeed("openpgp_data", id + "-6e", prefixed(0, d));
            const std::pair<std::uint32_t, std::uint8_t> parts[] = {{0x4F, 1}, {0x5F52, 2}, {0x7F66, 3}, {0xC0, 4},
                                                                    {0xC1, 5}, {0xC2, 5},   {0xC3, 5},   {0xC4, 6}};
            for (const auto& [t, sel] : parts) {
                try {
                    if (auto v = apdu::find(d, t, true)) {
                        writeSeed("openpgp_data", id + "-" + std::to_string(t), prefixed(sel, v->value));
                        if (t >= 0xC1 && t <= 0xC3) {
                            const std::uint8_t crt[] = {0xB6, 0xB8, 0xA4};
                            attributesByCrt[crt[t - 0xC1]] = Bytes(v->value.begin(), v->value.end());
                        }
                    }
                } catch (const Error&) {
                }
            }
            writeSeed("openpgp_data", id + "-unwrap", [&] {
                Bytes b{8, 0x00, 0x6E};
                b.insert(b.end(), d.begin(), d.end());
                return b;
            }());
        } else if (e.command.ins == 0xCA && tag == 0x0065) {
            writeSeed("openpgp_data", id + "-65", prefixed(7, d));
        } else if (e.command.ins == 0xCA && tag == 0x00F9) {
            writeSeed("openpgp_data", id + "-f9", prefixed(9, d));
        } else if (e.command.ins == 0xCA && tag == 0x7F21) {
            Bytes b{11};
            fuzz::appendRecord(b, lastSpki);
            b.insert(b.end(), d.begin(), d.end());
            writeSeed("openpgp_data", id + "-7f21", b);
        } else if (e.command.ins == 0x47 && !e.command.data.empty()) {
            Bytes b{10};
            fuzz::appendRecord(b, attributesByCrt[e.command.data[0]]);
            b.insert(b.end(), d.begin(), d.end());
            writeSeed("openpgp_data", id + "-7f49", b);
        }
    }
}

// The attribute target's input for a recorded token: no own attributes, the
// token's keys (SPKI and certificate), then a template of sizes and one of values.
void attributeSeed(const std::string& session, const drivers::TokenModel& token)
{
    Bytes b{0x03}; // three own attributes: CKA_CLASS, CKA_LABEL (sensitive), CKA_ID
    for (int t : {0, 3, 10}) {
        b.push_back(static_cast<std::uint8_t>(t));
        b.push_back(t == 3 ? 1 : 0);
        fuzz::appendRecord(b, Bytes{0x01, 0x02, 0x03});
    }
    const std::size_t keys = std::min<std::size_t>(token.keys.size(), 3);
    b.push_back(static_cast<std::uint8_t>(keys));
    for (std::size_t i = 0; i < keys; ++i) {
        const drivers::CardKey& k = token.keys[i];
        std::uint8_t flags = static_cast<std::uint8_t>(k.algorithm);
        if (k.canSign) flags |= 0x10;
        if (k.canDecrypt) flags |= 0x20;
        if (k.canDerive) flags |= 0x40;
        if (k.certificate) flags |= 0x80;
        b.push_back(flags);
        b.push_back(static_cast<std::uint8_t>(k.bits >> 8));
        b.push_back(static_cast<std::uint8_t>(k.bits));
        fuzz::appendRecord(b, k.publicKeySpki);
        if (k.certificate) fuzz::appendRecord(b, *k.certificate);
    }
    b.push_back(8); // template: 8 entries, sizes / buffers / values
    for (std::uint8_t i = 0; i < 8; ++i) {
        b.push_back(static_cast<std::uint8_t>(i * 3)); // type index
        b.push_back(i % 3);                            // mode
        if (i % 3 == 2)
            fuzz::appendRecord(b, Bytes{0x01});
        else
            b.insert(b.end(), {0x00, static_cast<std::uint8_t>(i * 9)});
    }
    writeSeed("attributes", session, b);
}

template <typename VCard> void record(const std::string& session, VCard& vcard, bool pgp)
{
    RecordingChannel<VCard> ch(vcard);
    std::unique_ptr<drivers::Card> card =
        pgp ? drivers::openpgp::makeDriver()->probe(ch) : drivers::piv::makeDriver()->probe(ch);
    if (!card) {
        std::cerr << session << ": the driver did not recognise the virtual card\n";
        std::exit(1);
    }
    fuzz::OperationInputs inputs;
    if (pgp) inputs.ciphertext = encryptTo;
    // The same sequence the token targets run, so the session replays along the same path.
    fuzz::exerciseCard(*card, inputs);
    writeSeed(pgp ? "openpgp_token" : "piv_token", session, ch.session);
    singleAnswerSeeds(session, ch, pgp);
    writeSeed(pgp ? "openpgp_data" : "piv_objects", session + "-atr", prefixed(pgp ? 12 : 10, vcard.atr()));

    // A second pass with a fresh channel to keep the token for the attribute seed.
    RecordingChannel<VCard> again(vcard);
    auto card2 = pgp ? drivers::openpgp::makeDriver()->probe(again) : drivers::piv::makeDriver()->probe(again);
    if (card2) attributeSeed(session, card2->readToken());
    std::cout << session << ": " << ch.exchanges.size() << " commands, " << ch.session.size() << " bytes\n";
}

void pivSessions()
{
    using namespace tessera::vcard;
    {
        PivCard c(provisionCard({Profile::yubikey, false, alg::tdes}));
        record("piv-yubikey", c, false);
    }
    {
        PivCard c(provisionCard({Profile::plain, false, alg::tdes}));
        record("piv-plain", c, false);
    }
    {
        PivCard c(provisionCard({Profile::yubikey, true, alg::tdes}));
        record("piv-yubikey-empty", c, false);
    }
    {
        // 9A gzip-compressed (CertInfo 01), 9D container emptied (key from
        // metadata only), two retired keys with on-card certificates.
        CardState s = provisionCard({Profile::yubikey, false, alg::tdes});
        Bytes cert9a;
        if (auto v = apdu::find(s.objects[0x5FC105], 0x70, false)) cert9a.assign(v->value.begin(), v->value.end());
        const std::uint8_t compressed[] = {0x01};
        s.objects[0x5FC105] =
            apdu::TlvWriter().add(0x70, gzipBytes(cert9a)).add(0x71, compressed).add(0xFE, {}).bytes();
        s.objects.erase(0x5FC10B);
        const std::uint8_t two[] = {0x02}, zero[] = {0x00};
        s.objects[0x5FC10C] = apdu::TlvWriter().add(0xC1, two).add(0xC2, zero).add(0xFE, {}).bytes();
        s.objects[0x5FC10D] = certificateContainer(cert9a);
        s.objects[0x5FC10E] = certificateContainer(cert9a);
        PivCard c(std::move(s));
        record("piv-yubikey-gzip-retired", c, false);
    }
}

void openPgpSessions()
{
    using namespace tessera::vcard;
    for (const char* profile : {"v34", "v34-p256", "v34-25519", "v21"}) {
        OpenPgpCard c(provisionOpenPgpCard(openPgpProvisionDefaults(profile)));
        record(std::string("openpgp-") + profile, c, true);
    }
    {
        OpenPgpProvisionOptions o = openPgpProvisionDefaults("v34");
        o.empty = true;
        OpenPgpCard c(provisionOpenPgpCard(o));
        record("openpgp-v34-empty", c, true);
    }
    {
        // Cardholder certificate for the authentication key, and a P-384 signature key.
        OpenPgpProvisionOptions o = openPgpProvisionDefaults("v34");
        o.keys = {"p384", "rsa2048", "p256"};
        OpenPgpState s = provisionOpenPgpCard(o);
        s.certificates[0] = makeSelfSignedCertificate(slot(s, KeyRole::aut).key, "OpenPGP aut", 0x9A, 365);
        s.name = Bytes{'D', 'o', 'e', '<', '<', 'J', 'o', 'h', 'n'};
        OpenPgpCard c(std::move(s));
        record("openpgp-v34-cert", c, true);
    }
}

// Hand-made answers the virtual cards never give: transmission corner cases.
void transmitCornerCases()
{
    auto seed = [](const std::string& name, std::uint8_t flags, std::uint16_t lc, std::uint16_t le,
                   std::uint8_t maxRounds, const std::vector<std::string>& answers) {
        Bytes b{flags, 0x00, 0xCB, 0x3F, 0xFF};
        b.insert(b.end(),
                 {static_cast<std::uint8_t>(le >> 8), static_cast<std::uint8_t>(le), static_cast<std::uint8_t>(lc >> 8),
                  static_cast<std::uint8_t>(lc), maxRounds, 0x00, 0x00, 0x10, 0x00});
        for (const auto& a : answers)
            fuzz::appendRecord(b, fromHex(a));
        writeSeed("transmit", name, b);
    };
    seed("hand-61xx-3-rounds", 0x04, 5, 0, 64, {"0102 6102", "0304 6101", "05 6100", std::string(512, 'A') + "9000"});
    seed("hand-6Cxx", 0x04, 0, 10, 64, {"6C05", "0102030405 9000"});
    seed("hand-6Cxx-then-61xx", 0x04, 0, 10, 64, {"6C05", "0102 6103", "6C02", "0102 9000"});
    seed("hand-61xx-forever", 0x04, 0, 0, 4, {"6100", "6100", "6100", "6100", "6100", "6100"});
    seed("hand-chaining-3", 0x00, 700, 0, 64, {"9000", "9000", "01 9000"});
    seed("hand-chaining-refused", 0x00, 700, 0, 64, {"9000", "6A80"});
    seed("hand-short-answer", 0x04, 0, 0, 64, {"90"});
    seed("hand-empty-answer", 0x04, 0, 0, 64, {""});
    seed("hand-response-limit", 0x04, 0, 0, 64, {"00 6100", std::string(1100, 'B') + "6100", "9000"});
    // maxResponseBytes 16: larger than it after the first round.
    Bytes b{0x06, 0x00, 0x20, 0x00, 0x80, 0x00, 0x00, 0x00, 0x08, 0x10, 0x00, 0x00, 0x00, 0x0F};
    fuzz::appendRecord(b, fromHex("0102030405060708 6110"));
    fuzz::appendRecord(b, fromHex("0102030405060708090A0B0C0D0E0F10 9000"));
    writeSeed("transmit", "hand-sensitive-limit", b);
}

// Malformed TLV shapes a card might send.
void tlvCornerCases()
{
    for (const auto& [name, hex] : std::vector<std::pair<std::string, std::string>>{
             {"indefinite", "00000053 5380 0102"},
             {"long-length", "00000053 5384 00000001 00"},
             {"truncated", "00000053 5382 0100 01"},
             {"deep", "00000001 7F21 10 7F21 0D 7F21 0A 7F21 07 7F21 04 7F21 01 01"},
             {"tag-4-bytes", "1F818203 1F818203 01 AA"},
             {"tag-5-bytes", "00000000 1F81828304 01 AA"},
             {"padding", "0000005C 00FF 5C 01 01 FF00"},
             {"nested-53", "0000FE00 53 0A 70 03 010203 71 01 00 FE 00"}}) {
        writeSeed("tlv", "hand-" + name, fromHex(hex));
    }
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::cerr << "usage: tessera_fuzz_seeds OUTDIR\n";
        return 2;
    }
    gOut = argv[1];
    pivSessions();
    openPgpSessions();
    transmitCornerCases();
    tlvCornerCases();
    return 0;
}
