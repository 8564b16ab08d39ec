// A client of the pinentry programs (GnuPG's PIN dialogs: pinentry-gnome3,
// -qt, -gtk-2, -curses, -tty) over the Assuan protocol, so the module can ask
// the user for a PIN itself (pin_source = pinentry; pinentry_login.hpp holds
// the retry policy). It knows nothing of PKCS#11.
//
// The program is started without a shell (posix_spawn) on one end of a
// socketpair that becomes its stdin and stdout (a socket, not a pipe, so a
// write to a pinentry that died answers EPIPE instead of raising SIGPIPE in
// the host application: send(MSG_NOSIGNAL)). Every answer is awaited with a
// deadline, and the child is always reaped (SIGTERM, then SIGKILL): never a
// hang, never a zombie. Everything read from it goes through a locked,
// non-dumpable buffer that is wiped (secure_pages), and the PIN is decoded
// from the D line straight into SecureBytes.
//
// Assuan (GnuPG's "Assuan" manual, section "Client requests"): requests are
// lines of at most 1000 bytes; the server answers with OK or ERR, optionally
// preceded by D (data, percent-escaped), S (status) and # (comment) lines.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <sys/types.h>

#include "common/secure_bytes.hpp"

namespace tessera::pkcs11 {

struct PinentryOptions {
    std::string program;                          // absolute path
    std::chrono::seconds userTimeout{60};         // per dialog (GETPIN, CONFIRM)
    std::chrono::milliseconds replyTimeout{5000}; // any other answer
};

// The texts of one dialog; escaped here.
struct PinDialog {
    std::string description; // SETDESC
    std::string prompt;      // SETPROMPT
    std::string error;       // SETERROR (empty: none)
};

// Every failure (program missing, no display or terminal, the user cancelled,
// a timeout, a protocol error) is Error(Errc::cancelled, why): the module
// answers CKR_FUNCTION_CANCELED, which makes clients such as Firefox stop
// instead of retrying.
class Pinentry {
public:
    explicit Pinentry(const PinentryOptions& options); // starts it, greets, sends the OPTIONs
    ~Pinentry();                                       // BYE, then reaps the child
    Pinentry(const Pinentry&) = delete;
    Pinentry& operator=(const Pinentry&) = delete;

    SecureBytes getPin(const PinDialog& dialog);
    // CONFIRM: true when the user chose OK, false when they declined.
    bool confirm(const PinDialog& dialog);

private:
    void start();
    void setTexts(const PinDialog& dialog);
    void send(std::string_view line);
    // Sends line, reads up to OK (true) or ERR (false); D lines go to data.
    bool request(std::string_view line, std::chrono::milliseconds timeout, SecureBytes* data = nullptr,
                 std::string* error = nullptr);
    std::size_t readLine(std::chrono::steady_clock::time_point deadline);
    void consume(std::size_t n) noexcept;
    void stop() noexcept;

    PinentryOptions options_;
    pid_t pid_ = -1;
    int fd_ = -1;
    std::uint8_t* buffer_ = nullptr; // secure_pages: the lines read, wiped as consumed
    std::size_t filled_ = 0;
};

// The program to run: `configured` when set (a name is looked up in PATH),
// else the first of pinentry-gnome3, pinentry-qt, pinentry-gtk-2,
// pinentry-curses, pinentry-tty found in PATH. Empty when there is none.
std::string findPinentry(const std::string& configured);

// Assuan percent-escaping of a request argument: '%', CR, LF and the other
// control characters become %XX; the rest passes as it is (UTF-8 included).
std::string assuanEscape(std::string_view text);
// Appends the decoded payload of a D line (%XX decoded) to out; throws
// Error(cancelled) on a malformed escape.
void assuanDecodeInto(std::span<const std::uint8_t> escaped, SecureBytes& out);

} // namespace tessera::pkcs11
