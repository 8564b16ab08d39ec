// The arguments of a PKCS#11 call, for the debug log (TESSERA_DEBUG=1):
// handles and lengths as numbers, the mechanism by name, a template by its
// attribute types, byte buffers by their size only. Never a value from a
// buffer or a template, and not even the length of a PIN: nothing secret
// can reach the log this way. Built at the entry point, before the body runs
// (TESSERA_CALL below), printed by guarded() with the result (rv.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/log.hpp"
#include "pkcs11/pkcs11_api.hpp"

namespace tessera::pkcs11 {

// One argument as the formatter sees it; built by traceArg() from its C type.
struct TraceArg {
    enum class Kind { number, bytes, mechanism, attributes, pointer } kind = Kind::pointer;
    CK_ULONG number = 0;
    bool null = false;
    const CK_MECHANISM* mechanism = nullptr;
    const CK_ATTRIBUTE* attributes = nullptr;
};

template <typename T> TraceArg traceArg(T value) noexcept
{
    TraceArg a;
    if constexpr (std::is_integral_v<T>) {
        a.kind = TraceArg::Kind::number;
        a.number = static_cast<CK_ULONG>(value);
    } else if constexpr (std::is_same_v<T, CK_BYTE_PTR> || std::is_same_v<T, const CK_BYTE*>) {
        a.kind = TraceArg::Kind::bytes;
        a.null = value == nullptr;
    } else if constexpr (std::is_same_v<T, CK_MECHANISM_PTR>) {
        a.kind = TraceArg::Kind::mechanism;
        a.mechanism = value;
        a.null = value == nullptr;
    } else if constexpr (std::is_same_v<T, CK_ATTRIBUTE_PTR>) {
        a.kind = TraceArg::Kind::attributes;
        a.attributes = value;
        a.null = value == nullptr;
    } else {
        static_assert(std::is_pointer_v<T>, "a PKCS#11 argument is a number or a pointer");
        a.null = value == nullptr; // output buffers, CK_VOID_PTR, callbacks: only whether given
    }
    return a;
}

class CallTrace {
public:
    // names: the argument names as written ("hSession, pMechanism, hKey").
    template <typename... Args>
    CallTrace(const char* function, const char* names, Args... args) noexcept : function_(function)
    {
        if (!log::enabled(log::Level::calls)) return;
        const TraceArg values[] = {traceArg(args)...};
        format(names, values, sizeof...(Args));
    }
    const char* function() const noexcept { return function_; }
    const char* arguments() const noexcept { return arguments_.c_str(); }

private:
    void format(std::string_view names, const TraceArg* values, std::size_t count) noexcept;
    const char* function_;
    std::string arguments_;
};

// Names and formats the arguments of the entry point it stands in (fn_*.cpp):
//   return guarded(TESSERA_CALL("C_SignInit", hSession, pMechanism, hKey), [&] { ... });
#define TESSERA_CALL(function, ...) ::tessera::pkcs11::CallTrace(function, #__VA_ARGS__, __VA_ARGS__)

} // namespace tessera::pkcs11
