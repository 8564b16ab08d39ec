# shellcheck shell=bash
# Helpers for the harness_*.sh tests (sourced). A missing tool fails the test.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=${TESSERA_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}
WVC=$ROOT/scripts/with-virtual-cards
VCTL=$ROOT/scripts/vcard-ctl
PY=/usr/bin/python3 # Debian's pyscard lives here
TEST=$(basename "$0" .sh)

fail() {
    echo "$TEST: FAIL: $*" >&2
    exit 1
}
ok() { echo "$TEST: ok: $*"; }
need() {
    local t
    for t in "$@"; do command -v "$t" >/dev/null 2>&1 || fail "missing tool: $t (scripts/install-deps)"; done
}
need "$PY"
"$PY" -c 'import smartcard.scard' || fail "python3-pyscard is missing (scripts/install-deps)"

# the network namespace (inode) of a live sandbox
sandbox_ns() { stat -L -c %i "/proc/$(cat "$1/ctl/holder.pid")/ns/net"; }

# nothing of a sandbox may survive its with-virtual-cards: no directory, no
# process naming it (holder, pcscd, cards), no process left in its mount
# namespace (whose mountinfo shows the sandbox bound onto /run/pcscd)
sandbox_leftovers() { # SANDBOX
    local b=${1##*/}
    local rx="${b%%.*}\\.${b#*.}" # a regex: our own grep must not match itself
    grep -l -a -e "$rx" /proc/[0-9]*/cmdline /proc/[0-9]*/mountinfo 2>/dev/null || true
}
assert_gone() { # SANDBOX
    local sb=$1 left i
    for i in $(seq 1 40); do
        left=$(sandbox_leftovers "$sb")
        [ -z "$left" ] && break
        sleep 0.05
    done
    [ -z "$left" ] || fail "left behind by $sb: ${left//$'\n'/ }"
    [ ! -e "$sb" ] || fail "sandbox directory $sb left behind"
    return 0
}
