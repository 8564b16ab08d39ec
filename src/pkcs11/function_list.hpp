// The function tables handed to applications: the 2.40 CK_FUNCTION_LIST and
// the 3.0 CK_FUNCTION_LIST_3_0, and the "PKCS 11" interfaces that carry them.
#pragma once

#include <vector>

#include "pkcs11/pkcs11_api.hpp"

namespace tessera::pkcs11 {

CK_FUNCTION_LIST* functionList240();
std::vector<CK_INTERFACE*> allInterfaces();
// PKCS#11 3.0 section 5.2 C_GetInterface: NULL name = default ("PKCS 11"),
// NULL version = the newest. nullptr when nothing matches.
CK_INTERFACE* findInterface(const char* name, const CK_VERSION* version, CK_FLAGS flags);

} // namespace tessera::pkcs11
