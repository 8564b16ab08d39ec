// CK_RV at the C ABI boundary: the PKCS#11-level error type thrown inside
// src/pkcs11, the mapping table from tessera::Errc, names for the log, and
// the trampoline that every exported C_* function goes through.
#pragma once

#include <algorithm>
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "common/error.hpp"
#include "common/log.hpp"
#include "pkcs11/pkcs11_api.hpp"

namespace tessera::pkcs11 {

// An error that is already a CK_RV (session handle invalid, operation not initialised...).
class RvError : public std::exception {
public:
    explicit RvError(CK_RV rv, std::string why = {}) : rv_(rv), why_(std::move(why)) {}
    CK_RV rv() const noexcept { return rv_; }
    const char* what() const noexcept override { return why_.c_str(); }

private:
    CK_RV rv_;
    std::string why_;
};

[[noreturn]] inline void failRv(CK_RV rv, std::string why = {})
{
    throw RvError(rv, std::move(why));
}

const char* rvName(CK_RV rv) noexcept;
// The one mapping table from module error categories to CK_RV.
CK_RV rvFor(Errc code) noexcept;

// Copies what() into a bounded buffer: an error path allocates nothing (a
// std::string copy in a catch handler could throw bad_alloc out of noexcept).
inline void copyCause(char (&to)[160], const char* what) noexcept
{
    std::size_t n = 0;
    if (what != nullptr)
        for (; n + 1 < sizeof to && what[n] != '\0'; ++n)
            to[n] = what[n];
    to[n] = '\0';
}

// Runs body() and turns every exception into a CK_RV; logs the call.
// No exception ever leaves this function, and its error path allocates
// nothing (bounded char buffers), so it cannot fail itself.
template <typename Body> CK_RV guarded(const char* function, Body&& body) noexcept
{
    CK_RV rv = CKR_GENERAL_ERROR;
    char cause[160] = "";
    log::resetApduCount();
    try {
        rv = body();
    } catch (const RvError& e) {
        rv = e.rv();
        copyCause(cause, e.what());
    } catch (const Error& e) {
        rv = rvFor(e.code());
        copyCause(cause, e.what());
    } catch (const std::bad_alloc&) {
        rv = CKR_HOST_MEMORY;
    } catch (...) {
        rv = CKR_GENERAL_ERROR;
    }
    if (log::enabled(log::Level::calls)) {
        char line[320];
        int n = std::snprintf(line, sizeof line, "%s = %s", function, rvName(rv));
        if (auto apdus = log::apduCount(); apdus != 0 && n > 0)
            n += std::snprintf(line + std::min<std::size_t>(n, sizeof line),
                               sizeof line - std::min<std::size_t>(n, sizeof line), " (%zu APDUs)", apdus);
        if (cause[0] != '\0' && n > 0)
            std::snprintf(line + std::min<std::size_t>(n, sizeof line),
                          sizeof line - std::min<std::size_t>(n, sizeof line), ": %s", cause);
        log::write(log::Level::calls, line);
    }
    return rv;
}

} // namespace tessera::pkcs11
