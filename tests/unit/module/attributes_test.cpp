// The C_GetAttributeValue rules (PKCS#11 3.0 section 5.7.5) and template
// matching, on one object; the engine is shared by every object class.
#include <gtest/gtest.h>

#include "pkcs11/object.hpp"
#include "pkcs11/rv.hpp"

using namespace tessera;
using namespace tessera::pkcs11;

namespace {
Object sample()
{
    Object o;
    o.setUlong(CKA_CLASS, CKO_PRIVATE_KEY);
    o.setBool(CKA_SIGN, true);
    o.setBytes(CKA_ID, Bytes{0x01});
    o.setString(CKA_LABEL, "PIV AUTH key");
    o.setBytes(CKA_PRIVATE_EXPONENT, {}, true);
    return o;
}
} // namespace

TEST(Attributes, LengthQueryCopyAndTooSmall)
{
    Object o = sample();
    CK_ATTRIBUTE a{CKA_LABEL, nullptr, 0};
    EXPECT_EQ(o.getAttributeValues(&a, 1), CKR_OK);
    EXPECT_EQ(a.ulValueLen, 12u);
    char buf[12];
    a.pValue = buf;
    EXPECT_EQ(o.getAttributeValues(&a, 1), CKR_OK);
    EXPECT_EQ(std::string(buf, 12), "PIV AUTH key");
    char small[4];
    a = {CKA_LABEL, small, sizeof small};
    EXPECT_EQ(o.getAttributeValues(&a, 1), CKR_BUFFER_TOO_SMALL);
    EXPECT_EQ(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

TEST(Attributes, InvalidAndSensitiveStillFillTheOthers)
{
    Object o = sample();
    CK_BBOOL sign = CK_FALSE;
    CK_BYTE exp[8];
    CK_ATTRIBUTE t[] = {
        {CKA_VENDOR_DEFINED | 0x1234, nullptr, 0},
        {CKA_PRIVATE_EXPONENT, exp, sizeof exp},
        {CKA_SIGN, &sign, sizeof sign},
    };
    CK_RV rv = o.getAttributeValues(t, 3);
    EXPECT_TRUE(rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE);
    EXPECT_EQ(t[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    EXPECT_EQ(t[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    EXPECT_EQ(t[2].ulValueLen, sizeof(CK_BBOOL));
    EXPECT_EQ(sign, CK_TRUE);
}

TEST(Attributes, MatchingNeedsEqualBytesAndNeverMatchesSensitive)
{
    Object o = sample();
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_BYTE id = 1, otherId = 2;
    CK_ATTRIBUTE yes[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, &id, 1}};
    CK_ATTRIBUTE no[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, &otherId, 1}};
    CK_ATTRIBUTE sensitive[] = {{CKA_PRIVATE_EXPONENT, nullptr, 0}};
    CK_ATTRIBUTE wrongLength[] = {{CKA_ID, &id, 0}};
    EXPECT_TRUE(o.matches(nullptr, 0));
    EXPECT_TRUE(o.matches(yes, 2));
    EXPECT_FALSE(o.matches(no, 2));
    EXPECT_FALSE(o.matches(sensitive, 1));
    EXPECT_FALSE(o.matches(wrongLength, 1));
}

TEST(Attributes, TemplateValueChecks)
{
    CK_BBOOL b = CK_TRUE;
    CK_ULONG u = 7;
    EXPECT_TRUE(templateBool({CKA_SIGN, &b, sizeof b}));
    EXPECT_EQ(templateUlong({CKA_VALUE_LEN, &u, sizeof u}), 7u);
    EXPECT_THROW(templateBool({CKA_SIGN, &u, sizeof u}), RvError);
    EXPECT_THROW(templateUlong({CKA_VALUE_LEN, nullptr, sizeof u}), RvError);
}

TEST(Attributes, ValueTypeTable)
{
    EXPECT_EQ(attributeType(CKA_CLASS), AttrType::ulong);
    EXPECT_EQ(attributeType(CKA_SIGN), AttrType::boolean);
    EXPECT_EQ(attributeType(CKA_ID), AttrType::bytes);
    EXPECT_EQ(attributeType(CKA_START_DATE), AttrType::date);
    EXPECT_EQ(attributeType(CKA_VENDOR_DEFINED | 9), AttrType::unknown);
}
