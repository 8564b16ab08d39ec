// Names of the error categories, for log lines and messages.
#include "common/error.hpp"

namespace tessera {

const char* errcName(Errc e) noexcept
{
    switch (e) {
    case Errc::general: return "general";
    case Errc::hostMemory: return "hostMemory";
    case Errc::argumentsBad: return "argumentsBad";
    case Errc::dataInvalid: return "dataInvalid";
    case Errc::dataLenRange: return "dataLenRange";
    case Errc::bufferTooSmall: return "bufferTooSmall";
    case Errc::unsupported: return "unsupported";
    case Errc::malformedResponse: return "malformedResponse";
    case Errc::deviceError: return "deviceError";
    case Errc::deviceRemoved: return "deviceRemoved";
    case Errc::tokenNotPresent: return "tokenNotPresent";
    case Errc::tokenNotRecognized: return "tokenNotRecognized";
    case Errc::cardReset: return "cardReset";
    case Errc::noService: return "noService";
    case Errc::sharingViolation: return "sharingViolation";
    case Errc::timeout: return "timeout";
    case Errc::cancelled: return "cancelled";
    case Errc::pinIncorrect: return "pinIncorrect";
    case Errc::pinLocked: return "pinLocked";
    case Errc::pinLenRange: return "pinLenRange";
    case Errc::securityStatus: return "securityStatus";
    case Errc::authenticationFailed: return "authenticationFailed";
    case Errc::notFound: return "notFound";
    case Errc::conditionsNotSatisfied: return "conditionsNotSatisfied";
    case Errc::wrongParameters: return "wrongParameters";
    case Errc::insNotSupported: return "insNotSupported";
    }
    return "unknown";
}

} // namespace tessera
