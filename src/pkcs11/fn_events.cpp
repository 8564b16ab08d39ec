// C_WaitForSlotEvent (PKCS#11 3.0 section 5.5.7); the event logic lives in
// module_events.cpp. CKF_DONT_BLOCK answers at once with a pending event or
// CKR_NO_EVENT.
#include "pkcs11/entry.hpp"
#include "pkcs11/module.hpp"

using namespace tessera;
using namespace tessera::pkcs11;

extern "C" {

CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
    return guarded(TESSERA_CALL("C_WaitForSlotEvent", flags, pSlot, pReserved), [&] {
        auto m = Module::get();
        if (pReserved != nullptr) failRv(CKR_ARGUMENTS_BAD, "pReserved must be NULL");
        requireNonNull(pSlot);
        if ((flags & CKF_DONT_BLOCK) != 0) {
            auto id = m->pollEvent();
            if (!id) return CKR_NO_EVENT;
            *pSlot = *id;
            return CKR_OK;
        }
        *pSlot = m->waitForEvent();
        return CKR_OK;
    });
}

} // extern "C"
