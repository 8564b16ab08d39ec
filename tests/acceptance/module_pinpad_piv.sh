#!/usr/bin/env bash
# Issue 10, PIN-pad readers (README "PIN-pad readers"), PIV: on the --pinpad
# sandbox (tools/pinpad-ifd: PC/SC part 10 VERIFY/MODIFY_PIN_DIRECT with a
# scripted keypad) the token announces CKF_PROTECTED_AUTHENTICATION_PATH
# ("PIN pad present"); pkcs11-tool --login --sign without --pin types the PIN
# on the keypad twice (the login, then the signature: the module holds no
# PIN) and the signature verifies; cancel and timeout at the keypad give
# CKR_FUNCTION_CANCELED with the card's retry counter untouched; a wrong PIN
# typed is CKR_PIN_INCORRECT and costs one try; --change-pin without PINs
# changes it through MODIFY_PIN_DIRECT (current, new, confirmation), a
# mismatched confirmation is refused by the reader (CKR_PIN_INCORRECT); a PIN
# given by the application still works without the keypad; and OpenSC's
# opensc-pkcs11.so logs in through the same keypad.
# sandbox-args: --pinpad --openpgp=none
# sandbox-timeout: 240
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/acceptance/ride/lib.sh
. "$here/ride/lib.sh"
TESSERA_ROOT_DIR=$(cd "$here/../.." && pwd)
PINPAD_KIND=piv
PINPAD_READER=$TESSERA_PIV_READER
# shellcheck source=tests/acceptance/lib/pinpad.bash
. "$here/lib/pinpad.bash"
require pkcs11-tool openssl
slot=$(slot_for_module "$TESSERA_MODULE") || die "no PIV slot"
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }
echo "keypad test data" >"$work/data"

echo "-- the flag"
p11 -T >"$work/token" 2>&1 || true
check "-T: PIN pad present" grep -q "PIN pad present" "$work/token"

echo "-- login and signature through the keypad"
p11 --read-object --type pubkey --id 01 -o "$work/pub.der" >/dev/null 2>&1
openssl pkey -pubin -inform DER -in "$work/pub.der" -out "$work/pub.pem"
keypad 123456 123456
check "--login --sign without --pin" p11 --login --sign -m SHA256-RSA-PKCS --id 01 -i "$work/data" -o "$work/sig"
expect_eq 0 "$(pending)" "the login and the signature each took one keypad entry"
check "the signature verifies" verify_rsa_sha256 "$work/pub.pem"
expect_eq 63C3 "$(pin_status)" "the card is left unverified, 3 tries"

echo "-- cancel and timeout at the keypad"
keypad cancel
TESSERA_DEBUG=1 TESSERA_LOG_FILE=$work/cancel.log expect_rv CKR_FUNCTION_CANCELED "cancel" p11 --login -O
check "the log says what happened at the reader" grep -q "the user pressed Cancel (6401)" "$work/cancel.log"
expect_eq 63C3 "$(pin_status)" "cancel leaves the retry counter alone"
keypad timeout
TESSERA_DEBUG=1 TESSERA_LOG_FILE=$work/timeout.log expect_rv CKR_FUNCTION_CANCELED "timeout" p11 --login -O
check "the log says the reader timed out" grep -q "timeout, nobody typed a PIN (6400)" "$work/timeout.log"
expect_eq 63C3 "$(pin_status)" "timeout leaves the retry counter alone"
# pkcs11-tool tries C_Sign, then C_SignInit/Update/Final again: two cancels
keypad 123456 cancel cancel
expect_rv CKR_FUNCTION_CANCELED "cancel at the signature after a keypad login" \
    p11 --login --sign -m SHA256-RSA-PKCS --id 01 -i "$work/data" -o "$work/sig"
expect_eq 63C3 "$(pin_status)" "a cancelled signature leaves the counter alone too"
expect_eq 0 "$(pending)" "each attempt asked the keypad"
keypad 1234567890
expect_rv CKR_PIN_LEN_RANGE "a PIN too long for the PIV block (reader: 6403)" p11 --login -O

echo "-- a wrong PIN typed"
keypad 999999
expect_rv CKR_PIN_INCORRECT "wrong PIN on the keypad" p11 --login -O
expect_eq 63C2 "$(pin_status)" "the wrong PIN cost one try"
keypad 123456
check "the right PIN on the keypad" p11 --login -O
expect_eq 63C3 "$(pin_status)" "the counter is back to 3"

echo "-- PIN change through MODIFY_PIN_DIRECT"
keypad 123456 654321 654322
expect_rv CKR_PIN_INCORRECT "confirmation differs (reader: 6402)" p11 --change-pin
keypad --clear
keypad 123456 654321 654321
check "--change-pin without PINs" p11 --change-pin
expect_eq 0 "$(pending)" "current, new and confirmation typed"
check "a given PIN still works: the new one" p11 --login --pin 654321 -O
expect_rv CKR_PIN_INCORRECT "the old PIN is gone" p11 --login --pin 123456 -O
check "change back with given PINs" p11 --change-pin --pin 654321 --new-pin 123456
expect_eq 0 "$(pending)" "given PINs never touch the keypad"

echo "-- OpenSC on the same keypad"
keypad 123456
check "OpenSC: --login through the keypad" \
    pkcs11-tool --module "$OPENSC_MODULE" --slot-index 0 --login -O
expect_eq 0 "$(pending)" "OpenSC took the keypad entry"
finish
