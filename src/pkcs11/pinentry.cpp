// The Assuan client of pinentry.hpp: start, greet, OPTIONs, dialogs, BYE,
// reaping. Error texts name the step and pinentry's ERR text, never a PIN.
#include "pkcs11/pinentry.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/secure_pages.hpp"

namespace tessera::pkcs11 {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kBufferSize = 4096; // one page of secure_pages
constexpr std::size_t kMaxLine = 1000;    // Assuan: a line is at most 1000 bytes, LF included

[[noreturn]] void cancelled(const std::string& why)
{
    fail(Errc::cancelled, "pinentry: " + why);
}

bool startsWith(std::span<const std::uint8_t> line, std::string_view word)
{
    if (line.size() < word.size() || std::memcmp(line.data(), word.data(), word.size()) != 0) return false;
    return line.size() == word.size() || line[word.size()] == ' ';
}

int hexValue(std::uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void sleepMs(long ms)
{
    timespec t{0, ms * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

// Waits up to `ms` for the child to exit; true once it is reaped (or is not
// ours to reap any more: a host with SIGCHLD ignored reaps it itself).
bool reapWithin(pid_t pid, long ms)
{
    for (long waited = 0;; waited += 5) {
        int status = 0;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) return true;
        if (waited >= ms) return false;
        sleepMs(5);
    }
}

void reap(pid_t pid) noexcept
{
    if (reapWithin(pid, 1000)) return;
    kill(pid, SIGTERM); // pinentry-curses restores the terminal on SIGTERM
    if (reapWithin(pid, 500)) return;
    kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

// The OPTIONs gpg-agent sends (GnuPG agent/call-pinentry.c), from the environment.
std::string ttyName()
{
    if (const char* t = std::getenv("GPG_TTY"); t != nullptr && *t != '\0') return t;
    char name[256];
    if (isatty(STDIN_FILENO) == 1 && ttyname_r(STDIN_FILENO, name, sizeof name) == 0) return name;
    return {};
}

std::string firstOf(std::initializer_list<const char*> names)
{
    for (const char* n : names)
        if (const char* v = std::getenv(n); v != nullptr && *v != '\0') return v;
    return {};
}

std::string inPath(const std::string& name)
{
    const char* env = std::getenv("PATH");
    std::string path = env != nullptr && *env != '\0' ? env : "/usr/local/bin:/usr/bin:/bin";
    for (std::size_t b = 0; b <= path.size();) {
        std::size_t e = path.find(':', b);
        if (e == std::string::npos) e = path.size();
        std::string candidate = (e > b ? path.substr(b, e - b) : std::string(".")) + "/" + name;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
        b = e + 1;
    }
    return {};
}

} // namespace

std::string findPinentry(const std::string& configured)
{
    if (!configured.empty()) return configured.find('/') != std::string::npos ? configured : inPath(configured);
    for (const char* name : {"pinentry-gnome3", "pinentry-qt", "pinentry-gtk-2", "pinentry-curses", "pinentry-tty"})
        if (std::string p = inPath(name); !p.empty()) return p;
    return {};
}

std::string assuanEscape(std::string_view text)
{
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (c == '%' || c < 0x20 || c == 0x7f) {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

void assuanDecodeInto(std::span<const std::uint8_t> escaped, SecureBytes& out)
{
    for (std::size_t i = 0; i < escaped.size(); ++i) {
        std::uint8_t b = escaped[i];
        if (b == '%') {
            if (i + 2 >= escaped.size()) cancelled("malformed %-escape in the D line");
            int hi = hexValue(escaped[i + 1]);
            int lo = hexValue(escaped[i + 2]);
            if (hi < 0 || lo < 0) cancelled("malformed %-escape in the D line");
            b = static_cast<std::uint8_t>(hi << 4 | lo);
            i += 2;
        }
        if (out.size() >= SecureBytes::kCapacity) fail(Errc::pinLenRange, "pinentry: the PIN is too long");
        out.push_back(b);
    }
}

Pinentry::Pinentry(const PinentryOptions& options) : options_(options)
{
    if (options_.program.empty())
        cancelled("no pinentry program found (pinentry_program; looked for pinentry-gnome3, -qt, -gtk-2, -curses, "
                  "-tty in PATH)");
    buffer_ = static_cast<std::uint8_t*>(secure_pages::allocate(kBufferSize));
    try {
        start();
        std::size_t n = readLine(Clock::now() + options_.replyTimeout);
        if (!startsWith({buffer_, n}, "OK")) cancelled("no greeting from " + options_.program);
        consume(n + 1);
        const std::pair<const char*, std::string> opts[] = {
            {"ttyname", ttyName()},
            {"ttytype", firstOf({"TERM"})},
            {"lc-ctype", firstOf({"LC_ALL", "LC_CTYPE", "LANG"})},
            {"display", firstOf({"DISPLAY"})},
        };
        for (const auto& [name, value] : opts)
            if (!value.empty())
                request(std::string("OPTION ") + name + "=" + assuanEscape(value), options_.replyTimeout);
        request("SETTITLE Tessera", options_.replyTimeout);
        request("SETTIMEOUT " + std::to_string(options_.userTimeout.count()), options_.replyTimeout);
    } catch (...) {
        stop();
        throw;
    }
}

Pinentry::~Pinentry()
{
    stop();
}

void Pinentry::start()
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        cancelled(std::string("socketpair: ") + std::strerror(errno));
    fd_ = sv[0];
    int child = sv[1];
    if (child < 3) { // dup2 onto itself would keep FD_CLOEXEC
        int moved = fcntl(child, F_DUPFD_CLOEXEC, 3);
        close(child);
        if (moved < 0) cancelled(std::string("fcntl: ") + std::strerror(errno));
        child = moved;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, child, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, child, STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    // The host's signal mask and ignored signals (a browser's worker thread)
    // must not reach the child: it must be able to die of SIGTERM.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD})
        sigaddset(&defaults, s);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char* argv[] = {const_cast<char*>(options_.program.c_str()), nullptr};
    int rc = posix_spawn(&pid_, options_.program.c_str(), &actions, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    close(child);
    if (rc != 0) {
        pid_ = -1;
        cancelled("cannot start " + options_.program + ": " + std::strerror(rc));
    }
}

void Pinentry::send(std::string_view line)
{
    std::string out(line);
    if (out.size() + 1 > kMaxLine) { // a long label: cut the text, never inside a %XX escape
        out.resize(kMaxLine - 1);
        if (auto pct = out.find('%', out.size() - 2); pct != std::string::npos) out.resize(pct);
    }
    out += '\n';
    for (std::size_t sent = 0; sent < out.size();) {
        ssize_t n = ::send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) cancelled("the program went away (" + std::string(std::strerror(errno)) + ")");
        sent += static_cast<std::size_t>(n);
    }
}

std::size_t Pinentry::readLine(Clock::time_point deadline)
{
    for (;;) {
        if (auto* lf = std::memchr(buffer_, '\n', filled_)) return static_cast<std::uint8_t*>(lf) - buffer_;
        if (filled_ >= kMaxLine) cancelled("an answer line is longer than Assuan allows");
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) cancelled("no answer in time from " + options_.program);
        pollfd p{fd_, POLLIN, 0};
        int r = poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
        if (r <= 0) continue; // EINTR or a slice of the wait: the deadline decides
        ssize_t n = read(fd_, buffer_ + filled_, kMaxLine - filled_);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) cancelled(options_.program + " closed the connection");
        filled_ += static_cast<std::size_t>(n);
    }
}

void Pinentry::consume(std::size_t n) noexcept
{
    std::memmove(buffer_, buffer_ + n, filled_ - n);
    filled_ -= n;
    secureWipe(buffer_ + filled_, n);
}

bool Pinentry::request(std::string_view line, std::chrono::milliseconds timeout, SecureBytes* data, std::string* error)
{
    send(line);
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        std::size_t n = readLine(deadline);
        std::span<const std::uint8_t> l(buffer_, n);
        if (startsWith(l, "OK")) {
            consume(n + 1);
            return true;
        }
        if (startsWith(l, "ERR")) {
            if (error != nullptr) error->assign(reinterpret_cast<const char*>(l.data()), std::min<std::size_t>(n, 120));
            consume(n + 1);
            return false;
        }
        if (startsWith(l, "D") && data != nullptr) assuanDecodeInto(l.subspan(std::min<std::size_t>(n, 2)), *data);
        bool known = startsWith(l, "D") || startsWith(l, "S") || (n > 0 && l[0] == '#');
        consume(n + 1);
        if (!known) cancelled("unexpected answer to " + std::string(line.substr(0, line.find(' '))));
    }
}

void Pinentry::setTexts(const PinDialog& dialog)
{
    request("SETDESC " + assuanEscape(dialog.description), options_.replyTimeout);
    request("SETPROMPT " + assuanEscape(dialog.prompt), options_.replyTimeout);
    if (!dialog.error.empty()) request("SETERROR " + assuanEscape(dialog.error), options_.replyTimeout);
}

SecureBytes Pinentry::getPin(const PinDialog& dialog)
{
    setTexts(dialog);
    SecureBytes pin;
    std::string error;
    if (!request("GETPIN", options_.userTimeout + std::chrono::seconds(1), &pin, &error)) cancelled("GETPIN: " + error);
    return pin;
}

bool Pinentry::confirm(const PinDialog& dialog)
{
    setTexts(dialog);
    return request("CONFIRM", options_.userTimeout + std::chrono::seconds(1));
}

void Pinentry::stop() noexcept
{
    if (fd_ >= 0) {
        if (pid_ > 0) {
            static constexpr char kBye[] = "BYE\n";
            (void)::send(fd_, kBye, sizeof kBye - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        close(fd_);
        fd_ = -1;
    }
    if (pid_ > 0) reap(pid_);
    pid_ = -1;
    if (buffer_ != nullptr) {
        secureWipe(buffer_, kBufferSize);
        secure_pages::release(buffer_, kBufferSize);
        buffer_ = nullptr;
    }
    filled_ = 0;
}

} // namespace tessera::pkcs11
