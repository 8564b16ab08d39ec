#!/usr/bin/env bash
# shellcheck disable=SC2016 # single-quoted parts expand in the sandboxed command
# scripts/with-virtual-cards exits with COMMAND's status, rejects bad options,
# and leaves nothing behind: no sandbox directory, no process, no mount.
. "$(dirname "$0")/harness_lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run HARNESS-ARGS... -- COMMAND: status in $rc, sandbox and namespace recorded
run() {
    rm -f "$work/sb"
    set +e
    "$WVC" "$@"
    rc=$?
    set -e
}
record='echo "$TESSERA_SANDBOX" >'"$work/sb"
check_gone() { assert_gone "$(cat "$work/sb")"; }

run -- false
[ "$rc" = 1 ] || fail "'-- false' exited $rc"
ok "false -> 1"

run -- sh -c "$record; exit 7"
[ "$rc" = 7 ] || fail "'exit 7' exited $rc"
check_gone
ok "exit 7 -> 7, torn down"

run -- sh -c "$record; exit 0"
[ "$rc" = 0 ] || fail "'exit 0' exited $rc"
check_gone
ok "exit 0 -> 0, torn down"

run -- sh -c "$record; kill -TERM \$\$"
[ "$rc" = 143 ] || fail "a command killed by SIGTERM: exit $rc, not 143"
check_gone
ok "killed command -> 143"

run -- /nonexistent/command
[ "$rc" = 127 ] || fail "a missing command exited $rc, not 127"
ok "missing command -> 127"

run --no-such-option -- true 2>/dev/null
[ "$rc" = 2 ] || fail "an unknown option exited $rc, not 2"
ok "unknown option -> 2"

# no cards at all: pcscd with two empty readers
run --piv=none --openpgp=none -- sh -c "$record"'; [ -z "${TESSERA_PIV_READER:-}" ] && '"$PY"' '"$ROOT"'/scripts/lib/pcsc_probe.py wait --timeout 2 absent "Tessera Virtual Reader" 0 absent "Tessera Virtual Reader" 1'
[ "$rc" = 0 ] || fail "--piv=none --openpgp=none: exit $rc"
check_gone
ok "no cards"

# TESSERA_KEEP_SANDBOX keeps the directory (with the logs), nothing else
TESSERA_KEEP_SANDBOX=1 run -- sh -c "$record" 2>/dev/null
kept=$(cat "$work/sb")
[ -f "$kept/pcscd.log" ] || fail "TESSERA_KEEP_SANDBOX=1 did not keep $kept"
rm -rf "$kept"
check_gone
ok "TESSERA_KEEP_SANDBOX"

# the harness itself never writes to stdout: a command's output is all there is
out=$("$WVC" -- echo hello 2>/dev/null)
[ "$out" = hello ] || fail "stdout carries more than the command's output: '$out'"
ok "stdout is the command's"
