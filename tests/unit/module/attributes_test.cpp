// The C_GetAttributeValue rules (PKCS#11 3.0 section 5.7.5) and template
// matching, on one object; the engine is shared by every object class.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

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
// Whether the kernel leaves the mapping holding `p` out of core dumps
// (/proc/self/smaps "VmFlags: ... dd", i.e. MADV_DONTDUMP).
bool inDontDumpMapping(const void* p)
{
    const auto addr = reinterpret_cast<std::uintptr_t>(p);
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    bool inside = false;
    while (std::getline(smaps, line)) {
        std::uintptr_t lo = 0, hi = 0;
        char dash = 0;
        std::istringstream head(line);
        if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(':') > line.find(' ')) {
            inside = lo <= addr && addr < hi;
        } else if (inside && line.rfind("VmFlags:", 0) == 0) {
            return (line + " ").find(" dd ") != std::string::npos;
        }
    }
    return false;
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

// Key material (a derived secret key's CKA_VALUE) is held in SensitiveBytes:
// its bytes lie in a page left out of core dumps, and C_GetAttributeValue
// answers as for any other value unless the attribute is sensitive.
TEST(Attributes, SecretValueStaysInSensitivePagesAndReadsAsUsual)
{
    const Bytes key = fromHex("5EC2E7000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C");
    Object o;
    o.setSecret(CKA_VALUE, SensitiveBytes(key.begin(), key.end()), false);
    o.setBytes(CKA_ID, Bytes{0x07});
    const AttrBytes& stored = o.attributes.at(CKA_VALUE).value;
    EXPECT_TRUE(stored.isSecret());
    EXPECT_TRUE(inDontDumpMapping(stored.data()));
    EXPECT_FALSE(inDontDumpMapping(o.getBytes(CKA_ID)->data())); // the probe can tell the two apart
    EXPECT_EQ(o.getBytes(CKA_VALUE), nullptr);                   // no plain copy handed out

    CK_ATTRIBUTE a{CKA_VALUE, nullptr, 0};
    EXPECT_EQ(o.getAttributeValues(&a, 1), CKR_OK);
    EXPECT_EQ(a.ulValueLen, key.size());
    Bytes out(key.size());
    a.pValue = out.data();
    EXPECT_EQ(o.getAttributeValues(&a, 1), CKR_OK);
    EXPECT_EQ(out, key);
    CK_ATTRIBUTE match{CKA_VALUE, out.data(), static_cast<CK_ULONG>(out.size())};
    EXPECT_TRUE(o.matches(&match, 1));

    o.setSecret(CKA_VALUE, SensitiveBytes(key.begin(), key.end()), true); // CKA_SENSITIVE or not extractable
    a = {CKA_VALUE, out.data(), static_cast<CK_ULONG>(out.size())};
    EXPECT_EQ(o.getAttributeValues(&a, 1), CKR_ATTRIBUTE_SENSITIVE);
    EXPECT_EQ(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
    EXPECT_FALSE(o.matches(&match, 1));
}
