// Object management (PKCS#11 3.0 section 5.7): search and attribute reads,
// from memory. Token objects are read-only (the card's content changes only
// through key management); session objects (derived keys) can be destroyed.
// Private objects (CKA_PRIVATE=TRUE, section 4.4) exist for a session only
// while the normal user is logged in (the "user functions" session states).
#include <algorithm>

#include "pkcs11/entry.hpp"
#include "pkcs11/key_admin.hpp"
#include "pkcs11/module.hpp"

using namespace tessera;
using namespace tessera::pkcs11;

namespace {

void checkTemplate(CK_ATTRIBUTE_PTR templ, CK_ULONG count)
{
    if (templ == nullptr && count != 0) failRv(CKR_ARGUMENTS_BAD, "NULL template with non-zero count");
}

// PKCS#11 3.0 base, "Users": only the normal user is allowed access to
// private objects, and only after the normal user has been authenticated.
// An SO session (CKS_RW_SO_FUNCTIONS) sees public objects only, as in
// SoftHSM. The login state is shared by all sessions of the token.
bool seesPrivate(const Session& s)
{
    std::scoped_lock lock(s.slot->stateMutex);
    return s.token->userLoggedIn;
}

bool visible(const Object& o, bool userLoggedIn)
{
    return userLoggedIn || !o.isPrivate();
}

// A private object's handle is invalid for a session that cannot see it:
// C_FindObjects would not have returned it, and CKR_USER_NOT_LOGGED_IN is not
// a return value of the object functions (SoftHSM answers CKR_GENERAL_ERROR).
ObjectPtr objectOf(Session& s, CK_OBJECT_HANDLE h)
{
    auto o = s.object(h);
    if (!o || !visible(*o, seesPrivate(s))) failRv(CKR_OBJECT_HANDLE_INVALID);
    return o;
}

} // namespace

extern "C" {

CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
    return guarded(TESSERA_CALL("C_FindObjectsInit", hSession, pTemplate, ulCount), [&] {
        auto s = Module::sessionCall(hSession);
        checkTemplate(pTemplate, ulCount);
        s->slot->recheckObjects(s->token); // issue 9: written by another process?
        s->slot->ensureObjects(s->token);  // before the session lock: card I/O
        const bool userLoggedIn = seesPrivate(*s);
        std::scoped_lock lock(s->mutex);
        if (s->find) failRv(CKR_OPERATION_ACTIVE, "an object search is already active in the session");
        FindState state;
        if (const auto objects = s->token->objects()) // a snapshot: writes publish a new list
            for (const auto& o : *objects)
                if (visible(*o, userLoggedIn) && o->matches(pTemplate, ulCount)) state.handles.push_back(o->handle);
        for (const auto& o : s->sessionObjects)
            if (visible(*o, userLoggedIn) && o->matches(pTemplate, ulCount)) state.handles.push_back(o->handle);
        s->find = std::move(state);
        return CKR_OK;
    });
}

CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject, CK_ULONG ulMaxObjectCount,
                    CK_ULONG_PTR pulObjectCount)
{
    return guarded(TESSERA_CALL("C_FindObjects", hSession, phObject, ulMaxObjectCount, pulObjectCount), [&] {
        auto s = Module::sessionCall(hSession);
        requireNonNull(pulObjectCount);
        if (phObject == nullptr && ulMaxObjectCount != 0)
            failRv(CKR_ARGUMENTS_BAD, "NULL handle buffer with non-zero count");
        std::scoped_lock lock(s->mutex);
        if (!s->find) failRv(CKR_OPERATION_NOT_INITIALIZED, "no object search is active in the session");
        auto& f = *s->find;
        CK_ULONG n = 0;
        while (n < ulMaxObjectCount && f.position < f.handles.size())
            phObject[n++] = f.handles[f.position++];
        *pulObjectCount = n;
        return CKR_OK;
    });
}

CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession)
{
    return guarded(TESSERA_CALL("C_FindObjectsFinal", hSession), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        if (!s->find) failRv(CKR_OPERATION_NOT_INITIALIZED, "no object search is active in the session");
        s->find.reset();
        return CKR_OK;
    });
}

CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
                          CK_ULONG ulCount)
{
    return guarded(TESSERA_CALL("C_GetAttributeValue", hSession, hObject, pTemplate, ulCount), [&] {
        auto s = Module::sessionCall(hSession);
        if (pTemplate == nullptr) failRv(CKR_ARGUMENTS_BAD, "NULL template");
        std::scoped_lock lock(s->mutex);
        return objectOf(*s, hObject)->getAttributeValues(pTemplate, ulCount);
    });
}

CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize)
{
    return guarded(TESSERA_CALL("C_GetObjectSize", hSession, hObject, pulSize), [&] {
        auto s = Module::sessionCall(hSession);
        requireNonNull(pulSize);
        std::scoped_lock lock(s->mutex);
        objectOf(*s, hObject);
        *pulSize = CK_UNAVAILABLE_INFORMATION;
        return CKR_OK;
    });
}

CK_RV C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
                          CK_ULONG ulCount)
{
    return guarded(TESSERA_CALL("C_SetAttributeValue", hSession, hObject, pTemplate, ulCount), [&]() -> CK_RV {
        auto s = Module::sessionCall(hSession);
        checkTemplate(pTemplate, ulCount);
        std::scoped_lock lock(s->mutex);
        auto o = objectOf(*s, hObject);
        if (o->owner == 0 && !s->readWrite()) failRv(CKR_SESSION_READ_ONLY, "token object in a read-only session");
        failRv(CKR_ACTION_PROHIBITED, "CKA_MODIFIABLE is FALSE on every object");
    });
}

CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                     CK_OBJECT_HANDLE_PTR phObject)
{
    return guarded(TESSERA_CALL("C_CreateObject", hSession, pTemplate, ulCount, phObject), [&] {
        auto s = Module::sessionCall(hSession);
        checkTemplate(pTemplate, ulCount);
        requireNonNull(phObject);
        *phObject = createTokenObject(*s, pTemplate, ulCount); // key_admin.hpp (issue 9)
        return CKR_OK;
    });
}

CK_RV C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                   CK_OBJECT_HANDLE_PTR phNewObject)
{
    return guarded(TESSERA_CALL("C_CopyObject", hSession, hObject, pTemplate, ulCount, phNewObject), [&]() -> CK_RV {
        auto s = Module::sessionCall(hSession);
        checkTemplate(pTemplate, ulCount);
        requireNonNull(phNewObject);
        std::scoped_lock lock(s->mutex);
        objectOf(*s, hObject);
        failRv(CKR_ACTION_PROHIBITED, "CKA_COPYABLE is FALSE on every object");
    });
}

CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
    return guarded(TESSERA_CALL("C_DestroyObject", hSession, hObject), [&] {
        auto s = Module::sessionCall(hSession);
        std::scoped_lock lock(s->mutex);
        auto o = objectOf(*s, hObject);
        if (o->owner == 0 && !s->readWrite()) failRv(CKR_SESSION_READ_ONLY, "token object in a read-only session");
        if (o->owner == 0) return destroyTokenObject(*s, o); // key_admin.hpp (issue 9)
        std::erase(s->sessionObjects, o);
        return CKR_OK;
    });
}

} // extern "C"
