// The debug log's argument lists (call_trace.hpp, issue 11): handles and
// sizes appear, a mechanism and a template's types by name, and nothing of a
// PIN (not even its length) or of a template's values.
#include <gtest/gtest.h>

#include <string>

#include "common/log.hpp"
#include "pkcs11/call_trace.hpp"

using namespace tessera;
using namespace tessera::pkcs11;

namespace {
struct DebugOn {
    DebugOn() { log::configure(1, "/dev/null"); }
    ~DebugOn() { log::configure(0, ""); }
};

std::string signInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey)
{
    return TESSERA_CALL("C_SignInit", hSession, pMechanism, hKey).arguments();
}

std::string login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
    return TESSERA_CALL("C_Login", hSession, userType, pPin, ulPinLen).arguments();
}

std::string createObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                         CK_OBJECT_HANDLE_PTR phObject)
{
    return TESSERA_CALL("C_CreateObject", hSession, pTemplate, ulCount, phObject).arguments();
}
} // namespace

TEST(CallTrace, HandlesAndMechanismByName)
{
    DebugOn on;
    CK_MECHANISM m{CKM_ECDSA_SHA256, nullptr, 0};
    EXPECT_EQ(signInit(7, &m, 42), "hSession=7, pMechanism=CKM_ECDSA_SHA256, hKey=42");
    CK_MECHANISM odd{0x80001234UL, nullptr, 0};
    EXPECT_EQ(signInit(7, &odd, 42), "hSession=7, pMechanism=0x80001234, hKey=42");
    EXPECT_EQ(signInit(7, nullptr, 42), "hSession=7, pMechanism=NULL, hKey=42");
}

TEST(CallTrace, ThePinAndItsLengthNeverAppear)
{
    DebugOn on;
    CK_UTF8CHAR pin[] = "123456";
    const std::string line = login(3, CKU_USER, pin, 6);
    EXPECT_EQ(line, "hSession=3, userType=1, pPin=<redacted>");
    EXPECT_EQ(line.find("123456"), std::string::npos);
    EXPECT_EQ(line.find('6', line.find("pPin")), std::string::npos);
}

TEST(CallTrace, TemplateByAttributeTypesOnly)
{
    DebugOn on;
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_BYTE secret[] = {0xDE, 0xAD, 0xBE, 0xEF};
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_VALUE, secret, sizeof secret}, {0x8000AAAAUL, nullptr, 0}};
    CK_OBJECT_HANDLE h = 0;
    const std::string line = createObject(1, t, 3, &h);
    EXPECT_EQ(line, "hSession=1, pTemplate=[CKA_CLASS, CKA_VALUE, 0x8000aaaa], phObject=given");
    EXPECT_EQ(line.find("dead"), std::string::npos);
    EXPECT_EQ(createObject(1, nullptr, 0, nullptr), "hSession=1, pTemplate=NULL, ulCount=0, phObject=NULL");
}

TEST(CallTrace, NothingIsFormattedWithTheLogOff)
{
    log::configure(0, "");
    CK_MECHANISM m{CKM_ECDSA, nullptr, 0};
    EXPECT_EQ(signInit(7, &m, 42), "");
}
