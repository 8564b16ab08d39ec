// The drivers' use of tessera_crypto on bytes a card sent (its public keys,
// its ECDSA signatures). The crypto layer calls input it cannot use
// Errc::dataInvalid, a caller's bad data; coming from a card, the same bytes
// are a malformed response (card answers are untrusted input, design.md), so
// fromCard() rethrows them as Errc::malformedResponse with the driver's
// context in front. Other errors (hostMemory, general) pass unchanged.
#pragma once

#include <string>
#include <utility>

#include "common/error.hpp"

namespace tessera::drivers {

template <typename F> auto fromCard(const char* context, F&& f) -> decltype(std::forward<F>(f)())
{
    try {
        return std::forward<F>(f)();
    } catch (const Error& e) {
        if (e.code() != Errc::dataInvalid) throw;
        fail(Errc::malformedResponse, std::string(context) + e.what());
    }
}

} // namespace tessera::drivers
