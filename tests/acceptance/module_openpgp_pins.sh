#!/usr/bin/env bash
# Issue 9, OpenPGP PINs through PKCS#11 as pkcs11-tool drives them (README:
# "OpenPGP key and PIN management"): --change-pin without a login changes PW1
# (CHANGE REFERENCE DATA 81), PW1 blocked by three wrong tries is shown in the
# token flags and refused, a wrong PW3 for --init-pin is CKR_PIN_INCORRECT
# and changes nothing (PW1 stays blocked, the SO flags show the used try),
# --init-pin as SO (PW3) sets a new PW1 (RESET RETRY COUNTER P1 02) that
# logs in, --change-pin in an SO session changes PW3, or with the new PIN
# "rc:CODE" sets the resetting code (PUT DATA D3), which then unblocks PW1
# through --unlock-pin --puk CODE (RESET RETRY COUNTER P1 00). The virtual card's
# state file shows what the card ends up with, and gpg --card-status reads
# the same counters. After each unblock the new PIN logs in and key 03 signs
# (verified with OpenSSL). An SO C_SetPIN whose old PIN is not the SO login's
# is CKR_PIN_INCORRECT and costs PW3 no try.
# sandbox-args: --piv=none --openpgp=v34
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=lib/openpgp.sh
. "$(dirname "$(readlink -f "$0")")/lib/openpgp.sh"
# shellcheck source=lib/gpg_env.sh
. "$LIB_DIR/gpg_env.sh"
require pkcs11-tool openssl gpg gpgconf "$PY"
require_python_modules PyKCS11
slot=$(openpgp_slot) || die "no slot for $TESSERA_OPENPGP_READER"
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }
login_ok() { p11 --login --pin "$1" -O >/dev/null 2>&1; }
pw_tries() { awk -v k="$1" '$1 == k { print $3; exit }' "$OPENPGP_STATE"; } # "pw1 HEX TRIES MAX"
flags() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" -T 2>&1; }
printf 'signed after a PIN change\n' >"$work/data"
spki_of 03 "$work/pub03.der" || die "no public key 03"
signs_with() { # PIN : key 03 signs with PIN (a fresh login), and OpenSSL verifies it
    rm -f "$work/sig"
    p11 --login --pin "$1" --sign --id 03 -m SHA256-RSA-PKCS --input-file "$work/data" \
        --output-file "$work/sig" >"$work/sign.out" 2>&1 &&
        openssl dgst -sha256 -keyform DER -verify "$work/pub03.der" -signature "$work/sig" "$work/data" >/dev/null
}
gpg_counters() { # the "PIN retry counter" line of gpg --card-status (PW1 RC PW3); scdaemon let go after
    gpg --card-status 2>/dev/null | awk -F': ' '/^PIN retry counter/ { print $2 }'
    gpg_kill
}
so_setpin() { # LOGIN-PW3 OLD NEW : C_SetPIN(OLD, NEW) in an SO session (PyKCS11)
    "$PY" - "$TESSERA_MODULE" "$slot" "$@" <<'PYEOF'
import sys, PyKCS11
from PyKCS11.LowLevel import CKF_RW_SESSION, CKF_SERIAL_SESSION, CKU_SO
lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
s = lib.openSession(int(sys.argv[2], 16), CKF_SERIAL_SESSION | CKF_RW_SESSION)
s.login(sys.argv[3], CKU_SO)
s.setPin(sys.argv[4], sys.argv[5])
PYEOF
}
gpg_env_setup
on_exit gpg_kill
grep -E '^pw[13] ' "$OPENPGP_STATE" | awk '{ print "#   " $1 " tries " $3 }'

echo "-- --change-pin (no login)"
check "change PW1 123456 -> 654321" p11 --change-pin --pin 123456 --new-pin 654321
check "login with the new PIN" login_ok 654321
expect_rv CKR_PIN_INCORRECT "login with the old PIN" p11 --login --pin 123456 -O
expect_rv CKR_PIN_LEN_RANGE "a 5-character PW1 is refused" p11 --change-pin --pin 654321 --new-pin 12345

echo "-- block PW1 with three wrong tries"
for n in 1 2; do expect_rv CKR_PIN_INCORRECT "wrong PIN $n" p11 --login --pin 000000 -O; done
expect_rv 'CKR_PIN_\(INCORRECT\|LOCKED\)' "wrong PIN 3" p11 --login --pin 000000 -O
check "the card's PW1 counter is 0" test "$(pw_tries pw1)" = 0
check "token flags say the user PIN is locked" sh -c "pkcs11-tool --module '$TESSERA_MODULE' --slot $slot -T | grep -q 'user PIN locked'"
expect_rv CKR_PIN_LOCKED "the right PIN on a blocked card" p11 --login --pin 654321 -O

echo "-- a wrong PW3 changes nothing"
expect_rv CKR_PIN_INCORRECT "--init-pin with a wrong PW3" p11 --login --login-type so --so-pin 87654321 --init-pin --new-pin 223344
check "PW1 is still blocked" test "$(pw_tries pw1)" = 0
check "PW3 has 2 tries left on the card" test "$(pw_tries pw3)" = 2
check "gpg --card-status: PIN retry counter 0 0 2" test "$(gpg_counters)" = "0 0 2"
flags_have() { flags | grep -q "$1"; }
check "token flags show the SO PIN count low" flags_have 'SO PIN count low'

echo "-- --init-pin as SO (PW3) unblocks PW1"
check "--init-pin with PW3" p11 --login --login-type so --so-pin 12345678 --init-pin --new-pin 223344
check "PW3's counter is back to 3" test "$(pw_tries pw3)" = 3
check "PW1's counter is back to 3" test "$(pw_tries pw1)" = 3
check "login with the new PIN" login_ok 223344
check "key 03 signs with the new PIN" signs_with 223344
check "gpg --card-status: PIN retry counter 3 0 3" test "$(gpg_counters)" = "3 0 3"
if flags | grep -qE 'user PIN locked|SO PIN count low'; then fail "token flags still show a used PIN"; else
    pass "token flags clear"; fi

echo "-- --change-pin in an SO session changes PW3"
check "PW3 12345678 -> 87654321" p11 --login --login-type so --so-pin 12345678 --change-pin --new-pin 87654321
expect_rv CKR_PIN_INCORRECT "the old PW3" p11 --login --login-type so --so-pin 12345678 --init-pin --new-pin 123456
check "the new PW3 sets PW1 back" p11 --login --login-type so --so-pin 87654321 --init-pin --new-pin 123456
expect_rv CKR_PIN_INCORRECT "SO C_SetPIN with an old PIN other than the login's" \
    so_setpin 87654321 11111111 12345678
check "... and PW3 lost no try" test "$(pw_tries pw3)" = 3
check "PW3 back" p11 --login --login-type so --so-pin 87654321 --change-pin --new-pin 12345678
check "login with PW1 123456" login_ok 123456

echo "-- the resetting code: set by the SO (C_SetPIN(PW3, \"rc:CODE\")), then it unblocks PW1"
check "no resetting code yet (counter 0)" test "$(pw_tries rc)" = 0
expect_rv CKR_PIN_INCORRECT "rc: with another old PIN than the SO login's" \
    so_setpin 12345678 11111111 rc:RESET-ME-9
check "no resetting code after the refused call" test "$(pw_tries rc)" = 0
check "set the resetting code" p11 --login --login-type so --so-pin 12345678 --change-pin --new-pin rc:RESET-ME-9
check "the card has a resetting code (counter 3)" test "$(pw_tries rc)" = 3
check "PW3 is unchanged" p11 --login --login-type so --so-pin 12345678 --init-pin --new-pin 123456
for n in 1 2 3; do p11 --login --pin 000000 -O >/dev/null 2>&1 || true; done
check "PW1 blocked again" test "$(pw_tries pw1)" = 0
expect_rv CKR_PIN_INCORRECT "--unlock-pin with a wrong resetting code" p11 --unlock-pin --puk WRONG-CODE --new-pin 334455
check "PW1 is still blocked" test "$(pw_tries pw1)" = 0
check "--unlock-pin with the resetting code" p11 --unlock-pin --puk RESET-ME-9 --new-pin 334455
check "login with the unblocked PIN" login_ok 334455
check "key 03 signs with the unblocked PIN" signs_with 334455
check "PW1 back" p11 --change-pin --pin 334455 --new-pin 123456
finish
