#!/usr/bin/env bash
# Acceptance (issue 11): the `tessera` command. `status` shows what an
# application sees (the same tokens and objects as pkcs11-tool), `doctor`
# names each broken link (pcscd unreachable, module missing, not registered
# with p11-kit), and the exit codes are the documented ones: 0 fine,
# 1 failure, 2 usage, 3 needs attention. Runs inside scripts/with-virtual-cards.
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require pkcs11-tool
TESSERA=$TESSERA_BUILD_DIR/tools/tessera/tessera
vcard-ctl() { "$RIDE_DIR/../../../scripts/vcard-ctl" "$@"; }
require "$TESSERA"

run() { # NAME CMD...: output in $work/NAME.out, exit code in $work/NAME.rc
    local name=$1 rc=0
    shift
    "$@" >"$work/$name.out" 2>&1 || rc=$?
    echo "$rc" >"$work/$name.rc"
    sed "s/^/# $name: /" "$work/$name.out"
}
rc() { cat "$work/$1.rc"; }

# status: both virtual cards, labelled as pkcs11-tool sees them
run status "$TESSERA" status
check "status exits 0 with tokens present" test "$(rc status)" = 0
pkcs11-tool --module "$TESSERA_MODULE" -L >"$work/list.out" 2>&1
while read -r label; do
    check "status shows token '$label'" grep -qF "token: $label" "$work/status.out"
done < <(sed -n 's/^ *token label *: *//p' "$work/list.out" | sed 's/ *$//')
check "status names the PIV application" grep -q '^  application: PIV$' "$work/status.out"
check "status names the OpenPGP application" grep -q '^  application: OpenPGP$' "$work/status.out"
check "status reports the PIN state" grep -q 'user PIN: all tries left' "$work/status.out"
piv_slot=$(pkcs11-tool --module "$TESSERA_MODULE" -L | sed -n 's/^Slot \([0-9]*\).*(0x\([0-9a-f]*\)).*/\2/p' | head -1)
n_tool=$(pkcs11-tool --module "$TESSERA_MODULE" --slot "0x$piv_slot" -O 2>/dev/null | grep -c -E '^(Certificate|Public Key|Private Key) Object')
n_status=$(sed -n '1,/^slot 1:/p' "$work/status.out" | sed -n 's/^ *objects: \([0-9]*\).*/\1/p')
check "status counts the PIV objects pkcs11-tool lists ($n_tool)" test "$n_status" = "$n_tool"

# a PIN try spent shows in status (token flags) and doctor says nothing is broken
pkcs11-tool --module "$TESSERA_MODULE" --slot "0x$piv_slot" --login --pin 999999 -O >/dev/null 2>&1 || true
run status_low "$TESSERA" status
check "status shows a spent PIN try" grep -q 'user PIN: some tries used' "$work/status_low.out"
pkcs11-tool --module "$TESSERA_MODULE" --slot "0x$piv_slot" --login --pin "$PIN" -O >/dev/null 2>&1 ||
    fail "the right PIN restores the counter"

# usage and module errors
run usage "$TESSERA" frobnicate
check "an unknown command exits 2" test "$(rc usage)" = 2
run nomodule "$TESSERA" --module /nonexistent/tessera-pkcs11.so status
check "a missing module exits 1" test "$(rc nomodule)" = 1
check "... and says which file" grep -q '/nonexistent/tessera-pkcs11.so' "$work/nomodule.out"
run notamodule "$TESSERA" --module /lib/x86_64-linux-gnu/libz.so.1 status
check "a library that is not a PKCS#11 module exits 1" test "$(rc notamodule)" = 1

# doctor: registered through the user's p11-kit directory -> that check passes
home=$work/home
mkdir -p "$home/.config/pkcs11/modules"
printf 'module: %s\n' "$TESSERA_MODULE" >"$home/.config/pkcs11/modules/tessera.module"
run doctor env HOME="$home" "$TESSERA" doctor
check "doctor: pcscd reachable" grep -q '^ok   pcscd: reachable' "$work/doctor.out"
check "doctor: the module loads" grep -q '^ok   module: ' "$work/doctor.out"
check "doctor: both tokens seen" test "$(grep -c '^ok   token: ' "$work/doctor.out")" = 2
check "doctor: registered with p11-kit" grep -q '^ok   p11-kit: registered' "$work/doctor.out"
check "doctor: no FAIL line and exit 0 or 3" test "$(grep -c '^FAIL' "$work/doctor.out")" = 0 -a "$(rc doctor)" -ne 1
run doctor_unreg env HOME="$work/empty-home" "$TESSERA" doctor
check "doctor: not registered is a warning" grep -q '^warn p11-kit: not registered' "$work/doctor_unreg.out"
check "doctor: ... exit 3" test "$(rc doctor_unreg)" = 3

# pcscd unreachable: the first line says so, exit 1
run doctor_nopcscd env PCSCLITE_CSOCK_NAME="$work/no-such-socket" "$TESSERA" doctor
check "doctor: pcscd unreachable is a failure" grep -q '^FAIL pcscd: not reachable' "$work/doctor_nopcscd.out"
check "doctor: ... exit 1" test "$(rc doctor_nopcscd)" = 1

# no card at all: status exits 3, doctor warns
vcard-ctl remove piv >/dev/null
vcard-ctl remove openpgp >/dev/null
run status_empty "$TESSERA" status
check "status without cards exits 3" test "$(rc status_empty)" = 3
check "status says no card" test "$(grep -c '^  no card$' "$work/status_empty.out")" -ge 2
vcard-ctl insert piv >/dev/null
vcard-ctl insert openpgp >/dev/null

finish
