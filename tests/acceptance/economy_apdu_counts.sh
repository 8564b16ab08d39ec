#!/usr/bin/env bash
# Acceptance (issue 8): APDU economy in fresh processes, counted from the
# module's own debug log ("(N APDUs)" per call). `pkcs11-tool -L` needs the
# token's identity and PIN state only: at most 4 APDUs on the YubiKey-profile
# PIV card (SELECT, GET VERSION, GET SERIAL, empty VERIFY), with the token
# info still exact; listing objects afterwards still finds every key.
# Runs inside scripts/with-virtual-cards.
# sandbox-args: --openpgp=none
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require pkcs11-tool

apdus() { # LOGFILE: sum of the per-call APDU counts
    grep -o '([0-9]* APDUs)' "$1" | tr -dc '0-9\n' | awk '{s += $1} END {print s + 0}'
}
run_counted() { # NAME PKCS11-TOOL-ARGS...: output in $work/NAME.out, count in $work/NAME.n
    local name=$1
    shift
    TESSERA_DEBUG=1 TESSERA_LOG_FILE="$work/$name.log" \
        pkcs11-tool --module "$TESSERA_MODULE" "$@" >"$work/$name.out" 2>&1 || die "pkcs11-tool $* failed"
    apdus "$work/$name.log" >"$work/$name.n"
    echo "# $name: $(cat "$work/$name.n") APDUs"
}

run_counted list -L
n=$(cat "$work/list.n")
check "-L counted some APDUs (the log works)" test "$n" -gt 0
check "-L uses at most 4 APDUs (was 23)" test "$n" -le 4
check "-L shows the serial" grep -q 'serial num *: [0-9]' "$work/list.out"
check "-L shows the label with the serial" grep -q 'token label *: YubiKey PIV #[0-9]' "$work/list.out"
check "-L shows the PIN flags" grep -q 'PIN initialized' "$work/list.out"

run_counted objects -O
check "-O still lists the certificates" grep -q 'Certificate Object' "$work/objects.out"
check "-O lists four public keys" test "$(grep -c 'Public Key Object' "$work/objects.out")" -eq 4
# before login only the key that needs no PIN (9E) is visible: the others are CKA_PRIVATE
check "-O lists the one public private key (9E)" test "$(grep -c 'Private Key Object' "$work/objects.out")" -eq 1
finish
