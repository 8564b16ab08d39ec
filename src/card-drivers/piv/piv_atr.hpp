// What a PIV card's ATR says about the APDUs it takes: the card capabilities
// of the historical bytes (ISO/IEC 7816-4 section 8.1.1.2.7, compact-TLV tag
// 7, third software function byte: b8 command chaining, b7 extended Lc and
// Le). A YubiKey 5 announces both (73 C0 21 C0), so a certificate comes in one
// answer and an RSA-2048 GENERAL AUTHENTICATE in one exchange instead of
// chaining and GET RESPONSE. The ATR is untrusted input: a malformed one
// announces nothing.
#pragma once

#include "common/bytes.hpp"

namespace tessera::drivers::piv {

// The historical bytes of an ATR (ISO/IEC 7816-3 section 8.2: TS, T0, the
// interface bytes that the Y nibbles announce, then K historical bytes);
// empty when the ATR is shorter than it says.
ByteView atrHistoricalBytes(ByteView atr);

// True when the card capabilities in the historical bytes announce extended
// Lc and Le fields (category indicator 00 or 80, compact-TLV 7x, third byte b7).
bool atrAnnouncesExtendedLength(ByteView atr);

} // namespace tessera::drivers::piv
