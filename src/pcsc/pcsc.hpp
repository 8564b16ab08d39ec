// RAII over the PC/SC API (pcsc-lite's winscard): context, card handle
// (always SCARD_SHARE_SHARED), transactions, status-change waits. PC/SC
// return codes become tessera::Error with the code's name in the message.
// This is the only place that includes winscard.h; nothing here knows cards.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "common/sensitive_bytes.hpp"

namespace tessera::pcsc {

// Name of a PC/SC return code, e.g. "SCARD_E_NO_SMARTCARD"; "0x..." if unknown.
std::string rvName(long rv);
// Error category of a PC/SC return code (the mapping table, unit-tested).
Errc errcFor(long rv);
// Throws Error(errcFor(rv), "<call>: <name> (0x...)") unless rv == SCARD_S_SUCCESS.
void check(long rv, const char* call);

// The pseudo reader for reader arrival/removal notifications.
inline constexpr const char* kPnpReader = "\\\\?PnP?\\Notification";

struct ReaderState {
    std::string reader;
    std::uint32_t currentState = 0; // what we believe (SCARD_STATE_* bits, event counter in upper 16 bits)
    std::uint32_t eventState = 0;   // what pcscd reports back
    Bytes atr;
    bool present() const;       // SCARD_STATE_PRESENT in eventState
    bool changed() const;       // SCARD_STATE_CHANGED in eventState
    bool unknownReader() const; // SCARD_STATE_UNKNOWN or IGNORE in eventState
    std::uint16_t eventCounter() const { return static_cast<std::uint16_t>(eventState >> 16); }
    // Takes the reported state as known, so the next wait blocks until it changes.
    void acknowledge();
};

// Timeout for an unbounded SCardGetStatusChange.
inline constexpr std::uint32_t kInfinite = 0xFFFFFFFF;

class Context {
public:
    Context(); // SCardEstablishContext(SCARD_SCOPE_SYSTEM)
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    std::vector<std::string> listReaders(); // empty when there are none (SCARD_E_NO_READERS_AVAILABLE)
    // SCardGetStatusChange; timeoutMs = 0xFFFFFFFF for infinite. Returns false on SCARD_E_TIMEOUT;
    // throws Error(cancelled) on SCARD_E_CANCELLED. Copies eventState back into states.
    bool getStatusChange(std::vector<ReaderState>& states, std::uint32_t timeoutMs);
    void cancel() noexcept; // SCardCancel, safe from another thread
    bool isValid() noexcept;
    std::intptr_t handle() const { return handle_; }

private:
    std::intptr_t handle_ = 0;
};

enum class Disposition { leave, reset, unpower };

class CardHandle {
public:
    // SCardConnect(reader, SCARD_SHARE_SHARED, T0|T1)
    CardHandle(Context& context, const std::string& reader);
    ~CardHandle(); // SCardDisconnect(SCARD_LEAVE_CARD), never throws
    CardHandle(const CardHandle&) = delete;
    CardHandle& operator=(const CardHandle&) = delete;

    // Raw C-APDU -> raw R-APDU (up to 64 KiB + 2), received straight into
    // the handle's wiped, non-dumpable buffer and returned in a right-sized
    // SensitiveBytes: the answer may be a plaintext or a secret. One caller at
    // a time (the slot's ioMutex): the receive buffer is the handle's own.
    SensitiveBytes transmit(ByteView command);
    void beginTransaction();
    void endTransaction(Disposition disposition);
    void reconnect(Disposition initialization); // SCardReconnect, shared mode
    Bytes atr();                                // via SCardStatus
    // SCardControl: a reader command (PC/SC part 10 features, part10.hpp).
    // The answer is at most maxAnswer bytes.
    Bytes control(std::uint32_t code, ByteView input, std::size_t maxAnswer = 512);
    std::uint32_t activeProtocol() const { return protocol_; }

private:
    std::intptr_t handle_ = 0;
    std::uint32_t protocol_ = 0;
    SensitiveBytes receive_; // 64 KiB + 2, mapped once; holds no answer between calls
};

} // namespace tessera::pcsc
