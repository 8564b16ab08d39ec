#!/usr/bin/env bash
# Two sandboxes side by side (both vpcd's on the same port, each in its own
# network namespace): each pcscd sees only its own cards, and removing a card
# in one leaves the other alone. Sandbox B runs inside sandbox A's command.
. "$(dirname "$0")/harness_lib.sh"

if [ -z "${SIDE_BY_SIDE_STAGE:-}" ]; then
    SIDE_BY_SIDE_STAGE=a exec "$WVC" -- /bin/bash "$0"
fi
if [ "$SIDE_BY_SIDE_STAGE" = a ]; then
    export A_SANDBOX=$TESSERA_SANDBOX A_SOCK=$PCSCLITE_CSOCK_NAME
    SIDE_BY_SIDE_STAGE=b exec "$WVC" -- /bin/bash "$0"
fi

# stage b: both sandboxes are up
B_SANDBOX=$TESSERA_SANDBOX B_SOCK=$PCSCLITE_CSOCK_NAME
[ "$A_SANDBOX" != "$B_SANDBOX" ] || fail "one sandbox for two runs"
[ "$(sandbox_ns "$A_SANDBOX")" != "$(sandbox_ns "$B_SANDBOX")" ] || fail "shared network namespace"
ok "two sandboxes: $A_SANDBOX $B_SANDBOX"

probe() { # SOCKET ARGS...
    local sock=$1
    shift
    PCSCLITE_CSOCK_NAME=$sock "$PY" "$ROOT/scripts/lib/pcsc_probe.py" "$@"
}
r="Tessera Virtual Reader"
probe "$A_SOCK" wait --timeout 2 present "$r" 0 >/dev/null || fail "A's PIV card"
probe "$B_SOCK" wait --timeout 2 present "$r" 0 >/dev/null || fail "B's PIV card"
ok "both PIV cards present"

TESSERA_SANDBOX=$A_SANDBOX "$VCTL" remove piv
probe "$A_SOCK" wait --timeout 2 absent "$r" 0 >/dev/null || fail "A's PIV card still there"
probe "$B_SOCK" wait --timeout 0 present "$r" 0 >/dev/null || fail "B's PIV card went with A's"
ok "removing A's card leaves B's"

"$VCTL" remove piv # B (TESSERA_SANDBOX)
TESSERA_SANDBOX=$A_SANDBOX "$VCTL" insert piv
probe "$A_SOCK" wait --timeout 0 present "$r" 0 >/dev/null || fail "A's PIV card not back"
probe "$B_SOCK" wait --timeout 0 absent "$r" 0 >/dev/null || fail "B's PIV card came back with A's"
ok "inserting A's card leaves B's reader empty"
