// Card.* part 1: what the provisioned virtual PIV card must look like through
// the module: token information, the mechanism list, the certificate /
// public key / private key triples 01-04 with their key types and usage
// flags, and the login state of sessions (PKCS#11 3.0 sections 5.5-5.7).
#include <algorithm>
#include <iostream>

#include "card_fixture.hpp"

namespace tessera::apitest {
namespace {

TEST_F(Card, TokenInfo)
{
    const std::string label = trimField(tokenInfo.label, sizeof tokenInfo.label);
    const std::string serial = trimField(tokenInfo.serialNumber, sizeof tokenInfo.serialNumber);
    EXPECT_FALSE(label.empty()) << "token label";
    EXPECT_FALSE(serial.empty()) << "token serial number";
    const CK_FLAGS want = CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
    EXPECT_EQ(tokenInfo.flags & want, want) << "flags 0x" << std::hex << tokenInfo.flags;
    EXPECT_EQ(tokenInfo.ulMinPinLen, 6u);
    EXPECT_EQ(tokenInfo.ulMaxPinLen, 8u);
    std::cout << "[ NOTE     ] token '" << label << "' serial '" << serial << "' flags 0x" << std::hex
              << tokenInfo.flags << std::dec << "\n";
}

TEST_F(Card, MechanismList)
{
    CK_ULONG n = 0;
    ASSERT_RV(CKR_OK, f->C_GetMechanismList(slot, nullptr, &n));
    ASSERT_GT(n, 0u);
    std::vector<CK_MECHANISM_TYPE> mechs(n);
    if (n > 1) {
        CK_ULONG small = 1;
        EXPECT_RV(CKR_BUFFER_TOO_SMALL, f->C_GetMechanismList(slot, mechs.data(), &small));
        EXPECT_EQ(small, n);
    }
    ASSERT_RV(CKR_OK, f->C_GetMechanismList(slot, mechs.data(), &n));
    for (CK_MECHANISM_TYPE m : {CKM_RSA_PKCS, CKM_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS, CKM_ECDSA, CKM_ECDSA_SHA256,
                                CKM_RSA_PKCS_OAEP, CKM_ECDH1_DERIVE}) {
        EXPECT_NE(std::find(mechs.begin(), mechs.end(), m), mechs.end()) << "mechanism 0x" << std::hex << m;
        CK_MECHANISM_INFO mi{};
        EXPECT_RV(CKR_OK, f->C_GetMechanismInfo(slot, m, &mi)) << "mechanism 0x" << std::hex << m;
    }
    CK_MECHANISM_INFO mi{};
    ASSERT_RV(CKR_OK, f->C_GetMechanismInfo(slot, CKM_RSA_PKCS, &mi));
    EXPECT_TRUE(mi.flags & CKF_SIGN);
    EXPECT_TRUE(mi.flags & CKF_DECRYPT);
    EXPECT_LE(mi.ulMinKeySize, 2048u);
    EXPECT_GE(mi.ulMaxKeySize, 2048u);
    ASSERT_RV(CKR_OK, f->C_GetMechanismInfo(slot, CKM_ECDH1_DERIVE, &mi));
    EXPECT_TRUE(mi.flags & CKF_DERIVE);
    EXPECT_RV(CKR_MECHANISM_INVALID, f->C_GetMechanismInfo(slot, CKM_VENDOR_DEFINED | 0x4242UL, &mi));
}

struct Expected {
    std::uint8_t id;
    CK_KEY_TYPE type;
    bool alwaysAuth;
};
constexpr Expected kKeys[] = {
    {1, CKK_RSA, false}, // 9A PIV authentication
    {2, CKK_EC, true},   // 9C digital signature: PIN always
    {3, CKK_RSA, false}, // 9D key management
    {4, CKK_EC, false},  // 9E card authentication
};

TEST_F(Card, ObjectsForEachKey)
{
    ASSERT_TRUE(loginUser(s));
    for (const Expected& e : kKeys) {
        SCOPED_TRACE("CKA_ID " + std::to_string(e.id));
        CK_OBJECT_HANDLE cert = object(s, CKO_CERTIFICATE, e.id);
        CK_OBJECT_HANDLE pub = object(s, CKO_PUBLIC_KEY, e.id);
        CK_OBJECT_HANDLE priv = object(s, CKO_PRIVATE_KEY, e.id);
        if (cert == CK_INVALID_HANDLE || pub == CK_INVALID_HANDLE || priv == CK_INVALID_HANDLE) continue;
        EXPECT_EQ(attrUlong(s, pub, CKA_KEY_TYPE), std::optional<CK_ULONG>(e.type));
        EXPECT_EQ(attrUlong(s, priv, CKA_KEY_TYPE), std::optional<CK_ULONG>(e.type));
        EXPECT_EQ(attrUlong(s, cert, CKA_CERTIFICATE_TYPE), std::optional<CK_ULONG>(CKC_X_509));
        EXPECT_EQ(attrBool(s, priv, CKA_TOKEN), std::optional<bool>(true));
        EXPECT_EQ(attrBool(s, priv, CKA_ALWAYS_AUTHENTICATE).value_or(false), e.alwaysAuth);
        // Certificates can be deleted (with the SO login), keys cannot: PIV has
        // no command for it (PKCS#11 3.0 section 4.4, CKA_DESTROYABLE).
        EXPECT_EQ(attrBool(s, cert, CKA_DESTROYABLE), std::optional<bool>(true));
        EXPECT_EQ(attrBool(s, pub, CKA_DESTROYABLE), std::optional<bool>(false));
        EXPECT_EQ(attrBool(s, priv, CKA_DESTROYABLE), std::optional<bool>(false));
        auto der = attrBytes(s, cert, CKA_VALUE);
        ASSERT_TRUE(der.has_value());
        ossl::Pkey certPub = ossl::publicKeyFromCertDer(*der);
        ASSERT_NE(certPub, nullptr) << "certificate parses";
        if (e.type == CKK_RSA) {
            EXPECT_EQ(EVP_PKEY_get_bits(certPub.get()), 2048);
            EXPECT_EQ(attrUlong(s, pub, CKA_MODULUS_BITS), std::optional<CK_ULONG>(2048));
            EXPECT_TRUE(attrBytes(s, priv, CKA_MODULUS).has_value());
        } else {
            EXPECT_EQ(EVP_PKEY_get_bits(certPub.get()), 256);
            // CKA_EC_POINT is a DER OCTET STRING of the uncompressed point.
            auto point = attrBytes(s, pub, CKA_EC_POINT);
            ASSERT_TRUE(point.has_value());
            Bytes raw = ossl::ecPublicPoint(certPub.get());
            Bytes wrapped(raw.size() + 2);
            wrapped[0] = 0x04; // OCTET STRING
            wrapped[1] = static_cast<std::uint8_t>(raw.size());
            std::copy(raw.begin(), raw.end(), wrapped.begin() + 2);
            EXPECT_EQ(hex(*point), hex(wrapped)) << "CKA_EC_POINT = OCTET STRING(04||X||Y) of the certificate's key";
            EXPECT_TRUE(attrBytes(s, pub, CKA_EC_PARAMS).has_value());
        }
    }
}

TEST_F(Card, SessionStateFollowsLoginAndLogout)
{
    Session a(slot);
    ASSERT_RV(CKR_OK, a.openRv());
    Session b(slot);
    ASSERT_RV(CKR_OK, b.openRv());
    EXPECT_EQ(a.state(), CKS_RO_PUBLIC_SESSION);
    ASSERT_TRUE(loginUser(a.handle()));
    EXPECT_EQ(a.state(), CKS_RO_USER_FUNCTIONS);
    EXPECT_EQ(b.state(), CKS_RO_USER_FUNCTIONS);
    ASSERT_RV(CKR_OK, f->C_Logout(b.handle()));
    EXPECT_EQ(a.state(), CKS_RO_PUBLIC_SESSION);
    EXPECT_EQ(b.state(), CKS_RO_PUBLIC_SESSION);
    // Closing every session logs the application out (5.6 C_CloseSession),
    // the fixture's session included.
    ASSERT_TRUE(loginUser(a.handle()));
    ASSERT_RV(CKR_OK, session->close());
    ASSERT_RV(CKR_OK, a.close());
    ASSERT_RV(CKR_OK, b.close());
    Session c(slot);
    ASSERT_RV(CKR_OK, c.openRv());
    EXPECT_EQ(c.state(), CKS_RO_PUBLIC_SESSION) << "login ends with the last session";
}

// PKCS#11 3.0 section 4.4: a key that needs the PIN (9A, 9C, 9D) is a private
// object, found only once the user is logged in (libp11 logs in because of
// it); 9E (PIN policy never) stays public, as OpenSC shows it. A handle of a
// hidden object is invalid for C_GetAttributeValue.
TEST_F(Card, PrivateKeysAppearAfterLogin)
{
    for (std::uint8_t id : {std::uint8_t{1}, std::uint8_t{2}, std::uint8_t{3}})
        EXPECT_EQ(findById(s, CKO_PRIVATE_KEY, Bytes{id}), CK_INVALID_HANDLE) << "key " << int(id) << " before login";
    CK_OBJECT_HANDLE cardAuth = object(s, CKO_PRIVATE_KEY, 4);
    EXPECT_EQ(attrBool(s, cardAuth, CKA_PRIVATE), std::optional<bool>(false)) << "9E is public";
    ASSERT_TRUE(loginUser(s));
    CK_OBJECT_HANDLE auth = object(s, CKO_PRIVATE_KEY, 1);
    for (std::uint8_t id : {std::uint8_t{1}, std::uint8_t{2}, std::uint8_t{3}})
        EXPECT_EQ(attrBool(s, object(s, CKO_PRIVATE_KEY, id), CKA_PRIVATE), std::optional<bool>(true))
            << "key " << int(id);
    EXPECT_EQ(findById(s, CKO_PRIVATE_KEY, Bytes{4}), cardAuth) << "9E still there, same handle";
    ASSERT_RV(CKR_OK, f->C_Logout(s));
    EXPECT_EQ(findById(s, CKO_PRIVATE_KEY, Bytes{1}), CK_INVALID_HANDLE) << "9A hidden again after C_Logout";
    CK_BBOOL sign = CK_FALSE;
    CK_ATTRIBUTE a{CKA_SIGN, &sign, sizeof sign};
    EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, f->C_GetAttributeValue(s, auth, &a, 1));
    EXPECT_EQ(attrBool(s, cardAuth, CKA_SIGN), std::optional<bool>(true)) << "9E readable without login";
}

TEST_F(Card, LogoutWipesLogin)
{
    ASSERT_TRUE(loginUser(s));
    key = object(s, CKO_PRIVATE_KEY, 1);
    ASSERT_NE(key, CK_INVALID_HANDLE);
    CK_RV rv = CKR_OK;
    Bytes data = toBytes("before logout");
    Bytes sig = signOnce(s, {CKM_SHA256_RSA_PKCS, nullptr, 0}, key, data, &rv);
    ASSERT_RV(CKR_OK, rv) << "sign with 9A while logged in";
    ASSERT_RV(CKR_OK, f->C_Logout(s));
    // After logout the cached PIN is gone: 9A needs a login again. Whether the
    // module refuses at C_SignInit (5.13 lists USER_NOT_LOGGED_IN) or at
    // C_Sign, the answer is USER_NOT_LOGGED_IN; KEY_HANDLE_INVALID would be
    // right only if the key were a private (CKA_PRIVATE) object, hidden now.
    CK_MECHANISM mech = {CKM_SHA256_RSA_PKCS, nullptr, 0};
    rv = f->C_SignInit(s, &mech, key);
    if (rv == CKR_OK) {
        Bytes out(512);
        CK_ULONG len = out.size();
        EXPECT_RV(CKR_USER_NOT_LOGGED_IN, f->C_Sign(s, data.data(), data.size(), out.data(), &len))
            << "C_Sign with 9A after C_Logout";
    } else {
        EXPECT_TRUE(rvOneOf(rv, {CKR_USER_NOT_LOGGED_IN, CKR_KEY_HANDLE_INVALID})) << "C_SignInit after C_Logout";
    }
}

} // namespace
} // namespace tessera::apitest
