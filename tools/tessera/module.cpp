// Loading the module as a client does (see module.hpp).
#include "module.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

namespace tessera::cli {

std::string modulePath(const std::optional<std::string>& fromCommandLine)
{
    if (fromCommandLine) return *fromCommandLine;
    if (const char* env = std::getenv("TESSERA_MODULE"); env != nullptr && *env != '\0') return env;
    return TESSERA_INSTALLED_MODULE;
}

std::string fieldString(const unsigned char* field, std::size_t size)
{
    std::string s(reinterpret_cast<const char*>(field), size);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0'))
        s.pop_back();
    return s;
}

std::string rvName(CK_RV rv)
{
    switch (rv) {
    case CKR_OK: return "CKR_OK";
    case CKR_HOST_MEMORY: return "CKR_HOST_MEMORY";
    case CKR_SLOT_ID_INVALID: return "CKR_SLOT_ID_INVALID";
    case CKR_GENERAL_ERROR: return "CKR_GENERAL_ERROR";
    case CKR_FUNCTION_FAILED: return "CKR_FUNCTION_FAILED";
    case CKR_ARGUMENTS_BAD: return "CKR_ARGUMENTS_BAD";
    case CKR_DEVICE_ERROR: return "CKR_DEVICE_ERROR";
    case CKR_DEVICE_REMOVED: return "CKR_DEVICE_REMOVED";
    case CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
    case CKR_TOKEN_NOT_RECOGNIZED: return "CKR_TOKEN_NOT_RECOGNIZED";
    case CKR_CRYPTOKI_NOT_INITIALIZED: return "CKR_CRYPTOKI_NOT_INITIALIZED";
    case CKR_CRYPTOKI_ALREADY_INITIALIZED: return "CKR_CRYPTOKI_ALREADY_INITIALIZED";
    case CKR_CANT_LOCK: return "CKR_CANT_LOCK";
    default: break;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%08lx", static_cast<unsigned long>(rv));
    return buf;
}

std::optional<LoadedModule> LoadedModule::load(const std::string& path, std::string& error)
{
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* why = dlerror();
        error = why != nullptr ? why : "dlopen failed";
        return std::nullopt;
    }
    auto getList = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle, "C_GetFunctionList"));
    CK_FUNCTION_LIST* functions = nullptr;
    if (getList == nullptr || getList(&functions) != CKR_OK || functions == nullptr) {
        error = "no usable C_GetFunctionList in " + path + " (not a PKCS#11 module?)";
        dlclose(handle);
        return std::nullopt;
    }
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    if (CK_RV rv = functions->C_Initialize(&args); rv != CKR_OK) {
        error = "C_Initialize returned " + rvName(rv);
        dlclose(handle);
        return std::nullopt;
    }
    return LoadedModule(handle, functions, path);
}

LoadedModule::LoadedModule(LoadedModule&& other) noexcept
    : handle_(other.handle_), functions_(other.functions_), path_(std::move(other.path_))
{
    other.handle_ = nullptr;
    other.functions_ = nullptr;
}

LoadedModule::~LoadedModule()
{
    if (functions_ != nullptr) functions_->C_Finalize(nullptr);
    if (handle_ != nullptr) dlclose(handle_);
}

std::vector<CK_SLOT_ID> LoadedModule::slots(bool tokenPresent, CK_RV& rv) const
{
    std::vector<CK_SLOT_ID> ids;
    // The slot list can grow between the two calls (a reader plugged in):
    // retry while the module says the buffer is too small.
    for (int attempt = 0; attempt < 4; ++attempt) {
        CK_ULONG count = 0;
        rv = functions_->C_GetSlotList(tokenPresent ? CK_TRUE : CK_FALSE, nullptr, &count);
        if (rv != CKR_OK) return {};
        ids.resize(count);
        if (count == 0) return ids;
        rv = functions_->C_GetSlotList(tokenPresent ? CK_TRUE : CK_FALSE, ids.data(), &count);
        if (rv == CKR_BUFFER_TOO_SMALL) continue;
        if (rv != CKR_OK) return {};
        ids.resize(count);
        return ids;
    }
    return {};
}

} // namespace tessera::cli
