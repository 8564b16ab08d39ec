#!/usr/bin/env bash
# Acceptance (issue 9, "Everywhere"): a process that has the token open sees
# what another process wrote on its next C_FindObjectsInit. Process A (PyKCS11)
# opens a session, reads key 03's certificate, and waits; process B
# (pkcs11-tool, SO = management key) writes a new certificate for key 03 (its
# write ends with a card reset); A's next search finds the new certificate
# (its bytes), through the reset it observed and the driver's cheap check.
# Control: without B's write, A's second search serves the same objects with
# the same handles. The same when A released the card while idle before B
# wrote (A sees no reset then; reconnecting counts as a possible change).
# Writes through Tessera drop the card's persistent cache entry (certificate
# write and delete, key generation), and a writing process finds what it
# wrote at once; a third process reads the new certificate.
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
    TESSERA_IDLE_DISCONNECT_MS=${A_IDLE_MS:-3000} TESSERA_DEBUG=1 TESSERA_LOG_FILE="$out.log" "$PY" "$work/a.py" "$TESSERA_MODULE" "$work/go" "$work/done" >"$out" 2>&1 &
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
echo "-- A released the card while idle; then B writes another certificate for key 03"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/idle.key" \
    -subj "/CN=written while A was idle" -days 30 -outform DER -out "$work/idle.der" 2>/dev/null
A_IDLE_MS=200 run_a "$work/idle.out" sh -c "sleep 1 && pkcs11-tool --module '$TESSERA_MODULE' --login --login-type so \
    --so-pin '$MGMT_KEY' --write-object '$work/idle.der' --type cert --id 03"
idle=$(od -An -v -tx1 "$work/idle.der" | tr -d ' \n')
check "A released the card before B wrote" grep -q 'idle: released the card' "$work/idle.out.log"
check "after idle, A's next search finds B's certificate" sh -c "test \"\$(awk '/^second/{print \$3}' '$work/idle.out')\" = '$idle'"

check "a third process reads B's certificate" sh -c "pkcs11-tool --module '$TESSERA_MODULE' --read-object --type cert --id 03 -o '$work/third.der' && cmp '$work/idle.der' '$work/third.der'"

echo "-- writes through Tessera drop the persistent cache entry"
entry() { find "$work/home/cache" -maxdepth 1 -name 'piv-*.cache' -print -quit 2>/dev/null; }
so() { pkcs11-tool --module "$TESSERA_MODULE" --login --login-type so --so-pin "$MGMT_KEY" "$@"; }
dropped_by() { # WHAT PKCS11-TOOL-ARGS...: a warm entry exists, the write runs, no entry is left
    local what=$1
    shift
    pkcs11-tool --module "$TESSERA_MODULE" -O >/dev/null 2>&1 || die "pkcs11-tool -O failed"
    [ -n "$(entry)" ] || die "no cache entry before $what"
    so "$@" >"$work/so.out" 2>&1 || die "$what failed: $(cat "$work/so.out")"
    check "$what dropped the cache entry" test -z "$(entry)"
}
dropped_by "certificate write" --write-object "$work/new.der" --type cert --id 03
dropped_by "certificate delete" --delete-object --type cert --id 03
dropped_by "key generation" --keypairgen --key-type EC:prime256v1 --id 03
check "the next process lists the generated key, without a certificate" "$PY" -c "
import sys, PyKCS11
from PyKCS11.LowLevel import CKA_CLASS, CKA_ID, CKA_KEY_TYPE, CKK_EC, CKO_CERTIFICATE, CKO_PUBLIC_KEY
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList(tokenPresent=True)[0])
keys = s.findObjects([(CKA_CLASS, CKO_PUBLIC_KEY), (CKA_ID, b'\\x03'), (CKA_KEY_TYPE, CKK_EC)])
certs = s.findObjects([(CKA_CLASS, CKO_CERTIFICATE), (CKA_ID, b'\\x03')])
sys.exit(0 if len(keys) == 1 and not certs else 'keys %d certs %d' % (len(keys), len(certs)))
" "$TESSERA_MODULE"

echo "-- the writing process finds what it wrote at once"
cat >"$work/self.py" <<'PY'
import sys
import PyKCS11
from PyKCS11.LowLevel import (CKA_CERTIFICATE_TYPE, CKA_CLASS, CKA_ID, CKA_TOKEN, CKA_VALUE, CKC_X_509,
                              CKF_RW_SESSION, CKF_SERIAL_SESSION, CKO_CERTIFICATE, CKU_SO)
module, mgmt, der = sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read()
lib = PyKCS11.PyKCS11Lib()
lib.load(module)
s = lib.openSession(lib.getSlotList(tokenPresent=True)[0], CKF_SERIAL_SESSION | CKF_RW_SESSION)
def certs03():
    return [bytes(s.getAttributeValue(o, [CKA_VALUE])[0])
            for o in s.findObjects([(CKA_CLASS, CKO_CERTIFICATE), (CKA_ID, b"\x03")])]
print("before", len(certs03()))
s.login(mgmt, CKU_SO)
h = s.createObject([(CKA_CLASS, CKO_CERTIFICATE), (CKA_CERTIFICATE_TYPE, CKC_X_509), (CKA_TOKEN, True),
                    (CKA_ID, b"\x03"), (CKA_VALUE, der)])
after = certs03()
print("written", len(after), after == [der])
s.destroyObject(h)
print("deleted", len(certs03()))
PY
check "in one process: write, find it, delete, find none" sh -c "'$PY' '$work/self.py' '$TESSERA_MODULE' '$MGMT_KEY' '$work/new.der' >'$work/self.out' 2>&1; cat '$work/self.out'; grep -qx 'before 0' '$work/self.out' && grep -qx 'written 1 True' '$work/self.out' && grep -qx 'deleted 0' '$work/self.out'"
finish
