// The `tessera` command loads the PKCS#11 module the way any client does:
// dlopen, C_GetFunctionList, C_Initialize (OS locking), and C_Finalize plus
// dlclose when it is done. Nothing here reaches into the module's internals,
// so what `tessera status` prints is what an application would see.
#pragma once

#include <p11-kit/pkcs11.h>

#include <optional>
#include <string>
#include <vector>

namespace tessera::cli {

// Which module file to load: --module, else $TESSERA_MODULE, else the
// installed path (TESSERA_INSTALLED_MODULE, set by CMake).
std::string modulePath(const std::optional<std::string>& fromCommandLine);

// A PKCS#11 field (blank-padded, not NUL-terminated) as a trimmed string.
std::string fieldString(const unsigned char* field, std::size_t size);
// "CKR_TOKEN_NOT_PRESENT" for the values a user meets; "0x..." otherwise.
std::string rvName(CK_RV rv);

class LoadedModule {
public:
    // Empty on failure, with the reason (dlerror, missing symbol, C_Initialize rv) in error.
    static std::optional<LoadedModule> load(const std::string& path, std::string& error);
    LoadedModule(LoadedModule&& other) noexcept;
    LoadedModule& operator=(LoadedModule&&) = delete;
    LoadedModule(const LoadedModule&) = delete;
    ~LoadedModule();

    CK_FUNCTION_LIST* operator->() const { return functions_; }
    const std::string& path() const { return path_; }
    // C_GetSlotList; throws nothing, returns the rv in rv.
    std::vector<CK_SLOT_ID> slots(bool tokenPresent, CK_RV& rv) const;

private:
    LoadedModule(void* handle, CK_FUNCTION_LIST* functions, std::string path)
        : handle_(handle), functions_(functions), path_(std::move(path))
    {
    }
    void* handle_ = nullptr;
    CK_FUNCTION_LIST* functions_ = nullptr;
    std::string path_;
};

// Exit codes (README, "The tessera command"): scripts test these.
enum ExitCode : int {
    exitOk = 0,
    exitFailure = 1, // the module cannot be loaded or initialised, pcscd unreachable
    exitUsage = 2,
    exitAttention = 3, // works, but something needs the user (no token, not registered...)
};

int runStatus(const LoadedModule& module, bool verbose);
// The applications (PIV, OpenPGP) the card in a slot's reader answers a
// SELECT for, asked over PC/SC (applications.cpp); `served` is asked last.
std::vector<std::string> cardApplications(const std::string& slotDescription, const std::string& served);
int runDoctor(const std::string& modulePath);

} // namespace tessera::cli
