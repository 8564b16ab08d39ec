// Session management and login (PKCS#11 3.0 section 5.6): open/close,
// session info from memory, C_Login/C_Logout with the PIN cache, C_SetPIN.
#include "pkcs11/entry.hpp"
#include "pkcs11/key_admin.hpp"
#include "pkcs11/keypad_login.hpp"
#include "pkcs11/module.hpp"
#include "pkcs11/pinentry_login.hpp"
#include "pkcs11/private_ops.hpp"

using namespace tessera;
using namespace tessera::pkcs11;

namespace {

SecureBytes pinFrom(CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
    if (pin == nullptr) {
        // No PIN pad support yet: a NULL PIN cannot be asked for on a pad.
        failRv(len == 0 ? CKR_ARGUMENTS_BAD : CKR_ARGUMENTS_BAD, "NULL PIN");
    }
    if (len > SecureBytes::kCapacity) failRv(CKR_PIN_LEN_RANGE);
    return SecureBytes(ByteView(pin, len));
}

CK_RV login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
    auto m = Module::get();
    auto s = m->session(hSession);
    if (pPin == nullptr && ulPinLen == 0 && usesKeypad(*s)) { // the PIN pad (keypad_login.hpp)
        keypadLogin(*m, *s, userType);
        return CKR_OK;
    }
    if (pPin == nullptr && m->config().pinSource == Config::PinSource::pinentry &&
        (userType == CKU_USER || userType == CKU_CONTEXT_SPECIFIC)) {
        loginWithPinentry(*m, *s, userType); // the protected path: the module asks the user
        return CKR_OK;
    }
    SecureBytes pin = pinFrom(pPin, ulPinLen);
    switch (userType) {
    case CKU_USER: loginUser(*s, pin); return CKR_OK;
    case CKU_CONTEXT_SPECIFIC: loginContextSpecific(*s, pin); return CKR_OK;
    case CKU_SO: loginSecurityOfficer(*m, *s, pin); return CKR_OK;
    default: failRv(CKR_USER_TYPE_INVALID, "not CKU_USER, CKU_SO or CKU_CONTEXT_SPECIFIC");
    }
}

} // namespace

extern "C" {

CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR, CK_NOTIFY, CK_SESSION_HANDLE_PTR phSession)
{
    return guarded(TESSERA_CALL("C_OpenSession", slotID, flags, phSession), [&] {
        auto m = Module::get();
        auto slot = m->slot(slotID);
        requireNonNull(phSession);
        if ((flags & CKF_SERIAL_SESSION) == 0)
            failRv(CKR_SESSION_PARALLEL_NOT_SUPPORTED, "CKF_SERIAL_SESSION must be set");
        *phSession = m->openSession(slot, flags)->handle;
        return CKR_OK;
    });
}

CK_RV C_CloseSession(CK_SESSION_HANDLE hSession)
{
    return guarded(TESSERA_CALL("C_CloseSession", hSession), [&] {
        Module::get()->closeSession(hSession);
        return CKR_OK;
    });
}

CK_RV C_CloseAllSessions(CK_SLOT_ID slotID)
{
    return guarded(TESSERA_CALL("C_CloseAllSessions", slotID), [&] {
        Module::get()->closeAllSessions(slotID);
        return CKR_OK;
    });
}

CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
    return guarded(TESSERA_CALL("C_GetSessionInfo", hSession, pInfo), [&] {
        auto s = Module::sessionCall(hSession);
        requireNonNull(pInfo);
        bool loggedIn = false, so = false;
        {
            std::scoped_lock lock(s->slot->stateMutex);
            loggedIn = s->token->userLoggedIn;
            so = s->token->soLoggedIn;
        }
        pInfo->slotID = s->slot->id();
        pInfo->flags = s->flags & (CKF_RW_SESSION | CKF_SERIAL_SESSION);
        if (so)
            pInfo->state = CKS_RW_SO_FUNCTIONS;
        else if (s->readWrite())
            pInfo->state = loggedIn ? CKS_RW_USER_FUNCTIONS : CKS_RW_PUBLIC_SESSION;
        else
            pInfo->state = loggedIn ? CKS_RO_USER_FUNCTIONS : CKS_RO_PUBLIC_SESSION;
        pInfo->ulDeviceError = 0;
        return CKR_OK;
    });
}

CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
    const CallTrace call = TESSERA_CALL("C_Login", hSession, userType, pPin, ulPinLen);
    return guarded(call, [&] { return login(hSession, userType, pPin, ulPinLen); });
}

CK_RV C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
                  CK_UTF8CHAR_PTR pUsername, CK_ULONG)
{
    return guarded(TESSERA_CALL("C_LoginUser", hSession, userType, pPin, ulPinLen, pUsername), [&] {
        // PKCS#11 3.0 section 5.6.9: smart cards here have no user names; a name
        // given anyway is ignored and the call is C_Login.
        (void)pUsername;
        return login(hSession, userType, pPin, ulPinLen);
    });
}

CK_RV C_Logout(CK_SESSION_HANDLE hSession)
{
    return guarded(TESSERA_CALL("C_Logout", hSession), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->slot->stateMutex);
        if (!s->token->userLoggedIn && !s->token->soLoggedIn) failRv(CKR_USER_NOT_LOGGED_IN, "nobody is logged in");
        s->token->logout();
        return CKR_OK;
    });
}

// 5.6.2: C_SetPIN changes the PIN of the logged-in user, or of CKU_USER when
// not logged in; it needs a read/write session.
CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen, CK_UTF8CHAR_PTR pNewPin,
               CK_ULONG ulNewLen)
{
    return guarded(TESSERA_CALL("C_SetPIN", hSession, pOldPin, ulOldLen, pNewPin, ulNewLen), [&] {
        auto s = Module::sessionCall(hSession);
        if (!s->readWrite()) failRv(CKR_SESSION_READ_ONLY, "C_SetPIN and C_InitPIN need a read-write session");
        if (pOldPin == nullptr && pNewPin == nullptr && usesKeypad(*s)) { // the PIN pad (keypad_login.hpp)
            keypadSetPin(*s);
            return CKR_OK;
        }
        SecureBytes oldPin = pinFrom(pOldPin, ulOldLen);
        SecureBytes newPin = pinFrom(pNewPin, ulNewLen);
        bool so = false, user = false;
        {
            std::scoped_lock lock(s->slot->stateMutex);
            so = s->token->soLoggedIn;
            user = s->token->userLoggedIn;
        }
        // Cards whose SO is the card administrator (PIV): key_admin.hpp.
        if (so && !s->token->model.soPin) {
            changeAdministrator(*s, oldPin, newPin);
            return CKR_OK;
        }
        if (!so && (!user || isYkcs11PukForm(oldPin)) && s->token->model.administratorLogin) {
            setPinPublic(*s, oldPin, newPin);
            return CKR_OK;
        }
        auto& info = so ? *s->token->model.soPin : s->token->model.userPin;
        const std::uint8_t reference = info.reference;
        s->slot->withCard(s->token, [&](apdu::Channel& ch, drivers::Card& card) {
            apdu::Transaction tx(ch);
            card.select();
            card.changePin(reference, oldPin, newPin);
            return 0;
        });
        std::scoped_lock lock(s->slot->stateMutex);
        if (so)
            s->token->soPin = newPin;
        else if (s->token->userLoggedIn)
            s->token->userPin = newPin;
        info.triesLeft = info.maxTries;
        return CKR_OK;
    });
}

// 5.6.1: C_InitPIN in a read/write SO session sets the user PIN (OpenPGP:
// RESET RETRY COUNTER after VERIFY PW3, in one transaction).
CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
    return guarded(TESSERA_CALL("C_InitPIN", hSession, pPin, ulPinLen), [&] {
        auto s = Module::sessionCall(hSession);
        if (!s->readWrite()) failRv(CKR_SESSION_READ_ONLY, "C_SetPIN and C_InitPIN need a read-write session");
        initUserPin(*s, pinFrom(pPin, ulPinLen));
        return CKR_OK;
    });
}

CK_RV C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS)
{
    return guarded(TESSERA_CALL("C_SessionCancel", hSession), [&]() -> CK_RV {
        Module::get()->session(hSession);
        failRv(CKR_FUNCTION_NOT_SUPPORTED, "not supported by this module");
    });
}

CK_RV C_GetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR, CK_ULONG_PTR)
{
    return guarded(TESSERA_CALL("C_GetOperationState", hSession), [&]() -> CK_RV {
        Module::get()->session(hSession);
        failRv(CKR_FUNCTION_NOT_SUPPORTED, "not supported by this module");
    });
}

CK_RV C_SetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR, CK_ULONG, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE)
{
    return guarded(TESSERA_CALL("C_SetOperationState", hSession), [&]() -> CK_RV {
        Module::get()->session(hSession);
        failRv(CKR_FUNCTION_NOT_SUPPORTED, "not supported by this module");
    });
}

} // extern "C"
