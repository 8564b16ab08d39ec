#!/usr/bin/env bash
# Inside a sandbox: scripts/vcard-ctl remove/insert/reset produce what a real
# card does (references.md, measured): removal and insertion wake a blocked
# SCardGetStatusChange and bump the event counter (upper 16 bits of
# dwEventState); an old handle then gets SCARD_W_REMOVED_CARD. Another
# application's reset gives SCARD_W_RESET_CARD on our handle, no event.
# `insert --new` puts a different card (another serial) into the reader.
. "$(dirname "$0")/harness_lib.sh"
export VCTL

"$PY" - <<'PY' || fail "card events"
import os, subprocess, sys, threading, time
from smartcard.scard import *

vctl = os.environ["VCTL"]
reader = os.environ["TESSERA_PIV_READER"]

def check(hr, what):
    if hr != SCARD_S_SUCCESS:
        sys.exit("%s: %s" % (what, SCardGetErrorMessage(hr)))

def ctl(*args):
    t = time.monotonic()
    subprocess.run([vctl, *args], check=True)
    print("vcard-ctl %s: %.2f s" % (" ".join(args), time.monotonic() - t))

hr, ctx = SCardEstablishContext(SCARD_SCOPE_USER); check(hr, "establish")

def state():
    hr, st = SCardGetStatusChange(ctx, 0, [(reader, SCARD_STATE_UNAWARE)])
    check(hr, "status")
    return st[0][1], bytes(st[0][2])

def counter(s):
    return (s >> 16) & 0xFFFF

s0, atr0 = state()
assert s0 & SCARD_STATE_PRESENT, hex(s0)

hr, h, proto = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
check(hr, "connect")

# reset by another application: our handle sees it, no event
ctl("reset", "piv")
hr, *_ = SCardStatus(h)
assert hr == SCARD_W_RESET_CARD, "after reset: " + SCardGetErrorMessage(hr)
hr, proto = SCardReconnect(h, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD)
check(hr, "reconnect after reset")
s1, _ = state()
assert counter(s1) == counter(s0), (hex(s0), hex(s1))
print("reset: SCARD_W_RESET_CARD, no event")

# removal wakes a blocked waiter and bumps the counter
woken = {}
def waiter():
    hr, st = SCardGetStatusChange(ctx2, 10000, [(reader, s1)])
    woken["hr"], woken["state"] = hr, st[0][1] if st else 0
hr, ctx2 = SCardEstablishContext(SCARD_SCOPE_USER); check(hr, "establish 2")
t = threading.Thread(target=waiter); t.start()
time.sleep(0.2)
ctl("remove", "piv")
t.join(12)
assert woken.get("hr") == SCARD_S_SUCCESS, woken
assert woken["state"] & SCARD_STATE_EMPTY, hex(woken["state"])
s2, _ = state()
assert s2 & SCARD_STATE_EMPTY and counter(s2) == counter(s1) + 1, (hex(s1), hex(s2))
hr, *_ = SCardStatus(h)
assert hr == SCARD_W_REMOVED_CARD, "after removal: " + SCardGetErrorMessage(hr)
print("remove: waiter woken, counter +1, SCARD_W_REMOVED_CARD")

# insertion: present again, same ATR, counter +1; the old handle stays dead
ctl("insert", "piv")
s3, atr3 = state()
assert s3 & SCARD_STATE_PRESENT and counter(s3) == counter(s2) + 1, (hex(s2), hex(s3))
assert atr3 == atr0, (atr0.hex(), atr3.hex())
hr, *_ = SCardStatus(h)
assert hr == SCARD_W_REMOVED_CARD, "old handle after insertion: " + SCardGetErrorMessage(hr)
SCardDisconnect(h, SCARD_LEAVE_CARD)
hr, h, proto = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
check(hr, "connect after insertion")
SCardDisconnect(h, SCARD_LEAVE_CARD)
print("insert: present, counter +1, same ATR")

# a different card: --new provisions a fresh one (YubiKey GET SERIAL differs)
def serial():
    hr, h, proto = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
    check(hr, "connect")
    hr, r = SCardTransmit(h, proto, [0, 0xA4, 4, 0, 9, 0xA0, 0, 0, 3, 8, 0, 0, 0x10, 0, 0])
    check(hr, "select")
    hr, r = SCardTransmit(h, proto, [0, 0xF8, 0, 0, 0])
    check(hr, "get serial")
    SCardDisconnect(h, SCARD_LEAVE_CARD)
    assert r[-2:] == [0x90, 0], bytes(r).hex()
    return bytes(r[:-2]).hex()
s_old = serial()
ctl("remove", "piv")
ctl("insert", "piv", "--new")
s_new = serial()
assert s_old != s_new, (s_old, s_new)
print("insert --new: another card (serial %s -> %s)" % (s_old, s_new))

# misuse is an error, not a silent no-op
for args in (("insert", "piv"), ("bogus",)):
    r = subprocess.run([vctl, *args], stderr=subprocess.DEVNULL)
    assert r.returncode != 0, args
ctl("remove", "piv")
r = subprocess.run([vctl, "remove", "piv"], stderr=subprocess.DEVNULL)
assert r.returncode != 0
r = subprocess.run([vctl, "reset", "piv"], stderr=subprocess.DEVNULL)
assert r.returncode != 0
ctl("insert", "piv")

# the OpenPGP card (second reader), when this tessera-vcard has one
pgp = os.environ.get("TESSERA_OPENPGP_READER")
if pgp:
    def pstate():
        hr, st = SCardGetStatusChange(ctx, 0, [(pgp, SCARD_STATE_UNAWARE)])
        check(hr, "status")
        return st[0][1]
    p0 = pstate()
    ctl("remove", "openpgp")
    p1 = pstate()
    assert p1 & SCARD_STATE_EMPTY and counter(p1) == counter(p0) + 1, (hex(p0), hex(p1))
    assert state()[0] & SCARD_STATE_PRESENT, "the PIV card went with the OpenPGP card"
    ctl("insert", "openpgp")
    p2 = pstate()
    assert p2 & SCARD_STATE_PRESENT and counter(p2) == counter(p1) + 1, (hex(p1), hex(p2))
    ctl("reset", "openpgp")
    print("openpgp: remove, insert, reset")
else:
    print("note: no OpenPGP card in this sandbox")
PY
ok "remove, insert, reset"
