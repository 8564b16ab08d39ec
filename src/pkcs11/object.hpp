// PKCS#11 objects as the module keeps them: a map of attribute values with a
// sensitivity flag, plus the link to the card key they stand for. The
// attribute rules of C_GetAttributeValue live in attributes.cpp, once. Key
// material (a derived secret key's CKA_VALUE) is held in SensitiveBytes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "card-drivers/driver.hpp"
#include "common/bytes.hpp"
#include "common/sensitive_bytes.hpp"
#include "pkcs11/pkcs11_api.hpp"

namespace tessera::pkcs11 {

// Value type of an attribute (PKCS#11 3.0 section 4): one table in attributes.cpp.
enum class AttrType { boolean, ulong, bytes, date, unknown };
AttrType attributeType(CK_ATTRIBUTE_TYPE type) noexcept;

// The bytes of one attribute. Public values are a plain vector; key material
// (setSecret: the CKA_VALUE of a derived secret key) lives in SensitiveBytes,
// so it is locked, left out of core dumps and wiped when the object goes
// (C_DestroyObject, C_CloseSession, C_Finalize), whether CKA_SENSITIVE hides
// it from C_GetAttributeValue or not: an extractable key is still a key.
class AttrBytes {
public:
    AttrBytes() = default;
    AttrBytes(Bytes b) : v_(std::move(b)) {}          // NOLINT(google-explicit-constructor): a public value
    AttrBytes(SensitiveBytes b) : v_(std::move(b)) {} // NOLINT(google-explicit-constructor): key material

    ByteView view() const noexcept
    {
        if (const auto* s = std::get_if<SensitiveBytes>(&v_)) return *s;
        if (const auto* p = std::get_if<Bytes>(&v_)) return *p;
        return {};
    }
    const std::uint8_t* data() const noexcept { return view().data(); }
    std::size_t size() const noexcept { return view().size(); }
    bool empty() const noexcept { return view().empty(); }
    bool isSecret() const noexcept { return std::holds_alternative<SensitiveBytes>(v_); }
    // The public value; nullptr for key material, which never leaves as a plain copy.
    const Bytes* plain() const noexcept { return std::get_if<Bytes>(&v_); }

private:
    std::variant<Bytes, SensitiveBytes> v_;
};

struct AttrValue {
    AttrBytes value;
    bool sensitive = false; // never returned (CKR_ATTRIBUTE_SENSITIVE)
};

class Object {
public:
    CK_OBJECT_HANDLE handle = 0;
    int keyIndex = -1; // index into the token model's keys, -1 for none
    // The card key a token object stands for, as it was when the object was
    // built: shared by its objects and immutable, so an operation keeps using
    // it while a write replaces the token's keys.
    std::shared_ptr<const drivers::CardKey> cardKey;
    CK_SESSION_HANDLE owner = 0; // session that owns a session object (0 = token object)
    std::map<CK_ATTRIBUTE_TYPE, AttrValue> attributes;

    void setBool(CK_ATTRIBUTE_TYPE t, bool v);
    void setUlong(CK_ATTRIBUTE_TYPE t, CK_ULONG v);
    void setBytes(CK_ATTRIBUTE_TYPE t, ByteView v, bool sensitive = false);
    void setString(CK_ATTRIBUTE_TYPE t, const std::string& v);
    // Key material: kept in the SensitiveBytes it arrives in, never copied to plain memory.
    void setSecret(CK_ATTRIBUTE_TYPE t, SensitiveBytes v, bool sensitive);

    bool has(CK_ATTRIBUTE_TYPE t) const { return attributes.count(t) != 0; }
    bool getBool(CK_ATTRIBUTE_TYPE t, bool fallback = false) const;
    std::optional<CK_ULONG> getUlong(CK_ATTRIBUTE_TYPE t) const;
    // A public attribute's value; nullptr when absent or held by setSecret
    // (read key material with getAttributeValues, under its rules).
    const Bytes* getBytes(CK_ATTRIBUTE_TYPE t) const;
    CK_OBJECT_CLASS objectClass() const { return getUlong(CKA_CLASS).value_or(CKO_DATA); }
    bool isPrivate() const { return getBool(CKA_PRIVATE); }

    // C_FindObjects matching: every template attribute present with equal bytes.
    bool matches(const CK_ATTRIBUTE* templ, CK_ULONG count) const;
    // C_GetAttributeValue rules (PKCS#11 3.0 section 5.7.5); returns the CK_RV.
    CK_RV getAttributeValues(CK_ATTRIBUTE* templ, CK_ULONG count) const;
};

using ObjectPtr = std::shared_ptr<Object>;

// Reads a CK_BBOOL / CK_ULONG out of a caller template entry; throws
// RvError(CKR_ATTRIBUTE_VALUE_INVALID) on a wrong length or NULL value.
bool templateBool(const CK_ATTRIBUTE& a);
CK_ULONG templateUlong(const CK_ATTRIBUTE& a);

} // namespace tessera::pkcs11
