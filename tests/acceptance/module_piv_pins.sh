#!/usr/bin/env bash
# Issue 9, PIV PINs through PKCS#11 as pkcs11-tool drives them (README: "PIV
# credentials"): --change-pin (a user login, then C_SetPIN) changes the PIN; a PIN
# blocked by three wrong tries is unblocked by --unlock-pin --puk (C_SetPIN
# with the PUK as the old PIN, no login: the card says the PIN is blocked);
# CKU_SO with the PUK: --init-pin (C_InitPIN = RESET RETRY COUNTER) and
# --change-pin (C_SetPIN = the PUK); CKU_SO with the management key:
# --change-pin sets a new management key (YubiKey SET MANAGEMENT KEY); and
# ykcs11's "puk:"/"pin:" C_SetPIN forms.
# yubico-piv-tool checks what the card ends up with.
# sandbox-args: --piv=yubikey --openpgp=none
# sandbox-timeout: 300
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/acceptance/ride/lib.sh
. "$here/ride/lib.sh"
require pkcs11-tool yubico-piv-tool
PUK=12345678
KEY=010203040506070801020304050607080102030405060708
NEW_KEY=0807060504030201080706050403020108070605040302FF
slot=$(slot_for_module "$TESSERA_MODULE") || die "no PIV slot"
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }
login_ok() { p11 --login --pin "$1" -O >/dev/null 2>&1; }
# expect_rv RV DESCRIPTION COMMAND... : COMMAND fails with RV

echo "-- --change-pin (public session)"
check "change PIN 123456 -> 654321" p11 --change-pin --pin 123456 --new-pin 654321
check "login with the new PIN" login_ok 654321
expect_rv CKR_PIN_INCORRECT "login with the old PIN" p11 --login --pin 123456 -O

echo "-- block the PIN, unblock it with the PUK"
for n in 1 2; do expect_rv CKR_PIN_INCORRECT "wrong PIN $n" p11 --login --pin 000000 -O; done
# The third wrong PIN leaves 0 tries (63C0): CKR_PIN_INCORRECT or CKR_PIN_LOCKED.
expect_rv 'CKR_PIN_\(INCORRECT\|LOCKED\)' "wrong PIN 3" p11 --login --pin 000000 -O
check "token flags say the PIN is locked" sh -c "pkcs11-tool --module '$TESSERA_MODULE' -T | grep -q 'user PIN locked'"
expect_rv CKR_PIN_LOCKED "the right PIN on a blocked card" p11 --login --pin 654321 -O
expect_rv CKR_PIN_INCORRECT "--unlock-pin with a wrong PUK" p11 --unlock-pin --puk 87654321 --new-pin 112233
check "--unlock-pin with the PUK" p11 --unlock-pin --puk "$PUK" --new-pin 112233
check "login with the unblocked PIN" login_ok 112233
check "yubico-piv-tool verifies it too" yubico-piv-tool -r "${TESSERA_PIV_READER:-}" -a verify-pin -P 112233

echo "-- CKU_SO with the PUK"
expect_rv CKR_PIN_INCORRECT "SO login with a wrong PUK" p11 --login --login-type so --so-pin 87654321 --init-pin --new-pin 223344
check "--init-pin with the PUK as SO" p11 --login --login-type so --so-pin "$PUK" --init-pin --new-pin 223344
check "login with the initialised PIN" login_ok 223344
check "--change-pin as SO changes the PUK" p11 --login --login-type so --so-pin "$PUK" --change-pin --new-pin 87654321
# (an SO login needs a read/write session: --init-pin opens one, -O does not)
expect_rv CKR_PIN_INCORRECT "SO login with the old PUK" p11 --login --login-type so --so-pin "$PUK" --init-pin --new-pin 223344
check "the PUK back" p11 --login --login-type so --so-pin 87654321 --change-pin --new-pin "$PUK"
check "the PIN back" p11 --change-pin --pin 223344 --new-pin 123456

echo "-- ykcs11's forms: old PIN \"puk:PUK\" changes the PUK; with new \"pin:NEW\" unblocks"
# setpin OLD NEW [USER_PIN] : C_SetPIN through PyKCS11 in a R/W session, after
# a user login when USER_PIN is given (pkcs11-tool would log in with OLD)
setpin() {
    "$PY" - "$TESSERA_MODULE" "$slot" "$@" <<'PYEOF'
import sys, PyKCS11
from PyKCS11.LowLevel import CKF_RW_SESSION, CKF_SERIAL_SESSION, CKU_USER
lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
s = lib.openSession(int(sys.argv[2], 16), CKF_SERIAL_SESSION | CKF_RW_SESSION)
if len(sys.argv) > 5:
    s.login(sys.argv[5], CKU_USER)
s.setPin(sys.argv[3], sys.argv[4])
PYEOF
}
check "C_SetPIN(puk:PUK, NEW) in a user session changes the PUK" setpin "puk:$PUK" 11112222 123456
check "the new PUK works as SO" p11 --login --login-type so --so-pin 11112222 --init-pin --new-pin 445566
check "C_SetPIN(puk:PUK, pin:NEW) unblocks and sets the PIN" setpin "puk:11112222" "pin:123456"
check "login with that PIN" login_ok 123456
check "the PUK back" setpin "puk:11112222" "$PUK"

echo "-- CKU_SO with the management key changes the management key"
check "--change-pin as SO (management key)" p11 --login --login-type so --so-pin "$KEY" --change-pin --new-pin "$NEW_KEY"
expect_rv CKR_PIN_INCORRECT "the old management key" p11 --login --login-type so --so-pin "$KEY" --init-pin --new-pin 223344
check "yubico-piv-tool authenticates with the new key" yubico-piv-tool -r "${TESSERA_PIV_READER:-}" --key="$NEW_KEY" -a delete-certificate -s 9e
check "the management key back" p11 --login --login-type so --so-pin "$NEW_KEY" --change-pin --new-pin "$KEY"
# The management key logs in, but only the PUK unblocks a PIN.
expect_rv CKR_FUNCTION_NOT_SUPPORTED "C_InitPIN as the management key" p11 --login --login-type so --so-pin "$KEY" --init-pin --new-pin 223344
check "the PIN is still 123456" login_ok 123456
finish
