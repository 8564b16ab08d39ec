// The card-level model every driver produces, and the driver interface.
// Nothing here knows PKCS#11: the PKCS#11 layer maps this model to objects
// (src/pkcs11/token_objects.cpp). A driver speaks APDUs only through
// apdu::Channel, and returns card-level results or throws tessera::Error.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apdu/channel.hpp"
#include "common/bytes.hpp"
#include "common/error.hpp"
#include "common/secure_bytes.hpp"
#include "common/sensitive_bytes.hpp"

namespace tessera::drivers {

enum class KeyAlgorithm { rsa, ecP256, ecP384, ecP521, ed25519, x25519 };

// When the card wants the PIN for a key (PIV key policy, OpenPGP PW1 mode).
enum class PinPolicy { never, once, always };

// What the card takes as input for an RSA signature.
enum class RsaSignInput {
    paddedBlock, // a full modulus-size block, padded by the host (PIV)
    digestInfo,  // a DigestInfo; the card applies PKCS#1 v1.5 (OpenPGP)
};

struct CardKey {
    std::uint8_t reference = 0; // the card's key reference (PIV 9A, OpenPGP 1..3)
    Bytes id;                   // stable identifier, numbered as OpenSC does (PIV 01-04, 05-18)
    std::string label;          // e.g. "PIV AUTH key"
    KeyAlgorithm algorithm = KeyAlgorithm::rsa;
    unsigned bits = 0;                // modulus or field size
    Bytes publicKeySpki;              // DER SubjectPublicKeyInfo; empty when unknown
    std::optional<Bytes> certificate; // DER X.509 (decompressed)
    std::string certificateLabel;     // e.g. "Certificate for PIV Authentication"
    bool canSign = false;
    bool canDecrypt = false;
    bool canDerive = false;
    PinPolicy pinPolicy = PinPolicy::once;
    std::uint8_t pinReference = 0x80; // which PIN the operation needs (PIV 80; OpenPGP 81/82)
    RsaSignInput rsaSignInput = RsaSignInput::paddedBlock;
    bool rsaDecryptReturnsPaddedBlock = true; // PIV: raw block; OpenPGP: card strips PKCS#1

    bool operator==(const CardKey&) const = default; // the persistent cache compares keys
};

// A private key to import (C_CreateObject of CKO_PRIVATE_KEY): RSA as its CRT
// parts (e = 65537), EC as its scalar. Secret: page-backed and wiped.
struct PrivateKeyMaterial {
    KeyAlgorithm algorithm = KeyAlgorithm::rsa;
    unsigned bits = 0;                 // modulus or field size
    SensitiveBytes p, q, dp, dq, qinv; // RSA, big-endian
    SensitiveBytes scalar;             // EC, big-endian
};

struct PinInfo {
    std::uint8_t reference = 0x80; // the PIN C_Login(CKU_USER) verifies (PIV 80, OpenPGP 82)
    int triesLeft = -1;            // -1 unknown
    int maxTries = 3;
    std::size_t minLength = 6;
    std::size_t maxLength = 8;
    bool pinPad = false;
};

struct TokenModel {
    std::string label;
    std::string manufacturer;
    std::string model;
    std::string serial;
    Bytes identity; // bytes that identify this card instance (serial, CHUID GUID...)
    std::uint8_t hardwareMajor = 0, hardwareMinor = 0;
    std::uint8_t firmwareMajor = 0, firmwareMinor = 0;
    PinInfo userPin;
    // The card's administrator PIN when PKCS#11 CKU_SO maps to one (OpenPGP PW3);
    // nullopt when the card has none that can be verified on its own (PIV).
    std::optional<PinInfo> soPin;
    std::vector<CardKey> keys;
    // C_Login(CKU_SO) takes the card administrator's credential, checked by
    // Card::verifyAdministrator (PIV: the management key or the PUK), and
    // the card generates keys and stores certificates (Card::generateKeyPair ...).
    bool administratorLogin = false;
    // Key pairs Card::generateKeyPair can make (for the mechanism list).
    unsigned rsaGenerateMinBits = 0, rsaGenerateMaxBits = 0; // 0: no RSA generation
    unsigned ecGenerateMinBits = 0, ecGenerateMaxBits = 0;   // 0: no EC generation
    bool generate25519 = false;                              // Ed25519 / X25519 key pairs
    // false after Card::readIdentity(): keys (and the objects built from them)
    // come later from Card::readKeys(), when an application first looks.
    bool keysRead = true;
};

// One recognised card. Methods that touch the card expect the caller to hold a
// transaction (see pin_rule.hpp); they do not begin one themselves.
class Card {
public:
    virtual ~Card() = default;
    virtual std::string driverName() const = 0;
    // SELECT the application again (after a reset, or when another
    // application may have been selected meanwhile).
    virtual void select() = 0;
    // Reads all public data: identity, PIN state, keys, certificates.
    virtual TokenModel readToken() = 0;
    // The cheap part of readToken(): identity and PIN state, enough for
    // C_GetTokenInfo (PIV: YubiKey version/serial or CHUID, empty VERIFY).
    // A driver that splits the read sets keysRead = false; the default reads
    // everything at once.
    virtual TokenModel readIdentity() { return readToken(); }
    // Completes a model from readIdentity() with keys and certificates
    // (inside a transaction, after select()). Sets keysRead.
    virtual void readKeys(TokenModel& token) { token.keysRead = true; }
    // Re-reads only the user PIN's retry counter (empty VERIFY or status DO).
    virtual PinInfo readPinInfo(std::uint8_t pinReference) = 0;

    // Persistent cache of public card data (issue 8, src/pkcs11/token_cache.hpp).
    // cacheStamp(): right after the keys were read, bytes the driver wants
    // stored with them for cachedKeysCurrent() (no card I/O; empty = none).
    virtual Bytes cacheStamp() const { return {}; }
    // With the application selected, inside a transaction: would readKeys()
    // read exactly `cached` (with the stamp stored with them)? The cheapest
    // check that detects a certificate or key replaced by another tool; the
    // default never trusts a cache. Each driver documents its residual cases.
    virtual bool cachedKeysCurrent(const TokenModel& token, const std::vector<CardKey>& cached, ByteView stamp)
    {
        (void)token;
        (void)cached;
        (void)stamp;
        return false;
    }

    // VERIFY; throws Error(pinIncorrect, tries) / Error(pinLocked).
    virtual void verifyPin(std::uint8_t pinReference, const SecureBytes& pin) = 0;
    // Drops the verified state of the PIN (VERIFY P1=FF). Returns false when
    // the card cannot do that, so the caller must end the transaction with a
    // card reset instead.
    virtual bool resetPinState(std::uint8_t pinReference) = 0;
    virtual void changePin(std::uint8_t pinReference, const SecureBytes& oldPin, const SecureBytes& newPin) = 0;
    // The PIN typed on the reader's keypad (PC/SC part 10, apdu::Channel::
    // pinPadVerify): the same VERIFY / CHANGE REFERENCE DATA with the PIN
    // block the card wants, the PIN never seen by the host. pinPadUsable():
    // false when the card cannot take a PIN from a keypad at all (an OpenPGP
    // card with a KDF-DO wants the host's hash of the PIN). Defaults: no.
    virtual bool pinPadUsable() const { return false; }
    virtual void verifyPinOnPad(std::uint8_t pinReference)
    {
        (void)pinReference;
        throw Error(Errc::unsupported, driverName() + " cannot take a PIN from a PIN pad");
    }
    virtual void changePinOnPad(std::uint8_t pinReference)
    {
        (void)pinReference;
        throw Error(Errc::unsupported, driverName() + " cannot change a PIN on a PIN pad");
    }
    // With the SO PIN verified in this transaction: set a new user PIN and
    // reset its retry counter (C_InitPIN). Cards without an SO PIN: unsupported.
    virtual void initPin(const SecureBytes& newPin)
    {
        (void)newPin;
        throw Error(Errc::unsupported, "the card has no SO PIN to initialise the user PIN with");
    }

    // ---- Card administration (PIV: the management key and the PUK). Each
    // runs inside the caller's transaction after select(), authenticates with
    // `credential` (what C_Login(CKU_SO) was given) and does its work; the
    // caller ends the transaction with a card reset, so nothing the
    // credential unlocked survives it. Wrong credential: Error(pinIncorrect /
    // authenticationFailed / pinLocked) before anything is written. The
    // defaults: Error(unsupported).
    // C_Login(CKU_SO): checks the credential.
    virtual void verifyAdministrator(const SecureBytes& credential);
    // Unblocks the user PIN and sets it (PIV: RESET RETRY COUNTER with the PUK).
    virtual void unblockPin(const SecureBytes& credential, const SecureBytes& newPin);
    // C_SetPIN in an SO session: a new administrator credential of the same kind.
    virtual void changeAdministrator(const SecureBytes& oldCredential, const SecureBytes& newCredential);
    // Generates a key pair on the card in the slot that `id` names (the
    // CardKey::id numbering); returns the new key (public part known).
    // Error(dataInvalid) when no slot has that id.
    virtual CardKey generateKeyPair(const SecureBytes& credential, ByteView id, KeyAlgorithm algorithm, unsigned bits);
    // Imports a private key into the slot `id` names (a vendor extension:
    // YubiKey IMPORT KEY); returns the slot's key as the card now reports it.
    virtual std::optional<CardKey> importKey(const SecureBytes& credential, ByteView id, const PrivateKeyMaterial& key);
    // Stores (or, with an empty certificate, deletes) the certificate of the
    // slot `id` names; returns that slot's key as the card now reports it
    // (nullopt: no key known there). `known` is the key Tessera knows
    // in that slot, kept when the card cannot report a key without a certificate.
    virtual std::optional<CardKey> writeCertificate(const SecureBytes& credential, ByteView id, ByteView certificate,
                                                    const CardKey* known);

    // Private-key operations; the PIN, when needed, is already verified.
    // sign(): RSA input per key.rsaSignInput; EC input is the hash; returns
    // RSA signature or raw r||s (each half field-size, leading zeros kept).
    virtual Bytes sign(const CardKey& key, ByteView input) = 0;
    // RSA: the ciphertext block; returns the padded block or the plaintext
    // per key.rsaDecryptReturnsPaddedBlock.
    virtual SensitiveBytes decrypt(const CardKey& key, ByteView input) = 0;
    // ECDH: peer public point (uncompressed 04||X||Y, or 32 bytes for X25519);
    // returns the shared secret (x coordinate).
    virtual SensitiveBytes deriveEcdh(const CardKey& key, ByteView peerPoint) = 0;
};

inline void Card::verifyAdministrator(const SecureBytes&)
{
    throw Error(Errc::unsupported, "the card has no administrator credential");
}

inline void Card::unblockPin(const SecureBytes&, const SecureBytes&)
{
    throw Error(Errc::unsupported, "the card cannot unblock its PIN this way");
}

inline void Card::changeAdministrator(const SecureBytes&, const SecureBytes&)
{
    throw Error(Errc::unsupported, "the card's administrator credential cannot be changed here");
}

inline CardKey Card::generateKeyPair(const SecureBytes&, ByteView, KeyAlgorithm, unsigned)
{
    throw Error(Errc::unsupported, "the card cannot generate keys through this module yet");
}

inline std::optional<CardKey> Card::importKey(const SecureBytes&, ByteView, const PrivateKeyMaterial&)
{
    throw Error(Errc::unsupported, "the card cannot import keys (no import extension)");
}

inline std::optional<CardKey> Card::writeCertificate(const SecureBytes&, ByteView, ByteView, const CardKey*)
{
    throw Error(Errc::unsupported, "the card cannot store certificates through this module yet");
}

class Driver {
public:
    virtual ~Driver() = default;
    virtual std::string name() const = 0;
    // Cheap check on the ATR alone; true = worth trying SELECT.
    virtual bool atrHint(ByteView atr) const = 0;
    // SELECT the application; a Card when it answers as expected, nullptr otherwise.
    // Called inside a transaction.
    virtual std::unique_ptr<Card> probe(apdu::Channel& channel) const = 0;
};

} // namespace tessera::drivers
