#!/usr/bin/env bash
# Acceptance (issue 8): APDU economy on the YubiKey-profile PIV card in fresh
# processes, counted from the module's own debug log ("(N APDUs)" per call).
# Upper bounds per scenario, so that a regression fails:
#   -L          4  SELECT, GET VERSION, GET SERIAL, empty VERIFY (was 23)
#   -O         14  the 4 of -L; SELECT; per primary slot GET DATA of the
#                  certificate and GET METADATA, each one extended-length
#                  answer; GET DATA of the key history object (was 24)
#   login+sign 22  the 4; C_Login: SELECT, VERIFY, VERIFY P1=FF, the status
#                  query that confirms the reset once per process; the 10 of
#                  the object read; C_Sign: SELECT, VERIFY, one GENERAL
#                  AUTHENTICATE (extended Lc/Le), VERIFY P1=FF (was 34)
#   per signature in one session: 4 (was 6.3: chaining and GET RESPONSE)
# with the token info still exact and every key still listed.
# Runs inside scripts/with-virtual-cards.
# sandbox-args: --openpgp=none
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
# shellcheck source=economy_lib.bash
. "$(dirname "$(readlink -f "$0")")/economy_lib.bash"
require pkcs11-tool "$PY"

run_counted list -L
n=$(cat "$work/list.n")
check "-L counted some APDUs (the log works)" test "$n" -gt 0
check "-L uses at most 4 APDUs (was 23)" test "$n" -le 4
check "-L shows the serial" grep -q 'serial num *: [0-9]' "$work/list.out"
check "-L shows the label with the serial" grep -q 'token label *: YubiKey PIV #[0-9]' "$work/list.out"
check "-L shows the PIN flags" grep -q 'PIN initialized' "$work/list.out"

run_counted objects -O
check "-O uses at most 14 APDUs (was 24)" test "$(cat "$work/objects.n")" -le 14
check "-O still lists the certificates" grep -q 'Certificate Object' "$work/objects.out"
check "-O lists four certificates" test "$(grep -c 'Certificate Object' "$work/objects.out")" -eq 4
check "-O lists four public keys" test "$(grep -c 'Public Key Object' "$work/objects.out")" -eq 4
# before login only the key that needs no PIN (9E) is visible: the others are CKA_PRIVATE
check "-O lists the one public private key (9E)" test "$(grep -c 'Private Key Object' "$work/objects.out")" -eq 1

echo "economy" >"$work/data"
run_counted sign --login --pin "$PIN" --sign --id 01 -m SHA256-RSA-PKCS -i "$work/data" -o "$work/sig"
check "login + one signature uses at most 22 APDUs (was 34)" test "$(cat "$work/sign.n")" -le 22
check "the signature is a 2048-bit RSA block" test "$(stat -c %s "$work/sig")" -eq 256

sign_loop 01 20
check "a signature in a session loop costs at most 4 APDUs (was 6.3)" test "$(cat "$work/loop.n")" -le 80
finish
