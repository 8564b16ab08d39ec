#!/usr/bin/env bash
# Acceptance (issue 11, "Debug output"): every TESSERA_DEBUG line carries the
# process and thread ids and a UTC timestamp with milliseconds
# ("tessera[PID/TID] 2026-12-07T12:55:14.946Z: ..."), so logs of several
# clients and threads can be read side by side; the PIN never appears.
# Runs inside scripts/with-virtual-cards.
# sandbox-args: --openpgp=none
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require pkcs11-tool

log=$work/debug.log
TESSERA_DEBUG=2 TESSERA_LOG_FILE=$log pkcs11-tool --module "$TESSERA_MODULE" --login --pin "$PIN" -O >/dev/null 2>&1 ||
    die "pkcs11-tool --login -O failed"
head -3 "$log" | sed 's/^/# /'
check "the log has lines" test -s "$log"
re='^tessera\[[0-9]+/[0-9]+\] 20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}Z: '
check "every line has pid/tid and a UTC timestamp" test -z "$(grep -Ev "$re" "$log" | head -3)"
pid_tid=$(sed -n 's/^tessera\[\([0-9]*\)\/\([0-9]*\)\].*/\1 \2/p' "$log" | head -1)
check "the first line (C_Initialize) is on the main thread (tid = pid)" test "${pid_tid% *}" = "${pid_tid#* }"
check "the PIN is not in the log" test "$(grep -c "$PIN" "$log" || true)" = 0
check "the PIN is not in the log in hex either" test "$(grep -ci "$(printf %s "$PIN" | od -An -tx1 | tr -d ' \n')" "$log" || true)" = 0
finish
