// The module's state between C_Initialize and C_Finalize: configuration,
// driver registry, slot list, session table. Built in C_Initialize, torn down
// in C_Finalize (never in static destructors). Every entry point takes a
// shared_ptr to it, so C_Finalize never frees what a running call uses.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <vector>

#include "card-drivers/registry.hpp"
#include "pkcs11/config.hpp"
#include "pkcs11/idle_reaper.hpp"
#include "pkcs11/session.hpp"
#include "pkcs11/slot.hpp"
#include "pkcs11/slot_events.hpp"

namespace tessera::pkcs11 {

class Module {
public:
    static void initialize(CK_VOID_PTR initArgs);
    static void finalize();
    // The live module; throws RvError(CKR_CRYPTOKI_NOT_INITIALIZED).
    static std::shared_ptr<Module> get();

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
    ModuleMutex mutex_; // slots_, sessions_
    std::vector<std::shared_ptr<Slot>> slots_;
    std::map<CK_SESSION_HANDLE, SessionPtr> sessions_;
    ModuleMutex contextMutex_; // context_
    std::unique_ptr<pcsc::Context> context_;
    EventTracker events_;
    std::atomic<bool> finalizing_{false};
    std::mutex waitersMutex_; // OS mutex: C_Finalize runs it while waiters block
    std::vector<pcsc::Context*> waiters_;
    std::atomic<CK_SESSION_HANDLE> sessionCounter_{0};
    std::atomic<CK_OBJECT_HANDLE> objectCounter_{0};
    std::unique_ptr<IdleReaper> reaper_; // declared last: stopped first
};

} // namespace tessera::pkcs11
