// The module's mutex type. PKCS#11 3.0 section 5.4 (C_Initialize): with
// CKF_OS_LOCKING_OK or no callbacks we use OS locking (std::mutex); when the
// application supplies mutex callbacks without CKF_OS_LOCKING_OK we must use
// its callbacks. Locking is always on (never off for NULL init args).
//
// Lock order: every mutex of the module, outermost first. A thread holding
// one takes only mutexes further down the list, and never two of one rank
// (two sessions, two slots) at once. Ranks are repeated where each is declared.
//
//  (1) Session::mutex         session.hpp   a session's operation state; held
//                                           across card I/O (C_Sign, C_Login CKU_CONTEXT_SPECIFIC)
//  (2) gInstanceMutex         module.cpp    the live module; held by C_Initialize while it
//                                           builds one; an entry point takes it (Module::get,
//                                           sessionCall) before any other lock, never under (1)
//  (3) Module::contextMutex_  module.hpp    the module's PC/SC context (reader list, status)
//  (4) Module::mutex_         module.hpp    slot list, session table; nothing of (5)-(8) under it
//  (5) Slot::ioMutex          slot.hpp      card I/O, token (re)load; the reaper's sweep
//  (6) Slot::stateMutex       slot.hpp      token pointer, login state; never across card I/O
//  (7) EventTracker::mutex_   slot_events.hpp  slot states reported by C_WaitForSlotEvent
//  (8) Module::waitersMutex_  module.hpp    blocked C_WaitForSlotEvent contexts (OS mutex)
//  (9) IdleReaper::mutex_     idle_reaper.hpp  its timer and slot list (OS mutex); taken
//                                           by a card use after (5) is released
// (10) gCallbacksMutex        locking.cpp   the application's mutex callbacks (OS mutex)
// (11) log gMutex             common/log.cpp   the debug log sink (OS mutex)
//
// (1) and (3)-(7) are ModuleMutex (the application's mutexes when it supplied
// callbacks); the others are std::mutex. Only (2), (10) and (11) are
// module-global: pthread_atfork takes those three, in this order, around a
// fork (module.cpp); per-module mutexes belong to a module the child abandons.
#pragma once

#include <memory>
#include <mutex>

#include "pkcs11/pkcs11_api.hpp"

namespace tessera::pkcs11 {

struct MutexCallbacks {
    CK_CREATEMUTEX create = nullptr;
    CK_DESTROYMUTEX destroy = nullptr;
    CK_LOCKMUTEX lock = nullptr;
    CK_UNLOCKMUTEX unlock = nullptr;
    bool active() const { return create != nullptr; }
};

// Set in C_Initialize before the new module makes its mutexes. Guarded by
// gCallbacksMutex (10): a call still running on a finalised module may make
// a ModuleMutex (a new slot) while another thread re-initialises.
void setMutexCallbacks(const MutexCallbacks& callbacks);
// pthread_atfork (module.cpp): take / release gCallbacksMutex.
void lockForFork() noexcept;
void unlockAfterFork() noexcept;

// BasicLockable: usable with std::scoped_lock / std::unique_lock.
class ModuleMutex {
public:
    ModuleMutex();
    ~ModuleMutex();
    ModuleMutex(const ModuleMutex&) = delete;
    ModuleMutex& operator=(const ModuleMutex&) = delete;
    void lock();
    void unlock();
    // Only for exit paths: false when the mutex is held, or when it is an
    // application mutex (those have no try-lock).
    bool try_lock();

private:
    std::mutex os_;
    void* app_ = nullptr; // application mutex when callbacks are active
    MutexCallbacks callbacks_;
};

} // namespace tessera::pkcs11
