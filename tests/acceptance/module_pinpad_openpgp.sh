#!/usr/bin/env bash
# Issue 10, PIN-pad readers (README "PIN-pad readers"), OpenPGP: on the
# --pinpad sandbox the OpenPGP token announces CKF_PROTECTED_AUTHENTICATION_PATH;
# the keypad VERIFY (ASCII, variable length: the reader sets Lc) logs in and
# the authentication key (PW1 82) signs with one more keypad entry; the
# signature key (PW1 valid for one signature: CKA_ALWAYS_AUTHENTICATE) signs
# after pkcs11-tool's context-specific login, whose consent is that
# operation's own keypad entry (one entry, not two); cancel and timeout give
# CKR_FUNCTION_CANCELED and leave PW1's counter alone; the PIN changes
# through MODIFY_PIN_DIRECT; OpenSC's OpenPGP driver logs in on the keypad.
# sandbox-args: --pinpad --piv=none
# sandbox-timeout: 240
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/acceptance/lib/openpgp.sh
. "$here/lib/openpgp.sh"
TESSERA_ROOT_DIR=$(cd "$here/../.." && pwd)
PINPAD_KIND=openpgp
PINPAD_READER=$TESSERA_OPENPGP_READER
# shellcheck source=tests/acceptance/lib/pinpad.bash
. "$here/lib/pinpad.bash"
require pkcs11-tool openssl
slot=$(openpgp_slot) || die "no slot for $TESSERA_OPENPGP_READER"
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }
echo "keypad test data" >"$work/data"

p11 -T >"$work/token" 2>&1 || true
check "-T: PIN pad present" grep -q "PIN pad present" "$work/token"

echo "-- login and signatures through the keypad"
for id in 01 03; do
    p11 --read-object --type pubkey --id "$id" -o "$work/pub$id.der" >/dev/null 2>&1
    openssl pkey -pubin -inform DER -in "$work/pub$id.der" -out "$work/pub$id.pem"
done
keypad 123456 123456
check "authentication key 03: --login --sign without --pin" \
    p11 --login --sign -m SHA256-RSA-PKCS --id 03 -i "$work/data" -o "$work/sig"
expect_eq 0 "$(pending)" "the login and the signature each took one keypad entry"
check "the signature verifies" verify_rsa_sha256 "$work/pub03.pem"
keypad 123456 123456
check "signature key 01 (always authenticate)" \
    p11 --login --sign -m SHA256-RSA-PKCS --id 01 -i "$work/data" -o "$work/sig"
expect_eq 0 "$(pending)" "login + one entry for the signature's consent"
check "the signature verifies" verify_rsa_sha256 "$work/pub01.pem"
expect_eq 63C3 "$(pin_status)" "PW1 is left unverified, 3 tries"

echo "-- cancel and timeout"
keypad cancel
expect_rv CKR_FUNCTION_CANCELED "cancel" p11 --login -O
expect_eq 63C3 "$(pin_status)" "cancel leaves PW1's counter alone"
keypad timeout
expect_rv CKR_FUNCTION_CANCELED "timeout" p11 --login -O
expect_eq 63C3 "$(pin_status)" "timeout leaves PW1's counter alone"
keypad 12345
expect_rv CKR_PIN_LEN_RANGE "a PIN shorter than PW1's minimum (reader: 6403)" p11 --login -O
expect_eq 63C3 "$(pin_status)" "a refused length leaves the counter alone"
keypad 1234567890123
expect_rv CKR_PIN_LEN_RANGE "13 digits: above the reader's own maximum of 12 (GET_TLV_PROPERTIES)" p11 --login -O
expect_eq 63C3 "$(pin_status)" "the card never saw it"

echo "-- PIN change through MODIFY_PIN_DIRECT"
keypad 123456 65432100 65432100
check "--change-pin without PINs" p11 --change-pin
expect_eq 0 "$(pending)" "current, new and confirmation typed"
check "the new PIN, given" p11 --login --pin 65432100 -O
check "change back with given PINs" p11 --change-pin --pin 65432100 --new-pin 123456

echo "-- OpenSC on the same keypad"
keypad 123456
check "OpenSC (OpenPGP driver): --login through the keypad" \
    env OPENSC_DRIVER=openpgp pkcs11-tool --module "$OPENSC_MODULE" --token-label "OpenPGP card (User PIN)" --login -O
expect_eq 0 "$(pending)" "OpenSC took the keypad entry"
finish
