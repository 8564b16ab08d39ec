// The module's mutex type. PKCS#11 3.0 section 5.4 (C_Initialize): with
// CKF_OS_LOCKING_OK or no callbacks we use OS locking (std::mutex); when the
// application supplies mutex callbacks without CKF_OS_LOCKING_OK we must use
// its callbacks. Locking is always on (never off for NULL init args).
//
// Lock order (never acquired in reverse): Module::mutex_ (slot list, session
// table) -> Session::mutex (operation state) -> Slot::ioMutex (card I/O, token
// (re)load) -> Slot::stateMutex (token pointer, login state; held briefly,
// never across card I/O). Module::mutex_ is never held while taking the others.
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

// Set once in C_Initialize before any ModuleMutex is made.
void setMutexCallbacks(const MutexCallbacks& callbacks);

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
