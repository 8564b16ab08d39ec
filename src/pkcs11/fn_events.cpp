// C_WaitForSlotEvent (PKCS#11 3.0 section 5.5.7). CKF_DONT_BLOCK answers at
// once from pcscd's reader states (no card I/O); the blocking form arrives
// with the events issue (SCardGetStatusChange on all readers plus
// \\?PnP?\Notification, woken by C_Finalize through SCardCancel).
#include "pkcs11/entry.hpp"
#include "pkcs11/module.hpp"

using namespace tessera;
using namespace tessera::pkcs11;

extern "C" {

CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
    return guarded("C_WaitForSlotEvent", [&] {
        auto m = Module::get();
        if (pReserved != nullptr) return CKR_ARGUMENTS_BAD;
        requireNonNull(pSlot);
        if ((flags & CKF_DONT_BLOCK) != 0) return CKR_NO_EVENT;
        return CKR_FUNCTION_NOT_SUPPORTED;
    });
}

} // extern "C"
