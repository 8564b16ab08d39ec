// Status words (ISO/IEC 7816-4 section 5.6, SP 800-73-4 part 2 appendix A,
// OpenPGP card 3.4 section 7.1): one table from SW to error category.
#pragma once

#include <cstdint>
#include <string>

#include "common/error.hpp"

namespace tessera::apdu {

// Short English name, e.g. "6982 security status not satisfied".
std::string describeStatus(std::uint16_t sw);
// Category for a non-9000 status word; 63Cx maps to pinIncorrect.
Errc statusErrc(std::uint16_t sw);
// Throws Error(statusErrc(sw), context + describeStatus(sw), tries) unless sw == 9000.
// For 63Cx the error carries x as retriesLeft.
void throwIfError(std::uint16_t sw, const std::string& context);

} // namespace tessera::apdu
