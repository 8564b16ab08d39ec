// Generic.* part 3: object search and C_GetAttributeValue (PKCS#11 3.0
// sections 5.7.5, 5.7.7-5.7.9, 4.x): find-operation state, empty and
// non-matching templates, CKA_ID pairing of certificate, public and private
// key, and the five C_GetAttributeValue rules with a mixed template.
#include <algorithm>
#include <set>

#include "api_fixtures.hpp"

namespace tessera::apitest {
namespace {

TEST_F(Generic, FindOperationState)
{
    ASSERT_NO_FATAL_FAILURE(needSession());
    if (IsSkipped()) return;
    CK_OBJECT_HANDLE objs[4];
    CK_ULONG n = 0;
    EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f->C_FindObjects(s, objs, 4, &n));
    EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f->C_FindObjectsFinal(s));
    ASSERT_RV(CKR_OK, f->C_FindObjectsInit(s, nullptr, 0));
    EXPECT_RV(CKR_OPERATION_ACTIVE, f->C_FindObjectsInit(s, nullptr, 0));
    EXPECT_RV(CKR_ARGUMENTS_BAD, f->C_FindObjects(s, nullptr, 4, &n));
    EXPECT_RV(CKR_ARGUMENTS_BAD, f->C_FindObjects(s, objs, 4, nullptr));
    EXPECT_RV(CKR_OK, f->C_FindObjectsFinal(s));
    EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f->C_FindObjects(s, objs, 4, &n));
    // ulCount 0 with a NULL template is fine; a NULL template with count > 0 is not.
    EXPECT_RV(CKR_ARGUMENTS_BAD, f->C_FindObjectsInit(s, nullptr, 2));
}

TEST_F(Generic, EmptyTemplateFindsPublicObjects)
{
    ASSERT_NO_FATAL_FAILURE(needSession());
    if (IsSkipped()) return;
    auto all = findObjects(s, {});
    EXPECT_FALSE(all.empty()) << "the test token has public objects (certificates)";
    std::set<CK_OBJECT_HANDLE> unique(all.begin(), all.end());
    EXPECT_EQ(unique.size(), all.size()) << "no handle twice";
    for (CK_OBJECT_HANDLE o : all) {
        // Before login, no object with CKA_PRIVATE=TRUE is visible (4.4).
        EXPECT_EQ(attrBool(s, o, CKA_PRIVATE), std::optional<bool>(false)) << "object " << o;
    }
    // The certificates are among them.
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    auto certs = findObjects(s, {attrOf(CKA_CLASS, cls)});
    EXPECT_FALSE(certs.empty());
    for (CK_OBJECT_HANDLE c : certs)
        EXPECT_TRUE(unique.contains(c)) << "certificate " << c << " in the full list";
}

TEST_F(Generic, NonMatchingTemplateFindsNothing)
{
    ASSERT_NO_FATAL_FAILURE(needSession());
    if (IsSkipped()) return;
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    const char label[] = "no such object, surely";
    EXPECT_TRUE(findObjects(s, {attrOf(CKA_CLASS, cls), attr(CKA_LABEL, label, sizeof label - 1)}).empty());
    CK_BYTE id[] = {0xde, 0xad, 0xbe, 0xef, 0x42};
    EXPECT_TRUE(findObjects(s, {attr(CKA_ID, id, sizeof id)}).empty());
    // An attribute no object has matches nothing (not an error).
    CK_ULONG bogus = 1;
    EXPECT_TRUE(findObjects(s, {attrOf(CKA_VENDOR_DEFINED | 0x1234UL, bogus)}).empty());
}

TEST_F(Generic, IdPairsCertificatePublicAndPrivateKey)
{
    ASSERT_NO_FATAL_FAILURE(needSession());
    if (IsSkipped()) return;
    ASSERT_TRUE(loginUser(s));
    CK_OBJECT_CLASS priv = CKO_PRIVATE_KEY;
    auto keys = findObjects(s, {attrOf(CKA_CLASS, priv)});
    ASSERT_FALSE(keys.empty()) << "the test token has private keys";
    for (CK_OBJECT_HANDLE k : keys) {
        auto id = attrBytes(s, k, CKA_ID);
        ASSERT_TRUE(id.has_value()) << "CKA_ID of private key " << k;
        EXPECT_FALSE(id->empty());
        SCOPED_TRACE("CKA_ID " + hex(*id));
        CK_OBJECT_HANDLE cert = findById(s, CKO_CERTIFICATE, *id);
        CK_OBJECT_HANDLE pub = findById(s, CKO_PUBLIC_KEY, *id);
        EXPECT_NE(cert, CK_INVALID_HANDLE) << "certificate with the private key's CKA_ID";
        EXPECT_NE(pub, CK_INVALID_HANDLE) << "public key with the private key's CKA_ID";
        auto kt = attrUlong(s, k, CKA_KEY_TYPE);
        ASSERT_TRUE(kt.has_value());
        if (pub != CK_INVALID_HANDLE) {
            EXPECT_EQ(attrUlong(s, pub, CKA_KEY_TYPE), kt);
        }
        if (*kt == CKK_RSA && pub != CK_INVALID_HANDLE) {
            EXPECT_EQ(attrBytes(s, k, CKA_MODULUS), attrBytes(s, pub, CKA_MODULUS));
        }
        if (cert != CK_INVALID_HANDLE) {
            auto der = attrBytes(s, cert, CKA_VALUE);
            ASSERT_TRUE(der.has_value());
            EXPECT_NE(ossl::publicKeyFromCertDer(*der), nullptr) << "CKA_VALUE is a DER certificate";
        }
    }
}

TEST_F(Generic, GetAttributeValueRules)
{
    ASSERT_NO_FATAL_FAILURE(needSession());
    if (IsSkipped()) return;
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    auto certs = findObjects(s, {attrOf(CKA_CLASS, cls)});
    ASSERT_FALSE(certs.empty());
    CK_OBJECT_HANDLE cert = certs.front();

    // Rule 3: NULL pValue gives the length.
    CK_ATTRIBUTE q = attr(CKA_VALUE, nullptr, 0);
    ASSERT_RV(CKR_OK, f->C_GetAttributeValue(s, cert, &q, 1));
    ASSERT_NE(q.ulValueLen, CK_UNAVAILABLE_INFORMATION);
    ASSERT_GT(q.ulValueLen, 100u);
    const CK_ULONG full = q.ulValueLen;

    // Rule 4: a buffer of the exact size is filled and the length kept.
    Bytes exact(full);
    q = attr(CKA_VALUE, exact.data(), exact.size());
    ASSERT_RV(CKR_OK, f->C_GetAttributeValue(s, cert, &q, 1));
    EXPECT_EQ(q.ulValueLen, full);
    EXPECT_EQ(exact[0], 0x30) << "DER SEQUENCE";

    // Rule 5: too small -> CK_UNAVAILABLE_INFORMATION and CKR_BUFFER_TOO_SMALL.
    Bytes small(full - 1);
    q = attr(CKA_VALUE, small.data(), small.size());
    EXPECT_RV(CKR_BUFFER_TOO_SMALL, f->C_GetAttributeValue(s, cert, &q, 1));
    EXPECT_EQ(q.ulValueLen, CK_UNAVAILABLE_INFORMATION);

    // Rule 2 in a mixed template: the invalid type is marked, the others are
    // still processed ("the call MUST nonetheless have processed every
    // attribute in the template").
    CK_OBJECT_CLASS gotClass = 0xffff;
    CK_BYTE bogus[8];
    Bytes value(full);
    CK_ATTRIBUTE mixed[] = {
        attr(CKA_CLASS, &gotClass, sizeof gotClass),
        attr(CKA_VENDOR_DEFINED | 0x1234UL, bogus, sizeof bogus),
        attr(CKA_VALUE, value.data(), value.size()),
        attr(CKA_ID, nullptr, 0),
    };
    EXPECT_RV(CKR_ATTRIBUTE_TYPE_INVALID, f->C_GetAttributeValue(s, cert, mixed, 4));
    EXPECT_EQ(gotClass, CKO_CERTIFICATE);
    EXPECT_EQ(mixed[0].ulValueLen, sizeof(CK_OBJECT_CLASS));
    EXPECT_EQ(mixed[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    EXPECT_EQ(mixed[2].ulValueLen, full);
    EXPECT_EQ(value, exact);
    EXPECT_NE(mixed[3].ulValueLen, CK_UNAVAILABLE_INFORMATION) << "CKA_ID length query in the same template";

    // Several errors in one template: the spec lets the module return any of them.
    CK_ATTRIBUTE two[] = {attr(CKA_VENDOR_DEFINED | 0x1234UL, nullptr, 0), attr(CKA_VALUE, small.data(), small.size())};
    EXPECT_TRUE(rvOneOf(f->C_GetAttributeValue(s, cert, two, 2), {CKR_ATTRIBUTE_TYPE_INVALID, CKR_BUFFER_TOO_SMALL}));
    EXPECT_EQ(two[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    EXPECT_EQ(two[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);

    // Argument and handle errors.
    EXPECT_RV(CKR_ARGUMENTS_BAD, f->C_GetAttributeValue(s, cert, nullptr, 1));
    CK_ATTRIBUTE one = attr(CKA_CLASS, &gotClass, sizeof gotClass);
    EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, f->C_GetAttributeValue(s, 0x7ffff123UL, &one, 1));
    EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, f->C_GetAttributeValue(s, CK_INVALID_HANDLE, &one, 1));
    CK_ULONG size = 0;
    EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, f->C_GetObjectSize(s, 0x7ffff123UL, &size));
}

TEST_F(Generic, SensitiveAttributesOfPrivateKeys)
{
    ASSERT_NO_FATAL_FAILURE(needSession());
    if (IsSkipped()) return;
    ASSERT_TRUE(loginUser(s));
    CK_OBJECT_CLASS priv = CKO_PRIVATE_KEY;
    auto keys = findObjects(s, {attrOf(CKA_CLASS, priv)});
    ASSERT_FALSE(keys.empty());
    int checked = 0;
    for (CK_OBJECT_HANDLE k : keys) {
        auto kt = attrUlong(s, k, CKA_KEY_TYPE);
        ASSERT_TRUE(kt.has_value());
        EXPECT_EQ(attrBool(s, k, CKA_SENSITIVE), std::optional<bool>(true)) << "key " << k;
        EXPECT_EQ(attrBool(s, k, CKA_EXTRACTABLE), std::optional<bool>(false)) << "key " << k;
        CK_ATTRIBUTE_TYPE secret = *kt == CKK_RSA ? CKA_PRIVATE_EXPONENT : CKA_VALUE;
        CK_KEY_TYPE gotType = 0;
        CK_BYTE buf[1024];
        CK_ATTRIBUTE t[] = {attr(secret, buf, sizeof buf), attrOf(CKA_KEY_TYPE, gotType)};
        t[1].pValue = &gotType;
        // Rule 1: sensitive -> CK_UNAVAILABLE_INFORMATION and CKR_ATTRIBUTE_SENSITIVE,
        // other attributes still filled.
        EXPECT_RV(CKR_ATTRIBUTE_SENSITIVE, f->C_GetAttributeValue(s, k, t, 2)) << "key " << k;
        EXPECT_EQ(t[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
        EXPECT_EQ(gotType, *kt);
        CK_ATTRIBUTE lenOnly = attr(secret, nullptr, 0);
        EXPECT_RV(CKR_ATTRIBUTE_SENSITIVE, f->C_GetAttributeValue(s, k, &lenOnly, 1))
            << "length query of a sensitive attribute";
        EXPECT_EQ(lenOnly.ulValueLen, CK_UNAVAILABLE_INFORMATION);
        ++checked;
    }
    EXPECT_GT(checked, 0);
}

} // namespace
} // namespace tessera::apitest
