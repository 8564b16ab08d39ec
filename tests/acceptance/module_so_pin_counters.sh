#!/usr/bin/env bash
# Issue 9, "Wrong management key / PW3 / PUK: the right CKR, the retry counter
# reported in the token flags, nothing written". On each card two wrong SO
# credentials give CKR_PIN_INCORRECT and C_GetTokenInfo then shows
# CKF_SO_PIN_COUNT_LOW, then also CKF_SO_PIN_FINAL_TRY; the right one still
# logs in and clears them; the objects are the same as before. OpenPGP: PW3's
# counter (PW status bytes C4). PIV: the PUK's counter, known once a PUK login
# told it (63Cx); a wrong management key has no counter and changes no flag.
# sandbox-args: --openpgp=v34
set -euo pipefail
exec /usr/bin/python3 - <<'PY'
import os, sys, PyKCS11

lib = PyKCS11.PyKCS11Lib()
lib.load(os.environ["TESSERA_MODULE"])
failures = 0

def check(ok, what):
    global failures
    print(("ok   - " if ok else "FAIL - ") + what)
    failures += 0 if ok else 1

def slot_of(reader):
    for s in lib.getSlotList(tokenPresent=True):
        if reader in lib.getSlotInfo(s).slotDescription:
            return s
    sys.exit("no slot for reader " + reader)

NAMES = [("COUNT_LOW", PyKCS11.CKF_SO_PIN_COUNT_LOW), ("FINAL_TRY", PyKCS11.CKF_SO_PIN_FINAL_TRY),
         ("LOCKED", PyKCS11.CKF_SO_PIN_LOCKED)]

def so_flags(slot):
    f = lib.getTokenInfo(slot).flags
    return {n for n, v in NAMES if f & v}

def objects(slot):
    s = lib.openSession(slot)
    try:
        return sorted(repr(s.getAttributeValue(o, [PyKCS11.CKA_CLASS, PyKCS11.CKA_ID]))
                      for o in s.findObjects())
    finally:
        s.closeSession()

def so_login(slot, credential):
    s = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    try:
        s.login(credential, PyKCS11.CKU_SO)
        s.logout()
        return "CKR_OK"
    except PyKCS11.PyKCS11Error as e:
        return PyKCS11.CKR[e.value]
    finally:
        s.closeSession()

def counted(name, slot, wrong, right):
    before = objects(slot)
    check(so_flags(slot) == set(), f"{name}: no SO flag at first")
    rv = so_login(slot, wrong[0])
    check(rv == "CKR_PIN_INCORRECT", f"{name}: first wrong credential: {rv}")
    check(so_flags(slot) == {"COUNT_LOW"}, f"{name}: COUNT_LOW after one wrong try: {sorted(so_flags(slot))}")
    rv = so_login(slot, wrong[1])
    check(rv == "CKR_PIN_INCORRECT", f"{name}: second wrong credential: {rv}")
    check(so_flags(slot) == {"COUNT_LOW", "FINAL_TRY"},
          f"{name}: COUNT_LOW and FINAL_TRY after two: {sorted(so_flags(slot))}")
    check(objects(slot) == before, f"{name}: nothing written by the failed logins")
    rv = so_login(slot, right)
    check(rv == "CKR_OK", f"{name}: the right credential still logs in: {rv}")
    check(so_flags(slot) == set(), f"{name}: flags cleared by the right one: {sorted(so_flags(slot))}")

pgp = slot_of(os.environ["TESSERA_OPENPGP_READER"])
piv = slot_of(os.environ["TESSERA_PIV_READER"])
counted("OpenPGP PW3", pgp, ["99999999", "99999998"], "12345678")
counted("PIV PUK", piv, ["99999999", "99999998"], "12345678")
rv = so_login(piv, "0102030405060708010203040506070801020304050607ff")
check(rv == "CKR_PIN_INCORRECT", f"PIV wrong management key: {rv}")
check(so_flags(piv) == set(), f"PIV wrong management key changes no flag: {sorted(so_flags(piv))}")
rv = so_login(piv, "010203040506070801020304050607080102030405060708")
check(rv == "CKR_OK", f"PIV right management key: {rv}")
print("module_so_pin_counters: " + ("all passed" if failures == 0 else f"{failures} failure(s)"))
sys.exit(1 if failures else 0)
PY
