// wait_idle [MODULE]: the process events_idle.sh observes with strace. Loads
// MODULE (default $TESSERA_MODULE), reads the present tokens and blocks in
// C_WaitForSlotEvent(0) on the main thread until killed.
//
// Before blocking it takes the events already pending (CKF_DONT_BLOCK until
// CKR_NO_EVENT: OpenSC reports the cards present at start as events) and
// prints "waiting PID"; an event that wakes it is printed
// ("C_WaitForSlotEvent returned ...") and it waits again.
#include <unistd.h>

#include "events_common.hpp"
#include "events_tests.hpp"

namespace ev {

int testWaitIdle(int argc, char** argv)
{
    loadModule(argc > 0 ? argv[0] : nullptr);
    CK_RV rv = initialize();
    if (rv != CKR_OK) {
        std::printf("FAIL C_Initialize %s\n", rvName(rv).c_str());
        return 1;
    }
    for (CK_SLOT_ID id : slotList(true)) {
        CK_TOKEN_INFO ti;
        rv = p11->C_GetTokenInfo(id, &ti);
        std::printf("# slot %lu: C_GetTokenInfo %s\n", id, rvName(rv).c_str());
    }
    CK_SLOT_ID slot = 0;
    for (int i = 0; i < 32; ++i) {
        rv = p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr);
        std::printf("# pending: C_WaitForSlotEvent(CKF_DONT_BLOCK) %s (slot %lu)\n", rvName(rv).c_str(), slot);
        if (rv != CKR_OK) break;
    }
    std::printf("waiting %d\n", static_cast<int>(getpid()));
    std::fflush(stdout);
    for (int i = 0; i < 1000; ++i) {
        rv = p11->C_WaitForSlotEvent(0, &slot, nullptr);
        std::printf("C_WaitForSlotEvent returned %s (slot %lu)\n", rvName(rv).c_str(), slot);
        std::fflush(stdout);
        if (rv != CKR_OK) break;
    }
    return 0;
}

} // namespace ev
