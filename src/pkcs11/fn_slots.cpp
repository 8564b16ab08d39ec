// Slot and token management (PKCS#11 3.0 section 5.5): slot list, slot and
// token information, mechanisms. Answers come from memory and pcscd's reader
// state; the card is read once, when its token is first needed.
#include "pkcs11/entry.hpp"
#include "pkcs11/mechanisms.hpp"
#include "pkcs11/module.hpp"

using namespace tessera;
using namespace tessera::pkcs11;

namespace {

CK_FLAGS tokenFlags(const Token& t, bool loggedIn)
{
    CK_FLAGS f = CKF_RNG | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
    const auto& pin = t.model.userPin;
    if (pin.pinPad) f |= CKF_PROTECTED_AUTHENTICATION_PATH;
    if (pin.triesLeft == 0)
        f |= CKF_USER_PIN_LOCKED;
    else if (pin.triesLeft == 1)
        f |= CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW;
    else if (pin.triesLeft > 0 && pin.triesLeft < pin.maxTries)
        f |= CKF_USER_PIN_COUNT_LOW;
    (void)loggedIn;
    if (const auto& so = t.model.soPin) {
        if (so->triesLeft == 0)
            f |= CKF_SO_PIN_LOCKED;
        else if (so->triesLeft == 1)
            f |= CKF_SO_PIN_FINAL_TRY | CKF_SO_PIN_COUNT_LOW;
        else if (so->triesLeft > 0 && so->triesLeft < so->maxTries)
            f |= CKF_SO_PIN_COUNT_LOW;
    }
    return f;
}

} // namespace

extern "C" {

// 5.5.2: a NULL pSlotList re-reads the reader list; the list never shrinks.
CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount)
{
    return guarded(TESSERA_CALL("C_GetSlotList", tokenPresent, pSlotList, pulCount), [&] {
        auto m = Module::get();
        requireNonNull(pulCount);
        std::vector<CK_SLOT_ID> ids;
        for (const auto& s : m->slots(pSlotList == nullptr))
            if (!tokenPresent || m->cardPresent(*s)) ids.push_back(s->id());
        if (pSlotList == nullptr) {
            *pulCount = ids.size();
            return CKR_OK;
        }
        if (*pulCount < ids.size()) {
            *pulCount = ids.size();
            return CKR_BUFFER_TOO_SMALL;
        }
        std::copy(ids.begin(), ids.end(), pSlotList);
        *pulCount = ids.size();
        return CKR_OK;
    });
}

CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
    return guarded(TESSERA_CALL("C_GetSlotInfo", slotID, pInfo), [&] {
        auto m = Module::get();
        auto slot = m->slot(slotID);
        requireNonNull(pInfo);
        std::memset(pInfo, 0, sizeof *pInfo);
        padField(pInfo->slotDescription, sizeof pInfo->slotDescription, slot->reader());
        padField(pInfo->manufacturerID, sizeof pInfo->manufacturerID, "PC/SC reader");
        pInfo->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;
        if (m->cardPresent(*slot)) pInfo->flags |= CKF_TOKEN_PRESENT;
        return CKR_OK;
    });
}

CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
    return guarded(TESSERA_CALL("C_GetTokenInfo", slotID, pInfo), [&] {
        auto m = Module::get();
        auto slot = m->slot(slotID);
        requireNonNull(pInfo);
        auto t = m->token(*slot);
        const auto& model = t->model;
        std::memset(pInfo, 0, sizeof *pInfo);
        padField(pInfo->label, sizeof pInfo->label, model.label);
        padField(pInfo->manufacturerID, sizeof pInfo->manufacturerID, model.manufacturer);
        padField(pInfo->model, sizeof pInfo->model, model.model);
        padField(pInfo->serialNumber, sizeof pInfo->serialNumber, model.serial);
        {
            std::scoped_lock lock(slot->stateMutex);
            pInfo->flags = tokenFlags(*t, t->userLoggedIn);
            if (m->config().pinSource == Config::PinSource::pinentry) pInfo->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
        }
        pInfo->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
        pInfo->ulSessionCount = m->sessionCount(slotID, false);
        pInfo->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
        pInfo->ulRwSessionCount = m->sessionCount(slotID, true);
        pInfo->ulMaxPinLen = model.userPin.maxLength;
        pInfo->ulMinPinLen = model.userPin.minLength;
        pInfo->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
        pInfo->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
        pInfo->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
        pInfo->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
        pInfo->hardwareVersion = {model.hardwareMajor, model.hardwareMinor};
        pInfo->firmwareVersion = {model.firmwareMajor, model.firmwareMinor};
        padField(pInfo->utcTime, sizeof pInfo->utcTime, "");
        return CKR_OK;
    });
}

CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList, CK_ULONG_PTR pulCount)
{
    return guarded(TESSERA_CALL("C_GetMechanismList", slotID, pMechanismList, pulCount), [&] {
        auto m = Module::get();
        auto slot = m->slot(slotID);
        requireNonNull(pulCount);
        auto token = m->token(*slot);
        slot->ensureObjects(token); // the mechanisms follow the keys
        auto mechs = advertisedMechanisms(slot->modelOf(token));
        if (pMechanismList == nullptr) {
            *pulCount = mechs.size();
            return CKR_OK;
        }
        if (*pulCount < mechs.size()) {
            *pulCount = mechs.size();
            return CKR_BUFFER_TOO_SMALL;
        }
        for (std::size_t i = 0; i < mechs.size(); ++i)
            pMechanismList[i] = mechs[i].type;
        *pulCount = mechs.size();
        return CKR_OK;
    });
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo)
{
    return guarded(TESSERA_CALL("C_GetMechanismInfo", slotID, type, pInfo), [&] {
        auto m = Module::get();
        auto slot = m->slot(slotID);
        requireNonNull(pInfo);
        auto token = m->token(*slot);
        slot->ensureObjects(token);
        for (const auto& mech : advertisedMechanisms(slot->modelOf(token))) {
            if (mech.type == type) {
                *pInfo = mech.info;
                return CKR_OK;
            }
        }
        failRv(CKR_MECHANISM_INVALID, "the token does not offer this mechanism");
    });
}

CK_RV C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR, CK_ULONG, CK_UTF8CHAR_PTR)
{
    return guarded(TESSERA_CALL("C_InitToken", slotID), [&]() -> CK_RV {
        Module::get()->slot(slotID);
        failRv(CKR_FUNCTION_NOT_SUPPORTED, "tokens are initialised with the card vendor's tools");
    });
}

} // extern "C"
