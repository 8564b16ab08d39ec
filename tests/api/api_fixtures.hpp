// The gtest fixtures of the API suites, one per suite so the suites are
// literally Generic.* and Card.*: Generic loads the module and offers steps a
// test asks for (initialise, a token, a session, a logged-in RSA key); Card
// adds the provisioned virtual PIV card. Include after standard/OpenSSL headers.
#pragma once

#include "ossl.hpp"
#include "p11_harness.hpp"

namespace tessera::apitest {

class Generic : public ::testing::Test {
protected:
    void SetUp() override;
    // Always finalises (also after a test that failed half-way initialised),
    // so one failure does not cascade into ALREADY_INITIALIZED elsewhere.
    void TearDown() override;

    // Each step asserts; call with ASSERT_NO_FATAL_FAILURE(step()).
    void initialize(); // C_Initialize(NULL) == CKR_OK
    // initialize() + the slot under test + its token info. Fails when there is
    // no token, unless TESSERA_TEST_ALLOW_NO_TOKEN=1 (then skips, loudly).
    void needToken();
    void needSession(); // needToken() + a read-only session in s
    // needSession() + login + an RSA signing key (key) and its certificate's key.
    void needRsaKey();

    CK_FUNCTION_LIST* f = nullptr;
    CK_SLOT_ID slot = 0;
    CK_TOKEN_INFO tokenInfo{};
    std::optional<Session> session;
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    ossl::Pkey certKey;

private:
    bool initialized_ = false;
};

// Logs the application in as CKU_USER with TESSERA_TEST_PIN.
::testing::AssertionResult loginUser(CK_SESSION_HANDLE s);

// A private RSA key usable for signing with the cached PIN (CKA_SIGN true,
// CKA_ALWAYS_AUTHENTICATE not true); CK_INVALID_HANDLE if none.
CK_OBJECT_HANDLE findRsaSigningKey(CK_SESSION_HANDLE s);

// The OpenSSL public key from the certificate with the same CKA_ID as obj.
ossl::Pkey certKeyFor(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj);

} // namespace tessera::apitest
