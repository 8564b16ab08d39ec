// Writing and deleting the cardholder certificate of an OpenPGP key (OpenPGP
// card spec 3.4.1 section 4.4.3.10 / 7.2.8): VERIFY PW3, SELECT DATA of the
// key's 7F21 occurrence (7.2.5; 3.x cards hold one per key), PUT DATA 7F21
// with the DER certificate, or with no data to empty it. 2.x cards (and old
// YubiKeys) have one 7F21, the authentication key's. Long certificates go as
// the channel sends long APDUs: extended length when the card has it, else
// command chaining. The caller's transaction ends with a card reset
// (admin_rule.hpp), which drops PW3 and the SELECT DATA state.
#include "apdu/status_words.hpp"
#include "card-drivers/openpgp/openpgp_card.hpp"
#include "card-drivers/openpgp/openpgp_commands.hpp"
#include "card-drivers/openpgp/openpgp_keys.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace tessera::drivers::openpgp {

// Checks made before VERIFY PW3, so that a refused certificate costs nothing
// and writes nothing: the card must have a 7F21 for the key, the key must be
// there (Tessera shows a certificate only next to its key) and be the
// certificate's, and the certificate must fit what the card stores (C0
// bytes 5-6) and, with extended length, one command (7F66).
void OpenPgpCard::checkCertificateWrite(const KeySlot& slot, ByteView certificate, const CardKey* known) const
{
    if (quirks_.singleCertificate && slot.reference != kAuthenticationKey)
        fail(Errc::dataInvalid, "this OpenPGP card (before 3.0, or an old YubiKey) stores one certificate only, the "
                                "authentication key's (CKA_ID 03)");
    if (certificate.empty()) return;
    if (known == nullptr || known->publicKeySpki.empty())
        fail(Errc::dataInvalid, "the OpenPGP card has no " + std::string(slot.keyLabel) +
                                    ": generate or import the key before its certificate");
    if (!certificateMatchesKey(certificate, known->publicKeySpki))
        fail(Errc::dataInvalid, "the certificate is not for the card's " + std::string(slot.keyLabel));
    const std::size_t max = data_.extended.maxCertificate;
    if (max != 0 && certificate.size() > max)
        fail(Errc::dataInvalid, "the certificate is " + std::to_string(certificate.size()) +
                                    " bytes; the card stores at most " + std::to_string(max));
    if (quirks_.extendedLength && data_.extendedLength && data_.extendedLength->maxCommand != 0 &&
        certificate.size() > data_.extendedLength->maxCommand)
        fail(Errc::dataInvalid, "the certificate is longer than the card's longest command (7F66)");
}

// Section 7.2.5 then 7.2.8. Returns the key with the certificate the card now
// gives back (read again: what was written is what is shown).
std::optional<CardKey> OpenPgpCard::writeCertificate(const SecureBytes& credential, ByteView id, ByteView certificate,
                                                     const CardKey* known)
{
    const KeySlot& slot = slotForKeyId(id);
    checkCertificateWrite(slot, certificate, known);
    verifyPin(kPw3, credential);
    if (!quirks_.singleCertificate) {
        apdu::Response s = channel_.transmit(selectDataCommand(slot.occurrence, quirks_.selectDataLengthPrefix));
        apdu::throwIfError(s.sw, "OpenPGP SELECT DATA 7F21");
        selectedOccurrence_ = slot.occurrence;
    }
    apdu::Response r =
        channel_.transmit(putDataCommand(kCardholderCertificateTag, Bytes(certificate.begin(), certificate.end())));
    apdu::throwIfError(r.sw, "OpenPGP PUT DATA 7F21");
    std::optional<Bytes> now = certificate.empty() ? std::nullopt : readCertificate(slot);
    endCertificateSelection();
    log::write(log::Level::calls, std::string("OpenPGP certificate of the ") + std::string(slot.keyLabel) +
                                      (certificate.empty() ? " deleted" : " written"));
    if (known == nullptr || known->publicKeySpki.empty()) return std::nullopt;
    CardKey key = *known;
    key.certificate.reset();
    if (now && certificateMatchesKey(*now, key.publicKeySpki)) key.certificate = std::move(*now);
    return key;
}

} // namespace tessera::drivers::openpgp
