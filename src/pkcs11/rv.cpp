// CK_RV names and the Errc -> CK_RV table (PKCS#11 3.0 section 5.1 return values).
#include "pkcs11/rv.hpp"

namespace tessera::pkcs11 {

namespace {
struct RvNameRow {
    CK_RV rv;
    const char* name;
};
#define TESSERA_RV(x)                                                                                                  \
    {                                                                                                                  \
        x, #x                                                                                                          \
    }
constexpr RvNameRow kRvNames[] = {
    TESSERA_RV(CKR_OK),
    TESSERA_RV(CKR_CANCEL),
    TESSERA_RV(CKR_HOST_MEMORY),
    TESSERA_RV(CKR_SLOT_ID_INVALID),
    TESSERA_RV(CKR_GENERAL_ERROR),
    TESSERA_RV(CKR_FUNCTION_FAILED),
    TESSERA_RV(CKR_ARGUMENTS_BAD),
    TESSERA_RV(CKR_NO_EVENT),
    TESSERA_RV(CKR_NEED_TO_CREATE_THREADS),
    TESSERA_RV(CKR_CANT_LOCK),
    TESSERA_RV(CKR_ATTRIBUTE_READ_ONLY),
    TESSERA_RV(CKR_ATTRIBUTE_SENSITIVE),
    TESSERA_RV(CKR_ATTRIBUTE_TYPE_INVALID),
    TESSERA_RV(CKR_ATTRIBUTE_VALUE_INVALID),
    TESSERA_RV(CKR_ACTION_PROHIBITED),
    TESSERA_RV(CKR_DATA_INVALID),
    TESSERA_RV(CKR_DATA_LEN_RANGE),
    TESSERA_RV(CKR_DEVICE_ERROR),
    TESSERA_RV(CKR_DEVICE_MEMORY),
    TESSERA_RV(CKR_DEVICE_REMOVED),
    TESSERA_RV(CKR_ENCRYPTED_DATA_INVALID),
    TESSERA_RV(CKR_ENCRYPTED_DATA_LEN_RANGE),
    TESSERA_RV(CKR_FUNCTION_CANCELED),
    TESSERA_RV(CKR_FUNCTION_NOT_PARALLEL),
    TESSERA_RV(CKR_FUNCTION_NOT_SUPPORTED),
    TESSERA_RV(CKR_KEY_HANDLE_INVALID),
    TESSERA_RV(CKR_KEY_SIZE_RANGE),
    TESSERA_RV(CKR_KEY_TYPE_INCONSISTENT),
    TESSERA_RV(CKR_KEY_FUNCTION_NOT_PERMITTED),
    TESSERA_RV(CKR_MECHANISM_INVALID),
    TESSERA_RV(CKR_MECHANISM_PARAM_INVALID),
    TESSERA_RV(CKR_OBJECT_HANDLE_INVALID),
    TESSERA_RV(CKR_OPERATION_ACTIVE),
    TESSERA_RV(CKR_OPERATION_NOT_INITIALIZED),
    TESSERA_RV(CKR_PIN_INCORRECT),
    TESSERA_RV(CKR_PIN_INVALID),
    TESSERA_RV(CKR_PIN_LEN_RANGE),
    TESSERA_RV(CKR_PIN_EXPIRED),
    TESSERA_RV(CKR_PIN_LOCKED),
    TESSERA_RV(CKR_SESSION_CLOSED),
    TESSERA_RV(CKR_SESSION_COUNT),
    TESSERA_RV(CKR_SESSION_HANDLE_INVALID),
    TESSERA_RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED),
    TESSERA_RV(CKR_SESSION_READ_ONLY),
    TESSERA_RV(CKR_SESSION_EXISTS),
    TESSERA_RV(CKR_SESSION_READ_ONLY_EXISTS),
    TESSERA_RV(CKR_SESSION_READ_WRITE_SO_EXISTS),
    TESSERA_RV(CKR_SIGNATURE_INVALID),
    TESSERA_RV(CKR_SIGNATURE_LEN_RANGE),
    TESSERA_RV(CKR_TEMPLATE_INCOMPLETE),
    TESSERA_RV(CKR_TEMPLATE_INCONSISTENT),
    TESSERA_RV(CKR_TOKEN_NOT_PRESENT),
    TESSERA_RV(CKR_TOKEN_NOT_RECOGNIZED),
    TESSERA_RV(CKR_TOKEN_WRITE_PROTECTED),
    TESSERA_RV(CKR_USER_ALREADY_LOGGED_IN),
    TESSERA_RV(CKR_USER_NOT_LOGGED_IN),
    TESSERA_RV(CKR_USER_PIN_NOT_INITIALIZED),
    TESSERA_RV(CKR_USER_TYPE_INVALID),
    TESSERA_RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
    TESSERA_RV(CKR_USER_TOO_MANY_TYPES),
    TESSERA_RV(CKR_RANDOM_SEED_NOT_SUPPORTED),
    TESSERA_RV(CKR_RANDOM_NO_RNG),
    TESSERA_RV(CKR_DOMAIN_PARAMS_INVALID),
    TESSERA_RV(CKR_BUFFER_TOO_SMALL),
    TESSERA_RV(CKR_SAVED_STATE_INVALID),
    TESSERA_RV(CKR_INFORMATION_SENSITIVE),
    TESSERA_RV(CKR_STATE_UNSAVEABLE),
    TESSERA_RV(CKR_CRYPTOKI_NOT_INITIALIZED),
    TESSERA_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED),
    TESSERA_RV(CKR_MUTEX_BAD),
    TESSERA_RV(CKR_MUTEX_NOT_LOCKED),
    TESSERA_RV(CKR_FUNCTION_REJECTED),
};
#undef TESSERA_RV

struct ErrcRow {
    Errc code;
    CK_RV rv;
};
// Module error category -> CK_RV, chosen from PKCS#11 3.0 section 5.1 by
// what a client should do next. CKR_DEVICE_ERROR ("some problem has occurred
// with the token and/or slot") is kept for a card that misbehaves; a
// condition that may pass (the card is busy, was reset, a wait ran out)
// becomes CKR_FUNCTION_FAILED ("the requested function could not be
// performed"), which a client may retry. The cause text itself is in the log
// line guarded() writes. Each row is unit-tested (tests/unit/module/rv_test.cpp).
constexpr ErrcRow kErrcToRv[] = {
    {Errc::general, CKR_GENERAL_ERROR},
    {Errc::hostMemory, CKR_HOST_MEMORY},
    {Errc::argumentsBad, CKR_ARGUMENTS_BAD},
    {Errc::dataInvalid, CKR_DATA_INVALID},
    {Errc::dataLenRange, CKR_DATA_LEN_RANGE},
    {Errc::bufferTooSmall, CKR_BUFFER_TOO_SMALL},
    {Errc::unsupported, CKR_FUNCTION_NOT_SUPPORTED},
    {Errc::malformedResponse, CKR_DEVICE_ERROR}, // the card answered bytes we cannot parse: it misbehaves
    {Errc::deviceError, CKR_DEVICE_ERROR},       // an unexpected status word (6F00, 64xx, 65xx ...)
    {Errc::deviceRemoved, CKR_DEVICE_REMOVED},
    {Errc::tokenNotPresent, CKR_TOKEN_NOT_PRESENT},
    {Errc::tokenNotRecognized, CKR_TOKEN_NOT_RECOGNIZED},
    // Reset by another application twice in a row (slot.hpp retries once):
    // the token is fine, the call may simply be repeated.
    {Errc::cardReset, CKR_FUNCTION_FAILED},
    // pcscd unreachable: the spec has no code for the reader stack; the
    // slot is still listed and comes back when pcscd does (tests/events
    // pcscd_restart accepts exactly this), so not CKR_DEVICE_REMOVED.
    {Errc::noService, CKR_DEVICE_ERROR},
    // Another application holds the card exclusively: retry later.
    {Errc::sharingViolation, CKR_FUNCTION_FAILED},
    // A bounded wait ran out (transaction, reader): retry later.
    {Errc::timeout, CKR_FUNCTION_FAILED},
    {Errc::cancelled, CKR_FUNCTION_CANCELED},
    {Errc::pinIncorrect, CKR_PIN_INCORRECT},
    {Errc::pinLocked, CKR_PIN_LOCKED},
    {Errc::pinLenRange, CKR_PIN_LEN_RANGE},
    {Errc::securityStatus, CKR_USER_NOT_LOGGED_IN},  // 6982: the card wants a (fresh) PIN
    {Errc::authenticationFailed, CKR_PIN_INCORRECT}, // 6300: the secret given was wrong
    // 6A82 / 6A88: the object or key the token model names is not on the card
    // (changed by another application): the function cannot be performed on
    // it; the card is not broken.
    {Errc::notFound, CKR_FUNCTION_FAILED},
    {Errc::conditionsNotSatisfied, CKR_FUNCTION_FAILED}, // 6985: the card's conditions of use refuse it
    // 6A80 / 6A86 / 6B00: the card refuses the command's data or parameters
    // (e.g. an algorithm or key reference it does not take): this function
    // cannot be performed with this key; nothing is wrong with the device.
    {Errc::wrongParameters, CKR_FUNCTION_FAILED},
    {Errc::insNotSupported, CKR_FUNCTION_NOT_SUPPORTED}, // 6D00 / 6E00: the card lacks the command
};
} // namespace

const char* rvName(CK_RV rv) noexcept
{
    for (const auto& row : kRvNames)
        if (row.rv == rv) return row.name;
    return "CKR_VENDOR_OR_UNKNOWN";
}

CK_RV rvFor(Errc code) noexcept
{
    for (const auto& row : kErrcToRv)
        if (row.code == code) return row.rv;
    return CKR_GENERAL_ERROR;
}

} // namespace tessera::pkcs11
