// General-purpose functions (PKCS#11 3.0 section 5.4) and the interface
// functions (5.2): C_Initialize, C_Finalize, C_GetInfo, C_GetFunctionList,
// C_GetInterfaceList, C_GetInterface. The function tables live in function_list.cpp.
#include "pkcs11/entry.hpp"
#include "pkcs11/function_list.hpp"
#include "pkcs11/module.hpp"

using namespace tessera::pkcs11;

extern "C" {

CK_RV C_Initialize(CK_VOID_PTR pInitArgs)
{
    return guarded(TESSERA_CALL("C_Initialize", pInitArgs), [&] {
        Module::initialize(pInitArgs);
        return CKR_OK;
    });
}

CK_RV C_Finalize(CK_VOID_PTR pReserved)
{
    return guarded(TESSERA_CALL("C_Finalize", pReserved), [&] {
        if (pReserved != nullptr) failRv(CKR_ARGUMENTS_BAD, "pReserved must be NULL");
        Module::finalize();
        return CKR_OK;
    });
}

CK_RV C_GetInfo(CK_INFO_PTR pInfo)
{
    return guarded(TESSERA_CALL("C_GetInfo", pInfo), [&] {
        Module::get();
        requireNonNull(pInfo);
        std::memset(pInfo, 0, sizeof *pInfo);
        pInfo->cryptokiVersion = {3, 0};
        padField(pInfo->manufacturerID, sizeof pInfo->manufacturerID, "Tessera");
        padField(pInfo->libraryDescription, sizeof pInfo->libraryDescription, "Tessera PIV/OpenPGP PKCS#11");
        pInfo->libraryVersion = {0, 1};
        return CKR_OK;
    });
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList)
{
    return guarded(TESSERA_CALL("C_GetFunctionList", ppFunctionList), [&] {
        requireNonNull(ppFunctionList);
        *ppFunctionList = functionList240();
        return CKR_OK;
    });
}

CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount)
{
    return guarded(TESSERA_CALL("C_GetInterfaceList", pInterfacesList, pulCount), [&] {
        requireNonNull(pulCount);
        auto interfaces = allInterfaces();
        if (pInterfacesList == nullptr) {
            *pulCount = interfaces.size();
            return CKR_OK;
        }
        if (*pulCount < interfaces.size()) {
            *pulCount = interfaces.size();
            return CKR_BUFFER_TOO_SMALL;
        }
        for (std::size_t i = 0; i < interfaces.size(); ++i)
            pInterfacesList[i] = *interfaces[i];
        *pulCount = interfaces.size();
        return CKR_OK;
    });
}

CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion, CK_INTERFACE_PTR_PTR ppInterface,
                     CK_FLAGS flags)
{
    return guarded(TESSERA_CALL("C_GetInterface", pInterfaceName, pVersion, ppInterface, flags), [&] {
        requireNonNull(ppInterface);
        CK_INTERFACE* found = findInterface(reinterpret_cast<const char*>(pInterfaceName), pVersion, flags);
        if (found == nullptr) failRv(CKR_ARGUMENTS_BAD, "no such interface (name, version or flags)");
        *ppInterface = found;
        return CKR_OK;
    });
}

} // extern "C"
