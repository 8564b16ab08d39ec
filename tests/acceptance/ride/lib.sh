# Shared helpers for the tests/acceptance/module_*.sh acceptance tests of
# tessera-pkcs11.so with third-party clients. Sourced, not run: it checks the
# sandbox environment of scripts/with-virtual-cards, makes a work directory
# under $TESSERA_SANDBOX, finds the PIV card's slot, and counts failures.
# shellcheck shell=bash disable=SC2034,SC2016 # variables for the sourcing script; on_exit strings are eval'd

: "${PCSCLITE_CSOCK_NAME:?run me inside scripts/with-virtual-cards}"
: "${TESSERA_MODULE:?run me inside scripts/with-virtual-cards}"
: "${TESSERA_SANDBOX:?run me inside scripts/with-virtual-cards}"
PIN=${VCARD_PIN:-123456}
PY=/usr/bin/python3
OPENSC_MODULE=${OPENSC_MODULE:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}
RIDE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEST_NAME=$(basename "$0" .sh)
failures=0

pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; failures=$((failures + 1)); }
die() { echo "FAIL - $*"; echo "$TEST_NAME: aborted"; exit 1; }
# expect_rv RV DESCRIPTION COMMAND... : COMMAND fails and its output names RV
# (a CKR_ name). hostile_lib.bash has its own expect_rv over recorded runs.
expect_rv() {
    local rv=$1 what=$2
    shift 2
    if "$@" >"$work/rv.out" 2>&1; then
        fail "$what: succeeded"
    elif grep -q "$rv" "$work/rv.out"; then
        pass "$what: $rv"
    else
        fail "$what: not $rv"; sed 's/^/       /' "$work/rv.out"
    fi
}

# require TOOL... : a missing tool is a failure, never a skip
require() {
    local t
    for t in "$@"; do
        case $t in
            /*) [ -e "$t" ] || die "required file $t is missing" ;;
            *) command -v "$t" >/dev/null 2>&1 || die "required tool $t is not installed" ;;
        esac
    done
}

work=$(mktemp -d "$TESSERA_SANDBOX/$TEST_NAME.XXXXXX")
# on_exit COMMAND : run COMMAND (a string, for eval) at exit, last added first
exit_cmds=()
on_exit() { exit_cmds=("$1" "${exit_cmds[@]}"); }
run_exit_cmds() {
    local c
    for c in "${exit_cmds[@]}"; do eval "$c" || true; done
}
trap run_exit_cmds EXIT
if [ "${TESSERA_KEEP_SANDBOX:-0}" != 1 ]; then on_exit 'rm -rf "$work"'; fi

# check DESCRIPTION COMMAND... : run COMMAND, print ok/FAIL and its output on failure
check() {
    local what=$1
    shift
    if "$@" >"$work/check.out" 2>&1; then
        pass "$what"
    else
        fail "$what (exit $?)"
        sed 's/^/       /' "$work/check.out"
    fi
}

# slot_for_module MODULE : the slot ID (0x..) of the PIV card's reader, from
# pkcs11-tool -L (the OpenPGP card may sit in a second reader)
slot_for_module() {
    local list
    list=$(pkcs11-tool --module "$1" -L 2>&1) || { echo "$list" >&2; return 1; }
    printf '%s\n' "$list" | awk -v reader="${TESSERA_PIV_READER:-}" '
        /^Slot [0-9]+ \(0x[0-9a-fA-F]+\): / {
            id = $3; gsub(/[():]/, "", id)
            desc = $0; sub(/^[^:]*: /, "", desc); sub(/ +$/, "", desc)
            if (reader != "" && desc != "" && index(reader, desc) == 1) { print id; found = 1; exit }
            cur = id; next
        }
        reader == "" && /token label *:.*PIV/ && cur != "" { print cur; found = 1; exit }
        END { if (!found) exit 1 }'
}

# finish : summary line and exit status
finish() {
    if [ "$failures" -gt 0 ]; then
        echo "$TEST_NAME: $failures failure(s)"
        exit 1
    fi
    echo "$TEST_NAME: all passed"
    exit 0
}
