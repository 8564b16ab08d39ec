#!/usr/bin/env bash
# events_idle: a process blocked in C_WaitForSlotEvent with nothing happening
# makes no PC/SC traffic beyond the one blocking request; OpenSC's module is
# measured beside it (printed, not asserted).
#
# wait_idle (our module) runs under `strace -f -ttt`; after it has read the
# tokens, started its wait and let the idle release pass
# (TESSERA_IDLE_DISCONNECT_MS=500), a window of IDLE_WINDOW (10) seconds
# opens; every system call that starts or returns in the window is counted.
# Ours must make at most MAX_SYSCALLS (default 0): the blocking
# SCardGetStatusChange sits in one poll and nothing else runs.
# usage: idle.sh TESSERA_EVENTS_TEST_BINARY
# sandbox-timeout: 120
set -euo pipefail
EVENTS_TEST=${1:?usage: idle.sh PATH-TO-tessera_events_test}
EVENTS_DIR=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source=../acceptance/ride/lib.sh
. "$EVENTS_DIR/../acceptance/ride/lib.sh"
require strace "$EVENTS_TEST"
WINDOW=${IDLE_WINDOW:-10}
MAX_SYSCALLS=${MAX_SYSCALLS:-0}

# measure NAME MODULE : run wait_idle under strace, print "syscalls socketcalls"
# for the window (details in $work/NAME.*)
measure() {
    local name=$1 module=$2 out=$work/$1.out trace=$work/$1.strace pid='' i t0 t1
    TESSERA_IDLE_DISCONNECT_MS=500 strace -f -ttt -o "$trace" "$EVENTS_TEST" wait_idle "$module" >"$out" 2>&1 &
    local straced=$!
    for ((i = 0; i < 300; i++)); do
        pid=$(awk '$1 == "waiting" { print $2 }' "$out" 2>/dev/null || true)
        [ -n "$pid" ] && break
        sleep 0.1
    done
    [ -n "$pid" ] || { cat "$out" >&2; kill "$straced" 2>/dev/null; return 1; }
    sleep 1.5 # past the idle release of the card handle and into the blocking wait
    t0=$(date +%s.%6N)
    sleep "$WINDOW"
    t1=$(date +%s.%6N)
    kill -TERM "$pid" 2>/dev/null || true
    wait "$straced" 2>/dev/null || true
    # a call counts if it starts in the window, or returns in it (a "resumed"
    # line whose start was before the window)
    awk -v t0="$t0" -v t1="$t1" -v sock="$work/$name.calls" '
        { all++ }
        $2 + 0 < t0 || $2 + 0 > t1 { next }
        $3 ~ /^(---|\+\+\+)/ { next }
        /<\.\.\. [a-z_0-9]+ resumed>/ {
            match($0, /<\.\.\. [a-z_0-9]+ resumed>/); call = substr($0, RSTART + 5, RLENGTH - 14)
            if (started[$1 " " call]) { started[$1 " " call] = 0; next }
            n++; names[call]++; next
        }
        {
            call = $3; sub(/\(.*/, "", call)
            if ($0 ~ /<unfinished \.\.\.>/) started[$1 " " call] = 1
            n++; names[call]++
        }
        END {
            for (c in names) { printf "%s %d\n", c, names[c] > sock
                if (c ~ /^(read|write|recvmsg|sendmsg|recvfrom|sendto|poll|ppoll|select|pselect6)$/) s += names[c] }
            printf "%d %d %d\n", n + 0, s + 0, all + 0
        }' "$trace"
}

read -r ours ours_io ours_all < <(measure tessera "$TESSERA_MODULE") || die "could not measure our module"
[ "${ours_all:-0}" -gt 100 ] || die "the trace of our module has only ${ours_all:-0} lines: strace did not work"
echo "# tessera-pkcs11.so, ${WINDOW} s blocked in C_WaitForSlotEvent: $ours system calls ($ours_io socket reads/writes/polls; $ours_all in the whole run)"
[ -s "$work/tessera.calls" ] && sed 's/^/#     /' "$work/tessera.calls"
if [ "$ours" -le "$MAX_SYSCALLS" ]; then
    pass "our module made $ours system calls in ${WINDOW} s of waiting (at most $MAX_SYSCALLS)"
else
    fail "our module made $ours system calls in ${WINDOW} s of waiting (at most $MAX_SYSCALLS)"
    grep -v 'exited\|SIG' "$work/tessera.strace" | tail -n 20 | sed 's/^/       /'
fi
grep -q '^C_WaitForSlotEvent returned' "$work/tessera.out" &&
    fail "our C_WaitForSlotEvent returned although nothing happened: $(grep '^C_WaitForSlotEvent' "$work/tessera.out")"

if [ -e "$OPENSC_MODULE" ]; then
    if read -r theirs theirs_io theirs_all < <(measure opensc "$OPENSC_MODULE"); then
        echo "# opensc-pkcs11.so, ${WINDOW} s blocked in C_WaitForSlotEvent: $theirs system calls ($theirs_io socket reads/writes/polls; $theirs_all in the whole run)"
        [ -s "$work/opensc.calls" ] && sed 's/^/#     /' "$work/opensc.calls"
        grep 'C_WaitForSlotEvent' "$work/opensc.out" | sort | uniq -c | sed 's/^/#   OpenSC: /' || true
    else
        echo "# OpenSC: could not measure (see $work/opensc.out)"
    fi
else
    echo "# OpenSC's module is not installed: no comparison"
fi
finish
