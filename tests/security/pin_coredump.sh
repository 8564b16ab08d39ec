#!/usr/bin/env bash
# The PIN never reaches a core dump (design.md, "C_Login ... keeps it in
# locked memory ... excluded from core dumps"). Gives the sandbox PIV card a
# distinctive PIN, runs secret_client (login, sign, decrypt, derive), dumps the
# live client with gcore at each phase (logged in, logged out, after C_SetPIN
# to a second PIN and back, after C_Finalize) and searches every dump for both
# PINs as ASCII, PIV FF-padded and UTF-16LE, once with the default malloc and
# once with glibc's tcache off (see run_pass). A hit is reported with its
# address and /proc/PID/maps region. Runs inside scripts/with-virtual-cards:
#   pin_coredump.sh PATH/TO/tessera_secret_client
set -euo pipefail

client=${1:?usage: pin_coredump.sh PATH/TO/tessera_secret_client}
here=$(dirname "$(readlink -f "$0")")
: "${TESSERA_MODULE:?run inside scripts/with-virtual-cards}" "${TESSERA_PIV_READER:?no PIV reader in this sandbox}"
for tool in gcore gdb yubico-piv-tool python3; do
    command -v "$tool" >/dev/null || { echo "pin_coredump: $tool is missing (scripts/install-deps)" >&2; exit 1; }
done

pin=739184       # distinctive: appears nowhere else in the process
second=582046    # the PIN C_SetPIN changes to and back from
work=$(mktemp -d "${TESSERA_SANDBOX:-${TMPDIR:-/tmp}}/pin-coredump.XXXXXX")
cleanup() {
    [ -n "${client_pid:-}" ] && kill "$client_pid" 2>/dev/null || true
    if [ "${KEEP_DUMPS:-0}" = 1 ]; then echo "dumps kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "# card PIN 123456 -> $pin (yubico-piv-tool, outside the process under test)"
yubico-piv-tool -r "$TESSERA_PIV_READER" -a change-pin -P 123456 -N "$pin" >/dev/null

status=0
client_pid=
expect_phase() {
    local line
    if ! read -r -t 60 line <&4; then echo "pin_coredump: the client stopped before '$1'" >&2; exit 1; fi
    [ "$line" = "ready $1" ] || { echo "pin_coredump: expected 'ready $1', got '$line'" >&2; exit 1; }
}
dump_and_search() {
    local phase=$1; shift
    cp "/proc/$client_pid/maps" "$work/$phase.maps"
    local dd
    dd=$(grep -c '^VmFlags:.* dd' "/proc/$client_pid/smaps" || true)
    if ! gcore -o "$work/$phase" "$client_pid" >"$work/$phase.gcore.log" 2>&1; then
        cat "$work/$phase.gcore.log" >&2
        echo "pin_coredump: gcore failed" >&2
        exit 1
    fi
    echo "# $phase: $(stat -c %s "$work/$phase.$client_pid") bytes dumped, $dd mapping(s) marked MADV_DONTDUMP"
    if ! python3 "$here/find_secrets.py" core "$work/$phase.$client_pid" "$work/$phase.maps" \
        --canary tessera-dump-canary "$@"; then
        echo "FAIL ($pass): a PIN is in the core dump taken $phase" >&2
        status=1
    fi
    rm -f "$work/$phase.$client_pid"
}

# One run of the client. The client talks over two pipes: we write PINs and
# "next", it answers "ready PHASE".
run_pass() {
    pass=$1; shift
    echo "## pass: $pass"
    rm -f "$work/to" "$work/from"
    mkfifo "$work/to" "$work/from"
    env "$@" "$client" dump <"$work/to" >"$work/from" &
    client_pid=$!
    exec 3>"$work/to" 4<"$work/from"

    echo "$pin" >&3
    expect_phase logged-in
    # Informational: where the live process keeps the PIN (the cache belongs in a dd page).
    python3 "$here/find_secrets.py" live "$client_pid" --pin "PIN=$pin" || true
    dump_and_search logged-in --pin "PIN=$pin"
    echo next >&3

    expect_phase logged-out
    dump_and_search logged-out --pin "PIN=$pin"
    echo next >&3

    printf '%s\n%s\n' "$pin" "$second" >&3
    expect_phase pin-changed
    dump_and_search pin-changed --pin "PIN=$pin" --pin "second PIN=$second"
    echo next >&3

    expect_phase finalized
    dump_and_search finalized --pin "PIN=$pin" --pin "second PIN=$second"
    echo next >&3
    wait "$client_pid" || { echo "pin_coredump: the client failed" >&2; status=1; }
    client_pid=
    exec 3>&- 4<&-
}

# Pass 1: the default allocator. Pass 2: glibc without its per-thread cache,
# whose free() writes 16 bytes of metadata over a freed chunk and so happens
# to erase short buffers; without it a copy the module freed unwiped stays
# readable, as it does in any process whose tcache bins are already full.
run_pass "default malloc" TESSERA_PASS=1
run_pass "malloc without tcache" GLIBC_TUNABLES=glibc.malloc.tcache_count=0

[ "$status" = 0 ] && echo "PASS: no PIN in any core dump"
exit "$status"
