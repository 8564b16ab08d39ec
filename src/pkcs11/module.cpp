// Module lifetime, slot list and session table; see module.hpp.
#include "pkcs11/module.hpp"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

#include "common/log.hpp"
#include "pkcs11/rv.hpp"

namespace tessera::pkcs11 {

namespace {
// (2) in the lock order of locking.hpp: guards gInstance and gPid (OS mutex:
// exists before C_Initialize). Held by C_Initialize while it builds the module.
std::mutex gInstanceMutex;
// Never destroyed by static destructors (design.md): an application that exits
// without C_Finalize, or a fork() child that exits, must not tear down PC/SC
// handles and threads that belong to the parent process. Placement new into
// static storage: no destructor runs, and no heap block is left behind when
// the host dlcloses the module.
alignas(std::shared_ptr<Module>) unsigned char gInstanceStorage[sizeof(std::shared_ptr<Module>)];
std::shared_ptr<Module>& gInstance = *new (gInstanceStorage) std::shared_ptr<Module>();
pid_t gPid = 0;

// At exit, wipe the cached PINs of a module that was never finalised (best
// effort: never waits for a lock another thread may hold at exit).
struct ExitWiper {
    ~ExitWiper()
    {
        if (!gInstanceMutex.try_lock()) return;
        std::shared_ptr<Module> m = gPid == getpid() ? gInstance : nullptr;
        gInstanceMutex.unlock();
        if (m && !m->abandoned) m->wipeSecretsAtExit();
    }
} gExitWiper;

// fork() while another thread holds one of the module-global locks would
// leave it locked forever in the child (only the forking thread survives).
// prepare takes them in lock order (locking.hpp), so none is mid-use at the
// fork; the parent releases them; the child releases them too (the forking
// thread owns them) and marks the parent's module abandoned: its slots,
// sessions and PC/SC handles belong to the parent, and their per-module
// locks may be held by threads that do not exist in the child. The child
// must call C_Initialize (PKCS#11 3.0 section 5.4), which builds a new module.
// Allocates nothing. glibc removes these handlers when the module is dlclosed.
void forkPrepare() noexcept
{
    gInstanceMutex.lock();
    lockForFork();
    log::lockForFork();
}

void forkParent() noexcept
{
    log::unlockAfterFork();
    unlockAfterFork();
    gInstanceMutex.unlock();
}

void forkChild() noexcept
{
    log::unlockAfterFork();
    unlockAfterFork();
    if (gInstance) gInstance->abandoned = true;
    gInstanceMutex.unlock();
}

const int gAtFork = pthread_atfork(forkPrepare, forkParent, forkChild);

// PKCS#11 3.0 section 5.4 C_Initialize argument rules.
MutexCallbacks parseInitArgs(CK_VOID_PTR initArgs)
{
    MutexCallbacks callbacks;
    if (initArgs == nullptr) return callbacks;
    auto* args = static_cast<CK_C_INITIALIZE_ARGS*>(initArgs);
    if (args->pReserved != nullptr) failRv(CKR_ARGUMENTS_BAD, "pReserved must be NULL");
    const int given = (args->CreateMutex != nullptr) + (args->DestroyMutex != nullptr) + (args->LockMutex != nullptr) +
                      (args->UnlockMutex != nullptr);
    if (given != 0 && given != 4) failRv(CKR_ARGUMENTS_BAD, "mutex callbacks must be all or none");
    // With CKF_OS_LOCKING_OK we may use OS locking; without it, supplied callbacks must be used.
    if (given == 4 && (args->flags & CKF_OS_LOCKING_OK) == 0) {
        callbacks.create = args->CreateMutex;
        callbacks.destroy = args->DestroyMutex;
        callbacks.lock = args->LockMutex;
        callbacks.unlock = args->UnlockMutex;
    }
    return callbacks;
}
} // namespace

void Module::initialize(CK_VOID_PTR initArgs)
{
    std::scoped_lock lock(gInstanceMutex);
    (void)gAtFork;
    if (gInstance && gPid == getpid() && !gInstance->abandoned) failRv(CKR_CRYPTOKI_ALREADY_INITIALIZED);
    // After fork() the child must call C_Initialize again (PKCS#11 3.0 section 5.4):
    // the parent's state is abandoned, not torn down (its PC/SC handles belong to the parent).
    if (gInstance) new std::shared_ptr<Module>(std::move(gInstance)); // deliberate leak in the child
    setMutexCallbacks(parseInitArgs(initArgs));
    const bool threads = initArgs == nullptr || (static_cast<CK_C_INITIALIZE_ARGS*>(initArgs)->flags &
                                                 CKF_LIBRARY_CANT_CREATE_OS_THREADS) == 0;
    gInstance = std::make_shared<Module>(threads);
    gPid = getpid();
    gInstance->primeEvents();
}

void Module::finalize()
{
    std::shared_ptr<Module> old;
    {
        std::scoped_lock lock(gInstanceMutex);
        if (!gInstance || gPid != getpid()) failRv(CKR_CRYPTOKI_NOT_INITIALIZED);
        old = std::move(gInstance);
    }
    old->beginFinalize();
    // old is released here or when the last running call finishes.
}

std::shared_ptr<Module> Module::get()
{
    std::scoped_lock lock(gInstanceMutex);
    if (!gInstance || gPid != getpid() || gInstance->abandoned) failRv(CKR_CRYPTOKI_NOT_INITIALIZED);
    return gInstance;
}

SessionCall Module::sessionCall(CK_SESSION_HANDLE handle)
{
    SessionCall call;
    call.module = get();
    call.session = call.module->session(handle);
    return call;
}

Module::Module(bool threadsAllowed) : config_(Config::load())
{
    config_.threadsAllowed = threadsAllowed;
    if (!log::configure(config_.debugLevel, config_.logFile))
        config_.problems.push_back("log_file '" + config_.logFile + "' cannot be opened for appending (" +
                                   std::strerror(errno) + "); logging to stderr");
    // One line per configuration problem, even with the debug log off: the
    // module goes on with the defaults for what was wrong (config.hpp).
    for (const auto& p : config_.problems)
        log::write(log::Level::warning, "config: " + p);
    drivers::registerBuiltinDrivers(registry_);
    if (config_.idleDisconnectMs > 0 && threadsAllowed) {
        reaper_ = std::make_shared<IdleReaper>(std::chrono::milliseconds(config_.idleDisconnectMs));
    }
    log::write(log::Level::calls, "module initialised");
}

Module::~Module()
{
    reaper_.reset(); // its thread looks at the slots: stop it first
    // Sessions and tokens go first: their destructors wipe PINs and release card handles.
    sessions_.clear();
    slots_.clear();
}

void Module::wipeSecretsAtExit() noexcept
{
    if (!mutex_.try_lock()) return;
    auto all = slots_;
    mutex_.unlock();
    for (const auto& s : all)
        s->logoutAtExit();
}

void Module::refreshReaders()
{
    std::vector<std::string> readers;
    {
        std::scoped_lock lock(contextMutex_);
        for (int attempt = 0; attempt < 2; ++attempt) {
            try {
                if (!context_) context_ = std::make_unique<pcsc::Context>();
                readers = context_->listReaders();
                break;
            } catch (const Error& e) {
                context_.reset(); // pcscd restarted: a new context next time
                if (e.code() != Errc::noService || attempt == 1) {
                    log::write(log::Level::calls, std::string("listing readers failed: ") + e.what());
                    readers.clear();
                }
            }
        }
    }
    // reader_include / reader_exclude (config.hpp): a filtered reader never
    // becomes a slot. The wait for slot events still counts every reader
    // pcscd lists (\\?PnP?\\Notification compares with that count).
    listedReaders_ = readers.size();
    std::erase_if(readers, [this](const std::string& r) { return !readerUsed(r); });
    // Under mutex_ only the list changes; tokens of vanished readers are
    // dropped after it is released (dropToken takes Slot::stateMutex, which
    // mutex_ never encloses: locking.hpp).
    std::vector<std::shared_ptr<Slot>> gone;
    std::vector<std::shared_ptr<Slot>> added;
    {
        std::scoped_lock lock(mutex_);
        for (auto& s : slots_) {
            bool listed = std::find(readers.begin(), readers.end(), s->reader()) != readers.end();
            s->readerPresent = listed;
            if (!listed) gone.push_back(s);
        }
        for (const auto& r : readers) {
            auto known = std::find_if(slots_.begin(), slots_.end(), [&](const auto& s) { return s->reader() == r; });
            if (known == slots_.end()) {
                auto slot = std::make_shared<Slot>(slots_.size(), r);
                slot->reaper = reaper_;
                slot->cache = TokenCache::fromConfig(config_);
                slot->application = config_.applicationForReader(r);
                slot->serialRules = config_.applicationRules;
                slots_.push_back(slot);
                added.push_back(std::move(slot));
            }
        }
    }
    for (const auto& s : gone)
        s->dropToken(s->currentToken(), "reader removed");
    if (reaper_)
        for (const auto& s : added)
            reaper_->watch(s);
}

bool Module::readerUsed(const std::string& reader)
{
    if (config_.readerAllowed(reader)) return true;
    std::scoped_lock lock(mutex_);
    if (ignoredReaders_.insert(reader).second)
        log::write(log::Level::calls, "reader '" + reader + "' ignored (reader_include / reader_exclude)");
    return false;
}

std::vector<std::shared_ptr<Slot>> Module::slots(bool refresh)
{
    bool empty = false;
    {
        std::scoped_lock lock(mutex_);
        empty = slots_.empty();
    }
    if (refresh || empty) refreshReaders();
    std::scoped_lock lock(mutex_);
    return slots_;
}

std::shared_ptr<Slot> Module::slot(CK_SLOT_ID id)
{
    {
        std::scoped_lock lock(mutex_);
        if (id < slots_.size()) return slots_[id];
        if (!slots_.empty()) failRv(CKR_SLOT_ID_INVALID);
    }
    refreshReaders(); // an application may ask for slot 0 without C_GetSlotList
    std::scoped_lock lock(mutex_);
    if (id < slots_.size()) return slots_[id];
    failRv(CKR_SLOT_ID_INVALID);
}

Module::ReaderStatus Module::readerStatus(const std::string& reader)
{
    std::scoped_lock lock(contextMutex_);
    ReaderStatus status;
    for (int attempt = 0; attempt < 2; ++attempt) {
        try {
            if (!context_) context_ = std::make_unique<pcsc::Context>();
            std::vector<pcsc::ReaderState> states(1);
            states[0].reader = reader;
            context_->getStatusChange(states, 0);
            status.known = !states[0].unknownReader();
            status.present = states[0].present();
            status.eventCounter = states[0].eventCounter();
            return status;
        } catch (const Error& e) {
            if (e.code() == Errc::noService || e.code() == Errc::general) context_.reset();
            if (attempt == 1) log::write(log::Level::calls, std::string("reader status failed: ") + e.what());
        }
    }
    return status;
}

bool Module::cardPresent(Slot& slot)
{
    if (!slot.readerPresent) return false;
    ReaderStatus status = readerStatus(slot.reader());
    auto token = slot.currentToken();
    if (token && (!status.present || status.eventCounter != token->eventCounter))
        slot.dropToken(token, status.present ? "card changed (event counter)" : "card removed");
    return status.present;
}

TokenPtr Module::token(Slot& slot)
{
    if (!slot.readerPresent) failRv(CKR_TOKEN_NOT_PRESENT, "reader " + slot.reader() + " is gone");
    ReaderStatus status = readerStatus(slot.reader());
    auto token = slot.currentToken();
    if (token && status.present && status.eventCounter == token->eventCounter && !token->gone) return token;
    if (token) slot.dropToken(token, status.present ? "card changed (event counter)" : "card removed");
    if (!status.present) failRv(CKR_TOKEN_NOT_PRESENT, "no card in " + slot.reader());
    return slot.loadToken(registry_, status.eventCounter, [this] { return nextObjectHandle(); });
}

SessionPtr Module::openSession(const std::shared_ptr<Slot>& slot, CK_FLAGS flags)
{
    auto tok = token(*slot);
    if ((flags & CKF_RW_SESSION) == 0) {
        std::scoped_lock lock(slot->stateMutex);
        if (tok->soLoggedIn) failRv(CKR_SESSION_READ_WRITE_SO_EXISTS);
    }
    CK_SESSION_HANDLE h = ++sessionCounter_;
    auto s = std::make_shared<Session>(h, slot, tok, flags);
    std::scoped_lock lock(mutex_);
    sessions_[h] = s;
    return s;
}

SessionPtr Module::session(CK_SESSION_HANDLE handle)
{
    SessionPtr found;
    bool gone = false;
    {
        std::scoped_lock lock(mutex_);
        auto it = sessions_.find(handle);
        if (it == sessions_.end()) failRv(CKR_SESSION_HANDLE_INVALID);
        found = it->second;
        gone = found->token->gone;
        if (gone) sessions_.erase(it);
    }
    // A removed card's session (and maybe its token, with PC/SC handles) is
    // freed here, after mutex_ is released.
    if (gone) failRv(CKR_DEVICE_REMOVED, "the session's card was removed");
    return found;
}

void Module::closeSession(CK_SESSION_HANDLE handle)
{
    SessionPtr closing;
    {
        std::scoped_lock lock(mutex_);
        auto it = sessions_.find(handle);
        if (it == sessions_.end()) failRv(CKR_SESSION_HANDLE_INVALID);
        closing = it->second;
        sessions_.erase(it);
    }
    // PKCS#11 3.0 section 5.6.4: closing the last session of a token logs the user out.
    if (sessionCount(closing->slot->id(), false) == 0) {
        std::scoped_lock lock(closing->slot->stateMutex);
        closing->token->logout();
    }
}

void Module::closeAllSessions(CK_SLOT_ID slotId)
{
    auto s = slot(slotId);
    std::vector<SessionPtr> closing; // freed after mutex_ is released
    {
        std::scoped_lock lock(mutex_);
        std::erase_if(sessions_, [&](const auto& kv) {
            if (kv.second->slot->id() != slotId) return false;
            closing.push_back(kv.second);
            return true;
        });
    }
    if (auto tok = s->currentToken()) {
        std::scoped_lock lock(s->stateMutex);
        tok->logout();
    }
}

std::size_t Module::sessionCount(CK_SLOT_ID slotId, bool readWriteOnly)
{
    std::scoped_lock lock(mutex_);
    return static_cast<std::size_t>(std::count_if(sessions_.begin(), sessions_.end(), [&](const auto& kv) {
        return kv.second->slot->id() == slotId && (!readWriteOnly || kv.second->readWrite());
    }));
}

ObjectPtr Session::object(CK_OBJECT_HANDLE h) const
{
    if (auto o = token->object(h)) return o;
    for (const auto& o : sessionObjects)
        if (o->handle == h) return o;
    return nullptr;
}

} // namespace tessera::pkcs11
