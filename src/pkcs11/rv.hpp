// CK_RV at the C ABI boundary: the PKCS#11-level error type thrown inside
// src/pkcs11, the mapping table from tessera::Errc, names for the log, and
// the trampoline that every exported C_* function goes through.
#pragma once

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

// Runs body() and turns every exception into a CK_RV; logs the call.
// No exception ever leaves this function.
template <typename Body> CK_RV guarded(const char* function, Body&& body) noexcept
{
    CK_RV rv = CKR_GENERAL_ERROR;
    std::string cause;
    log::resetApduCount();
    try {
        rv = body();
    } catch (const RvError& e) {
        rv = e.rv();
        cause = e.what();
    } catch (const Error& e) {
        rv = rvFor(e.code());
        cause = e.what();
    } catch (const std::bad_alloc&) {
        rv = CKR_HOST_MEMORY;
    } catch (...) {
        rv = CKR_GENERAL_ERROR;
    }
    if (log::enabled(log::Level::calls)) {
        try {
            std::string line = std::string(function) + " = " + rvName(rv);
            if (auto n = log::apduCount()) line += " (" + std::to_string(n) + " APDUs)";
            if (!cause.empty()) line += ": " + cause;
            log::write(log::Level::calls, line);
        } catch (...) {
        }
    }
    return rv;
}

} // namespace tessera::pkcs11
