#!/usr/bin/env bash
# shellcheck disable=SC2016 # single-quoted parts expand in the sandboxed command
# Without root: the harness runs pcscd and the cards as root of a user
# namespace. Run as "nobody" (via setpriv) when we are root, else as we are.
# Needs unprivileged user namespaces (Debian 12's default).
. "$(dirname "$0")/harness_lib.sh"
need setpriv

as=()
if [ "$(id -u)" = 0 ]; then
    id nobody >/dev/null 2>&1 || fail "no user nobody"
    as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env)
fi
# (--reset-env: keep what we need explicitly)
out=$(cd /tmp && "${as[@]}" env PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    TESSERA_BUILD_DIR="$TESSERA_BUILD_DIR" TESSERA_NO_BUILD=1 \
    "$WVC" -- /bin/sh -c 'id -u; echo "$TESSERA_SANDBOX"; '"$PY $ROOT"'/scripts/lib/pcsc_probe.py wait --timeout 0 present "Tessera Virtual Reader" 0 && '"$VCTL"' remove piv && '"$VCTL"' insert piv && echo cycled') ||
    fail "the harness without root failed"
echo "$out"
mapfile -t lines <<<"$out"
set -- "${lines[@]}"
[ "$(id -u)" != 0 ] || [ "$1" = "$(id -u nobody)" ] || fail "the command ran as uid $1"
[ "${*: -1}" = cycled ] || fail "remove/insert without root"
assert_gone "$2"
ok "without root: cards present, remove/insert, torn down"
