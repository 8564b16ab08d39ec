// Model -> PKCS#11 objects (PKCS#11 3.0 sections 4.6 certificate, 4.8-4.10
// keys). A private key whose use needs the PIN is a private object
// (CKA_PRIVATE=TRUE, section 4.4: found only after C_Login), as OpenSC does;
// clients such as libp11 read that flag to decide to log in. A key the card
// lets anyone use (PIV 9E, PIN policy never) is public. Certificates and
// public keys are public.
#include "pkcs11/token_objects.hpp"

#include "common/error.hpp"
#include "common/log.hpp"
#include "crypto/crypto.hpp"

namespace tessera::pkcs11 {

CK_KEY_TYPE keyTypeFor(drivers::KeyAlgorithm algorithm) noexcept
{
    switch (algorithm) {
    case drivers::KeyAlgorithm::rsa: return CKK_RSA;
    case drivers::KeyAlgorithm::ecP256:
    case drivers::KeyAlgorithm::ecP384:
    case drivers::KeyAlgorithm::ecP521: return CKK_EC;
    case drivers::KeyAlgorithm::ed25519: return CKK_EC_EDWARDS;
    case drivers::KeyAlgorithm::x25519: return CKK_EC_MONTGOMERY;
    }
    return CKK_RSA;
}

namespace {

void setCommon(Object& o, CK_OBJECT_CLASS cls, const std::string& label, const Bytes& id, bool isPrivate = false)
{
    o.setUlong(CKA_CLASS, cls);
    o.setBool(CKA_TOKEN, true);
    o.setBool(CKA_PRIVATE, isPrivate);
    o.setBool(CKA_MODIFIABLE, false);
    o.setBool(CKA_COPYABLE, false);
    o.setBool(CKA_DESTROYABLE, false);
    o.setString(CKA_LABEL, label);
    o.setBytes(CKA_ID, id);
}

void setKeyCommon(Object& o, const drivers::CardKey& key, const Bytes& subject)
{
    o.setUlong(CKA_KEY_TYPE, keyTypeFor(key.algorithm));
    o.setBytes(CKA_SUBJECT, subject);
    o.setBytes(CKA_START_DATE, {});
    o.setBytes(CKA_END_DATE, {});
    o.setBool(CKA_LOCAL, false);
    o.setUlong(CKA_KEY_GEN_MECHANISM, CK_UNAVAILABLE_INFORMATION);
    o.setBytes(CKA_PUBLIC_KEY_INFO, key.publicKeySpki);
}

void setPublicParts(Object& o, const crypto::PublicKey& pub)
{
    if (pub.kind() == crypto::KeyKind::rsa) {
        o.setBytes(CKA_MODULUS, pub.rsaModulus());
        o.setUlong(CKA_MODULUS_BITS, pub.bits());
        o.setBytes(CKA_PUBLIC_EXPONENT, pub.rsaExponent());
    } else {
        o.setBytes(CKA_EC_PARAMS, pub.ecParamsDer());
    }
}

ObjectPtr makeCertificate(const drivers::CardKey& key, const crypto::CertificateInfo& info)
{
    auto o = std::make_shared<Object>();
    setCommon(*o, CKO_CERTIFICATE, key.certificateLabel, key.id);
    // Both drivers delete a certificate (C_DestroyObject after an SO login:
    // fn_keys.cpp destroyTokenObject); keys and data objects cannot be.
    o->setBool(CKA_DESTROYABLE, true);
    const Bytes& der = *key.certificate;
    o->setUlong(CKA_CERTIFICATE_TYPE, CKC_X_509);
    o->setBool(CKA_TRUSTED, false);
    o->setUlong(CKA_CERTIFICATE_CATEGORY, 0); // unspecified
    Bytes sha1 = crypto::digest(crypto::HashAlg::sha1, der);
    o->setBytes(CKA_CHECK_VALUE, ByteView(sha1).first(3));
    o->setBytes(CKA_START_DATE, Bytes(info.notBefore.begin(), info.notBefore.end()));
    o->setBytes(CKA_END_DATE, Bytes(info.notAfter.begin(), info.notAfter.end()));
    o->setBytes(CKA_SUBJECT, info.subjectDer);
    o->setBytes(CKA_ISSUER, info.issuerDer);
    o->setBytes(CKA_SERIAL_NUMBER, info.serialDer);
    o->setBytes(CKA_VALUE, der);
    o->setBytes(CKA_URL, {});
    o->setBytes(CKA_HASH_OF_SUBJECT_PUBLIC_KEY, {});
    o->setBytes(CKA_HASH_OF_ISSUER_PUBLIC_KEY, {});
    o->setUlong(CKA_JAVA_MIDP_SECURITY_DOMAIN, 0);
    o->setBytes(CKA_PUBLIC_KEY_INFO, info.spkiDer);
    return o;
}

ObjectPtr makePublicKey(const drivers::CardKey& key, const crypto::PublicKey& pub, const Bytes& subject)
{
    auto o = std::make_shared<Object>();
    setCommon(*o, CKO_PUBLIC_KEY, key.label, key.id);
    setKeyCommon(*o, key, subject);
    const bool rsa = pub.kind() == crypto::KeyKind::rsa;
    o->setBool(CKA_ENCRYPT, rsa && key.canDecrypt);
    o->setBool(CKA_VERIFY, key.canSign);
    o->setBool(CKA_VERIFY_RECOVER, false);
    o->setBool(CKA_WRAP, false);
    o->setBool(CKA_DERIVE, false);
    o->setBool(CKA_TRUSTED, false);
    setPublicParts(*o, pub);
    if (!rsa) o->setBytes(CKA_EC_POINT, crypto::wrapOctetString(pub.ecPointUncompressed()));
    return o;
}

ObjectPtr makePrivateKey(const drivers::CardKey& key, const crypto::PublicKey& pub, const Bytes& subject)
{
    auto o = std::make_shared<Object>();
    setCommon(*o, CKO_PRIVATE_KEY, key.label, key.id, key.pinPolicy != drivers::PinPolicy::never);
    setKeyCommon(*o, key, subject);
    o->setBool(CKA_SENSITIVE, true);
    o->setBool(CKA_ALWAYS_SENSITIVE, true);
    o->setBool(CKA_EXTRACTABLE, false);
    o->setBool(CKA_NEVER_EXTRACTABLE, true);
    o->setBool(CKA_SIGN, key.canSign);
    o->setBool(CKA_SIGN_RECOVER, false);
    o->setBool(CKA_DECRYPT, key.canDecrypt);
    o->setBool(CKA_UNWRAP, false);
    o->setBool(CKA_DERIVE, key.canDerive);
    o->setBool(CKA_WRAP_WITH_TRUSTED, false);
    o->setBool(CKA_ALWAYS_AUTHENTICATE, key.pinPolicy == drivers::PinPolicy::always);
    setPublicParts(*o, pub);
    // Present but never readable: C_GetAttributeValue answers CKR_ATTRIBUTE_SENSITIVE.
    if (pub.kind() == crypto::KeyKind::rsa) {
        for (CK_ATTRIBUTE_TYPE t :
             {CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT})
            o->setBytes(t, {}, true);
    } else {
        o->setBytes(CKA_VALUE, {}, true);
    }
    return o;
}

} // namespace

std::vector<ObjectPtr> buildTokenObjects(const drivers::TokenModel& model)
{
    std::vector<ObjectPtr> objects;
    for (std::size_t i = 0; i < model.keys.size(); ++i) {
        const drivers::CardKey& key = model.keys[i];
        const auto shared = std::make_shared<const drivers::CardKey>(key);
        Bytes subject;
        if (key.certificate) {
            try {
                auto info = crypto::parseCertificate(*key.certificate);
                subject = info.subjectDer;
                auto cert = makeCertificate(key, info);
                cert->keyIndex = static_cast<int>(i);
                cert->cardKey = shared;
                objects.push_back(cert);
            } catch (const Error& e) {
                log::write(log::Level::calls, "certificate of key " + key.label + " skipped: " + e.what());
            }
        }
        if (key.publicKeySpki.empty()) continue;
        try {
            auto pub = crypto::PublicKey::fromSpki(key.publicKeySpki);
            auto pubObj = makePublicKey(key, pub, subject);
            auto privObj = makePrivateKey(key, pub, subject);
            pubObj->keyIndex = privObj->keyIndex = static_cast<int>(i);
            pubObj->cardKey = privObj->cardKey = shared;
            objects.push_back(pubObj);
            objects.push_back(privObj);
        } catch (const Error& e) {
            log::write(log::Level::calls, "key " + key.label + " skipped: " + e.what());
        }
    }
    return objects;
}

} // namespace tessera::pkcs11
