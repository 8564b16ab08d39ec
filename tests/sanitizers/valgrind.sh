#!/usr/bin/env bash
# Valgrind memcheck of the module as real clients load it (`make
# check-valgrind`): OpenSC's pkcs11-tool lists the objects (-O), then logs in
# and signs with an RSA key (9A) and an EC key that needs a context-specific
# login (9C). Any invalid read or write, use of uninitialised memory, invalid
# free, or "definitely lost" block fails the run; a leak counts when a frame of
# tessera-pkcs11.so is on its allocation stack (pkcs11-tool's own leaks are
# suppressed in valgrind.supp, each entry explained there).
# Run inside scripts/with-virtual-cards (default cards).
set -euo pipefail
: "${TESSERA_MODULE:?run me inside scripts/with-virtual-cards}"
: "${TESSERA_SANDBOX:?run me inside scripts/with-virtual-cards}"
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
PIN=${VCARD_PIN:-123456}
work=$(mktemp -d "$TESSERA_SANDBOX/valgrind.XXXXXX")
status=0

vg=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full
    --show-leak-kinds=definite --errors-for-leak-kinds=definite
    --num-callers=40 --suppressions="$here/valgrind.supp"
    --gen-suppressions=all --child-silent-after-fork=yes)

# memcheck NAME COMMAND... : COMMAND under valgrind; its log is printed on failure
memcheck() {
    local name=$1 rc=0 t
    shift
    t=$(date +%s.%N)
    "${vg[@]}" --log-file="$work/$name.vg" "$@" >"$work/$name.out" 2>&1 || rc=$?
    awk -v a="$t" -v b="$(date +%s.%N)" -v n="$name" 'BEGIN { printf "# %s: %.1f s under valgrind\n", n, b - a }'
    if [ $rc = 99 ]; then
        echo "FAIL - $name: valgrind found errors"
        cat "$work/$name.vg"
        status=1
    elif [ $rc != 0 ]; then
        echo "FAIL - $name: exit status $rc"
        cat "$work/$name.out" "$work/$name.vg"
        status=1
    else
        echo "ok   - $name: $(grep -E 'ERROR SUMMARY' "$work/$name.vg" | sed 's/^==[0-9]*== //')"
    fi
}

slot=$(pkcs11-tool --module "$TESSERA_MODULE" -L | awk '
    /^Slot [0-9]+ \(0x[0-9a-fA-F]+\): / { id = $3; gsub(/[():]/, "", id); cur = id; next }
    /token label *:.*PIV/ && cur != "" { print cur; exit }')
[ -n "$slot" ] || { echo "FAIL - no PIV token in pkcs11-tool -L"; exit 1; }
p11=(pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot")
head -c 1000 /dev/urandom >"$work/data"

memcheck list-objects "${p11[@]}" -O
memcheck sign-rsa "${p11[@]}" --login --pin "$PIN" --sign --id 01 -m SHA256-RSA-PKCS \
    --input-file "$work/data" --output-file "$work/sig-rsa"
memcheck sign-ec-always-auth "${p11[@]}" --login --pin "$PIN" --sign --id 02 -m ECDSA-SHA256 \
    --input-file "$work/data" --output-file "$work/sig-ec"
rm -rf "$work"
exit $status
