// Operation start-up checks and parameter mapping; see operations.hpp.
#include "pkcs11/operations.hpp"

#include "pkcs11/rv.hpp"
#include "pkcs11/token_objects.hpp"

namespace tessera::pkcs11 {

std::optional<crypto::HashAlg> hashFromMechanism(CK_MECHANISM_TYPE type) noexcept
{
    switch (type) {
    case CKM_SHA_1: return crypto::HashAlg::sha1;
    case CKM_SHA224: return crypto::HashAlg::sha224;
    case CKM_SHA256: return crypto::HashAlg::sha256;
    case CKM_SHA384: return crypto::HashAlg::sha384;
    case CKM_SHA512: return crypto::HashAlg::sha512;
    default: return std::nullopt;
    }
}

crypto::HashAlg mgf1FromCkg(CK_RSA_PKCS_MGF_TYPE mgf)
{
    switch (mgf) {
    case CKG_MGF1_SHA1: return crypto::HashAlg::sha1;
    case CKG_MGF1_SHA224: return crypto::HashAlg::sha224;
    case CKG_MGF1_SHA256: return crypto::HashAlg::sha256;
    case CKG_MGF1_SHA384: return crypto::HashAlg::sha384;
    case CKG_MGF1_SHA512: return crypto::HashAlg::sha512;
    default: failRv(CKR_MECHANISM_PARAM_INVALID, "unknown MGF");
    }
}

std::optional<Operation>& operationSlot(Session& session, OpKind kind)
{
    switch (kind) {
    case OpKind::sign: return session.sign;
    case OpKind::verify: return session.verify;
    case OpKind::encrypt: return session.encrypt;
    case OpKind::decrypt: return session.decrypt;
    }
    return session.sign;
}

std::size_t modulusBytes(const drivers::CardKey& key)
{
    return (key.bits + 7) / 8;
}

std::size_t signatureLength(const drivers::CardKey& key)
{
    switch (key.algorithm) {
    case drivers::KeyAlgorithm::rsa: return modulusBytes(key);
    case drivers::KeyAlgorithm::ed25519: return 64;
    default: return 2 * ((key.bits + 7) / 8);
    }
}

const drivers::CardKey& cardKeyOf(const Session& session, const Object& key)
{
    const drivers::CardKey* k = session.token->cardKey(key);
    if (k == nullptr) failRv(CKR_KEY_HANDLE_INVALID, "object is not backed by a card key");
    return *k;
}

crypto::PublicKey publicKeyOf(const Object& key)
{
    const Bytes* spki = key.getBytes(CKA_PUBLIC_KEY_INFO);
    if (spki == nullptr || spki->empty()) failRv(CKR_KEY_TYPE_INCONSISTENT, "no public key information");
    return crypto::PublicKey::fromSpki(*spki);
}

namespace {

struct KindRule {
    CK_FLAGS mechFlag;
    CK_ATTRIBUTE_TYPE usage;
    CK_OBJECT_CLASS keyClass;
};

KindRule ruleFor(OpKind kind)
{
    switch (kind) {
    case OpKind::sign: return {CKF_SIGN, CKA_SIGN, CKO_PRIVATE_KEY};
    case OpKind::verify: return {CKF_VERIFY, CKA_VERIFY, CKO_PUBLIC_KEY};
    case OpKind::encrypt: return {CKF_ENCRYPT, CKA_ENCRYPT, CKO_PUBLIC_KEY};
    case OpKind::decrypt: return {CKF_DECRYPT, CKA_DECRYPT, CKO_PRIVATE_KEY};
    }
    return {0, 0, 0};
}

void readPssParams(const CK_MECHANISM& m, const MechanismSpec& spec, Operation& op)
{
    if (m.pParameter == nullptr || m.ulParameterLen != sizeof(CK_RSA_PKCS_PSS_PARAMS))
        failRv(CKR_MECHANISM_PARAM_INVALID, "CK_RSA_PKCS_PSS_PARAMS required");
    const auto* p = static_cast<const CK_RSA_PKCS_PSS_PARAMS*>(m.pParameter);
    auto hash = hashFromMechanism(p->hashAlg);
    if (!hash || (spec.hash && *spec.hash != *hash)) failRv(CKR_MECHANISM_PARAM_INVALID, "PSS hashAlg mismatch");
    op.pss.hash = *hash;
    op.pss.mgf1 = mgf1FromCkg(p->mgf);
    op.pss.saltLen = p->sLen;
}

// RFC 8017 9.1.1 step 3: emLen >= hLen + sLen + 2, emLen = ceil((modBits - 1) / 8).
void checkPssFits(const Operation& op, const Object& key)
{
    const auto bits = key.getUlong(CKA_MODULUS_BITS).value_or(0);
    const std::size_t emLen = (bits + 6) / 8;
    if (bits == 0 || crypto::hashLength(op.pss.hash) + op.pss.saltLen + 2 > emLen)
        failRv(CKR_MECHANISM_PARAM_INVALID, "PSS salt too long for the key");
}

void readOaepParams(const CK_MECHANISM& m, Operation& op)
{
    if (m.pParameter == nullptr || m.ulParameterLen != sizeof(CK_RSA_PKCS_OAEP_PARAMS))
        failRv(CKR_MECHANISM_PARAM_INVALID, "CK_RSA_PKCS_OAEP_PARAMS required");
    const auto* p = static_cast<const CK_RSA_PKCS_OAEP_PARAMS*>(m.pParameter);
    auto hash = hashFromMechanism(p->hashAlg);
    if (!hash) failRv(CKR_MECHANISM_PARAM_INVALID, "OAEP hashAlg");
    op.oaep.hash = *hash;
    op.oaep.mgf1 = mgf1FromCkg(p->mgf);
    op.oaep.label.clear();
    if (p->source == CKZ_DATA_SPECIFIED && p->pSourceData == nullptr && p->ulSourceDataLen > 0)
        failRv(CKR_MECHANISM_PARAM_INVALID, "OAEP label pointer NULL with a length");
    if (p->source == CKZ_DATA_SPECIFIED && p->pSourceData != nullptr && p->ulSourceDataLen > 0) {
        const auto* src = static_cast<const std::uint8_t*>(p->pSourceData);
        op.oaep.label.assign(src, src + p->ulSourceDataLen);
    } else if (p->source != 0 && p->source != CKZ_DATA_SPECIFIED) {
        failRv(CKR_MECHANISM_PARAM_INVALID, "OAEP source");
    }
}

} // namespace

bool cancelWithNullMechanism(std::optional<Operation>& slot, CK_MECHANISM_PTR mechanism) noexcept
{
    if (mechanism || !slot) return false;
    slot.reset();
    return true;
}

Operation startOperation(Session& session, OpKind kind, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE keyHandle)
{
    if (mechanism == nullptr) failRv(CKR_ARGUMENTS_BAD);
    const MechanismSpec* spec = findMechanism(mechanism->mechanism);
    const KindRule rule = ruleFor(kind);
    if (spec == nullptr || (spec->flags & rule.mechFlag) == 0) failRv(CKR_MECHANISM_INVALID);
    ObjectPtr key = session.object(keyHandle);
    if (!key) failRv(CKR_KEY_HANDLE_INVALID);
    // Verify/encrypt with a private key object use its public half (CKA_PUBLIC_KEY_INFO).
    const CK_OBJECT_CLASS cls = key->objectClass();
    const bool classOk = cls == rule.keyClass || (rule.keyClass == CKO_PUBLIC_KEY && cls == CKO_PRIVATE_KEY);
    if (!classOk) failRv(CKR_KEY_TYPE_INCONSISTENT, "wrong key class");
    if (!familyFitsKey(spec->family, key->getUlong(CKA_KEY_TYPE).value_or(~0UL)))
        failRv(CKR_KEY_TYPE_INCONSISTENT, "mechanism does not fit the key type");
    if (cls == rule.keyClass && !key->getBool(rule.usage)) failRv(CKR_KEY_FUNCTION_NOT_PERMITTED);
    Operation op;
    op.mechanism = mechanism->mechanism;
    op.key = key;
    op.hash = spec->hash;
    if (spec->family == MechFamily::rsaPss) {
        readPssParams(*mechanism, *spec, op);
        checkPssFits(op, *key);
    }
    if (spec->family == MechFamily::rsaOaep) readOaepParams(*mechanism, op);
    if (spec->hash) op.hasher.emplace(*spec->hash);
    if (kind == OpKind::sign || kind == OpKind::decrypt) {
        const drivers::CardKey& ck = cardKeyOf(session, *key);
        const bool rawRsa = spec->family == MechFamily::rsaX509 || spec->family == MechFamily::rsaPss ||
                            spec->family == MechFamily::rsaOaep;
        if (rawRsa && ck.rsaSignInput != drivers::RsaSignInput::paddedBlock)
            failRv(CKR_MECHANISM_INVALID, "the card cannot do the raw RSA operation");
    }
    return op;
}

} // namespace tessera::pkcs11
