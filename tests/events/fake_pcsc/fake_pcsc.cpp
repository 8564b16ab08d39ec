// The fake pcsc-lite: winscard entry points over one in-process state (a
// mutex and a condition variable), following what pcsc-lite 1.9.9 was
// measured to do on this platform (references.md, "pcsc-lite 1.9.9 and
// vpcd"). Only what the module calls is implemented; see fake_pcsc.hpp.
#include "fake_pcsc.hpp"

#include <PCSC/winscard.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>

extern "C" {
const SCARD_IO_REQUEST g_rgSCardT0Pci = {SCARD_PROTOCOL_T0, sizeof(SCARD_IO_REQUEST)};
const SCARD_IO_REQUEST g_rgSCardT1Pci = {SCARD_PROTOCOL_T1, sizeof(SCARD_IO_REQUEST)};
const SCARD_IO_REQUEST g_rgSCardRawPci = {SCARD_PROTOCOL_RAW, sizeof(SCARD_IO_REQUEST)};
}

namespace fakepcsc {

namespace {

struct Reader {
    std::string name;
    bool card = false;
    std::uint16_t counter = 0;
    int resets = 0; // another application's resets so far
    bool exclusive = false;
    Bytes atr;
};

struct Context {
    std::uint64_t generation = 0; // the pcscd instance it belongs to
    bool blocked = false;
    bool cancel = false;
};

struct Handle {
    SCARDCONTEXT context = 0;
    std::string reader;
    std::uint16_t counter = 0; // the card it was connected to
    int resetsSeen = 0;
};

struct State {
    std::mutex mutex;
    std::condition_variable changed;
    bool service = true;
    std::uint64_t generation = 1;
    std::vector<Reader> readers;
    std::map<SCARDCONTEXT, Context> contexts;
    std::map<SCARDHANDLE, Handle> handles;
    LONG nextId = 0x1000;
    std::map<std::string, int> calls;
    int blocked = 0;
    std::function<Bytes(const std::string&, const Bytes&)> responder;
    std::vector<Event> events;
    ReceiveBuffer lastReceive;
};

State& state()
{
    static State s;
    return s;
}

Bytes notFound(const std::string&, const Bytes&)
{
    return {0x6A, 0x82};
}

Reader* findReader(State& s, const std::string& name)
{
    for (auto& r : s.readers)
        if (r.name == name) return &r;
    return nullptr;
}

// A context of the running pcscd, or why not.
LONG checkContext(State& s, SCARDCONTEXT h)
{
    auto it = s.contexts.find(h);
    if (it == s.contexts.end()) return SCARD_E_INVALID_HANDLE;
    if (!s.service || it->second.generation != s.generation) return SCARD_E_NO_SERVICE;
    return SCARD_S_SUCCESS;
}

LONG checkHandle(State& s, SCARDHANDLE h, Handle** out)
{
    auto it = s.handles.find(h);
    if (it == s.handles.end()) return SCARD_E_INVALID_HANDLE;
    LONG rv = checkContext(s, it->second.context);
    if (rv != SCARD_S_SUCCESS) return rv;
    Reader* r = findReader(s, it->second.reader);
    if (r == nullptr) return SCARD_E_READER_UNAVAILABLE;
    if (!r->card || r->counter != it->second.counter) return SCARD_W_REMOVED_CARD;
    if (r->resets != it->second.resetsSeen) return SCARD_W_RESET_CARD;
    *out = &it->second;
    return SCARD_S_SUCCESS;
}

void count(State& s, const char* function)
{
    ++s.calls[function];
}

DWORD readerEventState(const Reader& r)
{
    return (static_cast<DWORD>(r.counter) << 16) | (r.card ? SCARD_STATE_PRESENT : SCARD_STATE_EMPTY) |
           (r.exclusive ? SCARD_STATE_EXCLUSIVE : 0);
}

constexpr const char* kPnp = "\\\\?PnP?\\Notification";

} // namespace

void reset()
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    s.service = true;
    ++s.generation; // contexts of a previous test are dead
    s.readers.clear();
    s.contexts.clear();
    s.handles.clear();
    s.calls.clear();
    s.events.clear();
    s.lastReceive = {};
    s.responder = notFound;
    s.changed.notify_all();
}

void addReader(const std::string& name)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    if (findReader(s, name) == nullptr) {
        Reader r;
        r.name = name;
        s.readers.push_back(r);
    }
    s.changed.notify_all();
}

void removeReader(const std::string& name)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    std::erase_if(s.readers, [&](const Reader& r) { return r.name == name; });
    s.changed.notify_all();
}

void insertCard(const std::string& reader, const Bytes& atr)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    if (Reader* r = findReader(s, reader); r != nullptr && !r->card) {
        r->card = true;
        r->atr = atr;
        ++r->counter;
    }
    s.changed.notify_all();
}

void removeCard(const std::string& reader)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    if (Reader* r = findReader(s, reader); r != nullptr && r->card) {
        r->card = false;
        r->exclusive = false;
        ++r->counter;
    }
    s.changed.notify_all();
}

void resetCard(const std::string& reader)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    if (Reader* r = findReader(s, reader)) ++r->resets;
}

void holdExclusive(const std::string& reader, bool held)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    if (Reader* r = findReader(s, reader)) r->exclusive = held;
    s.changed.notify_all();
}

void killService()
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    s.service = false;
    s.changed.notify_all();
}

void startService()
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    if (s.service) return;
    s.service = true;
    ++s.generation;
    for (auto& r : s.readers)
        r.counter = r.card ? 1 : 0; // a new daemon counts afresh
    s.changed.notify_all();
}

void setResponder(std::function<Bytes(const std::string&, const Bytes&)> responder)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    s.responder = responder ? std::move(responder) : notFound;
}

int calls(const std::string& function)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    auto it = s.calls.find(function);
    return it == s.calls.end() ? 0 : it->second;
}

int blockedWaits()
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    return s.blocked;
}

bool awaitBlockedWaits(int n, int timeoutMs)
{
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    State& s = state();
    std::unique_lock lock(s.mutex);
    return s.changed.wait_until(lock, deadline, [&] { return s.blocked >= n; });
}

int liveContexts()
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    return static_cast<int>(s.contexts.size());
}

int liveHandles()
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    return static_cast<int>(s.handles.size());
}

std::vector<Event> events()
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    return s.events;
}

void clearEvents()
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    s.events.clear();
}

ReceiveBuffer lastReceiveBuffer()
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    return s.lastReceive;
}

} // namespace fakepcsc

using namespace fakepcsc;

extern "C" {

LONG SCardEstablishContext(DWORD, LPCVOID, LPCVOID, LPSCARDCONTEXT phContext)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    count(s, "SCardEstablishContext");
    if (phContext == nullptr) return SCARD_E_INVALID_PARAMETER;
    if (!s.service) return SCARD_E_NO_SERVICE;
    SCARDCONTEXT h = ++s.nextId;
    Context c;
    c.generation = s.generation;
    s.contexts[h] = c;
    *phContext = h;
    return SCARD_S_SUCCESS;
}

LONG SCardReleaseContext(SCARDCONTEXT hContext)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    count(s, "SCardReleaseContext");
    if (s.contexts.erase(hContext) == 0) return SCARD_E_INVALID_HANDLE;
    std::erase_if(s.handles, [&](const auto& kv) { return kv.second.context == hContext; });
    return SCARD_S_SUCCESS;
}

// Measured: a context of a killed pcscd still passes this check.
LONG SCardIsValidContext(SCARDCONTEXT hContext)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    count(s, "SCardIsValidContext");
    return s.contexts.count(hContext) != 0 ? SCARD_S_SUCCESS : SCARD_E_INVALID_HANDLE;
}

LONG SCardListReaders(SCARDCONTEXT hContext, LPCSTR, LPSTR mszReaders, LPDWORD pcchReaders)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    count(s, "SCardListReaders");
    if (LONG rv = checkContext(s, hContext); rv != SCARD_S_SUCCESS) return rv;
    if (pcchReaders == nullptr) return SCARD_E_INVALID_PARAMETER;
    if (s.readers.empty()) return SCARD_E_NO_READERS_AVAILABLE;
    std::string multi;
    for (const auto& r : s.readers)
        multi += r.name + '\0';
    multi += '\0';
    if (mszReaders == nullptr) {
        *pcchReaders = static_cast<DWORD>(multi.size());
        return SCARD_S_SUCCESS;
    }
    if (*pcchReaders < multi.size()) {
        *pcchReaders = static_cast<DWORD>(multi.size());
        return SCARD_E_INSUFFICIENT_BUFFER;
    }
    std::memcpy(mszReaders, multi.data(), multi.size());
    *pcchReaders = static_cast<DWORD>(multi.size());
    return SCARD_S_SUCCESS;
}

LONG SCardGetStatusChange(SCARDCONTEXT hContext, DWORD dwTimeout, SCARD_READERSTATE* states, DWORD count_)
{
    State& s = state();
    std::unique_lock lock(s.mutex);
    count(s, "SCardGetStatusChange");
    if (LONG rv = checkContext(s, hContext); rv != SCARD_S_SUCCESS) return rv;
    const std::uint64_t generation = s.generation;
    const std::size_t readersAtStart = s.readers.size();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(dwTimeout);
    // Fills dwEventState; true if any reader differs from what the caller knows.
    auto evaluate = [&] {
        bool any = false;
        for (DWORD i = 0; i < count_; ++i) {
            SCARD_READERSTATE& st = states[i];
            const DWORD current = st.dwCurrentState;
            if (std::strcmp(st.szReader, kPnp) == 0) {
                // 1.9.9: a change only if the count moves during this call
                const bool moved = s.readers.size() != readersAtStart;
                st.dwEventState = (static_cast<DWORD>(s.readers.size()) << 16) | (moved ? SCARD_STATE_CHANGED : 0);
                any = any || moved;
                continue;
            }
            const Reader* r = findReader(s, st.szReader);
            st.cbAtr = 0;
            if (r == nullptr) {
                st.dwEventState = SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE;
                if ((current & SCARD_STATE_UNKNOWN) == 0) {
                    st.dwEventState |= SCARD_STATE_CHANGED;
                    any = true;
                }
                continue;
            }
            const DWORD now = readerEventState(*r);
            const DWORD bits = SCARD_STATE_PRESENT | SCARD_STATE_EMPTY | SCARD_STATE_EXCLUSIVE;
            const bool differs = current == SCARD_STATE_UNAWARE || (current & bits) != (now & bits) ||
                                 ((current >> 16) & 0xFFFF) != r->counter;
            st.dwEventState = now | (differs ? SCARD_STATE_CHANGED : 0);
            if (r->card) {
                st.cbAtr = static_cast<DWORD>(std::min<std::size_t>(r->atr.size(), sizeof st.rgbAtr));
                std::memcpy(st.rgbAtr, r->atr.data(), st.cbAtr);
            }
            any = any || differs;
        }
        return any;
    };
    if (evaluate()) return SCARD_S_SUCCESS;
    if (dwTimeout == 0) return SCARD_E_TIMEOUT;
    Context& c = s.contexts[hContext];
    c.blocked = true;
    c.cancel = false;
    ++s.blocked;
    s.changed.notify_all();
    LONG rv = SCARD_E_TIMEOUT;
    for (;;) {
        if (dwTimeout == INFINITE)
            s.changed.wait(lock);
        else if (s.changed.wait_until(lock, deadline) == std::cv_status::timeout)
            break;
        auto it = s.contexts.find(hContext);
        if (it == s.contexts.end()) {
            rv = SCARD_E_INVALID_HANDLE;
            break;
        }
        if (it->second.cancel) {
            rv = SCARD_E_CANCELLED;
            break;
        }
        if (!s.service || s.generation != generation) {
            rv = SCARD_F_COMM_ERROR; // measured: the daemon went away under the call
            break;
        }
        if (evaluate()) {
            rv = SCARD_S_SUCCESS;
            break;
        }
    }
    if (auto it = s.contexts.find(hContext); it != s.contexts.end()) it->second.blocked = it->second.cancel = false;
    --s.blocked;
    return rv;
}

// Wakes a blocked SCardGetStatusChange of the context; no effect otherwise.
LONG SCardCancel(SCARDCONTEXT hContext)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    count(s, "SCardCancel");
    if (LONG rv = checkContext(s, hContext); rv != SCARD_S_SUCCESS) return rv;
    Context& c = s.contexts[hContext];
    if (c.blocked) c.cancel = true;
    s.changed.notify_all();
    return SCARD_S_SUCCESS;
}

LONG SCardConnect(SCARDCONTEXT hContext, LPCSTR szReader, DWORD dwShareMode, DWORD, LPSCARDHANDLE phCard,
                  LPDWORD pdwActiveProtocol)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    count(s, "SCardConnect");
    if (LONG rv = checkContext(s, hContext); rv != SCARD_S_SUCCESS) return rv;
    Reader* r = findReader(s, szReader);
    if (r == nullptr) return SCARD_E_UNKNOWN_READER;
    if (!r->card) return SCARD_E_NO_SMARTCARD;
    if (r->exclusive) return SCARD_E_SHARING_VIOLATION;
    if (dwShareMode != SCARD_SHARE_SHARED) return SCARD_E_INVALID_VALUE; // the module only shares
    SCARDHANDLE h = ++s.nextId;
    Handle handle;
    handle.context = hContext;
    handle.reader = r->name;
    handle.counter = r->counter;
    handle.resetsSeen = r->resets;
    s.handles[h] = handle;
    *phCard = h;
    if (pdwActiveProtocol != nullptr) *pdwActiveProtocol = SCARD_PROTOCOL_T1;
    return SCARD_S_SUCCESS;
}

LONG SCardReconnect(SCARDHANDLE hCard, DWORD, DWORD, DWORD, LPDWORD pdwActiveProtocol)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    count(s, "SCardReconnect");
    auto it = s.handles.find(hCard);
    if (it == s.handles.end()) return SCARD_E_INVALID_HANDLE;
    if (LONG rv = checkContext(s, it->second.context); rv != SCARD_S_SUCCESS) return rv;
    Reader* r = findReader(s, it->second.reader);
    if (r == nullptr) return SCARD_E_READER_UNAVAILABLE;
    if (!r->card) return SCARD_E_NO_SMARTCARD;
    if (r->exclusive) return SCARD_E_SHARING_VIOLATION;
    it->second.counter = r->counter;
    it->second.resetsSeen = r->resets;
    if (pdwActiveProtocol != nullptr) *pdwActiveProtocol = SCARD_PROTOCOL_T1;
    return SCARD_S_SUCCESS;
}

LONG SCardDisconnect(SCARDHANDLE hCard, DWORD)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    count(s, "SCardDisconnect");
    return s.handles.erase(hCard) != 0 ? SCARD_S_SUCCESS : SCARD_E_INVALID_HANDLE;
}

LONG SCardBeginTransaction(SCARDHANDLE hCard)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    count(s, "SCardBeginTransaction");
    Handle* h = nullptr;
    LONG rv = checkHandle(s, hCard, &h);
    if (rv == SCARD_S_SUCCESS) s.events.push_back({Event::Kind::begin, 0, {}});
    return rv;
}

LONG SCardEndTransaction(SCARDHANDLE hCard, DWORD dwDisposition)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    count(s, "SCardEndTransaction");
    Handle* h = nullptr;
    LONG rv = checkHandle(s, hCard, &h);
    if (rv == SCARD_S_SUCCESS) s.events.push_back({Event::Kind::end, dwDisposition, {}});
    if (rv == SCARD_S_SUCCESS && dwDisposition == SCARD_RESET_CARD) {
        Reader* r = findReader(s, h->reader);
        ++r->resets;
        h->resetsSeen = r->resets; // our own reset: the others see it
    }
    return rv;
}

LONG SCardTransmit(SCARDHANDLE hCard, const SCARD_IO_REQUEST*, LPCBYTE pbSendBuffer, DWORD cbSendLength,
                   SCARD_IO_REQUEST*, LPBYTE pbRecvBuffer, LPDWORD pcbRecvLength)
{
    std::function<Bytes(const std::string&, const Bytes&)> responder;
    std::string reader;
    {
        State& s = state();
        std::scoped_lock lock(s.mutex);
        count(s, "SCardTransmit");
        Handle* h = nullptr;
        if (LONG rv = checkHandle(s, hCard, &h); rv != SCARD_S_SUCCESS) return rv;
        responder = s.responder;
        reader = h->reader;
        s.events.push_back({Event::Kind::transmit, 0, Bytes(pbSendBuffer, pbSendBuffer + cbSendLength)});
        s.lastReceive = {pbRecvBuffer, *pcbRecvLength};
    }
    Bytes answer = responder(reader, Bytes(pbSendBuffer, pbSendBuffer + cbSendLength));
    if (*pcbRecvLength < answer.size()) return SCARD_E_INSUFFICIENT_BUFFER;
    if (!answer.empty()) std::memcpy(pbRecvBuffer, answer.data(), answer.size()); // an empty answer has no data()
    *pcbRecvLength = static_cast<DWORD>(answer.size());
    return SCARD_S_SUCCESS;
}

LONG SCardStatus(SCARDHANDLE hCard, LPSTR, LPDWORD pcchReaderLen, LPDWORD pdwState, LPDWORD pdwProtocol, LPBYTE pbAtr,
                 LPDWORD pcbAtrLen)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    count(s, "SCardStatus");
    Handle* h = nullptr;
    if (LONG rv = checkHandle(s, hCard, &h); rv != SCARD_S_SUCCESS) return rv;
    const Reader* r = findReader(s, h->reader);
    if (pcchReaderLen != nullptr) *pcchReaderLen = static_cast<DWORD>(r->name.size() + 1);
    // pcsc-lite reports a bit mask (SCARD_PRESENT | SCARD_POWERED | ...), not
    // one of the PC/SC 1.0 enumeration values: a lone SCARD_SPECIFIC reads as "no card".
    if (pdwState != nullptr) *pdwState = SCARD_PRESENT | SCARD_POWERED | SCARD_NEGOTIABLE;
    if (pdwProtocol != nullptr) *pdwProtocol = SCARD_PROTOCOL_T1;
    if (pcbAtrLen != nullptr) {
        if (pbAtr != nullptr) {
            if (*pcbAtrLen < r->atr.size()) return SCARD_E_INSUFFICIENT_BUFFER;
            std::memcpy(pbAtr, r->atr.data(), r->atr.size());
        }
        *pcbAtrLen = static_cast<DWORD>(r->atr.size());
    }
    return SCARD_S_SUCCESS;
}

// The fake readers have no PC/SC part 10 features (no PIN pad), as vpcd's.
LONG SCardControl(SCARDHANDLE hCard, DWORD, LPCVOID, DWORD, LPVOID, DWORD, LPDWORD pdwBytesReturned)
{
    State& s = state();
    std::scoped_lock lock(s.mutex);
    count(s, "SCardControl");
    Handle* h = nullptr;
    if (LONG rv = checkHandle(s, hCard, &h); rv != SCARD_S_SUCCESS) return rv;
    if (pdwBytesReturned != nullptr) *pdwBytesReturned = 0;
    return SCARD_E_UNSUPPORTED_FEATURE;
}

} // extern "C"
