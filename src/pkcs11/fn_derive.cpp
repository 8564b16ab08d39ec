// Key derivation (PKCS#11 3.0 section 5.18.5, mechanisms 2.3.13
// CKM_ECDH1_DERIVE with CKD_NULL): the card computes the shared secret under
// the PIN rule; the result becomes a session secret-key object. Key generation
// and wrapping are not supported (key management comes later).
#include "pkcs11/entry.hpp"
#include "pkcs11/operations.hpp"
#include "pkcs11/private_ops.hpp"
#include "pkcs11/token_objects.hpp"

using namespace tessera;
using namespace tessera::pkcs11;

namespace {

struct DeriveTemplate {
    CK_KEY_TYPE keyType = CKK_GENERIC_SECRET;
    std::optional<CK_ULONG> valueLen;
    bool sensitive = false;
    bool extractable = true;
    bool token = false;
    Bytes label, id;
    bool encrypt = false, decrypt = false;
};

Bytes templateBytes(const CK_ATTRIBUTE& a)
{
    if (a.pValue == nullptr && a.ulValueLen != 0) failRv(CKR_ATTRIBUTE_VALUE_INVALID, "NULL attribute value");
    const auto* p = static_cast<const std::uint8_t*>(a.pValue);
    return a.ulValueLen == 0 ? Bytes() : Bytes(p, p + a.ulValueLen);
}

bool isSecretKeyType(CK_KEY_TYPE t)
{
    switch (t) {
    case CKK_GENERIC_SECRET:
    case CKK_AES:
    case CKK_DES3:
    case CKK_DES2:
    case CKK_SHA_1_HMAC:
    case CKK_SHA256_HMAC:
    case CKK_SHA384_HMAC:
    case CKK_SHA512_HMAC:
    case CKK_SHA224_HMAC: return true;
    default: return false;
    }
}

// PKCS#11 3.0 section 4.1.2 table 5: attributes the module computes may not
// appear in a template (CKR_ATTRIBUTE_READ_ONLY); unknown ones are invalid.
void rejectForeignAttribute(const CK_ATTRIBUTE& a)
{
    switch (a.type) {
    case CKA_VALUE:
    case CKA_LOCAL:
    case CKA_KEY_GEN_MECHANISM:
    case CKA_ALWAYS_SENSITIVE:
    case CKA_NEVER_EXTRACTABLE: failRv(CKR_ATTRIBUTE_READ_ONLY, "attribute set by the module");
    default: break;
    }
    if (attributeType(a.type) == AttrType::unknown) failRv(CKR_ATTRIBUTE_TYPE_INVALID);
}

DeriveTemplate readTemplate(CK_ATTRIBUTE_PTR templ, CK_ULONG count)
{
    DeriveTemplate t;
    for (CK_ULONG i = 0; i < count; ++i) {
        const CK_ATTRIBUTE& a = templ[i];
        switch (a.type) {
        case CKA_CLASS:
            if (templateUlong(a) != CKO_SECRET_KEY) failRv(CKR_TEMPLATE_INCONSISTENT, "ECDH derives a secret key");
            break;
        case CKA_KEY_TYPE: t.keyType = templateUlong(a); break;
        case CKA_VALUE_LEN: t.valueLen = templateUlong(a); break;
        case CKA_SENSITIVE: t.sensitive = templateBool(a); break;
        case CKA_EXTRACTABLE: t.extractable = templateBool(a); break;
        case CKA_TOKEN: t.token = templateBool(a); break;
        case CKA_ENCRYPT: t.encrypt = templateBool(a); break;
        case CKA_DECRYPT: t.decrypt = templateBool(a); break;
        case CKA_LABEL: t.label = templateBytes(a); break;
        case CKA_ID: t.id = templateBytes(a); break;
        default: rejectForeignAttribute(a); break; // known, settable, not used: accepted
        }
    }
    if (t.token) failRv(CKR_TEMPLATE_INCONSISTENT, "derived keys are session objects");
    if (!isSecretKeyType(t.keyType)) failRv(CKR_TEMPLATE_INCONSISTENT, "ECDH derives a secret key type");
    return t;
}

ObjectPtr makeSecretKey(const DeriveTemplate& t, SensitiveBytes value, CK_SESSION_HANDLE owner)
{
    if (t.valueLen) {
        if (*t.valueLen == 0 || *t.valueLen > value.size()) failRv(CKR_TEMPLATE_INCONSISTENT, "CKA_VALUE_LEN");
        value.resize(*t.valueLen);
    }
    auto o = std::make_shared<Object>();
    o->owner = owner;
    o->setUlong(CKA_CLASS, CKO_SECRET_KEY);
    o->setUlong(CKA_KEY_TYPE, t.keyType);
    o->setBool(CKA_TOKEN, false);
    o->setBool(CKA_PRIVATE, false);
    o->setBool(CKA_MODIFIABLE, false);
    o->setBool(CKA_DESTROYABLE, true);
    o->setBytes(CKA_LABEL, t.label);
    o->setBytes(CKA_ID, t.id);
    o->setBool(CKA_SENSITIVE, t.sensitive);
    o->setBool(CKA_ALWAYS_SENSITIVE, false);
    o->setBool(CKA_EXTRACTABLE, t.extractable);
    o->setBool(CKA_NEVER_EXTRACTABLE, false);
    o->setBool(CKA_LOCAL, false);
    o->setBool(CKA_DERIVE, false);
    o->setBool(CKA_ENCRYPT, t.encrypt);
    o->setBool(CKA_DECRYPT, t.decrypt);
    o->setUlong(CKA_VALUE_LEN, value.size());
    o->setUlong(CKA_KEY_GEN_MECHANISM, CKM_ECDH1_DERIVE);
    // The secret stays in its page-backed buffer for the object's whole life.
    o->setSecret(CKA_VALUE, std::move(value), t.sensitive || !t.extractable);
    return o;
}

Bytes peerPoint(CK_MECHANISM_PTR m, const drivers::CardKey& key, const Object& base)
{
    if (m->pParameter == nullptr || m->ulParameterLen != sizeof(CK_ECDH1_DERIVE_PARAMS))
        failRv(CKR_MECHANISM_PARAM_INVALID, "CK_ECDH1_DERIVE_PARAMS required");
    const auto* p = static_cast<const CK_ECDH1_DERIVE_PARAMS*>(m->pParameter);
    if (p->kdf != CKD_NULL || p->ulSharedDataLen != 0) failRv(CKR_MECHANISM_PARAM_INVALID, "only CKD_NULL");
    if (p->pPublicData == nullptr || p->ulPublicDataLen == 0) failRv(CKR_MECHANISM_PARAM_INVALID, "no public data");
    const std::size_t field = (key.bits + 7) / 8;
    const std::size_t pointLen = key.algorithm == drivers::KeyAlgorithm::x25519 ? 32 : 2 * field + 1;
    try {
        Bytes point = crypto::normalizeEcPoint(ByteView(p->pPublicData, p->ulPublicDataLen), pointLen);
        // A point off the key's curve is an invalid-curve attack on cards that do
        // not check it: refuse it before it reaches the card.
        const Bytes* params = base.getBytes(CKA_EC_PARAMS);
        if (params != nullptr && key.algorithm != drivers::KeyAlgorithm::x25519)
            crypto::PublicKey::fromEcPoint(*params, point);
        return point;
    } catch (const Error&) {
        failRv(CKR_MECHANISM_PARAM_INVALID, "peer public point is not a point of the key's curve");
    }
}

} // namespace

extern "C" {

CK_RV C_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hBaseKey,
                  CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
    const CallTrace call =
        TESSERA_CALL("C_DeriveKey", hSession, pMechanism, hBaseKey, pTemplate, ulAttributeCount, phKey);
    return guarded(call, [&]() -> CK_RV {
        auto m = Module::get();
        auto s = m->session(hSession);
        requireNonNull(pMechanism);
        requireNonNull(phKey);
        if (pTemplate == nullptr && ulAttributeCount != 0) failRv(CKR_ARGUMENTS_BAD, "NULL template with a count");
        if (pMechanism->mechanism != CKM_ECDH1_DERIVE) failRv(CKR_MECHANISM_INVALID, "only CKM_ECDH1_DERIVE derives");
        std::scoped_lock lock(s->mutex);
        ObjectPtr base = s->object(hBaseKey);
        if (!base || base->objectClass() != CKO_PRIVATE_KEY)
            failRv(CKR_KEY_HANDLE_INVALID, "the base key is not a private key");
        if (!familyFitsKey(MechFamily::ecdh, base->getUlong(CKA_KEY_TYPE).value_or(~0UL)))
            failRv(CKR_KEY_TYPE_INCONSISTENT, "ECDH needs an EC or Montgomery key");
        if (!base->getBool(CKA_DERIVE)) failRv(CKR_KEY_FUNCTION_NOT_PERMITTED, "the key has CKA_DERIVE false");
        const drivers::CardKey& key = cardKeyOf(*s, *base);
        DeriveTemplate templ = readTemplate(pTemplate, ulAttributeCount);
        Bytes point = peerPoint(pMechanism, key, *base);
        Operation op;
        op.mechanism = CKM_ECDH1_DERIVE;
        op.key = base;
        SensitiveBytes secret =
            runKeyOperation(*m, *s, op, key, [&](drivers::Card& card) { return card.deriveEcdh(key, point); });
        auto obj = makeSecretKey(templ, std::move(secret), s->handle);
        obj->handle = m->nextObjectHandle();
        s->sessionObjects.push_back(obj);
        *phKey = obj->handle;
        return CKR_OK;
    });
}

CK_RV C_GenerateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR, CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR)
{
    return guarded(TESSERA_CALL("C_GenerateKey", hSession), [&]() -> CK_RV {
        Module::get()->session(hSession);
        failRv(CKR_FUNCTION_NOT_SUPPORTED, "C_GenerateKey is not offered (keys live on the card)");
    });
}

CK_RV C_WrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE, CK_BYTE_PTR,
                CK_ULONG_PTR)
{
    return guarded(TESSERA_CALL("C_WrapKey", hSession), [&]() -> CK_RV {
        Module::get()->session(hSession);
        failRv(CKR_FUNCTION_NOT_SUPPORTED, "C_WrapKey is not offered (keys live on the card)");
    });
}

CK_RV C_UnwrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_BYTE_PTR, CK_ULONG,
                  CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR)
{
    return guarded(TESSERA_CALL("C_UnwrapKey", hSession), [&]() -> CK_RV {
        Module::get()->session(hSession);
        failRv(CKR_FUNCTION_NOT_SUPPORTED, "C_UnwrapKey is not offered (keys live on the card)");
    });
}

} // extern "C"
