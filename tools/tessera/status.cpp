// `tessera status`: every slot the module offers, the token in it and its
// objects, through plain PKCS#11 calls (what an application would see), and
// the applications the card carries besides the one served (applications.cpp).
// The exact number of PIN tries is not part of PKCS#11; the token flags say
// "all", "fewer than all", "one" or "none" left, and that is what we print.
#include <cstdio>
#include <string>

#include "module.hpp"

// p11-kit 0.24's pkcs11.h predates PKCS#11 3.0's Montgomery keys.
#ifndef CKK_EC_MONTGOMERY
#define CKK_EC_MONTGOMERY (0x41UL)
#endif

namespace tessera::cli {

namespace {

std::string hex(const std::string& bytes)
{
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

std::string pinState(CK_FLAGS f, CK_FLAGS locked, CK_FLAGS finalTry, CK_FLAGS low)
{
    if (f & locked) return "blocked";
    if (f & finalTry) return "1 try left (final try)";
    if (f & low) return "some tries used (fewer than the maximum left)";
    return "all tries left";
}

// Our drivers name the model after the application (driver.hpp: "OpenPGP card
// 3.4", "YubiKey 5.4.3" / "PIV II" for PIV).
const char* application(const CK_TOKEN_INFO& info)
{
    return fieldString(info.model, sizeof info.model).rfind("OpenPGP", 0) == 0 ? "OpenPGP" : "PIV";
}

const char* className(CK_OBJECT_CLASS c)
{
    switch (c) {
    case CKO_CERTIFICATE: return "certificate";
    case CKO_PUBLIC_KEY: return "public key";
    case CKO_PRIVATE_KEY: return "private key";
    case CKO_SECRET_KEY: return "secret key";
    case CKO_DATA: return "data";
    default: return "other";
    }
}

const char* keyTypeName(CK_KEY_TYPE k)
{
    switch (k) {
    case CKK_RSA: return "RSA";
    case CKK_EC: return "EC";
    case CKK_EC_EDWARDS: return "EdDSA";
    case CKK_EC_MONTGOMERY: return "XDH";
    default: return "";
    }
}

// One attribute as raw bytes; empty when the object has none or it is sensitive.
std::string attribute(const LoadedModule& m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
    CK_ATTRIBUTE a{type, nullptr, 0};
    if (m->C_GetAttributeValue(s, o, &a, 1) != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION) return {};
    std::string value(a.ulValueLen, '\0');
    a.pValue = value.data();
    if (m->C_GetAttributeValue(s, o, &a, 1) != CKR_OK) return {};
    value.resize(a.ulValueLen);
    return value;
}

CK_ULONG ulongAttribute(const LoadedModule& m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
    CK_ULONG value = CK_UNAVAILABLE_INFORMATION;
    CK_ATTRIBUTE a{type, &value, sizeof value};
    if (m->C_GetAttributeValue(s, o, &a, 1) != CKR_OK) return CK_UNAVAILABLE_INFORMATION;
    return value;
}

void printObjects(const LoadedModule& m, CK_SLOT_ID slot)
{
    CK_SESSION_HANDLE s = 0;
    if (CK_RV rv = m->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s); rv != CKR_OK) {
        std::printf("    objects: cannot open a session (%s)\n", rvName(rv).c_str());
        return;
    }
    CK_RV rv = m->C_FindObjectsInit(s, nullptr, 0);
    CK_OBJECT_HANDLE handles[64];
    CK_ULONG found = 0;
    if (rv == CKR_OK) rv = m->C_FindObjects(s, handles, 64, &found);
    m->C_FindObjectsFinal(s);
    if (rv != CKR_OK) {
        std::printf("    objects: search failed (%s)\n", rvName(rv).c_str());
    } else {
        std::printf("    objects: %lu (before login; private keys that need the PIN may show after it)\n",
                    static_cast<unsigned long>(found));
        for (CK_ULONG i = 0; i < found; ++i) {
            const CK_OBJECT_CLASS cls = ulongAttribute(m, s, handles[i], CKA_CLASS);
            const CK_KEY_TYPE kt =
                cls == CKO_CERTIFICATE ? CK_UNAVAILABLE_INFORMATION : ulongAttribute(m, s, handles[i], CKA_KEY_TYPE);
            std::printf("      %-11s %-5s id %-4s %s\n", className(cls), keyTypeName(kt),
                        hex(attribute(m, s, handles[i], CKA_ID)).c_str(),
                        attribute(m, s, handles[i], CKA_LABEL).c_str());
        }
    }
    m->C_CloseSession(s);
}

// Returns true when the slot holds a token the module recognised.
bool printSlot(const LoadedModule& m, CK_SLOT_ID slot, bool verbose)
{
    CK_SLOT_INFO si{};
    if (CK_RV rv = m->C_GetSlotInfo(slot, &si); rv != CKR_OK) {
        std::printf("slot %lu: %s\n", static_cast<unsigned long>(slot), rvName(rv).c_str());
        return false;
    }
    std::printf("slot %lu: %s\n", static_cast<unsigned long>(slot),
                fieldString(si.slotDescription, sizeof si.slotDescription).c_str());
    if (!(si.flags & CKF_TOKEN_PRESENT)) {
        std::printf("  no card\n");
        return false;
    }
    CK_TOKEN_INFO ti{};
    if (CK_RV rv = m->C_GetTokenInfo(slot, &ti); rv != CKR_OK) {
        std::printf("  card present, no token: %s%s\n", rvName(rv).c_str(),
                    rv == CKR_TOKEN_NOT_RECOGNIZED ? " (no PIV or OpenPGP application answered)" : "");
        return false;
    }
    std::printf("  token: %s\n", fieldString(ti.label, sizeof ti.label).c_str());
    std::printf("  application: %s\n", application(ti));
    // One slot per reader holds one token: a card with several applications
    // serves the one the configuration names (README, "Cards with several
    // applications"); the others are listed so the user knows they exist.
    const auto apps = cardApplications(fieldString(si.slotDescription, sizeof si.slotDescription), application(ti));
    std::string list;
    for (const auto& a : apps)
        list += (list.empty() ? "" : ", ") + a;
    if (apps.size() > 1)
        std::printf("  card applications: %s (serving %s; `application` in tessera.conf chooses)\n", list.c_str(),
                    application(ti));
    else if (!apps.empty())
        std::printf("  card applications: %s\n", list.c_str());
    std::printf("  card: %s %s, serial %s\n", fieldString(ti.manufacturerID, sizeof ti.manufacturerID).c_str(),
                fieldString(ti.model, sizeof ti.model).c_str(),
                fieldString(ti.serialNumber, sizeof ti.serialNumber).c_str());
    std::printf("  user PIN: %s%s\n",
                pinState(ti.flags, CKF_USER_PIN_LOCKED, CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_COUNT_LOW).c_str(),
                ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH ? ", entered at the reader's PIN pad" : "");
    if (ti.flags & (CKF_SO_PIN_LOCKED | CKF_SO_PIN_FINAL_TRY | CKF_SO_PIN_COUNT_LOW) || verbose)
        std::printf("  SO PIN: %s\n",
                    pinState(ti.flags, CKF_SO_PIN_LOCKED, CKF_SO_PIN_FINAL_TRY, CKF_SO_PIN_COUNT_LOW).c_str());
    printObjects(m, slot);
    return true;
}

} // namespace

int runStatus(const LoadedModule& m, bool verbose)
{
    CK_INFO info{};
    if (m->C_GetInfo(&info) == CKR_OK)
        std::printf("module: %s (%s %s %u.%u, Cryptoki %u.%u)\n", m.path().c_str(),
                    fieldString(info.manufacturerID, sizeof info.manufacturerID).c_str(),
                    fieldString(info.libraryDescription, sizeof info.libraryDescription).c_str(),
                    info.libraryVersion.major, info.libraryVersion.minor, info.cryptokiVersion.major,
                    info.cryptokiVersion.minor);
    CK_RV rv = CKR_OK;
    const auto slots = m.slots(false, rv);
    if (rv != CKR_OK) {
        std::printf("C_GetSlotList failed: %s\n", rvName(rv).c_str());
        return exitFailure;
    }
    if (slots.empty()) std::printf("no readers (is a reader plugged in, and pcscd running?)\n");
    int tokens = 0;
    for (CK_SLOT_ID slot : slots)
        tokens += printSlot(m, slot, verbose) ? 1 : 0;
    return tokens > 0 ? exitOk : exitAttention;
}

} // namespace tessera::cli
