// The attribute engine: value types per CKA, template matching, and the
// C_GetAttributeValue rules, implemented once for every object class.
#include <cstring>

#include "pkcs11/object.hpp"
#include "pkcs11/rv.hpp"

namespace tessera::pkcs11 {

namespace {
struct AttrTypeRow {
    CK_ATTRIBUTE_TYPE type;
    AttrType valueType;
};
// PKCS#11 3.0 section 4 (common, storage, certificate, key, public/private/secret key attributes).
constexpr AttrTypeRow kAttrTypes[] = {
    {CKA_CLASS, AttrType::ulong},
    {CKA_TOKEN, AttrType::boolean},
    {CKA_PRIVATE, AttrType::boolean},
    {CKA_LABEL, AttrType::bytes},
    {CKA_APPLICATION, AttrType::bytes},
    {CKA_VALUE, AttrType::bytes},
    {CKA_OBJECT_ID, AttrType::bytes},
    {CKA_CERTIFICATE_TYPE, AttrType::ulong},
    {CKA_ISSUER, AttrType::bytes},
    {CKA_SERIAL_NUMBER, AttrType::bytes},
    {CKA_TRUSTED, AttrType::boolean},
    {CKA_CERTIFICATE_CATEGORY, AttrType::ulong},
    {CKA_CHECK_VALUE, AttrType::bytes},
    {CKA_KEY_TYPE, AttrType::ulong},
    {CKA_SUBJECT, AttrType::bytes},
    {CKA_ID, AttrType::bytes},
    {CKA_SENSITIVE, AttrType::boolean},
    {CKA_ENCRYPT, AttrType::boolean},
    {CKA_DECRYPT, AttrType::boolean},
    {CKA_WRAP, AttrType::boolean},
    {CKA_UNWRAP, AttrType::boolean},
    {CKA_SIGN, AttrType::boolean},
    {CKA_SIGN_RECOVER, AttrType::boolean},
    {CKA_VERIFY, AttrType::boolean},
    {CKA_VERIFY_RECOVER, AttrType::boolean},
    {CKA_DERIVE, AttrType::boolean},
    {CKA_START_DATE, AttrType::date},
    {CKA_END_DATE, AttrType::date},
    {CKA_MODULUS, AttrType::bytes},
    {CKA_MODULUS_BITS, AttrType::ulong},
    {CKA_PUBLIC_EXPONENT, AttrType::bytes},
    {CKA_VALUE_LEN, AttrType::ulong},
    {CKA_EXTRACTABLE, AttrType::boolean},
    {CKA_LOCAL, AttrType::boolean},
    {CKA_NEVER_EXTRACTABLE, AttrType::boolean},
    {CKA_ALWAYS_SENSITIVE, AttrType::boolean},
    {CKA_KEY_GEN_MECHANISM, AttrType::ulong},
    {CKA_MODIFIABLE, AttrType::boolean},
    {CKA_COPYABLE, AttrType::boolean},
    {CKA_DESTROYABLE, AttrType::boolean},
    {CKA_EC_PARAMS, AttrType::bytes},
    {CKA_EC_POINT, AttrType::bytes},
    {CKA_ALWAYS_AUTHENTICATE, AttrType::boolean},
    {CKA_WRAP_WITH_TRUSTED, AttrType::boolean},
    {CKA_PUBLIC_KEY_INFO, AttrType::bytes},
    {CKA_URL, AttrType::bytes},
    {CKA_HASH_OF_SUBJECT_PUBLIC_KEY, AttrType::bytes},
    {CKA_HASH_OF_ISSUER_PUBLIC_KEY, AttrType::bytes},
    {CKA_JAVA_MIDP_SECURITY_DOMAIN, AttrType::ulong},
    {CKA_ALLOWED_MECHANISMS, AttrType::bytes},
};
} // namespace

AttrType attributeType(CK_ATTRIBUTE_TYPE type) noexcept
{
    for (const auto& row : kAttrTypes)
        if (row.type == type) return row.valueType;
    return AttrType::unknown;
}

void Object::setBool(CK_ATTRIBUTE_TYPE t, bool v)
{
    attributes[t] = {Bytes{static_cast<std::uint8_t>(v ? 1 : 0)}, false};
}

void Object::setUlong(CK_ATTRIBUTE_TYPE t, CK_ULONG v)
{
    Bytes b(sizeof(CK_ULONG));
    std::memcpy(b.data(), &v, sizeof v);
    attributes[t] = {std::move(b), false};
}

void Object::setBytes(CK_ATTRIBUTE_TYPE t, ByteView v, bool sensitive)
{
    attributes[t] = {Bytes(v.begin(), v.end()), sensitive};
}

void Object::setString(CK_ATTRIBUTE_TYPE t, const std::string& v)
{
    attributes[t] = {Bytes(v.begin(), v.end()), false};
}

void Object::setSecret(CK_ATTRIBUTE_TYPE t, SensitiveBytes v, bool sensitive)
{
    attributes[t] = {std::move(v), sensitive};
}

bool Object::getBool(CK_ATTRIBUTE_TYPE t, bool fallback) const
{
    auto it = attributes.find(t);
    if (it == attributes.end() || it->second.value.size() != 1) return fallback;
    return it->second.value.view()[0] != 0;
}

std::optional<CK_ULONG> Object::getUlong(CK_ATTRIBUTE_TYPE t) const
{
    auto it = attributes.find(t);
    if (it == attributes.end() || it->second.value.size() != sizeof(CK_ULONG)) return std::nullopt;
    CK_ULONG v = 0;
    std::memcpy(&v, it->second.value.data(), sizeof v);
    return v;
}

const Bytes* Object::getBytes(CK_ATTRIBUTE_TYPE t) const
{
    auto it = attributes.find(t);
    return it == attributes.end() ? nullptr : it->second.value.plain();
}

// PKCS#11 3.0 section 5.7.7 C_FindObjectsInit: "the object matches if it has
// all the attributes in the template with the same values". A sensitive
// attribute never matches (it would leak its value through searches).
bool Object::matches(const CK_ATTRIBUTE* templ, CK_ULONG count) const
{
    for (CK_ULONG i = 0; i < count; ++i) {
        const CK_ATTRIBUTE& a = templ[i];
        auto it = attributes.find(a.type);
        if (it == attributes.end() || it->second.sensitive) return false;
        const ByteView v = it->second.value.view();
        if (a.ulValueLen != v.size()) return false;
        if (!v.empty() && (a.pValue == nullptr || std::memcmp(a.pValue, v.data(), v.size()) != 0)) return false;
    }
    return true;
}

// PKCS#11 3.0 section 5.7.5 C_GetAttributeValue, for each (type, pValue, ulValueLen):
//  1. sensitive or unextractable: ulValueLen = CK_UNAVAILABLE_INFORMATION, CKR_ATTRIBUTE_SENSITIVE;
//  2. invalid for the object: ulValueLen = CK_UNAVAILABLE_INFORMATION, CKR_ATTRIBUTE_TYPE_INVALID;
//  3. pValue NULL: ulValueLen = exact length;
//  4. ulValueLen large enough: copy, ulValueLen = exact length;
//  5. otherwise ulValueLen = CK_UNAVAILABLE_INFORMATION, CKR_BUFFER_TOO_SMALL.
// Every attribute is processed; if several errors apply any of them may be returned.
CK_RV Object::getAttributeValues(CK_ATTRIBUTE* templ, CK_ULONG count) const
{
    CK_RV rv = CKR_OK;
    for (CK_ULONG i = 0; i < count; ++i) {
        CK_ATTRIBUTE& a = templ[i];
        auto it = attributes.find(a.type);
        if (it == attributes.end()) {
            a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_ATTRIBUTE_TYPE_INVALID;
        } else if (it->second.sensitive) {
            a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_ATTRIBUTE_SENSITIVE;
        } else if (a.pValue == nullptr) {
            a.ulValueLen = it->second.value.size();
        } else if (a.ulValueLen >= it->second.value.size()) {
            if (!it->second.value.empty()) std::memcpy(a.pValue, it->second.value.data(), it->second.value.size());
            a.ulValueLen = it->second.value.size();
        } else {
            a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_BUFFER_TOO_SMALL;
        }
    }
    return rv;
}

bool templateBool(const CK_ATTRIBUTE& a)
{
    if (a.pValue == nullptr || a.ulValueLen != sizeof(CK_BBOOL)) failRv(CKR_ATTRIBUTE_VALUE_INVALID, "bad CK_BBOOL");
    return *static_cast<const CK_BBOOL*>(a.pValue) != CK_FALSE;
}

CK_ULONG templateUlong(const CK_ATTRIBUTE& a)
{
    if (a.pValue == nullptr || a.ulValueLen != sizeof(CK_ULONG)) failRv(CKR_ATTRIBUTE_VALUE_INVALID, "bad CK_ULONG");
    CK_ULONG v = 0;
    std::memcpy(&v, a.pValue, sizeof v);
    return v;
}

} // namespace tessera::pkcs11
