#!/usr/bin/env bash
# Inside a sandbox: scripts/vcard-ctl add-reader/remove-reader change the
# reader set (pcscd restarts with the new reader.conf; every entry has its own
# copy of the vpcd driver), the cards come back by themselves, and a card can
# be moved into an added reader.
. "$(dirname "$0")/harness_lib.sh"
export VCTL

"$PY" - <<'PY' || fail "reader events"
import os, subprocess, sys, time
from smartcard.scard import *

vctl = os.environ["VCTL"]
base = "Tessera Virtual Reader"
has_pgp = "TESSERA_OPENPGP_READER" in os.environ

def ctl(*args):
    t = time.monotonic()
    subprocess.run([vctl, *args], check=True)
    print("vcard-ctl %s: %.2f s" % (" ".join(args), time.monotonic() - t))

def readers():
    # a new context each time: a pcscd restart kills the old one
    hr, ctx = SCardEstablishContext(SCARD_SCOPE_USER)
    assert hr == SCARD_S_SUCCESS, SCardGetErrorMessage(hr)
    hr, names = SCardListReaders(ctx, [])
    if hr == SCARD_E_NO_READERS_AVAILABLE:
        names = []
    hr, st = SCardGetStatusChange(ctx, 0, [(n, SCARD_STATE_UNAWARE) for n in names]) if names else (0, [])
    SCardReleaseContext(ctx)
    return {n: bool(s & SCARD_STATE_PRESENT) for n, s, _ in st}

r = readers()
assert list(r) == [base + " 00 00", base + " 00 01"], r
assert r[base + " 00 00"]

ctl("add-reader", "Extra One")
ctl("add-reader", "Extra Two")
r = readers()
print(r)
assert sorted(r) == sorted([base + " 00 00", base + " 00 01", "Extra One 00 00",
                            "Extra One 00 01", "Extra Two 00 00", "Extra Two 00 01"]), r
assert r[base + " 00 00"], "the PIV card did not come back after the restart"
if has_pgp:
    assert r[base + " 00 01"], "the OpenPGP card did not come back after the restart"
assert not r["Extra One 00 00"] and not r["Extra Two 00 00"]

# move the PIV card into the second added reader (its own driver copy)
ctl("remove", "piv")
ctl("insert", "piv", "Extra Two")
r = readers()
assert r["Extra Two 00 00"] and not r[base + " 00 00"] and not r["Extra One 00 00"], r

ctl("remove-reader", "Extra One")
r = readers()
assert "Extra One 00 00" not in r and r["Extra Two 00 00"], r

# removing a reader removes its card; it cannot come back there
ctl("remove-reader", "Extra Two")
r = readers()
assert sorted(r) == [base + " 00 00", base + " 00 01"], r
res = subprocess.run([vctl, "insert", "piv"], stderr=subprocess.DEVNULL)
assert res.returncode != 0, "inserted into a removed reader"
ctl("insert", "piv", base)
r = readers()
assert r[base + " 00 00"], r
for bad in (("add-reader", base), ("remove-reader", "No Such Reader"), ("add-reader", 'bad"name')):
    res = subprocess.run([vctl, *bad], stderr=subprocess.DEVNULL)
    assert res.returncode != 0, bad
PY
ok "add-reader, remove-reader, moving a card"
