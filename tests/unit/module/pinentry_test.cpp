// Unit tests of the pinentry client (src/pkcs11/pinentry.hpp): Assuan
// escaping both ways, the default program search, and the process handling
// against the scripted pinentry of tests/acceptance/lib and a few hostile
// programs: every failure is Error(cancelled), fast, and leaves no child.
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.hpp"
#include "pkcs11/pinentry.hpp"

using namespace tessera;
using namespace tessera::pkcs11;
using Clock = std::chrono::steady_clock;

namespace {

std::string text(const SecureBytes& b)
{
    return {reinterpret_cast<const char*>(b.view().data()), b.size()};
}

SecureBytes decode(std::string_view escaped)
{
    SecureBytes out;
    assuanDecodeInto({reinterpret_cast<const std::uint8_t*>(escaped.data()), escaped.size()}, out);
    return out;
}

// No child of this process is left, running or zombie.
bool noChildren()
{
    int status = 0;
    return waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD;
}

PinentryOptions scripted(const char* mode)
{
    setenv("PINENTRY_MODE", mode, 1);
    setenv("PINENTRY_PIN", "123456", 1);
    unsetenv("PINENTRY_PIN_FILE");
    PinentryOptions o;
    o.program = TESSERA_PINENTRY_SCRIPT;
    o.userTimeout = std::chrono::seconds(1);
    return o;
}

// A small executable shell script in a temporary directory.
std::string writeProgram(const std::string& dir, const std::string& name, const std::string& body)
{
    std::string path = dir + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    chmod(path.c_str(), 0755);
    return path;
}

std::string tempDir()
{
    char tmpl[] = "/tmp/tessera-pinentry-test.XXXXXX";
    return mkdtemp(tmpl);
}

void expectCancelled(const PinentryOptions& o, long maxMs)
{
    auto start = Clock::now();
    try {
        Pinentry p(o);
        (void)p.getPin({"desc", "PIN:", ""});
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::cancelled) << e.what();
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    EXPECT_LE(ms, maxMs);
    EXPECT_TRUE(noChildren());
}

} // namespace

TEST(Assuan, EscapesPercentAndControlCharacters)
{
    EXPECT_EQ(assuanEscape("a%b\nc\rd"), "a%25b%0Ac%0Dd");
    EXPECT_EQ(assuanEscape(std::string("t\x01\x7f", 3)), "t%01%7F");
    EXPECT_EQ(assuanEscape("Karte \"Müller\" #1"), "Karte \"Müller\" #1"); // UTF-8 and quotes pass
}

TEST(Assuan, DecodesDataLines)
{
    EXPECT_EQ(text(decode("123456")), "123456");
    EXPECT_EQ(text(decode("12%2534%0A")), "12%34\n");
    EXPECT_EQ(text(decode("%41%62")), "Ab");
    for (const char* bad : {"12%", "12%4", "%zz", "%4g"}) {
        try {
            decode(bad);
            ADD_FAILURE() << bad << " decoded";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::cancelled);
        }
    }
    EXPECT_THROW(decode(std::string(SecureBytes::kCapacity + 1, '1')), Error);
}

TEST(Assuan, FindsTheFirstDefaultInPath)
{
    std::string dir = tempDir();
    const char* old = std::getenv("PATH");
    std::string saved = old != nullptr ? old : "";
    writeProgram(dir, "pinentry-tty", "exit 0");
    writeProgram(dir, "pinentry-curses", "exit 0");
    setenv("PATH", dir.c_str(), 1);
    EXPECT_EQ(findPinentry(""), dir + "/pinentry-curses");
    writeProgram(dir, "pinentry-gnome3", "exit 0");
    EXPECT_EQ(findPinentry(""), dir + "/pinentry-gnome3");
    EXPECT_EQ(findPinentry("pinentry-tty"), dir + "/pinentry-tty");
    EXPECT_EQ(findPinentry("/opt/x/pinentry"), "/opt/x/pinentry");
    setenv("PATH", "/nonexistent", 1);
    EXPECT_EQ(findPinentry(""), "");
    setenv("PATH", saved.c_str(), 1);
    std::filesystem::remove_all(dir);
}

TEST(Pinentry, GetsThePinAndConfirms)
{
    {
        Pinentry p(scripted("answer"));
        EXPECT_EQ(text(p.getPin({"Card \"X\"\n3 tries left.", "PIN:", ""})), "123456");
        EXPECT_EQ(text(p.getPin({"again", "PIN:", "Wrong PIN"})), "123456"); // one process, several dialogs
        EXPECT_FALSE(p.confirm({"last try?", "", ""}));
    }
    EXPECT_TRUE(noChildren());
    setenv("PINENTRY_CONFIRM", "yes", 1);
    {
        Pinentry p(scripted("answer"));
        EXPECT_TRUE(p.confirm({"last try?", "", ""}));
    }
    unsetenv("PINENTRY_CONFIRM");
    EXPECT_TRUE(noChildren());
}

// Assuan lines are at most 1000 bytes: a long text is cut, never inside %XX.
TEST(Pinentry, CutsLongTextsOutsideEscapes)
{
    std::string dir = tempDir();
    setenv("PINENTRY_LOG", (dir + "/log").c_str(), 1);
    {
        Pinentry p(scripted("answer"));
        EXPECT_EQ(text(p.getPin({std::string(990, 'x') + "\nmore", "PIN:", ""})), "123456");
    }
    unsetenv("PINENTRY_LOG");
    std::ifstream in(dir + "/log");
    std::string line, desc;
    while (std::getline(in, line))
        if (line.rfind("SETDESC ", 0) == 0) desc = line;
    EXPECT_EQ(desc, "SETDESC " + std::string(990, 'x'));
    std::filesystem::remove_all(dir);
}

TEST(Pinentry, EveryFailureIsCancelledFastAndReaped)
{
    expectCancelled(scripted("cancel"), 2000);
    expectCancelled(scripted("exit"), 2000);
    expectCancelled(scripted("hang"), 5000); // userTimeout 1 s + 1 s, then SIGTERM
    PinentryOptions missing;
    missing.program = "/nonexistent/pinentry";
    expectCancelled(missing, 500);
    PinentryOptions none;
    expectCancelled(none, 500);
}

TEST(Pinentry, HostileProgramsCannotHangOrKillTheHost)
{
    std::string dir = tempDir();
    PinentryOptions o;
    o.replyTimeout = std::chrono::milliseconds(1000);
    o.program = "/bin/true"; // exits at once: EOF before the greeting
    expectCancelled(o, 2000);
    o.program = writeProgram(dir, "silent", "exec sleep 60"); // never greets
    expectCancelled(o, 4000);
    o.program = writeProgram(dir, "chatty", "while :; do printf 'xxxxxxxxxxxxxxxx'; done"); // no line end
    expectCancelled(o, 4000);
    // Greets, then goes away: our next request must get EPIPE, not SIGPIPE.
    o.program = writeProgram(dir, "quitter", "echo OK; exec 0<&- 1>&-; sleep 0.2");
    expectCancelled(o, 4000);
    // Answers OK to everything (an empty PIN), then ignores BYE and SIGTERM:
    // the destructor still reaps it, with SIGKILL, in under two seconds.
    o.program = writeProgram(dir, "stubborn", "trap '' TERM; echo OK; while read l; do echo OK; done; sleep 60");
    auto start = Clock::now();
    {
        Pinentry p(o);
        EXPECT_TRUE(p.getPin({"d", "p", ""}).empty());
    }
    EXPECT_LE(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count(), 2500);
    EXPECT_TRUE(noChildren());
    std::filesystem::remove_all(dir);
}
