#!/usr/bin/env bash
# Acceptance (issue 8): APDU economy on the virtual OpenPGP 3.4 card (RSA-2048
# keys, the ATR of a ZeitControl OpenPGP 3.x card) in fresh processes, counted
# from the module's debug log. Upper bounds per scenario:
#   -L          4  SELECT (the ATR makes the registry try OpenPGP first: no
#                  PIV SELECT), GET DATA 6E (identity, PIN state, key
#                  attributes), F9 (the card offers a KDF-DO), 65 (the
#                  cardholder name for the label) (was 14)
#   -O         14  the 4 of -L; SELECT; per key GET PUBLIC KEY, SELECT DATA
#                  and GET DATA 7F21 (was 14, all of it at load)
#   login+sign 22  the 4; C_Login: SELECT, VERIFY 82, VERIFY P1=FF, the
#                  status query that confirms the reset once per process; the
#                  10 of the key read; C_Sign: SELECT, VERIFY 82, INTERNAL
#                  AUTHENTICATE, VERIFY P1=FF
#   per signature in one session: 4 (was 4.2)
# Runs inside scripts/with-virtual-cards.
# sandbox-args: --piv=none
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
# shellcheck source=economy_lib.bash
. "$(dirname "$(readlink -f "$0")")/economy_lib.bash"
require pkcs11-tool "$PY"

run_counted list -L
n=$(cat "$work/list.n")
check "-L counted some APDUs (the log works)" test "$n" -gt 0
check "-L uses at most 4 APDUs (was 14)" test "$n" -le 4
check "-L shows the token label" grep -q 'token label *: [^ ]' "$work/list.out"
check "-L shows the serial" grep -q 'serial num *: [0-9A-F]' "$work/list.out"
check "-L shows the PIN flags" grep -q 'PIN initialized' "$work/list.out"

run_counted objects -O
check "-O uses at most 14 APDUs" test "$(cat "$work/objects.n")" -le 14
# OpenPGP keys all need PW1, so they are private objects: none before login (issue 11)
check "-O lists no private key before login" test "$(grep -c 'Private Key Object' "$work/objects.out")" -eq 0
check "-O lists three public keys" test "$(grep -c 'Public Key Object' "$work/objects.out")" -eq 3

echo "economy" >"$work/data"
run_counted sign --login --pin "$PIN" --sign --id 03 -m SHA256-RSA-PKCS -i "$work/data" -o "$work/sig"
check "login + one signature uses at most 22 APDUs" test "$(cat "$work/sign.n")" -le 22
check "the signature is a 2048-bit RSA block" test "$(stat -c %s "$work/sig")" -eq 256

sign_loop 03 20
check "a signature in a session loop costs at most 4 APDUs (was 4.2)" test "$(cat "$work/loop.n")" -le 80
finish
