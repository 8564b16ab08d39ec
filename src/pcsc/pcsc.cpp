// RAII over pcsc-lite's winscard API: context, shared card handle,
// transactions and status-change waits, plus the one table that names PC/SC
// return codes and maps them to error categories. pcsc-lite on Linux uses
// DWORD = unsigned long and LONG = long; the casts below are at that boundary.
#include "pcsc/pcsc.hpp"

#include <PCSC/winscard.h>

#include <algorithm>
#include <array>
#include <cstdio>

#include "common/secure_bytes.hpp"

namespace tessera::pcsc {

namespace {

struct RvRow {
    LONG rv;
    const char* name;
    Errc errc;
};

// Every SCARD_* return code of pcsclite.h (1.9.9). SCARD_E_UNEXPECTED and
// SCARD_E_UNSUPPORTED_FEATURE share 0x8010001F; pcsc-lite returns the latter.
constexpr std::array kRvTable{
    RvRow{SCARD_S_SUCCESS, "SCARD_S_SUCCESS", Errc::general},
    RvRow{SCARD_F_INTERNAL_ERROR, "SCARD_F_INTERNAL_ERROR", Errc::deviceError},
    RvRow{SCARD_E_CANCELLED, "SCARD_E_CANCELLED", Errc::cancelled},
    RvRow{SCARD_E_INVALID_HANDLE, "SCARD_E_INVALID_HANDLE", Errc::noService},
    RvRow{SCARD_E_INVALID_PARAMETER, "SCARD_E_INVALID_PARAMETER", Errc::deviceError},
    RvRow{SCARD_E_INVALID_TARGET, "SCARD_E_INVALID_TARGET", Errc::deviceError},
    RvRow{SCARD_E_NO_MEMORY, "SCARD_E_NO_MEMORY", Errc::hostMemory},
    RvRow{SCARD_F_WAITED_TOO_LONG, "SCARD_F_WAITED_TOO_LONG", Errc::deviceError},
    RvRow{SCARD_E_INSUFFICIENT_BUFFER, "SCARD_E_INSUFFICIENT_BUFFER", Errc::bufferTooSmall},
    RvRow{SCARD_E_UNKNOWN_READER, "SCARD_E_UNKNOWN_READER", Errc::deviceRemoved},
    RvRow{SCARD_E_TIMEOUT, "SCARD_E_TIMEOUT", Errc::timeout},
    RvRow{SCARD_E_SHARING_VIOLATION, "SCARD_E_SHARING_VIOLATION", Errc::sharingViolation},
    RvRow{SCARD_E_NO_SMARTCARD, "SCARD_E_NO_SMARTCARD", Errc::tokenNotPresent},
    RvRow{SCARD_E_UNKNOWN_CARD, "SCARD_E_UNKNOWN_CARD", Errc::deviceError},
    RvRow{SCARD_E_CANT_DISPOSE, "SCARD_E_CANT_DISPOSE", Errc::deviceError},
    RvRow{SCARD_E_PROTO_MISMATCH, "SCARD_E_PROTO_MISMATCH", Errc::deviceError},
    RvRow{SCARD_E_NOT_READY, "SCARD_E_NOT_READY", Errc::deviceError},
    RvRow{SCARD_E_INVALID_VALUE, "SCARD_E_INVALID_VALUE", Errc::deviceError},
    RvRow{SCARD_E_SYSTEM_CANCELLED, "SCARD_E_SYSTEM_CANCELLED", Errc::deviceError},
    RvRow{SCARD_F_COMM_ERROR, "SCARD_F_COMM_ERROR", Errc::noService},
    RvRow{SCARD_F_UNKNOWN_ERROR, "SCARD_F_UNKNOWN_ERROR", Errc::deviceError},
    RvRow{SCARD_E_INVALID_ATR, "SCARD_E_INVALID_ATR", Errc::deviceError},
    RvRow{SCARD_E_NOT_TRANSACTED, "SCARD_E_NOT_TRANSACTED", Errc::deviceError},
    RvRow{SCARD_E_READER_UNAVAILABLE, "SCARD_E_READER_UNAVAILABLE", Errc::deviceRemoved},
    RvRow{SCARD_P_SHUTDOWN, "SCARD_P_SHUTDOWN", Errc::deviceError},
    RvRow{SCARD_E_PCI_TOO_SMALL, "SCARD_E_PCI_TOO_SMALL", Errc::deviceError},
    RvRow{SCARD_E_READER_UNSUPPORTED, "SCARD_E_READER_UNSUPPORTED", Errc::deviceError},
    RvRow{SCARD_E_DUPLICATE_READER, "SCARD_E_DUPLICATE_READER", Errc::deviceError},
    RvRow{SCARD_E_CARD_UNSUPPORTED, "SCARD_E_CARD_UNSUPPORTED", Errc::deviceError},
    RvRow{SCARD_E_NO_SERVICE, "SCARD_E_NO_SERVICE", Errc::noService},
    RvRow{SCARD_E_SERVICE_STOPPED, "SCARD_E_SERVICE_STOPPED", Errc::noService},
    RvRow{SCARD_E_UNSUPPORTED_FEATURE, "SCARD_E_UNSUPPORTED_FEATURE", Errc::deviceError},
    RvRow{SCARD_E_ICC_INSTALLATION, "SCARD_E_ICC_INSTALLATION", Errc::deviceError},
    RvRow{SCARD_E_ICC_CREATEORDER, "SCARD_E_ICC_CREATEORDER", Errc::deviceError},
    RvRow{SCARD_E_DIR_NOT_FOUND, "SCARD_E_DIR_NOT_FOUND", Errc::deviceError},
    RvRow{SCARD_E_FILE_NOT_FOUND, "SCARD_E_FILE_NOT_FOUND", Errc::deviceError},
    RvRow{SCARD_E_NO_DIR, "SCARD_E_NO_DIR", Errc::deviceError},
    RvRow{SCARD_E_NO_FILE, "SCARD_E_NO_FILE", Errc::deviceError},
    RvRow{SCARD_E_NO_ACCESS, "SCARD_E_NO_ACCESS", Errc::deviceError},
    RvRow{SCARD_E_WRITE_TOO_MANY, "SCARD_E_WRITE_TOO_MANY", Errc::deviceError},
    RvRow{SCARD_E_BAD_SEEK, "SCARD_E_BAD_SEEK", Errc::deviceError},
    RvRow{SCARD_E_INVALID_CHV, "SCARD_E_INVALID_CHV", Errc::deviceError},
    RvRow{SCARD_E_UNKNOWN_RES_MNG, "SCARD_E_UNKNOWN_RES_MNG", Errc::deviceError},
    RvRow{SCARD_E_NO_SUCH_CERTIFICATE, "SCARD_E_NO_SUCH_CERTIFICATE", Errc::deviceError},
    RvRow{SCARD_E_CERTIFICATE_UNAVAILABLE, "SCARD_E_CERTIFICATE_UNAVAILABLE", Errc::deviceError},
    RvRow{SCARD_E_NO_READERS_AVAILABLE, "SCARD_E_NO_READERS_AVAILABLE", Errc::deviceError},
    RvRow{SCARD_E_COMM_DATA_LOST, "SCARD_E_COMM_DATA_LOST", Errc::deviceError},
    RvRow{SCARD_E_NO_KEY_CONTAINER, "SCARD_E_NO_KEY_CONTAINER", Errc::deviceError},
    RvRow{SCARD_E_SERVER_TOO_BUSY, "SCARD_E_SERVER_TOO_BUSY", Errc::deviceError},
    RvRow{SCARD_W_UNSUPPORTED_CARD, "SCARD_W_UNSUPPORTED_CARD", Errc::deviceError},
    RvRow{SCARD_W_UNRESPONSIVE_CARD, "SCARD_W_UNRESPONSIVE_CARD", Errc::deviceError},
    RvRow{SCARD_W_UNPOWERED_CARD, "SCARD_W_UNPOWERED_CARD", Errc::deviceError},
    RvRow{SCARD_W_RESET_CARD, "SCARD_W_RESET_CARD", Errc::cardReset},
    RvRow{SCARD_W_REMOVED_CARD, "SCARD_W_REMOVED_CARD", Errc::deviceRemoved},
    RvRow{SCARD_W_SECURITY_VIOLATION, "SCARD_W_SECURITY_VIOLATION", Errc::deviceError},
    RvRow{SCARD_W_WRONG_CHV, "SCARD_W_WRONG_CHV", Errc::deviceError},
    RvRow{SCARD_W_CHV_BLOCKED, "SCARD_W_CHV_BLOCKED", Errc::deviceError},
    RvRow{SCARD_W_EOF, "SCARD_W_EOF", Errc::deviceError},
    RvRow{SCARD_W_CANCELLED_BY_USER, "SCARD_W_CANCELLED_BY_USER", Errc::cancelled},
    RvRow{SCARD_W_CARD_NOT_AUTHENTICATED, "SCARD_W_CARD_NOT_AUTHENTICATED", Errc::deviceError},
};

const RvRow* findRv(long rv)
{
    for (const auto& row : kRvTable) {
        if (row.rv == rv) return &row;
    }
    return nullptr;
}

std::string hexCode(long rv)
{
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%08lX", static_cast<unsigned long>(rv) & 0xFFFFFFFFUL);
    return buf;
}

SCARDCONTEXT ctx(std::intptr_t h)
{
    return static_cast<SCARDCONTEXT>(h);
}
SCARDHANDLE card(std::intptr_t h)
{
    return static_cast<SCARDHANDLE>(h);
}

DWORD dispositionCode(Disposition d)
{
    switch (d) {
    case Disposition::leave: return SCARD_LEAVE_CARD;
    case Disposition::reset: return SCARD_RESET_CARD;
    case Disposition::unpower: return SCARD_UNPOWER_CARD;
    }
    return SCARD_LEAVE_CARD;
}

constexpr std::size_t kReceiveBuffer = 65536 + 2;

} // namespace

std::string rvName(long rv)
{
    const RvRow* row = findRv(rv);
    return row != nullptr ? row->name : hexCode(rv);
}

Errc errcFor(long rv)
{
    const RvRow* row = findRv(rv);
    return row != nullptr ? row->errc : Errc::deviceError;
}

void check(long rv, const char* call)
{
    if (rv == SCARD_S_SUCCESS) return;
    throw Error(errcFor(rv), std::string(call) + ": " + rvName(rv) + " (" + hexCode(rv) + ")");
}

bool ReaderState::present() const
{
    return (eventState & SCARD_STATE_PRESENT) != 0;
}
bool ReaderState::changed() const
{
    return (eventState & SCARD_STATE_CHANGED) != 0;
}
void ReaderState::acknowledge()
{
    currentState = eventState & ~static_cast<std::uint32_t>(SCARD_STATE_CHANGED);
}
bool ReaderState::unknownReader() const
{
    return (eventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE)) != 0;
}

Context::Context()
{
    SCARDCONTEXT h = 0;
    check(SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &h), "SCardEstablishContext");
    handle_ = static_cast<std::intptr_t>(h);
}

Context::~Context()
{
    if (handle_ != 0) SCardReleaseContext(ctx(handle_));
}

// pcsc-lite returns a multi-string: names separated by NUL, ended by an empty name.
std::vector<std::string> Context::listReaders()
{
    for (int attempt = 0; attempt < 3; ++attempt) {
        DWORD size = 0;
        LONG rv = SCardListReaders(ctx(handle_), nullptr, nullptr, &size);
        if (rv == SCARD_E_NO_READERS_AVAILABLE) return {};
        check(rv, "SCardListReaders");
        std::string buffer(size, '\0');
        rv = SCardListReaders(ctx(handle_), nullptr, buffer.data(), &size);
        if (rv == SCARD_E_NO_READERS_AVAILABLE) return {};
        if (rv == SCARD_E_INSUFFICIENT_BUFFER) continue; // a reader appeared between the two calls
        check(rv, "SCardListReaders");
        std::vector<std::string> readers;
        std::size_t pos = 0;
        while (pos < size && buffer[pos] != '\0') {
            std::size_t end = buffer.find('\0', pos);
            if (end == std::string::npos) end = std::min<std::size_t>(size, buffer.size());
            readers.emplace_back(buffer.substr(pos, end - pos));
            pos = end + 1;
        }
        return readers;
    }
    throw Error(Errc::bufferTooSmall, "SCardListReaders: reader list kept changing");
}

bool Context::getStatusChange(std::vector<ReaderState>& states, std::uint32_t timeoutMs)
{
    std::vector<SCARD_READERSTATE> raw(states.size());
    for (std::size_t i = 0; i < states.size(); ++i) {
        raw[i] = SCARD_READERSTATE{};
        raw[i].szReader = states[i].reader.c_str();
        raw[i].dwCurrentState = states[i].currentState;
    }
    LONG rv = SCardGetStatusChange(ctx(handle_), timeoutMs, raw.data(), static_cast<DWORD>(raw.size()));
    if (rv == SCARD_E_TIMEOUT) return false;
    check(rv, "SCardGetStatusChange");
    for (std::size_t i = 0; i < states.size(); ++i) {
        states[i].eventState = static_cast<std::uint32_t>(raw[i].dwEventState);
        std::size_t n = std::min<std::size_t>(raw[i].cbAtr, sizeof raw[i].rgbAtr);
        states[i].atr.assign(raw[i].rgbAtr, raw[i].rgbAtr + n);
    }
    return true;
}

void Context::cancel() noexcept
{
    SCardCancel(ctx(handle_));
}

bool Context::isValid() noexcept
{
    return SCardIsValidContext(ctx(handle_)) == SCARD_S_SUCCESS;
}

CardHandle::CardHandle(Context& context, const std::string& reader) : receive_(kReceiveBuffer)
{
    SCARDHANDLE h = 0;
    DWORD protocol = 0;
    check(SCardConnect(ctx(context.handle()), reader.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                       &h, &protocol),
          "SCardConnect");
    handle_ = static_cast<std::intptr_t>(h);
    protocol_ = static_cast<std::uint32_t>(protocol);
}

CardHandle::~CardHandle()
{
    if (handle_ != 0) SCardDisconnect(card(handle_), SCARD_LEAVE_CARD);
}

// libpcsclite reads the answer from pcscd's socket directly into pbRecvBuffer
// (winscard_clnt.c MessageReceive), so receive_ is the only copy in our
// process until the answer is copied out into a right-sized SensitiveBytes.
// receive_ is the handle's own page-backed buffer, mapped once in the
// constructor: one mmap + mlock of 17 pages per APDU doubled the module's
// CPU per signature (bench/results.md). It is wiped as far as the card wrote
// into it on every path out, so it holds no answer between two calls.
SensitiveBytes CardHandle::transmit(ByteView command)
{
    const SCARD_IO_REQUEST* pci = protocol_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    struct WipeOnExit {
        SensitiveBytes& buffer;
        std::size_t dirty; // the whole buffer until the answer's length is known
        ~WipeOnExit() { secureWipe(buffer.data(), dirty); }
    } wipe{receive_, receive_.size()};
    DWORD length = static_cast<DWORD>(receive_.size());
    check(SCardTransmit(card(handle_), pci, command.data(), static_cast<DWORD>(command.size()), nullptr,
                        receive_.data(), &length),
          "SCardTransmit");
    wipe.dirty = std::min<std::size_t>(length, receive_.size());
    SensitiveBytes answer(receive_.begin(), receive_.begin() + static_cast<std::ptrdiff_t>(wipe.dirty));
    if (answer.size() < 2) {
        // No status word at all: ask pcscd whether the card is still there, so
        // a card pulled mid-exchange reads as removed, not as a bad answer.
        DWORD state = 0, protocol = 0, atrLength = 0;
        check(SCardStatus(card(handle_), nullptr, nullptr, &state, &protocol, nullptr, &atrLength), "SCardStatus");
        if ((state & SCARD_PRESENT) == 0) check(SCARD_W_REMOVED_CARD, "SCardTransmit");
    }
    return answer;
}

void CardHandle::beginTransaction()
{
    check(SCardBeginTransaction(card(handle_)), "SCardBeginTransaction");
}

void CardHandle::endTransaction(Disposition disposition)
{
    check(SCardEndTransaction(card(handle_), dispositionCode(disposition)), "SCardEndTransaction");
}

void CardHandle::reconnect(Disposition initialization)
{
    DWORD protocol = 0;
    check(SCardReconnect(card(handle_), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                         dispositionCode(initialization), &protocol),
          "SCardReconnect");
    protocol_ = static_cast<std::uint32_t>(protocol);
}

Bytes CardHandle::atr()
{
    BYTE atr[MAX_ATR_SIZE];
    DWORD atrLength = sizeof atr;
    DWORD state = 0;
    DWORD protocol = 0;
    check(SCardStatus(card(handle_), nullptr, nullptr, &state, &protocol, atr, &atrLength), "SCardStatus");
    return Bytes(atr, atr + std::min<std::size_t>(atrLength, sizeof atr));
}

Bytes CardHandle::control(std::uint32_t code, ByteView input, std::size_t maxAnswer)
{
    Bytes answer(maxAnswer);
    DWORD length = 0;
    check(SCardControl(card(handle_), static_cast<DWORD>(code), input.data(), static_cast<DWORD>(input.size()),
                       answer.data(), static_cast<DWORD>(answer.size()), &length),
          "SCardControl");
    answer.resize(std::min<std::size_t>(length, answer.size()));
    return answer;
}

} // namespace tessera::pcsc
