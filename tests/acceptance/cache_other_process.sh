#!/usr/bin/env bash
# Acceptance (issue 9, "Everywhere"): a process that has the token open sees
# what another process wrote on its next C_FindObjectsInit. Process A (PyKCS11)
# opens a session, reads key 03's certificate, and waits; process B
# (pkcs11-tool, SO = management key) writes a new certificate for key 03 (its
# write ends with a card reset); A's next search finds the new certificate
# (its bytes), through the reset it observed and the driver's cheap check.
# Control: without B's write, A's second search serves the same objects with
# the same handles. Also: B's write dropped the persistent cache entry, so a
# third process reads the new certificate.
# sandbox-args: --piv=yubikey --openpgp=none
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require pkcs11-tool openssl "$PY"
MGMT_KEY=010203040506070801020304050607080102030405060708

mkdir -p "$work/home"
printf 'cache_dir = %s\n' "$work/home/cache" >"$work/tessera.conf"
export HOME="$work/home" TESSERA_CONF="$work/tessera.conf"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/new.key" \
    -subj "/CN=written by process B" -days 30 -outform DER -out "$work/new.der" 2>/dev/null

cat >"$work/a.py" <<'PY'
import os, sys, time
import PyKCS11
from PyKCS11.LowLevel import CKA_CLASS, CKA_ID, CKA_VALUE, CKF_SERIAL_SESSION, CKO_CERTIFICATE
module, go, done = sys.argv[1], sys.argv[2], sys.argv[3]
lib = PyKCS11.PyKCS11Lib()
lib.load(module)
slot = lib.getSlotList(tokenPresent=True)[0]
s = lib.openSession(slot, CKF_SERIAL_SESSION)
def cert03():
    found = s.findObjects([(CKA_CLASS, CKO_CERTIFICATE), (CKA_ID, b"\x03")])
    if len(found) != 1:
        return None, None
    return found[0].value(), bytes(s.getAttributeValue(found[0], [CKA_VALUE])[0])
h1, v1 = cert03()
open(go, "w").write(v1.hex())
while not os.path.exists(done):
    time.sleep(0.05)
h2, v2 = cert03()
print("first", h1, v1.hex())
print("second", h2, v2.hex() if v2 else None)
PY

run_a() { # OUT: runs A; between its two searches runs "$@" (or nothing)
    local out=$1
    shift
    rm -f "$work/go" "$work/done"
    TESSERA_DEBUG=1 TESSERA_LOG_FILE="$out.log" "$PY" "$work/a.py" "$TESSERA_MODULE" "$work/go" "$work/done" >"$out" 2>&1 &
    local pid=$!
    for _ in $(seq 200); do [ -s "$work/go" ] && break; sleep 0.05; done
    [ -s "$work/go" ] || { kill "$pid"; die "process A did not start: $(cat "$out")"; }
    if [ $# -gt 0 ]; then "$@" >"$out.b" 2>&1 || { touch "$work/done"; wait "$pid" || true; die "process B failed: $(cat "$out.b")"; }; fi
    touch "$work/done"
    wait "$pid" || die "process A failed: $(cat "$out")"
}

echo "-- control: no write between A's two searches"
run_a "$work/control.out"
check "control: the same handle both times" sh -c "test \"\$(awk '/^first/{print \$2}' '$work/control.out')\" = \"\$(awk '/^second/{print \$2}' '$work/control.out')\""
check "control: the same certificate both times" sh -c "test \"\$(awk '/^first/{print \$3}' '$work/control.out')\" = \"\$(awk '/^second/{print \$3}' '$work/control.out')\""
check "control: no rebuild" sh -c "! grep -q 'changed by another application' '$work/control.out.log'"

echo "-- process B writes a new certificate for key 03 while A holds its session"
run_a "$work/written.out" pkcs11-tool --module "$TESSERA_MODULE" --login --login-type so --so-pin "$MGMT_KEY" \
    --write-object "$work/new.der" --type cert --id 03
new=$(od -An -v -tx1 "$work/new.der" | tr -d ' \n')
check "A's first search served the old certificate" sh -c "test \"\$(awk '/^first/{print \$3}' '$work/written.out')\" != '$new'"
check "A's next search finds B's certificate" sh -c "test \"\$(awk '/^second/{print \$3}' '$work/written.out')\" = '$new'"
check "A rebuilt its objects after the reset" grep -q 'changed by another application' "$work/written.out.log"
check "a third process reads B's certificate" sh -c "pkcs11-tool --module '$TESSERA_MODULE' --read-object --type cert --id 03 -o '$work/third.der' && cmp '$work/new.der' '$work/third.der'"
finish
