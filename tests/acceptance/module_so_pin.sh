#!/usr/bin/env bash
# CKU_SO is the OpenPGP card's PW3: C_Login(CKU_SO) verifies it, C_InitPIN
# sets a new user PIN with it (RESET RETRY COUNTER after VERIFY PW3), and the
# user then logs in with the new PIN; C_SetPIN in an SO session changes PW3.
# On PIV, CKU_SO takes the PUK or the management key (module_piv_pins.sh,
# module_piv_keygen.sh); a credential of neither form is CKR_PIN_LEN_RANGE.
# sandbox-args: --openpgp=v34
set -euo pipefail
command -v pkcs11-tool >/dev/null || { echo "pkcs11-tool missing" >&2; exit 1; }
M="$TESSERA_MODULE"
slot_of() { # reader name -> slot id
    pkcs11-tool --module "$M" -L | awk -v r="$1" '/^Slot /{id=$2; sub(/^/, "", id)} index($0, r){print id; exit}'
}
pgp=$(slot_of "$TESSERA_OPENPGP_READER")
piv=$(slot_of "$TESSERA_PIV_READER")
echo "OpenPGP slot $pgp, PIV slot $piv"

echo "-- wrong SO PIN is refused"
if pkcs11-tool --module "$M" --slot "$pgp" --login --login-type so --so-pin 00000000 --init-pin --new-pin 654321 2>/tmp/so.err; then
    echo "FAIL: wrong SO PIN accepted" >&2; exit 1
fi
grep -q CKR_PIN_INCORRECT /tmp/so.err

echo "-- SO sets a new user PIN"
pkcs11-tool --module "$M" --slot "$pgp" --login --login-type so --so-pin 12345678 --init-pin --new-pin 654321
pkcs11-tool --module "$M" --slot "$pgp" --login --pin 654321 -O >/dev/null
if pkcs11-tool --module "$M" --slot "$pgp" --login --pin 123456 -O >/dev/null 2>&1; then
    echo "FAIL: old user PIN still works" >&2; exit 1
fi

echo "-- SO changes its own PIN and back"
pkcs11-tool --module "$M" --slot "$pgp" --login --login-type so --so-pin 12345678 --change-pin --new-pin 87654321
pkcs11-tool --module "$M" --slot "$pgp" --login --login-type so --so-pin 87654321 --change-pin --new-pin 12345678

echo "-- PIV: the SO is the PUK or the management key (module_piv_pins.sh); anything else is refused"
if pkcs11-tool --module "$M" --slot "$piv" --login --login-type so --so-pin 1234567890 --init-pin --new-pin 123456 2>/tmp/so.err; then
    echo "FAIL: a 10-character SO credential accepted on PIV" >&2; exit 1
fi
grep -q CKR_PIN_LEN_RANGE /tmp/so.err
echo "module_so_pin: OK"
