// A scripted fake of pcsc-lite for unit tests of the module's reader and card
// event logic: fake_pcsc.cpp implements the winscard functions the module
// uses (linked instead of libpcsclite) with pcsc-lite 1.9.9's measured
// behaviour (references.md), and this header is the script the test drives it with.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fakepcsc {

using Bytes = std::vector<std::uint8_t>;

// Back to the start: pcscd running, no readers, no contexts, counters zero,
// the default card (answers 6A82 to everything).
void reset();

// Readers come and go (a reader.conf change with a pcscd restart, or a USB
// reader). A blocked SCardGetStatusChange on \\?PnP?\Notification wakes only
// if the reader count changes during the call (1.9.9).
void addReader(const std::string& name);
void removeReader(const std::string& name);

// Cards: insertion and removal move the reader's event counter (upper 16
// bits of dwEventState) by one; handles from before a removal get
// SCARD_W_REMOVED_CARD for good. resetCard is another application's reset:
// every handle gets SCARD_W_RESET_CARD until SCardReconnect, no event.
void insertCard(const std::string& reader, const Bytes& atr = {0x3B, 0x80, 0x80, 0x01, 0x01});
void removeCard(const std::string& reader);
void resetCard(const std::string& reader);
// Another application connects SCARD_SHARE_EXCLUSIVE (or lets go).
void holdExclusive(const std::string& reader, bool held);

// pcscd killed: blocked waits return SCARD_F_COMM_ERROR, every call on an
// existing context or handle SCARD_E_NO_SERVICE from now on (even after a
// restart; SCardIsValidContext still says SCARD_S_SUCCESS), new contexts
// cannot be made until startService(). Event counters start over.
void killService();
void startService();

// The card: C-APDU -> R-APDU (default: 6A82 to everything).
void setResponder(std::function<Bytes(const std::string& reader, const Bytes& apdu)> responder);

// Observation.
int calls(const std::string& function); // how often FUNCTION was called since reset()
int blockedWaits();                     // SCardGetStatusChange calls blocked right now
// Waits until at least N calls are blocked in SCardGetStatusChange; false on timeout.
bool awaitBlockedWaits(int n, int timeoutMs);
int liveContexts(); // established and not released
int liveHandles();  // connected and not disconnected

// The ordered log of what reached the card since reset() or clearEvents():
// transactions (with SCardEndTransaction's disposition, SCARD_LEAVE_CARD or
// SCARD_RESET_CARD) and each transmitted C-APDU. Only calls that succeeded
// as far as the card are logged (a transmit on a dead handle is not).
struct Event {
    enum class Kind { begin, end, transmit };
    Kind kind;
    unsigned long disposition = 0; // end only
    Bytes apdu;                    // transmit only
};
std::vector<Event> events();
void clearEvents();

// The receive buffer (pbRecvBuffer, *pcbRecvLength on entry) of the last
// SCardTransmit, so a test can look at what the caller's buffer keeps.
struct ReceiveBuffer {
    const std::uint8_t* data = nullptr;
    unsigned long capacity = 0;
};
ReceiveBuffer lastReceiveBuffer();

} // namespace fakepcsc
