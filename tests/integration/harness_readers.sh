#!/usr/bin/env bash
# Inside scripts/with-virtual-cards: the environment is exported, the private
# pcscd answers on PCSCLITE_CSOCK_NAME, the readers are there with the cards
# inserted (ATR visible, the PIV and OpenPGP applications answer SELECT).
# EXPECT_READER: the FRIENDLYNAME the readers must start with;
# EXPECT_OPENPGP=none: no OpenPGP card expected.
. "$(dirname "$0")/harness_lib.sh"

: "${TESSERA_SANDBOX:?not in a sandbox}"
[ -d "$TESSERA_SANDBOX" ] || fail "TESSERA_SANDBOX=$TESSERA_SANDBOX is no directory"
[ "$PCSCLITE_CSOCK_NAME" = "$TESSERA_SANDBOX/pcscd.comm" ] || fail "PCSCLITE_CSOCK_NAME=$PCSCLITE_CSOCK_NAME"
[ -S "$PCSCLITE_CSOCK_NAME" ] || fail "no socket at $PCSCLITE_CSOCK_NAME"
[ ${#PCSCLITE_CSOCK_NAME} -lt 107 ] || fail "socket path too long for sun_path: $PCSCLITE_CSOCK_NAME"
case $TESSERA_MODULE in
    /*/src/pkcs11/tessera-pkcs11.so) ;;
    *) fail "TESSERA_MODULE=$TESSERA_MODULE" ;;
esac
[ -x "$TESSERA_VCARD" ] || fail "TESSERA_VCARD=$TESSERA_VCARD"
ok "environment"

"$PY" - <<'PY' || fail "PC/SC checks"
import os, sys
from smartcard.scard import *

def check(hr, what):
    if hr != SCARD_S_SUCCESS:
        sys.exit("%s: %s" % (what, SCardGetErrorMessage(hr)))

expect = os.environ.get("EXPECT_READER", "Tessera Virtual Reader")
piv = os.environ["TESSERA_PIV_READER"]
pgp = os.environ.get("TESSERA_OPENPGP_READER")
want_pgp = os.environ.get("EXPECT_OPENPGP", "") != "none"

hr, ctx = SCardEstablishContext(SCARD_SCOPE_USER); check(hr, "establish")
hr, readers = SCardListReaders(ctx, []); check(hr, "list readers")
print("readers:", readers)
assert readers == [expect + " 00 00", expect + " 00 01"], readers
assert piv == expect + " 00 00", piv
if want_pgp:
    # the OpenPGP card is optional until tessera-vcard implements it
    if pgp is None:
        print("note: no OpenPGP card in this sandbox")
    else:
        assert pgp == expect + " 00 01", pgp
else:
    assert pgp is None, pgp

hr, states = SCardGetStatusChange(ctx, 0, [(r, SCARD_STATE_UNAWARE) for r in readers])
check(hr, "status")
for name, state, atr in states:
    print("%s: 0x%08x %s" % (name, state, bytes(atr).hex()))
    if name in (piv, pgp):
        assert state & SCARD_STATE_PRESENT and atr, (name, hex(state))
    else:
        assert state & SCARD_STATE_EMPTY, (name, hex(state))

def select(reader, aid):
    hr, h, proto = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
    check(hr, "connect " + reader)
    apdu = [0x00, 0xA4, 0x04, 0x00, len(aid)] + aid + [0x00]
    hr, resp = SCardTransmit(h, proto, apdu)
    check(hr, "transmit")
    SCardDisconnect(h, SCARD_LEAVE_CARD)
    sw = resp[-2:]
    assert sw == [0x90, 0x00] or sw[0] == 0x61, "SELECT on %s: %s" % (reader, bytes(resp).hex())

select(piv, [0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00])
if pgp:
    select(pgp, [0xD2, 0x76, 0x00, 0x01, 0x24, 0x01])
SCardReleaseContext(ctx)
PY
ok "readers and cards"
