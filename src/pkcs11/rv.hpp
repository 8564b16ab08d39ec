// CK_RV at the C ABI boundary: the PKCS#11-level error type thrown inside
// src/pkcs11, the mapping table from tessera::Errc, names for the log, and
// the trampoline that every exported C_* function goes through.
//
// How errors travel (one rule for the whole module):
//  1. Below the PKCS#11 layer (common, pcsc, apdu, crypto, card drivers) a
//     failure is a tessera::Error (common/error.hpp): a category and the cause
//     in words. Those layers never name a CK_RV. The PKCS#11 layer lets it
//     pass, or catches it only to decide something (retry, log out, a more
//     precise CK_RV) and rethrows; rvFor() below maps the category, once.
//  2. In src/pkcs11, a failure of a PKCS#11 rule (an argument, the session or
//     operation state, a handle, a mechanism, a template, the login state, a
//     function the module does not offer) is thrown as an RvError with its
//     cause: failRv(CKR_..., "why"). Argument checks too (requireNonNull,
//     inputView in entry.hpp), so every failure carries its cause.
//  3. An entry point returns a bare CK_RV only for answers that are not
//     failures: CKR_OK, CKR_BUFFER_TOO_SMALL (the length protocol of section
//     5.2, which keeps the operation) and CKR_NO_EVENT (C_WaitForSlotEvent
//     with CKF_DONT_BLOCK). tests/style/check_errors.sh enforces this.
//  4. guarded() is the one place that turns exceptions into CK_RV, and it
//     logs every call at the debug level (TESSERA_DEBUG=1, log::Level::calls)
//     as "C_X(arguments) = CKR_Y (n APDUs): cause", so every non-OK result
//     that leaves an entry point is in the log with its cause.
#pragma once

#include <algorithm>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <utility>

#include "common/error.hpp"
#include "common/log.hpp"
#include "pkcs11/call_trace.hpp"
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

// Runs body() and turns every exception into a CK_RV; logs the call, with
// its arguments when the entry point gave them (TESSERA_CALL, call_trace.hpp):
//   "C_SignInit(hSession=1, pMechanism=CKM_ECDSA, hKey=7) = CKR_OK (1 APDUs)".
// No exception ever leaves this function, and its error path allocates
// nothing (bounded char buffers), so it cannot fail itself.
template <typename Body> CK_RV guardedCall(const char* function, const char* arguments, Body&& body) noexcept
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
        copyCause(cause, "out of memory (std::bad_alloc)");
    } catch (const std::exception& e) {
        rv = CKR_GENERAL_ERROR;
        copyCause(cause, e.what());
    } catch (...) {
        rv = CKR_GENERAL_ERROR;
        copyCause(cause, "unknown exception");
    }
    if (log::enabled(log::Level::calls)) {
        char line[800];
        int n = arguments == nullptr ? std::snprintf(line, sizeof line, "%s = %s", function, rvName(rv))
                                     : std::snprintf(line, sizeof line, "%s(%s) = %s", function, arguments, rvName(rv));
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

template <typename Body> CK_RV guarded(const char* function, Body&& body) noexcept
{
    return guardedCall(function, nullptr, std::forward<Body>(body));
}

template <typename Body> CK_RV guarded(const CallTrace& call, Body&& body) noexcept
{
    return guardedCall(call.function(), call.arguments(), std::forward<Body>(body));
}

} // namespace tessera::pkcs11
