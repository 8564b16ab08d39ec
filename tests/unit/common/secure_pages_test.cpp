// The secure pages under SecureBytes and SensitiveBytes: left out of core
// dumps, and zero in a fork()ed child, by MADV_WIPEONFORK or, where the kernel
// lacks it, by the pthread_atfork fallback alone (issue 12: a child of the host
// application must not inherit a cached PIN or a decrypted block).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>

#include "common/secure_bytes.hpp"
#include "common/secure_pages.hpp"
#include "common/sensitive_bytes.hpp"

using namespace tessera;

namespace {

// The VmFlags of the mapping holding `p` (/proc/self/smaps): "dd" is
// MADV_DONTDUMP, "wf" MADV_WIPEONFORK.
std::string vmFlagsOf(const void* p)
{
    const auto addr = reinterpret_cast<std::uintptr_t>(p);
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    bool inside = false;
    while (std::getline(smaps, line)) {
        std::uintptr_t lo = 0, hi = 0;
        char dash = 0;
        std::istringstream head(line);
        if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(':') > line.find(' '))
            inside = lo <= addr && addr < hi;
        else if (inside && line.rfind("VmFlags:", 0) == 0)
            return line.substr(8) + " ";
    }
    return {};
}

bool hasFlag(const void* p, const char* flag)
{
    return vmFlagsOf(p).find(std::string(" ") + flag + " ") != std::string::npos;
}

bool allZero(std::span<const std::uint8_t> b)
{
    return std::all_of(b.begin(), b.end(), [](std::uint8_t c) { return c == 0; });
}

// Forks; the child reports through its exit status whether both buffers read
// as zeros (it runs no gtest code, only the check and _exit).
int childSeesZeros(const SensitiveBytes& result, const SecureBytes& pin)
{
    const pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) _exit(allZero(result) && allZero(pin.view()) ? 0 : 1);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

} // namespace

// Declared first: it must run before the next test turns MADV_WIPEONFORK off
// for the rest of the process.
TEST(SecurePages, ForkedChildSeesZerosAndTheParentKeepsItsSecrets)
{
    SensitiveBytes result(300, 0xA5);
    SecureBytes pin(std::string_view("739184"));
    EXPECT_TRUE(hasFlag(result.data(), "dd"));
    EXPECT_TRUE(hasFlag(pin.view().data(), "dd"));
    EXPECT_EQ(childSeesZeros(result, pin), 0);
    EXPECT_EQ(std::count(result.begin(), result.end(), 0xA5), 300);
    EXPECT_EQ(std::string(pin.view().begin(), pin.view().end()), "739184");
}

// A kernel without MADV_WIPEONFORK (Linux < 4.14), simulated: the pages are
// mapped without it, so only the pthread_atfork child handler can clean them.
TEST(SecurePages, AtforkFallbackAloneZeroesTheChildsCopy)
{
    secure_pages::testing::disableKernelWipeOnFork();
    SensitiveBytes result(5000, 0x3C); // two pages: the handler wipes whole mappings
    SecureBytes pin(std::string_view("582046"));
    ASSERT_FALSE(hasFlag(result.data(), "wf")) << "MADV_WIPEONFORK still set: the test would prove nothing";
    ASSERT_FALSE(hasFlag(pin.view().data(), "wf"));
    EXPECT_FALSE(secure_pages::kernelWipesOnFork());
    EXPECT_TRUE(hasFlag(result.data(), "dd"));
    EXPECT_EQ(childSeesZeros(result, pin), 0);
    EXPECT_EQ(std::count(result.begin(), result.end(), 0x3C), 5000);
    EXPECT_EQ(std::string(pin.view().begin(), pin.view().end()), "582046");
    // Freed and reallocated buffers keep working after a fork (the registry is consistent).
    SensitiveBytes after(16, 0x11);
    EXPECT_EQ(childSeesZeros(after, pin), 0);
}
