#!/usr/bin/env bash
# Decrypted plaintext and ECDH secrets never reach a core dump (issue 12,
# "Secrets that are not PINs"; design.md's PIN treatment applied to every
# secret answer and result). result_client decrypts on the sandbox PIV card
# (key 9D, PKCS#1 v1.5 and OAEP blocks it built itself) and derives with ECDH
# (key 9E), writes every secret value and intermediate (plaintext, decrypted
# block, OAEP seed and masks, shared secret) to a record file, wipes its own
# copies, and pauses after each phase: calls that succeeded (one derived key
# left alive), calls left at CKR_BUFFER_TOO_SMALL and abandoned by
# C_CloseSession, calls that ended in an error, C_Finalize. Each gcore of the
# live client must hold every recorded value 0 times (nor any 8-byte chunk of
# it); a heap canary must be found. Run twice, with the default malloc and
# with glibc's tcache off (see pin_coredump.sh). Inside scripts/with-virtual-cards:
#   result_coredump.sh PATH/TO/tessera_result_client
set -euo pipefail

client=${1:?usage: result_coredump.sh PATH/TO/tessera_result_client}
here=$(dirname "$(readlink -f "$0")")
: "${TESSERA_MODULE:?run inside scripts/with-virtual-cards}" "${TESSERA_PIV_READER:?no PIV reader in this sandbox}"
for tool in gcore gdb python3; do
    command -v "$tool" >/dev/null || { echo "result_coredump: $tool is missing (scripts/install-deps)" >&2; exit 1; }
done

pin=123456 # the virtual card's PIN; the PIN is pin_coredump.sh's subject, not this test's
work=$(mktemp -d "${TESSERA_SANDBOX:-${TMPDIR:-/tmp}}/result-coredump.XXXXXX")
client_pid=
cleanup() {
    [ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null || true
    if [ "${KEEP_DUMPS:-0}" = 1 ]; then echo "dumps kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

status=0
expect_phase() {
    local line
    if ! read -r -t 120 line <&4; then echo "result_coredump: the client stopped before '$1'" >&2; exit 1; fi
    [ "$line" = "ready $1" ] || { echo "result_coredump: expected 'ready $1', got '$line'" >&2; exit 1; }
}
dump_and_search() {
    local phase=$1
    cp "/proc/$client_pid/maps" "$work/$phase.maps"
    if ! gcore -o "$work/$phase" "$client_pid" >"$work/$phase.gcore.log" 2>&1; then
        cat "$work/$phase.gcore.log" >&2
        echo "result_coredump: gcore failed" >&2
        exit 1
    fi
    echo "# $phase: $(stat -c %s "$work/$phase.$client_pid") bytes dumped, $(wc -l <"$work/record") secret value(s) recorded so far"
    if ! python3 "$here/find_secrets.py" core "$work/$phase.$client_pid" "$work/$phase.maps" \
        --canary tessera-dump-canary --hex-file "$work/record"; then
        echo "FAIL ($pass): a secret is in the core dump taken after '$phase'" >&2
        status=1
    fi
    rm -f "$work/$phase.$client_pid"
}

run_pass() {
    pass=$1; shift
    echo "## pass: $pass"
    rm -f "$work/to" "$work/from" "$work/record"
    mkfifo "$work/to" "$work/from"
    env "$@" "$client" "$work/record" <"$work/to" >"$work/from" &
    client_pid=$!
    exec 3>"$work/to" 4<"$work/from"
    echo "$pin" >&3
    for phase in succeeded abandoned failed finalized; do
        expect_phase "$phase"
        dump_and_search "$phase"
        echo next >&3
    done
    wait "$client_pid" || { echo "result_coredump: the client failed" >&2; status=1; }
    client_pid=
    exec 3>&- 4<&-
}

run_pass "default malloc" TESSERA_PASS=1
run_pass "malloc without tcache" GLIBC_TUNABLES=glibc.malloc.tcache_count=0

[ "$status" = 0 ] && echo "PASS: no decrypted data, OAEP intermediate or ECDH secret in any core dump"
exit "$status"
