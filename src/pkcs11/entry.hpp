// Small helpers shared by the C_* entry points (fn_*.cpp): blank-padded
// CK_UTF8CHAR fields, output-buffer rules (PKCS#11 3.0 section 5.2 "Conventions
// for functions returning output in a variable-length buffer").
#pragma once

#include <cstring>
#include <string>

#include "common/bytes.hpp"
#include "pkcs11/pkcs11_api.hpp"
#include "pkcs11/rv.hpp"

namespace tessera::pkcs11 {

// Copies s into a blank-padded, not NUL-terminated field of n bytes (truncated on a UTF-8 boundary).
inline void padField(CK_UTF8CHAR* field, std::size_t n, const std::string& s)
{
    std::memset(field, ' ', n);
    std::size_t len = std::min(n, s.size());
    while (len > 0 && len < s.size() && (static_cast<unsigned char>(s[len]) & 0xC0) == 0x80)
        --len;
    std::memcpy(field, s.data(), len);
}

template <typename T> void requireNonNull(T* p)
{
    if (p == nullptr) failRv(CKR_ARGUMENTS_BAD, "NULL pointer argument");
}

// Variable-length output: NULL buffer = length query (CKR_OK); too small =
// CKR_BUFFER_TOO_SMALL with the needed length; else copy.
inline CK_RV writeOutput(ByteView value, CK_BYTE_PTR out, CK_ULONG_PTR outLen)
{
    if (out == nullptr) {
        *outLen = value.size();
        return CKR_OK;
    }
    if (*outLen < value.size()) {
        *outLen = value.size();
        return CKR_BUFFER_TOO_SMALL;
    }
    if (!value.empty()) std::memcpy(out, value.data(), value.size());
    *outLen = value.size();
    return CKR_OK;
}

inline ByteView inputView(CK_BYTE_PTR data, CK_ULONG len)
{
    if (data == nullptr && len != 0) failRv(CKR_ARGUMENTS_BAD, "NULL data with non-zero length");
    return data == nullptr ? ByteView() : ByteView(data, len);
}

} // namespace tessera::pkcs11
