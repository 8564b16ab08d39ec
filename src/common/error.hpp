// Typed errors used inside the module. Every layer throws tessera::Error with a
// category (Errc) and a human-readable cause; the PKCS#11 layer maps Errc to
// CK_RV at exactly one place, the C ABI boundary (rvFor in src/pkcs11/rv.cpp).
#pragma once

#include <stdexcept>
#include <string>

namespace tessera {

enum class Errc {
    general,                // anything not covered below
    hostMemory,             // allocation failed
    argumentsBad,           // caller passed something unusable
    dataInvalid,            // input data unusable (wrong length for a key, bad padding)
    dataLenRange,           // input data length out of range
    bufferTooSmall,         // caller's buffer is too small
    unsupported,            // the card or module cannot do this
    malformedResponse,      // card answered with bytes we cannot parse
    deviceError,            // card answered with an unexpected status word
    deviceRemoved,          // card (or reader) went away
    tokenNotPresent,        // no card in the reader
    tokenNotRecognized,     // card present but no driver knows it
    cardReset,              // someone reset the card (SCARD_W_RESET_CARD)
    noService,              // pcscd not reachable / restarted
    sharingViolation,       // another application holds the card exclusively
    timeout,                // bounded wait expired
    cancelled,              // wait cancelled (SCardCancel, C_Finalize)
    pinIncorrect,           // 63Cx
    pinLocked,              // 6983
    pinLenRange,            // PIN length unacceptable
    securityStatus,         // 6982: security status not satisfied
    authenticationFailed,   // management key / mutual authentication failed
    notFound,               // 6A82 and friends: object or file not found
    conditionsNotSatisfied, // 6985
    wrongParameters,        // 6A80, 6A86, 6B00 ...
    insNotSupported,        // 6D00, 6E00
};

const char* errcName(Errc e) noexcept;

class Error : public std::runtime_error {
public:
    Error(Errc code, const std::string& what, int retriesLeft = -1)
        : std::runtime_error(what), code_(code), retriesLeft_(retriesLeft)
    {
    }
    Errc code() const noexcept { return code_; }
    // For pinIncorrect: tries left as reported by the card (-1 when unknown).
    int retriesLeft() const noexcept { return retriesLeft_; }

private:
    Errc code_;
    int retriesLeft_;
};

[[noreturn]] inline void fail(Errc code, const std::string& what)
{
    throw Error(code, what);
}

} // namespace tessera
