// Every row of the Errc -> CK_RV table, and names in the log.
#include <gtest/gtest.h>

#include "pkcs11/rv.hpp"

using namespace tessera;
using namespace tessera::pkcs11;

struct RvRow {
    Errc code;
    CK_RV rv;
};

class RvTable : public ::testing::TestWithParam<RvRow> {};

TEST_P(RvTable, MapsErrcToCkRv)
{
    EXPECT_EQ(rvFor(GetParam().code), GetParam().rv) << errcName(GetParam().code);
}

INSTANTIATE_TEST_SUITE_P(
    AllRows, RvTable,
    ::testing::Values(
        RvRow{Errc::general, CKR_GENERAL_ERROR}, RvRow{Errc::hostMemory, CKR_HOST_MEMORY},
        RvRow{Errc::argumentsBad, CKR_ARGUMENTS_BAD}, RvRow{Errc::dataInvalid, CKR_DATA_INVALID},
        RvRow{Errc::dataLenRange, CKR_DATA_LEN_RANGE}, RvRow{Errc::bufferTooSmall, CKR_BUFFER_TOO_SMALL},
        RvRow{Errc::unsupported, CKR_FUNCTION_NOT_SUPPORTED}, RvRow{Errc::malformedResponse, CKR_DEVICE_ERROR},
        RvRow{Errc::deviceError, CKR_DEVICE_ERROR}, RvRow{Errc::deviceRemoved, CKR_DEVICE_REMOVED},
        RvRow{Errc::tokenNotPresent, CKR_TOKEN_NOT_PRESENT}, RvRow{Errc::tokenNotRecognized, CKR_TOKEN_NOT_RECOGNIZED},
        RvRow{Errc::cardReset, CKR_FUNCTION_FAILED}, RvRow{Errc::noService, CKR_DEVICE_ERROR},
        RvRow{Errc::sharingViolation, CKR_FUNCTION_FAILED}, RvRow{Errc::timeout, CKR_FUNCTION_FAILED},
        RvRow{Errc::cancelled, CKR_FUNCTION_CANCELED}, RvRow{Errc::pinIncorrect, CKR_PIN_INCORRECT},
        RvRow{Errc::pinLocked, CKR_PIN_LOCKED}, RvRow{Errc::pinLenRange, CKR_PIN_LEN_RANGE},
        RvRow{Errc::securityStatus, CKR_USER_NOT_LOGGED_IN}, RvRow{Errc::authenticationFailed, CKR_PIN_INCORRECT},
        RvRow{Errc::notFound, CKR_FUNCTION_FAILED}, RvRow{Errc::conditionsNotSatisfied, CKR_FUNCTION_FAILED},
        RvRow{Errc::wrongParameters, CKR_FUNCTION_FAILED}, RvRow{Errc::insNotSupported, CKR_FUNCTION_NOT_SUPPORTED}));

// Every category has a row of its own: none falls through to the default.
TEST(RvTableTest, EveryErrcHasARow)
{
    for (int i = 0; i <= static_cast<int>(Errc::insNotSupported); ++i) {
        const Errc e = static_cast<Errc>(i);
        if (e == Errc::general) continue;
        EXPECT_NE(rvFor(e), CKR_GENERAL_ERROR) << errcName(e);
    }
}

TEST(RvNames, KnownAndUnknown)
{
    EXPECT_STREQ(rvName(CKR_OK), "CKR_OK");
    EXPECT_STREQ(rvName(CKR_PIN_INCORRECT), "CKR_PIN_INCORRECT");
    EXPECT_STREQ(rvName(0x7FFFFFF0UL), "CKR_VENDOR_OR_UNKNOWN");
}

TEST(Guarded, TurnsEveryExceptionIntoAnRv)
{
    EXPECT_EQ(guarded("t", []() -> CK_RV { throw Error(Errc::pinLocked, "x"); }), CKR_PIN_LOCKED);
    EXPECT_EQ(guarded("t", []() -> CK_RV { throw RvError(CKR_SESSION_CLOSED); }), CKR_SESSION_CLOSED);
    EXPECT_EQ(guarded("t", []() -> CK_RV { throw std::bad_alloc(); }), CKR_HOST_MEMORY);
    EXPECT_EQ(guarded("t", []() -> CK_RV { throw 42; }), CKR_GENERAL_ERROR);
    EXPECT_EQ(guarded("t", [] { return CKR_OK; }), CKR_OK);
}
