// ModuleMutex: OS locking or the application's callbacks; see locking.hpp.
#include "pkcs11/locking.hpp"

#include "pkcs11/rv.hpp"

namespace tessera::pkcs11 {

namespace {
std::mutex gCallbacksMutex; // (10) in the lock order of locking.hpp
MutexCallbacks gCallbacks;  // guarded by gCallbacksMutex

MutexCallbacks currentCallbacks()
{
    std::scoped_lock lock(gCallbacksMutex);
    return gCallbacks;
}
} // namespace

void setMutexCallbacks(const MutexCallbacks& callbacks)
{
    std::scoped_lock lock(gCallbacksMutex);
    gCallbacks = callbacks;
}

void lockForFork() noexcept
{
    gCallbacksMutex.lock();
}

void unlockAfterFork() noexcept
{
    gCallbacksMutex.unlock();
}

ModuleMutex::ModuleMutex() : callbacks_(currentCallbacks())
{
    if (callbacks_.active()) {
        CK_RV rv = callbacks_.create(&app_);
        if (rv != CKR_OK) failRv(rv, "application CreateMutex failed");
    }
}

ModuleMutex::~ModuleMutex()
{
    if (app_ != nullptr) callbacks_.destroy(app_);
}

void ModuleMutex::lock()
{
    if (app_ != nullptr) {
        CK_RV rv = callbacks_.lock(app_);
        if (rv != CKR_OK) failRv(CKR_CANT_LOCK, "application LockMutex failed");
        return;
    }
    os_.lock();
}

bool ModuleMutex::try_lock()
{
    if (app_ != nullptr) return false;
    return os_.try_lock();
}

void ModuleMutex::unlock()
{
    if (app_ != nullptr) {
        callbacks_.unlock(app_);
        return;
    }
    os_.unlock();
}

} // namespace tessera::pkcs11
