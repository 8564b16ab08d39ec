#!/usr/bin/env bash
# Stop, kill or start the pcscd of the sandbox we run in ($TESSERA_SANDBOX),
# for the pcscd-restart tests: vcard-ctl restarts pcscd only inside
# add-reader/remove-reader, with no window in which it is down.
#
# Uses the harness's own functions (scripts/lib/sandbox.sh, read only) under
# its lock.
#   pcscd_ctl.sh stop     SIGTERM (pcscd removes its socket)
#   pcscd_ctl.sh kill     SIGKILL (stale socket and pid file stay behind)
#   pcscd_ctl.sh start    start it again; returns once the running cards are present
set -euo pipefail
SB_PROG=pcscd_ctl
# shellcheck source=../../scripts/lib/sandbox.sh
. "$(dirname "$(readlink -f "$0")")/../../scripts/lib/sandbox.sh"
sb_load
exec 9>"$SB_CTL/lock"
flock 9
case ${1:-} in
    stop) sb_stop pcscd ;;
    kill)
        pid=$(sb_pid pcscd) || sb_die "pcscd is not running"
        rm -f "$SB_CTL/pcscd.pid"
        kill -KILL "$pid"
        for ((i = 0; i < 250; i++)); do
            sb_alive "$pid" || exit 0
            sleep 0.02
        done
        sb_die "pcscd (pid $pid) survived SIGKILL"
        ;;
    start)
        sb_alive "$(sb_pid pcscd)" && sb_die "pcscd is running"
        sb_start_pcscd
        sb_wait_pcscd
        mapfile -t cards < <(sb_running_cards)
        if [ ${#cards[@]} -gt 0 ]; then
            sb_wait_cards present "${cards[@]}" >/dev/null || sb_die "cards did not come back"
        fi
        ;;
    *) sb_die "usage: pcscd_ctl.sh stop|kill|start" ;;
esac
