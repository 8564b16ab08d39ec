// Function tables and interfaces; see function_list.hpp. The 3.0 message-based
// functions are not supported and answer CKR_FUNCTION_NOT_SUPPORTED.
#include "pkcs11/function_list.hpp"

#include <cstring>

#include "pkcs11/module.hpp"
#include "pkcs11/rv.hpp"

namespace tessera::pkcs11 {

namespace {
CK_RV notSupported(const char* name)
{
    return guarded(name, [] {
        Module::get();
        return CKR_FUNCTION_NOT_SUPPORTED;
    });
}

CK_RV messageInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE)
{
    return notSupported("C_Message*Init");
}
CK_RV messageOp(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
                CK_ULONG_PTR)
{
    return notSupported("C_*Message");
}
CK_RV messageBegin(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG)
{
    return notSupported("C_*MessageBegin");
}
CK_RV messageNext(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR, CK_FLAGS)
{
    return notSupported("C_*MessageNext");
}
CK_RV signMessageBegin(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG)
{
    return notSupported("C_*MessageBegin");
}
CK_RV messageFinal(CK_SESSION_HANDLE)
{
    return notSupported("C_Message*Final");
}
CK_RV signMessage(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return notSupported("C_SignMessage");
}
CK_RV verifyMessage(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG)
{
    return notSupported("C_VerifyMessage");
}

#define TESSERA_FUNCTIONS_240                                                                                          \
    C_Initialize, C_Finalize, C_GetInfo, C_GetFunctionList, C_GetSlotList, C_GetSlotInfo, C_GetTokenInfo,              \
        C_GetMechanismList, C_GetMechanismInfo, C_InitToken, C_InitPIN, C_SetPIN, C_OpenSession, C_CloseSession,       \
        C_CloseAllSessions, C_GetSessionInfo, C_GetOperationState, C_SetOperationState, C_Login, C_Logout,             \
        C_CreateObject, C_CopyObject, C_DestroyObject, C_GetObjectSize, C_GetAttributeValue, C_SetAttributeValue,      \
        C_FindObjectsInit, C_FindObjects, C_FindObjectsFinal, C_EncryptInit, C_Encrypt, C_EncryptUpdate,               \
        C_EncryptFinal, C_DecryptInit, C_Decrypt, C_DecryptUpdate, C_DecryptFinal, C_DigestInit, C_Digest,             \
        C_DigestUpdate, C_DigestKey, C_DigestFinal, C_SignInit, C_Sign, C_SignUpdate, C_SignFinal, C_SignRecoverInit,  \
        C_SignRecover, C_VerifyInit, C_Verify, C_VerifyUpdate, C_VerifyFinal, C_VerifyRecoverInit, C_VerifyRecover,    \
        C_DigestEncryptUpdate, C_DecryptDigestUpdate, C_SignEncryptUpdate, C_DecryptVerifyUpdate, C_GenerateKey,       \
        C_GenerateKeyPair, C_WrapKey, C_UnwrapKey, C_DeriveKey, C_SeedRandom, C_GenerateRandom, C_GetFunctionStatus,   \
        C_CancelFunction, C_WaitForSlotEvent

CK_FUNCTION_LIST gList240 = {{2, 40}, TESSERA_FUNCTIONS_240};

CK_FUNCTION_LIST_3_0 gList30 = {
    {3, 0},          TESSERA_FUNCTIONS_240, C_GetInterfaceList, C_GetInterface,   C_LoginUser,
    C_SessionCancel, messageInit,           messageOp,          messageBegin,     messageNext,
    messageFinal,    messageInit,           messageOp,          messageBegin,     messageNext,
    messageFinal,    messageInit,           signMessage,        signMessageBegin, signMessage,
    messageFinal,    messageInit,           verifyMessage,      signMessageBegin, verifyMessage,
    messageFinal,
};
#undef TESSERA_FUNCTIONS_240

CK_CHAR gName[] = "PKCS 11";
CK_INTERFACE gInterface30 = {gName, &gList30, 0};
CK_INTERFACE gInterface240 = {gName, &gList240, 0};
} // namespace

CK_FUNCTION_LIST* functionList240()
{
    return &gList240;
}

std::vector<CK_INTERFACE*> allInterfaces()
{
    return {&gInterface30, &gInterface240};
}

CK_INTERFACE* findInterface(const char* name, const CK_VERSION* version, CK_FLAGS flags)
{
    for (CK_INTERFACE* i : allInterfaces()) {
        if (name != nullptr && std::strcmp(name, reinterpret_cast<const char*>(i->pInterfaceName)) != 0) continue;
        const auto* v = static_cast<const CK_VERSION*>(i->pFunctionList);
        if (version != nullptr && (v->major != version->major || v->minor != version->minor)) continue;
        if ((i->flags & flags) != flags) continue;
        return i;
    }
    return nullptr;
}

} // namespace tessera::pkcs11
