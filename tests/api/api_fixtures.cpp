// Fixture steps and key look-ups for the API suites. needToken() fails (never
// skips silently) when the module shows no token, unless the run explicitly
// allows it with TESSERA_TEST_ALLOW_NO_TOKEN=1, which skips with a message.
#include "api_fixtures.hpp"

namespace tessera::apitest {

void Generic::SetUp()
{
    f = p11();
    ASSERT_NE(f, nullptr) << Library::get().loadError();
}

void Generic::TearDown()
{
    session.reset();
    certKey.reset();
    if (f == nullptr) return;
    CK_RV rv = f->C_Finalize(nullptr);
    if (initialized_) {
        EXPECT_RV(CKR_OK, rv) << "C_Finalize";
    }
    initialized_ = false;
}

void Generic::initialize()
{
    ASSERT_RV(CKR_OK, f->C_Initialize(nullptr)) << "C_Initialize(NULL)";
    initialized_ = true;
}

void Generic::needToken()
{
    ASSERT_NO_FATAL_FAILURE(initialize());
    auto found = findTestSlot();
    if (!found.has_value()) {
        if (env().allowNoToken) {
            GTEST_SKIP() << "no token and TESSERA_TEST_ALLOW_NO_TOKEN=1: token test not run";
        }
        FAIL() << "no slot with a token (TESSERA_TEST_SLOT_LABEL='" << env().slotLabel << "', TESSERA_PIV_READER='"
               << env().pivReader << "')";
    }
    slot = *found;
    ASSERT_RV(CKR_OK, f->C_GetTokenInfo(slot, &tokenInfo)) << "C_GetTokenInfo";
}

void Generic::needSession()
{
    ASSERT_NO_FATAL_FAILURE(needToken());
    if (IsSkipped()) return;
    session.emplace(slot);
    ASSERT_RV(CKR_OK, session->openRv()) << "C_OpenSession";
    s = session->handle();
}

void Generic::needRsaKey()
{
    ASSERT_NO_FATAL_FAILURE(needSession());
    if (IsSkipped()) return;
    ASSERT_TRUE(loginUser(s));
    key = findRsaSigningKey(s);
    ASSERT_NE(key, CK_INVALID_HANDLE) << "no RSA private key with CKA_SIGN on the test token";
    certKey = certKeyFor(s, key);
    ASSERT_NE(certKey, nullptr) << "no certificate with the RSA key's CKA_ID";
}

::testing::AssertionResult loginUser(CK_SESSION_HANDLE s)
{
    const std::string& pin = env().pin;
    CK_RV rv =
        p11()->C_Login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.data())), pin.size());
    if (rv == CKR_OK) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "C_Login(CKU_USER) returned " << rvName(rv);
}

CK_OBJECT_HANDLE findRsaSigningKey(CK_SESSION_HANDLE s)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_KEY_TYPE kt = CKK_RSA;
    CK_BBOOL yes = CK_TRUE;
    auto keys = findObjects(s, {attrOf(CKA_CLASS, cls), attrOf(CKA_KEY_TYPE, kt), attrOf(CKA_SIGN, yes)});
    for (CK_OBJECT_HANDLE k : keys) {
        if (attrBool(s, k, CKA_ALWAYS_AUTHENTICATE).value_or(false)) continue;
        return k;
    }
    return CK_INVALID_HANDLE;
}

ossl::Pkey certKeyFor(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj)
{
    auto id = attrBytes(s, obj, CKA_ID);
    if (!id.has_value()) return nullptr;
    CK_OBJECT_HANDLE cert = findById(s, CKO_CERTIFICATE, *id);
    if (cert == CK_INVALID_HANDLE) return nullptr;
    auto der = attrBytes(s, cert, CKA_VALUE);
    if (!der.has_value()) return nullptr;
    return ossl::publicKeyFromCertDer(*der);
}

} // namespace tessera::apitest
