// Key writes against object readers (issue 9): a write replaces the objects
// of one key while other threads search, read attributes and list the
// mechanisms. Readers must only ever see a whole object list (the old or the
// new one): ThreadSanitizer (make check-tsan) reports the data race of an
// unguarded list, and a normal build can crash on it.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "card_fixture.hpp"

namespace tessera::apitest {
namespace {

// The default 3DES management key of the YubiKey-profile card, as ykcs11
// takes it: hex (module_piv_keygen.sh).
const std::string kManagementKey = "010203040506070801020304050607080102030405060708";

// One reader: searches, attribute reads and the mechanism list until `stop`.
// A handle found before a write may be gone after it (CKR_OBJECT_HANDLE_INVALID).
std::string readUntil(CK_FUNCTION_LIST* f, CK_SLOT_ID slot, const std::atomic<bool>& stop)
{
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    CK_RV rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &h);
    if (rv != CKR_OK) return "C_OpenSession " + rvName(rv);
    std::string error;
    while (!stop && error.empty()) {
        rv = f->C_FindObjectsInit(h, nullptr, 0);
        CK_OBJECT_HANDLE found[64];
        CK_ULONG n = 0;
        if (rv == CKR_OK) rv = f->C_FindObjects(h, found, 64, &n);
        f->C_FindObjectsFinal(h);
        if (rv != CKR_OK) error = "find " + rvName(rv);
        for (CK_ULONG i = 0; i < n && error.empty(); ++i) {
            Bytes value(4096);
            CK_OBJECT_CLASS cls = 0;
            CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, value.data(), value.size()}};
            rv = f->C_GetAttributeValue(h, found[i], t, 2);
            if (rv != CKR_OK && rv != CKR_OBJECT_HANDLE_INVALID) error = "C_GetAttributeValue " + rvName(rv);
        }
        CK_ULONG count = 0;
        rv = f->C_GetMechanismList(slot, nullptr, &count);
        if (rv != CKR_OK && error.empty()) error = "C_GetMechanismList " + rvName(rv);
    }
    f->C_CloseSession(h);
    return error;
}

TEST_F(Card, ObjectReadersDuringCertificateWrites)
{
    CK_OBJECT_HANDLE cert = object(s, CKO_CERTIFICATE, 3);
    ASSERT_NE(cert, CK_INVALID_HANDLE);
    auto der = attrBytes(s, cert, CKA_VALUE);
    ASSERT_TRUE(der.has_value());
    session.reset(); // no read-only session may stay open for the SO login
    CK_SESSION_HANDLE w = CK_INVALID_HANDLE;
    ASSERT_RV(CKR_OK, f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &w));
    Bytes so = toBytes(kManagementKey);
    ASSERT_RV(CKR_OK, f->C_Login(w, CKU_SO, so.data(), so.size()));

    std::atomic<bool> stop{false};
    constexpr int kReaders = 3, kWrites = 12;
    std::vector<std::string> errors(kReaders);
    std::vector<std::thread> readers;
    for (int t = 0; t < kReaders; ++t)
        readers.emplace_back([&, t] { errors[t] = readUntil(f, slot, stop); });
    // The same certificate written back: each write replaces key 03's objects,
    // and the card ends as it started.
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_CERTIFICATE_TYPE type = CKC_X_509;
    CK_BBOOL yes = CK_TRUE;
    CK_BYTE id = 3;
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                           {CKA_CERTIFICATE_TYPE, &type, sizeof type},
                           {CKA_TOKEN, &yes, sizeof yes},
                           {CKA_ID, &id, 1},
                           {CKA_VALUE, der->data(), der->size()}};
    int written = 0;
    for (int i = 0; i < kWrites; ++i) {
        CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
        CK_RV rv = f->C_CreateObject(w, tmpl, 5, &h);
        EXPECT_RV(CKR_OK, rv) << "write " << i;
        if (rv != CKR_OK) break;
        ++written;
    }
    stop = true;
    for (auto& th : readers)
        th.join();
    for (int t = 0; t < kReaders; ++t)
        EXPECT_EQ(errors[t], "") << "reader " << t;
    EXPECT_EQ(written, kWrites);
    CK_OBJECT_HANDLE now = findById(w, CKO_CERTIFICATE, Bytes{3});
    ASSERT_NE(now, CK_INVALID_HANDLE) << "key 03's certificate after the writes";
    EXPECT_EQ(hex(attrBytes(w, now, CKA_VALUE).value_or(Bytes{})), hex(*der));
    f->C_Logout(w);
    f->C_CloseSession(w);
}

} // namespace
} // namespace tessera::apitest
