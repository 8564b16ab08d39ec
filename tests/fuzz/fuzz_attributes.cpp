// Fuzz target: the PKCS#11 attribute engine (src/pkcs11/object.hpp) with
// objects and templates decoded from the input: Object::getAttributeValues
// (the C_GetAttributeValue rules), Object::matches (C_FindObjects),
// templateBool / templateUlong, and buildTokenObjects over card keys whose
// SubjectPublicKeyInfo and certificate bytes come from the input.
// Buffers are exactly ulValueLen bytes, so any write past them is caught.
#include <cstring>

#include "fuzz_support.hpp"
#include "pkcs11/object.hpp"
#include "pkcs11/rv.hpp"
#include "pkcs11/token_objects.hpp"

using namespace tessera;
using namespace tessera::pkcs11;

namespace {

constexpr CK_ATTRIBUTE_TYPE kTypes[] = {
    CKA_CLASS,
    CKA_TOKEN,
    CKA_PRIVATE,
    CKA_LABEL,
    CKA_VALUE,
    CKA_CERTIFICATE_TYPE,
    CKA_ISSUER,
    CKA_SERIAL_NUMBER,
    CKA_KEY_TYPE,
    CKA_SUBJECT,
    CKA_ID,
    CKA_SENSITIVE,
    CKA_DECRYPT,
    CKA_SIGN,
    CKA_VERIFY,
    CKA_DERIVE,
    CKA_MODULUS,
    CKA_MODULUS_BITS,
    CKA_PUBLIC_EXPONENT,
    CKA_EXTRACTABLE,
    CKA_EC_PARAMS,
    CKA_EC_POINT,
    CKA_ALWAYS_AUTHENTICATE,
    CKA_PUBLIC_KEY_INFO,
    CKA_START_DATE,
    CKA_ALLOWED_MECHANISMS,
    CKA_VENDOR_DEFINED,
};

CK_ATTRIBUTE_TYPE attributeTypeFrom(fuzz::Input& in)
{
    const std::uint8_t b = in.u8();
    if ((b & 0x80) == 0) return kTypes[b % std::size(kTypes)];
    return in.u32();
}

Object objectFrom(fuzz::Input& in)
{
    Object o;
    const std::size_t n = in.u8() % 24;
    for (std::size_t i = 0; i < n; ++i) {
        const CK_ATTRIBUTE_TYPE t = attributeTypeFrom(in);
        const bool sensitive = (in.u8() & 1) != 0;
        o.setBytes(t, in.record(), sensitive);
    }
    return o;
}

drivers::TokenModel modelFrom(fuzz::Input& in)
{
    drivers::TokenModel m;
    const std::size_t n = in.u8() % 4;
    for (std::size_t i = 0; i < n; ++i) {
        drivers::CardKey k;
        const std::uint8_t flags = in.u8();
        k.algorithm = static_cast<drivers::KeyAlgorithm>(flags % 6);
        k.bits = in.u16();
        k.id = Bytes{static_cast<std::uint8_t>(i + 1)};
        k.label = "key";
        k.canSign = (flags & 0x10) != 0;
        k.canDecrypt = (flags & 0x20) != 0;
        k.canDerive = (flags & 0x40) != 0;
        k.pinPolicy = (flags & 0x08) != 0 ? drivers::PinPolicy::always : drivers::PinPolicy::once;
        ByteView spki = in.record();
        k.publicKeySpki.assign(spki.begin(), spki.end());
        if ((flags & 0x80) != 0) {
            ByteView cert = in.record();
            k.certificate = Bytes(cert.begin(), cert.end());
        }
        m.keys.push_back(std::move(k));
    }
    return m;
}

struct Template {
    std::vector<CK_ATTRIBUTE> attrs;
    std::vector<Bytes> buffers;
    std::vector<CK_ULONG> sizes;
};

Template templateFrom(fuzz::Input& in)
{
    Template t;
    const std::size_t n = in.u8() % 24;
    t.buffers.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const CK_ATTRIBUTE_TYPE type = attributeTypeFrom(in);
        const std::uint8_t mode = in.u8();
        CK_ATTRIBUTE a{type, nullptr, 0};
        if (mode % 3 == 0) {
            a.ulValueLen = in.u16(); // NULL pValue: any length is legal
        } else if (mode % 3 == 1) {
            t.buffers[i].resize(in.u16() % 4096); // a buffer of exactly ulValueLen bytes
        } else {
            ByteView v = in.record(); // a value, as C_FindObjectsInit passes
            t.buffers[i].assign(v.begin(), v.end());
        }
        if (mode % 3 != 0) {
            a.pValue = t.buffers[i].empty() ? nullptr : t.buffers[i].data();
            a.ulValueLen = t.buffers[i].size();
        }
        t.attrs.push_back(a);
        t.sizes.push_back(a.ulValueLen);
    }
    return t;
}

void check(const Object& o, Template t)
{
    (void)o.matches(t.attrs.data(), static_cast<CK_ULONG>(t.attrs.size()));
    for (const CK_ATTRIBUTE& a : t.attrs) {
        try {
            (void)templateBool(a);
        } catch (const RvError&) {
        }
        try {
            (void)templateUlong(a);
        } catch (const RvError&) {
        }
    }
    const CK_RV rv = o.getAttributeValues(t.attrs.data(), static_cast<CK_ULONG>(t.attrs.size()));
    for (std::size_t i = 0; i < t.attrs.size(); ++i) {
        const CK_ATTRIBUTE& a = t.attrs[i];
        if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
            if (rv == CKR_OK) fuzz::violated("CKR_OK with an unavailable attribute");
            continue;
        }
        if (a.pValue != nullptr && a.ulValueLen > t.sizes[i]) fuzz::violated("value longer than the buffer");
        auto it = o.attributes.find(a.type);
        if (it == o.attributes.end() || it->second.sensitive) fuzz::violated("absent or sensitive attribute answered");
        if (a.ulValueLen != it->second.value.size()) fuzz::violated("wrong attribute length");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::Input in(data, size);
    Object own = objectFrom(in);
    drivers::TokenModel model = modelFrom(in);
    Template t = templateFrom(in);
    check(own, t);
    std::vector<ObjectPtr> objects;
    try {
        objects = buildTokenObjects(model);
    } catch (const Error&) {
    }
    for (const ObjectPtr& o : objects)
        check(*o, t);
    return 0;
}
