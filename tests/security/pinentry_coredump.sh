#!/usr/bin/env bash
# The gcore test of pin_coredump.sh with pin_source = pinentry (issue 10): the
# sandbox PIV card gets a distinctive PIN, the scripted pinentry
# (tests/acceptance/lib/pinentry_script.sh) answers it, and
# `tessera_secret_client dump-pinentry` logs in with a NULL PIN (the client
# never has the PIN), signs, decrypts and derives. The live client is dumped
# with gcore logged in, after C_Logout and after C_Finalize; each dump is
# searched for the PIN (ASCII, PIV FF-padded, UTF-16LE). Besides, the live
# process's whole readable memory is read (/proc/PID/mem): logged in, the
# PIN may be only in MADV_DONTDUMP pages (the module's locked PIN cache),
# nowhere in ordinary memory; after C_Logout and C_Finalize it must be nowhere
# at all. Twice: default malloc and glibc without tcache. Runs inside
# scripts/with-virtual-cards:
#   pinentry_coredump.sh PATH/TO/tessera_secret_client
set -euo pipefail

client=${1:?usage: pinentry_coredump.sh PATH/TO/tessera_secret_client}
here=$(dirname "$(readlink -f "$0")")
script=$here/../acceptance/lib/pinentry_script.sh
: "${TESSERA_MODULE:?run inside scripts/with-virtual-cards}" "${TESSERA_PIV_READER:?no PIV reader in this sandbox}"
for tool in gcore gdb yubico-piv-tool python3; do
    command -v "$tool" >/dev/null || { echo "pinentry_coredump: $tool is missing (scripts/install-deps)" >&2; exit 1; }
done

pin=640571 # distinctive: appears nowhere else in the process
work=$(mktemp -d "${TESSERA_SANDBOX:-${TMPDIR:-/tmp}}/pinentry-coredump.XXXXXX")
cleanup() {
    [ -n "${client_pid:-}" ] && kill "$client_pid" 2>/dev/null || true
    if [ "${KEEP_DUMPS:-0}" = 1 ]; then echo "dumps kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "# card PIN 123456 -> $pin (yubico-piv-tool, outside the process under test)"
yubico-piv-tool -r "$TESSERA_PIV_READER" -a change-pin -P 123456 -N "$pin" >/dev/null
printf 'pin_source = pinentry\npinentry_program = %s\n' "$script" >"$work/pe.conf"
printf '%s\n' "$pin" >"$work/pin" # for the pinentry only: not in the client's environment

status=0
client_pid=
expect_phase() {
    local line
    if ! read -r -t 60 line <&4; then echo "pinentry_coredump: the client stopped before '$1'" >&2; exit 1; fi
    [ "$line" = "ready $1" ] || { echo "pinentry_coredump: expected 'ready $1', got '$line'" >&2; exit 1; }
}
dump_and_search() {
    local phase=$1
    cp "/proc/$client_pid/maps" "$work/$phase.maps"
    if ! gcore -o "$work/$phase" "$client_pid" >"$work/$phase.gcore.log" 2>&1; then
        cat "$work/$phase.gcore.log" >&2
        echo "pinentry_coredump: gcore failed" >&2
        exit 1
    fi
    echo "# $phase: $(stat -c %s "$work/$phase.$client_pid") bytes dumped"
    if ! python3 "$here/find_secrets.py" core "$work/$phase.$client_pid" "$work/$phase.maps" \
        --canary tessera-dump-canary --pin "PIN=$pin"; then
        echo "FAIL ($pass): the PIN is in the core dump taken $phase" >&2
        status=1
    fi
    rm -f "$work/$phase.$client_pid"
}
# live PHASE none|locked-only : where the PIN is in the live process
live() {
    python3 "$here/find_secrets.py" live "$client_pid" --pin "PIN=$pin" >"$work/live" 2>&1 || true
    sed 's/^/#   /' "$work/live"
    if [ "$2" = none ] && grep -q 'in the live process at' "$work/live"; then
        echo "FAIL ($pass): $1: the PIN is still in the process's memory" >&2
        status=1
    elif grep -q 'ordinary memory' "$work/live"; then
        echo "FAIL ($pass): $1: the PIN is in ordinary (dumpable) memory" >&2
        status=1
    fi
}

run_pass() {
    pass=$1; shift
    echo "## pass: $pass"
    rm -f "$work/to" "$work/from"
    mkfifo "$work/to" "$work/from"
    env TESSERA_CONF="$work/pe.conf" PINENTRY_PIN_FILE="$work/pin" PINENTRY_LOG="$work/pinentry.log" "$@" \
        "$client" dump-pinentry <"$work/to" >"$work/from" &
    client_pid=$!
    exec 3>"$work/to" 4<"$work/from"

    expect_phase logged-in
    grep -q '^GETPIN' "$work/pinentry.log" || { echo "FAIL ($pass): pinentry was not asked" >&2; status=1; }
    live logged-in locked-only
    dump_and_search logged-in
    echo next >&3
    expect_phase logged-out
    live logged-out none
    dump_and_search logged-out
    echo next >&3
    expect_phase finalized
    live finalized none
    dump_and_search finalized
    echo next >&3
    wait "$client_pid" || { echo "pinentry_coredump: the client failed" >&2; status=1; }
    client_pid=
    exec 3>&- 4<&-
}

run_pass "default malloc" TESSERA_PASS=1
run_pass "malloc without tcache" GLIBC_TUNABLES=glibc.malloc.tcache_count=0

[ "$status" = 0 ] && echo "PASS: the PIN from pinentry is in no core dump, and nowhere in memory after C_Logout"
exit "$status"
