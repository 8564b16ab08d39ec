// Key and certificate management on the card (PKCS#11 3.0 sections 5.7
// C_CreateObject of certificates and private keys (import) / C_DestroyObject
// for token objects, 5.14 C_GenerateKeyPair),
// for the SO of key_admin.hpp. The card slot is chosen by CKA_ID, numbered
// as OpenSC and ykcs11 number PIV keys (01-04: 9A 9C 9D 9E; 05-18: retired
// 82-95). Labels and other attributes a PIV card cannot store are ignored.
// After each write the token's objects are refreshed at once.
#include <algorithm>

#include "pkcs11/entry.hpp"
#include "pkcs11/key_admin.hpp"
#include "pkcs11/module.hpp"

using namespace tessera;
using namespace tessera::pkcs11;

namespace {

// DER OIDs of CKA_EC_PARAMS (SEC 2 / RFC 5480): prime256v1, secp384r1, secp521r1.
const Bytes kP256Oid{0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
const Bytes kP384Oid{0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22};
const Bytes kP521Oid{0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x23};

// PKCS#11 3.0 mechanisms 2.3.5-2.3.6: CKA_EC_PARAMS of Edwards and Montgomery
// keys name the curve by an OID (RFC 8410, or the older ones GnuPG and
// pkcs11-tool use) or by a PrintableString.
struct NamedCurve {
    Bytes der;
    drivers::KeyAlgorithm algorithm;
};
const std::vector<NamedCurve> kEdwardsCurves{
    {{0x06, 0x03, 0x2B, 0x65, 0x70}, drivers::KeyAlgorithm::ed25519},
    {{0x06, 0x09, 0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01}, drivers::KeyAlgorithm::ed25519},
    {{0x13, 0x0C, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9'}, drivers::KeyAlgorithm::ed25519},
};
const std::vector<NamedCurve> kMontgomeryCurves{
    {{0x06, 0x03, 0x2B, 0x65, 0x6E}, drivers::KeyAlgorithm::x25519},
    {{0x06, 0x0A, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x97, 0x55, 0x01, 0x05, 0x01}, drivers::KeyAlgorithm::x25519},
    {{0x13, 0x0A, 'c', 'u', 'r', 'v', 'e', '2', '5', '5', '1', '9'}, drivers::KeyAlgorithm::x25519},
    // OpenSC 0.23's pkcs11-tool sends "curve25519" with the length 0B (its table's typo, fixed in 0.24).
    {{0x13, 0x0B, 'c', 'u', 'r', 'v', 'e', '2', '5', '5', '1', '9'}, drivers::KeyAlgorithm::x25519},
};

const CK_ATTRIBUTE* findAttribute(const CK_ATTRIBUTE* templ, CK_ULONG count, CK_ATTRIBUTE_TYPE type)
{
    for (CK_ULONG i = 0; i < count; ++i)
        if (templ[i].type == type) return &templ[i];
    return nullptr;
}

ByteView attributeBytes(const CK_ATTRIBUTE& a)
{
    if (a.pValue == nullptr && a.ulValueLen != 0) failRv(CKR_ATTRIBUTE_VALUE_INVALID, "NULL attribute value");
    return a.pValue == nullptr ? ByteView() : ByteView(static_cast<const std::uint8_t*>(a.pValue), a.ulValueLen);
}

void checkTemplate(const CK_ATTRIBUTE* templ, CK_ULONG count)
{
    if (templ == nullptr && count != 0) failRv(CKR_ARGUMENTS_BAD, "NULL template with non-zero count");
}

// The objects live on the card: CKA_TOKEN, when given, must be TRUE.
void requireTokenObject(const CK_ATTRIBUTE* templ, CK_ULONG count)
{
    if (const CK_ATTRIBUTE* t = findAttribute(templ, count, CKA_TOKEN); t && !templateBool(*t))
        failRv(CKR_TEMPLATE_INCONSISTENT, "the card holds token objects only");
}

Bytes requiredId(const CK_ATTRIBUTE* first, CK_ULONG firstCount, const CK_ATTRIBUTE* second, CK_ULONG secondCount)
{
    const CK_ATTRIBUTE* id = findAttribute(first, firstCount, CKA_ID);
    if (id == nullptr) id = findAttribute(second, secondCount, CKA_ID);
    if (id == nullptr) failRv(CKR_TEMPLATE_INCOMPLETE, "CKA_ID chooses the card slot");
    ByteView v = attributeBytes(*id);
    return Bytes(v.begin(), v.end());
}

// PIV RSA keys have e = 65537 (SP 800-78-4 section 3.1; YubiKey import too).
void checkPublicExponent(const CK_ATTRIBUTE* e)
{
    if (e == nullptr) return;
    ByteView v = attributeBytes(*e);
    while (!v.empty() && v[0] == 0)
        v = v.subspan(1);
    const Bytes f4{0x01, 0x00, 0x01};
    if (!std::equal(v.begin(), v.end(), f4.begin(), f4.end()))
        failRv(CKR_ATTRIBUTE_VALUE_INVALID, "the cards make and take RSA keys with e = 65537 only");
}

struct KeySpec {
    drivers::KeyAlgorithm algorithm = drivers::KeyAlgorithm::rsa;
    unsigned bits = 0;
};

// PKCS#11 3.0 mechanisms 2.1.4 (CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT) and
// 2.3.4 (CKA_EC_PARAMS) in the public key template.
KeySpec keySpec(const CK_MECHANISM& mechanism, const CK_ATTRIBUTE* pub, CK_ULONG pubCount)
{
    KeySpec spec;
    if (mechanism.mechanism == CKM_RSA_PKCS_KEY_PAIR_GEN) {
        const CK_ATTRIBUTE* bits = findAttribute(pub, pubCount, CKA_MODULUS_BITS);
        if (bits == nullptr) failRv(CKR_TEMPLATE_INCOMPLETE, "CKA_MODULUS_BITS missing");
        spec.bits = static_cast<unsigned>(templateUlong(*bits));
        checkPublicExponent(findAttribute(pub, pubCount, CKA_PUBLIC_EXPONENT));
        return spec;
    }
    const bool edwards = mechanism.mechanism == CKM_EC_EDWARDS_KEY_PAIR_GEN;
    const bool montgomery = mechanism.mechanism == CKM_EC_MONTGOMERY_KEY_PAIR_GEN;
    if (mechanism.mechanism != CKM_EC_KEY_PAIR_GEN && !edwards && !montgomery) failRv(CKR_MECHANISM_INVALID);
    const CK_ATTRIBUTE* params = findAttribute(pub, pubCount, CKA_EC_PARAMS);
    if (params == nullptr) failRv(CKR_TEMPLATE_INCOMPLETE, "CKA_EC_PARAMS missing");
    ByteView v = attributeBytes(*params);
    auto is = [&](const Bytes& der) { return std::equal(v.begin(), v.end(), der.begin(), der.end()); };
    if (edwards || montgomery) {
        for (const NamedCurve& c : edwards ? kEdwardsCurves : kMontgomeryCurves)
            if (is(c.der)) return {c.algorithm, 255};
        failRv(CKR_CURVE_NOT_SUPPORTED,
               edwards ? "Ed25519 is the one Edwards curve" : "X25519 is the one Montgomery curve");
    }
    if (is(kP256Oid)) return {drivers::KeyAlgorithm::ecP256, 256};
    if (is(kP384Oid)) return {drivers::KeyAlgorithm::ecP384, 384};
    if (is(kP521Oid)) return {drivers::KeyAlgorithm::ecP521, 521};
    failRv(CKR_CURVE_NOT_SUPPORTED, "the cards generate P-256, P-384 and P-521 keys");
}

// The sizes the card says it generates (TokenModel, also the mechanism list).
void checkGenerateRange(const drivers::TokenModel& model, const KeySpec& spec)
{
    if (spec.algorithm == drivers::KeyAlgorithm::rsa) {
        if (spec.bits < model.rsaGenerateMinBits || spec.bits > model.rsaGenerateMaxBits)
            failRv(CKR_KEY_SIZE_RANGE, "the card does not generate RSA keys of this size");
    } else if (spec.algorithm == drivers::KeyAlgorithm::ed25519 || spec.algorithm == drivers::KeyAlgorithm::x25519) {
        if (!model.generate25519) failRv(CKR_CURVE_NOT_SUPPORTED, "the card does not generate 25519 keys");
    } else if (spec.bits < model.ecGenerateMinBits || spec.bits > model.ecGenerateMaxBits) {
        failRv(CKR_CURVE_NOT_SUPPORTED, "the card does not generate keys on this curve");
    }
}

void requireWritable(Session& s)
{
    if (!s.readWrite()) failRv(CKR_SESSION_READ_ONLY);
    if (!s.token->model.administratorLogin)
        failRv(CKR_FUNCTION_NOT_SUPPORTED, "this card is not written through Tessera yet");
}

// The driver's "no slot for this CKA_ID" is a template error here.
template <typename F> auto templateErrors(F&& f) -> decltype(f())
{
    try {
        return f();
    } catch (const Error& e) {
        if (e.code() == Errc::dataInvalid) failRv(CKR_ATTRIBUTE_VALUE_INVALID, e.what());
        throw;
    }
}

std::optional<drivers::CardKey> knownKey(Session& s, ByteView id)
{
    std::scoped_lock lock(s.slot->stateMutex);
    for (const auto& k : s.token->model.keys)
        if (std::equal(k.id.begin(), k.id.end(), id.begin(), id.end())) return k;
    return std::nullopt;
}

CK_RV generateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR mechanism, CK_ATTRIBUTE_PTR pub, CK_ULONG pubCount,
                      CK_ATTRIBUTE_PTR priv, CK_ULONG privCount, CK_OBJECT_HANDLE_PTR phPub,
                      CK_OBJECT_HANDLE_PTR phPriv)
{
    auto s = Module::sessionCall(hSession);
    requireNonNull(mechanism);
    requireNonNull(phPub);
    requireNonNull(phPriv);
    checkTemplate(pub, pubCount);
    checkTemplate(priv, privCount);
    const KeySpec spec = keySpec(*mechanism, pub, pubCount);
    requireTokenObject(pub, pubCount);
    requireTokenObject(priv, privCount);
    const Bytes id = requiredId(priv, privCount, pub, pubCount);
    requireWritable(*s);
    checkGenerateRange(s->token->model, spec);
    s->slot->ensureObjects(s->token); // the key list is complete before it changes
    std::optional<drivers::CardKey> key;
    templateErrors([&] {
        runAsAdministrator(*s, [&](drivers::Card& card, const SecureBytes& credential) {
            key = card.generateKeyPair(credential, id, spec.algorithm, spec.bits);
        });
        return 0;
    });
    const int index = refreshKeyObjects(*s, id, key);
    *phPub = objectFor(*s, index, CKO_PUBLIC_KEY);
    *phPriv = objectFor(*s, index, CKO_PRIVATE_KEY);
    if (*phPub == 0 || *phPriv == 0) failRv(CKR_DEVICE_ERROR, "the card's new public key is unusable");
    return CKR_OK;
}

} // namespace

namespace tessera::pkcs11 {

namespace {

// C_CreateObject of a CKO_PRIVATE_KEY: the key's secret parts go straight
// into SensitiveBytes, and the card imports them (YubiKey IMPORT KEY; plain
// PIV cards answer CKR_FUNCTION_NOT_SUPPORTED).
CK_OBJECT_HANDLE importPrivateKey(Session& s, CK_ATTRIBUTE_PTR templ, CK_ULONG count)
{
    drivers::PrivateKeyMaterial key;
    const CK_ATTRIBUTE* type = findAttribute(templ, count, CKA_KEY_TYPE);
    if (type == nullptr) failRv(CKR_TEMPLATE_INCOMPLETE, "CKA_KEY_TYPE missing");
    auto secret = [&](CK_ATTRIBUTE_TYPE t, SensitiveBytes& out) {
        const CK_ATTRIBUTE* a = findAttribute(templ, count, t);
        if (a == nullptr) failRv(CKR_TEMPLATE_INCOMPLETE, "a private key part is missing");
        const ByteView v = attributeBytes(*a);
        out.assign(v.begin(), v.end());
    };
    if (templateUlong(*type) == CKK_RSA) {
        const CK_ATTRIBUTE* modulus = findAttribute(templ, count, CKA_MODULUS);
        if (modulus == nullptr) failRv(CKR_TEMPLATE_INCOMPLETE, "CKA_MODULUS missing");
        ByteView n = attributeBytes(*modulus);
        while (!n.empty() && n[0] == 0)
            n = n.subspan(1);
        key.bits = static_cast<unsigned>(n.size() * 8);
        checkPublicExponent(findAttribute(templ, count, CKA_PUBLIC_EXPONENT));
        secret(CKA_PRIME_1, key.p);
        secret(CKA_PRIME_2, key.q);
        secret(CKA_EXPONENT_1, key.dp);
        secret(CKA_EXPONENT_2, key.dq);
        secret(CKA_COEFFICIENT, key.qinv);
    } else if (templateUlong(*type) == CKK_EC) {
        CK_MECHANISM ec{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
        const KeySpec spec = keySpec(ec, templ, count);
        key.algorithm = spec.algorithm;
        key.bits = spec.bits;
        secret(CKA_VALUE, key.scalar);
    } else {
        failRv(CKR_ATTRIBUTE_VALUE_INVALID, "PIV imports RSA and EC keys");
    }
    const Bytes id = requiredId(templ, count, nullptr, 0);
    requireWritable(s);
    s.slot->ensureObjects(s.token);
    std::optional<drivers::CardKey> imported;
    templateErrors([&] {
        runAsAdministrator(s, [&](drivers::Card& card, const SecureBytes& credential) {
            imported = card.importKey(credential, id, key);
        });
        return 0;
    });
    const CK_OBJECT_HANDLE h = objectFor(s, refreshKeyObjects(s, id, imported), CKO_PRIVATE_KEY);
    if (h == 0) failRv(CKR_DEVICE_ERROR, "the card does not report the imported key");
    return h;
}

} // namespace

// C_CreateObject of an X.509 certificate: stored in the certificate container
// of the slot CKA_ID names (SP 800-73-4 part 1 table 4b).
CK_OBJECT_HANDLE createTokenObject(Session& s, CK_ATTRIBUTE_PTR templ, CK_ULONG count)
{
    const CK_ATTRIBUTE* cls = findAttribute(templ, count, CKA_CLASS);
    if (cls == nullptr) failRv(CKR_TEMPLATE_INCOMPLETE, "CKA_CLASS missing");
    requireTokenObject(templ, count);
    if (templateUlong(*cls) == CKO_PRIVATE_KEY) return importPrivateKey(s, templ, count);
    if (templateUlong(*cls) != CKO_CERTIFICATE)
        failRv(CKR_FUNCTION_NOT_SUPPORTED, "only certificates and private keys can be stored on this card");
    if (const CK_ATTRIBUTE* t = findAttribute(templ, count, CKA_CERTIFICATE_TYPE); t && templateUlong(*t) != CKC_X_509)
        failRv(CKR_ATTRIBUTE_VALUE_INVALID, "only X.509 certificates");
    const CK_ATTRIBUTE* value = findAttribute(templ, count, CKA_VALUE);
    if (value == nullptr) failRv(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE missing");
    const ByteView der = attributeBytes(*value);
    try {
        crypto::parseCertificate(der);
    } catch (const Error& e) {
        failRv(CKR_ATTRIBUTE_VALUE_INVALID, std::string("CKA_VALUE is not one DER certificate: ") + e.what());
    }
    const Bytes id = requiredId(templ, count, nullptr, 0);
    requireWritable(s);
    s.slot->ensureObjects(s.token);
    const std::optional<drivers::CardKey> known = knownKey(s, id);
    std::optional<drivers::CardKey> key;
    templateErrors([&] {
        runAsAdministrator(s, [&](drivers::Card& card, const SecureBytes& credential) {
            key = card.writeCertificate(credential, id, der, known ? &*known : nullptr);
        });
        return 0;
    });
    const CK_OBJECT_HANDLE h = objectFor(s, refreshKeyObjects(s, id, key), CKO_CERTIFICATE);
    if (h == 0) failRv(CKR_DEVICE_ERROR, "the card does not give the certificate back");
    return h;
}

// C_DestroyObject of a token certificate empties its container; keys stay
// (PIV has no command to delete a key).
CK_RV destroyTokenObject(Session& s, const ObjectPtr& object)
{
    if (!s.readWrite()) failRv(CKR_SESSION_READ_ONLY, "token object in a read-only session");
    if (object->objectClass() != CKO_CERTIFICATE || !s.token->model.administratorLogin)
        failRv(CKR_ACTION_PROHIBITED, "only certificates can be destroyed, on a card with an administrator");
    const Bytes* idBytes = object->getBytes(CKA_ID);
    if (idBytes == nullptr) failRv(CKR_ACTION_PROHIBITED, "the certificate has no CKA_ID");
    {
        // PKCS#11 3.0 section 5.7.3 has no CKR_USER_NOT_LOGGED_IN for
        // C_DestroyObject: without the SO the object is not destroyable.
        std::scoped_lock lock(s.slot->stateMutex);
        if (!s.token->soLoggedIn) failRv(CKR_ACTION_PROHIBITED, "destroying a certificate needs the SO login");
    }
    const Bytes id = *idBytes;
    const std::optional<drivers::CardKey> known = knownKey(s, id);
    std::optional<drivers::CardKey> key;
    runAsAdministrator(s, [&](drivers::Card& card, const SecureBytes& credential) {
        key = card.writeCertificate(credential, id, ByteView{}, known ? &*known : nullptr);
    });
    refreshKeyObjects(s, id, key);
    return CKR_OK;
}

} // namespace tessera::pkcs11

extern "C" {

CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_ATTRIBUTE_PTR pPublicKeyTemplate,
                        CK_ULONG ulPublicKeyAttributeCount, CK_ATTRIBUTE_PTR pPrivateKeyTemplate,
                        CK_ULONG ulPrivateKeyAttributeCount, CK_OBJECT_HANDLE_PTR phPublicKey,
                        CK_OBJECT_HANDLE_PTR phPrivateKey)
{
    const CallTrace call =
        TESSERA_CALL("C_GenerateKeyPair", hSession, pMechanism, pPublicKeyTemplate, ulPublicKeyAttributeCount,
                     pPrivateKeyTemplate, ulPrivateKeyAttributeCount, phPublicKey, phPrivateKey);
    return guarded(call, [&] {
        return generateKeyPair(hSession, pMechanism, pPublicKeyTemplate, ulPublicKeyAttributeCount, pPrivateKeyTemplate,
                               ulPrivateKeyAttributeCount, phPublicKey, phPrivateKey);
    });
}

} // extern "C"
