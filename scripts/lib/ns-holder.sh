#!/bin/sh
# Namespace holder of a sandbox: run by `unshare --mount --propagation private
# --net` in scripts/lib/sandbox.sh. Sets up the private mounts pcscd needs
# (references.md: tmpfs on /run, the sandbox bound onto /run/pcscd), then
# stays alive so pcscd and the cards can be started inside with nsenter.
# It doubles as a watchdog: if the process that owns the sandbox dies without
# tearing down (SIGKILL, ctest timeout), it kills everything in the namespace
# and removes the sandbox directory.
#   ns-holder.sh SANDBOX OWNER_PID
set -eu
sandbox=$1
owner=$2
ctl=$sandbox/ctl

ip link set lo up
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/pcscd
mount --bind "$sandbox" /run/pcscd
# Hide the host's USB reader drivers: a private pcscd must not grab the
# host's real readers (it would compete with the system pcscd for them).
if [ -d /usr/lib/pcsc/drivers ]; then
    mount --bind "$ctl/no-drivers" /usr/lib/pcsc/drivers
fi
echo $$ >"$ctl/holder.pid.tmp"
mv "$ctl/holder.pid.tmp" "$ctl/holder.pid"

set +e
# tail --pid polls the owner once a second without spawning processes.
tail --pid="$owner" -f /dev/null
# The owner is gone without a teardown (a teardown kills us first).
me=$(stat -L -c %i /proc/$$/ns/net)
for sig in TERM KILL; do
    for pid in $(stat -L -c '%i %n' /proc/[0-9]*/ns/net 2>/dev/null |
        awk -v ns="$me" '$1 == ns { split($2, a, "/"); print a[3] }'); do
        [ "$pid" = $$ ] || kill -s $sig "$pid" 2>/dev/null
    done
    sleep 0.5
done
if [ "${TESSERA_KEEP_SANDBOX:-0}" != 1 ]; then
    rm -rf "$sandbox"
fi
