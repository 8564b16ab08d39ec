// The PC/SC return-code table: every SCARD_* code of pcsclite.h (1.9.9) has
// its name and error category. Codes are written as literals, so the test is
// an independent check of the table rather than a copy of the header.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "common/error.hpp"
#include "pcsc/pcsc.hpp"

using namespace tessera;
using namespace tessera::pcsc;

namespace {

struct RvCase {
    long rv;
    const char* name;
    Errc errc;
};

const RvCase kCases[] = {
    {0x00000000L, "SCARD_S_SUCCESS", Errc::general},
    {0x80100001L, "SCARD_F_INTERNAL_ERROR", Errc::deviceError},
    {0x80100002L, "SCARD_E_CANCELLED", Errc::cancelled},
    {0x80100003L, "SCARD_E_INVALID_HANDLE", Errc::noService},
    {0x80100004L, "SCARD_E_INVALID_PARAMETER", Errc::deviceError},
    {0x80100005L, "SCARD_E_INVALID_TARGET", Errc::deviceError},
    {0x80100006L, "SCARD_E_NO_MEMORY", Errc::hostMemory},
    {0x80100007L, "SCARD_F_WAITED_TOO_LONG", Errc::deviceError},
    {0x80100008L, "SCARD_E_INSUFFICIENT_BUFFER", Errc::bufferTooSmall},
    {0x80100009L, "SCARD_E_UNKNOWN_READER", Errc::deviceRemoved},
    {0x8010000AL, "SCARD_E_TIMEOUT", Errc::timeout},
    {0x8010000BL, "SCARD_E_SHARING_VIOLATION", Errc::sharingViolation},
    {0x8010000CL, "SCARD_E_NO_SMARTCARD", Errc::tokenNotPresent},
    {0x8010000DL, "SCARD_E_UNKNOWN_CARD", Errc::deviceError},
    {0x8010000EL, "SCARD_E_CANT_DISPOSE", Errc::deviceError},
    {0x8010000FL, "SCARD_E_PROTO_MISMATCH", Errc::deviceError},
    {0x80100010L, "SCARD_E_NOT_READY", Errc::deviceError},
    {0x80100011L, "SCARD_E_INVALID_VALUE", Errc::deviceError},
    {0x80100012L, "SCARD_E_SYSTEM_CANCELLED", Errc::deviceError},
    {0x80100013L, "SCARD_F_COMM_ERROR", Errc::noService},
    {0x80100014L, "SCARD_F_UNKNOWN_ERROR", Errc::deviceError},
    {0x80100015L, "SCARD_E_INVALID_ATR", Errc::deviceError},
    {0x80100016L, "SCARD_E_NOT_TRANSACTED", Errc::deviceError},
    {0x80100017L, "SCARD_E_READER_UNAVAILABLE", Errc::deviceRemoved},
    {0x80100018L, "SCARD_P_SHUTDOWN", Errc::deviceError},
    {0x80100019L, "SCARD_E_PCI_TOO_SMALL", Errc::deviceError},
    {0x8010001AL, "SCARD_E_READER_UNSUPPORTED", Errc::deviceError},
    {0x8010001BL, "SCARD_E_DUPLICATE_READER", Errc::deviceError},
    {0x8010001CL, "SCARD_E_CARD_UNSUPPORTED", Errc::deviceError},
    {0x8010001DL, "SCARD_E_NO_SERVICE", Errc::noService},
    {0x8010001EL, "SCARD_E_SERVICE_STOPPED", Errc::noService},
    {0x8010001FL, "SCARD_E_UNSUPPORTED_FEATURE", Errc::deviceError}, // == SCARD_E_UNEXPECTED
    {0x80100020L, "SCARD_E_ICC_INSTALLATION", Errc::deviceError},
    {0x80100021L, "SCARD_E_ICC_CREATEORDER", Errc::deviceError},
    {0x80100023L, "SCARD_E_DIR_NOT_FOUND", Errc::deviceError},
    {0x80100024L, "SCARD_E_FILE_NOT_FOUND", Errc::deviceError},
    {0x80100025L, "SCARD_E_NO_DIR", Errc::deviceError},
    {0x80100026L, "SCARD_E_NO_FILE", Errc::deviceError},
    {0x80100027L, "SCARD_E_NO_ACCESS", Errc::deviceError},
    {0x80100028L, "SCARD_E_WRITE_TOO_MANY", Errc::deviceError},
    {0x80100029L, "SCARD_E_BAD_SEEK", Errc::deviceError},
    {0x8010002AL, "SCARD_E_INVALID_CHV", Errc::deviceError},
    {0x8010002BL, "SCARD_E_UNKNOWN_RES_MNG", Errc::deviceError},
    {0x8010002CL, "SCARD_E_NO_SUCH_CERTIFICATE", Errc::deviceError},
    {0x8010002DL, "SCARD_E_CERTIFICATE_UNAVAILABLE", Errc::deviceError},
    {0x8010002EL, "SCARD_E_NO_READERS_AVAILABLE", Errc::deviceError},
    {0x8010002FL, "SCARD_E_COMM_DATA_LOST", Errc::deviceError},
    {0x80100030L, "SCARD_E_NO_KEY_CONTAINER", Errc::deviceError},
    {0x80100031L, "SCARD_E_SERVER_TOO_BUSY", Errc::deviceError},
    {0x80100065L, "SCARD_W_UNSUPPORTED_CARD", Errc::deviceError},
    {0x80100066L, "SCARD_W_UNRESPONSIVE_CARD", Errc::deviceError},
    {0x80100067L, "SCARD_W_UNPOWERED_CARD", Errc::deviceError},
    {0x80100068L, "SCARD_W_RESET_CARD", Errc::cardReset},
    {0x80100069L, "SCARD_W_REMOVED_CARD", Errc::deviceRemoved},
    {0x8010006AL, "SCARD_W_SECURITY_VIOLATION", Errc::deviceError},
    {0x8010006BL, "SCARD_W_WRONG_CHV", Errc::deviceError},
    {0x8010006CL, "SCARD_W_CHV_BLOCKED", Errc::deviceError},
    {0x8010006DL, "SCARD_W_EOF", Errc::deviceError},
    {0x8010006EL, "SCARD_W_CANCELLED_BY_USER", Errc::cancelled},
    {0x8010006FL, "SCARD_W_CARD_NOT_AUTHENTICATED", Errc::deviceError},
};

} // namespace

class PcscErrorTest : public ::testing::TestWithParam<RvCase> {};

TEST_P(PcscErrorTest, Row)
{
    const RvCase& tc = GetParam();
    EXPECT_EQ(rvName(tc.rv), tc.name);
    EXPECT_EQ(errcFor(tc.rv), tc.errc) << tc.name << " -> " << errcName(errcFor(tc.rv));
    if (tc.rv == 0) {
        EXPECT_NO_THROW(check(tc.rv, "SCardTest"));
        return;
    }
    try {
        check(tc.rv, "SCardTest");
        FAIL() << "no error for " << tc.name;
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), tc.errc);
        std::string what = e.what();
        EXPECT_EQ(what.rfind(std::string("SCardTest: ") + tc.name + " (0x", 0), 0u) << what;
    }
}

INSTANTIATE_TEST_SUITE_P(Table, PcscErrorTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<RvCase>& p) { return std::string(p.param.name); });

TEST(PcscErrors, UnknownCodeNamedByHexAndDeviceError)
{
    EXPECT_EQ(rvName(0x80100099L), "0x80100099");
    EXPECT_EQ(errcFor(0x80100099L), Errc::deviceError);
    EXPECT_EQ(rvName(-1L), "0xFFFFFFFF");
    try {
        check(0x80100099L, "SCardConnect");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), "SCardConnect: 0x80100099 (0x80100099)");
    }
}

TEST(PcscErrors, PnpReaderName)
{
    EXPECT_EQ(std::string(kPnpReader), "\\\\?PnP?\\Notification");
}

// With no pcscd behind the socket, establishing a context is noService (the
// code path of "pcscd restarted"). The socket path is private to this test,
// so the system pcscd is never contacted.
TEST(PcscContext, NoDaemonIsNoService)
{
    std::string sock = ::testing::TempDir() + "tessera-no-pcscd.comm";
    ::setenv("PCSCLITE_CSOCK_NAME", sock.c_str(), 1);
    try {
        Context context;
        FAIL() << "a context was established without a daemon";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::noService) << e.what();
        EXPECT_NE(std::string(e.what()).find("SCardEstablishContext: SCARD_E_NO_SERVICE"), std::string::npos)
            << e.what();
    }
}
