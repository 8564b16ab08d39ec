// What the secret-leak clients share: the module loaded with dlopen from
// $TESSERA_MODULE, the sandbox's PIV slot, object look-up by class and CKA_ID,
// and lines read from stdin with read(2) so that no stdio buffer keeps a copy.
// A failing call ends the client with status 2 and the CK_RV on stderr.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ossl.hpp"

#include <p11-kit/pkcs11.h>

namespace tessera::sectest {

using Bytes = std::vector<std::uint8_t>;

extern CK_FUNCTION_LIST* f; // set by loadModule()

[[noreturn]] void die(const std::string& what, CK_RV rv = CKR_OK);
void check(CK_RV rv, const std::string& what);
// One line from stdin, byte by byte with read(2); returns its length (without '\n').
std::size_t readLine(char* buf, std::size_t cap);
void loadModule();
// The slot of the PIV reader (TESSERA_PIV_READER starts with its description).
CK_SLOT_ID pivSlot();
CK_OBJECT_HANDLE byId(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, std::uint8_t id);
Bytes attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
// The public key of the certificate with CKA_ID `id`.
apitest::ossl::Pkey certKey(CK_SESSION_HANDLE s, std::uint8_t id);
// Lets gcore attach even under Yama ptrace_scope=1 (the test is not our parent).
void allowAnyTracer();

} // namespace tessera::sectest
