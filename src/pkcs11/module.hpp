// The module's state between C_Initialize and C_Finalize: configuration,
// driver registry, slot list, session table. Built in C_Initialize, torn down
// in C_Finalize (never in static destructors).
//
// Ownership: every entry point holds a shared_ptr to the module for its whole
// duration (`auto m = Module::get();` or a SessionCall, never a temporary
// whose pointee the rest of the call still uses), so C_Finalize never frees
// what a running call uses: the module, and the idle reaper it owns, go when
// the last running call returns. A session holds its slot and token; a slot
// holds the reaper only weakly. Lock order: locking.hpp.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "card-drivers/registry.hpp"
#include "pkcs11/config.hpp"
#include "pkcs11/idle_reaper.hpp"
#include "pkcs11/session.hpp"
#include "pkcs11/slot.hpp"
#include "pkcs11/slot_events.hpp"

namespace tessera::pkcs11 {

class Module;

// What an entry point on a session holds for its whole duration: the module
// and the session (which holds its slot and token). Used like a SessionPtr.
struct SessionCall {
    std::shared_ptr<Module> module;
    SessionPtr session;
    Session* operator->() const noexcept { return session.get(); }
    Session& operator*() const noexcept { return *session; }
};

class Module {
public:
    static void initialize(CK_VOID_PTR initArgs);
    static void finalize();
    // The live module; throws RvError(CKR_CRYPTOKI_NOT_INITIALIZED).
    static std::shared_ptr<Module> get();
    // get() and session(handle), both held by the caller.
    static SessionCall sessionCall(CK_SESSION_HANDLE handle);

    explicit Module(bool threadsAllowed = true);
    ~Module();

    const Config& config() const { return config_; }
    const drivers::Registry& registry() const { return registry_; }

    // Slot list; refresh=true re-reads the PC/SC reader list first. Never shrinks.
    std::vector<std::shared_ptr<Slot>> slots(bool refresh);
    std::shared_ptr<Slot> slot(CK_SLOT_ID id); // throws CKR_SLOT_ID_INVALID
    // Whether a card is in the slot's reader now (asks pcscd, no card I/O);
    // drops a token whose card was replaced (event counter changed).
    bool cardPresent(Slot& slot);
    // The slot's token, read from the card on first use. Throws CKR_TOKEN_NOT_PRESENT etc.
    TokenPtr token(Slot& slot);

    SessionPtr openSession(const std::shared_ptr<Slot>& slot, CK_FLAGS flags);
    // Throws CKR_SESSION_HANDLE_INVALID, or CKR_DEVICE_REMOVED (once) when its card is gone.
    SessionPtr session(CK_SESSION_HANDLE handle);
    void closeSession(CK_SESSION_HANDLE handle);
    void closeAllSessions(CK_SLOT_ID slotId);
    std::size_t sessionCount(CK_SLOT_ID slotId, bool readWriteOnly);
    CK_OBJECT_HANDLE nextObjectHandle() { return ++objectCounter_; }

    // C_WaitForSlotEvent (module_events.cpp): a pending event or nullopt, at once;
    // or block in SCardGetStatusChange until one happens. C_Finalize wakes
    // blocked waiters (CKR_CRYPTOKI_NOT_INITIALIZED).
    std::optional<CK_SLOT_ID> pollEvent();
    CK_SLOT_ID waitForEvent();
    void beginFinalize();
    void primeEvents(); // the slot states at C_Initialize are not events
    void wipeSecretsAtExit() noexcept;

private:
    void refreshReaders();
    bool readerUsed(const std::string& reader); // config's reader filter; logs a reader it skips, once
    std::vector<std::pair<CK_SLOT_ID, SlotSnapshot>> observe(pcsc::Context& context,
                                                             std::vector<pcsc::ReaderState>& states);
    void registerWaiter(pcsc::Context* context, bool add);
    struct ReaderStatus {
        bool known = false;
        bool present = false;
        std::uint16_t eventCounter = 0;
    };
    ReaderStatus readerStatus(const std::string& reader);

    Config config_;
    drivers::Registry registry_;
    // Mutexes: ranks in the lock order of locking.hpp.
    ModuleMutex mutex_; // (4) slots_, sessions_; nothing but leaves (9-11) taken under it
    std::vector<std::shared_ptr<Slot>> slots_;
    std::map<CK_SESSION_HANDLE, SessionPtr> sessions_;
    std::set<std::string> ignoredReaders_;      // filtered out by the config (logged once each)
    std::atomic<std::size_t> listedReaders_{0}; // readers pcscd listed, filtered or not
    ModuleMutex contextMutex_;                  // (3) context_; held across PC/SC calls, never across card I/O
    std::unique_ptr<pcsc::Context> context_;
    EventTracker events_; // (7) inside
    std::atomic<bool> finalizing_{false};
    std::mutex waitersMutex_; // (8) OS mutex: C_Finalize runs it while waiters block
    std::vector<pcsc::Context*> waiters_;
    std::atomic<CK_SESSION_HANDLE> sessionCounter_{0};
    std::atomic<CK_OBJECT_HANDLE> objectCounter_{0};
    // The only owner of the reaper (slots hold weak_ptrs). Declared last: stopped first.
    std::shared_ptr<IdleReaper> reaper_;

public:
    // Set in a fork() child (pthread_atfork): this module belongs to the
    // parent; the child never uses, wipes or tears it down.
    std::atomic<bool> abandoned{false};
};

} // namespace tessera::pkcs11
