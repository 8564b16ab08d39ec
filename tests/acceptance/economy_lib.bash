# Shared helpers of the tests/acceptance/economy_*.sh APDU-count tests.
# Sourced after ride/lib.sh (it needs $work, $PIN, $PY, die). Counts come from
# the module's debug log: every PKCS#11 call that sent APDUs logs "(N APDUs)".
# shellcheck shell=bash

apdus() { # LOGFILE: sum of the per-call APDU counts
    grep -o '([0-9]* APDUs)' "$1" | tr -dc '0-9\n' | awk '{s += $1} END {print s + 0}'
}

run_counted() { # NAME PKCS11-TOOL-ARGS...: output in $work/NAME.out, count in $work/NAME.n
    local name=$1
    shift
    TESSERA_DEBUG=1 TESSERA_LOG_FILE="$work/$name.log" \
        pkcs11-tool --module "$TESSERA_MODULE" "$@" >"$work/$name.out" 2>&1 || die "pkcs11-tool $* failed"
    apdus "$work/$name.log" >"$work/$name.n"
    echo "# $name: $(cat "$work/$name.n") APDUs"
}

sign_loop() { # KEY-ID-HEX COUNT: COUNT SHA256-RSA-PKCS signatures in one logged-in
    # session of the first token; the APDUs of the C_Sign calls in $work/loop.n
    local id=$1 count=$2
    TESSERA_DEBUG=1 TESSERA_LOG_FILE="$work/loop.log" "$PY" - "$TESSERA_MODULE" "$PIN" "$id" "$count" \
        >"$work/loop.out" 2>&1 <<'PY' || { cat "$work/loop.out"; die "signature loop failed"; }
import sys
import PyKCS11
from PyKCS11.LowLevel import CKA_CLASS, CKA_ID, CKF_SERIAL_SESSION, CKM_SHA256_RSA_PKCS, CKO_PRIVATE_KEY
module, pin, key_id, count = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3]), int(sys.argv[4])
lib = PyKCS11.PyKCS11Lib()
lib.load(module)
slot = lib.getSlotList(tokenPresent=True)[0]
session = lib.openSession(slot, CKF_SERIAL_SESSION)
session.login(pin)
key = session.findObjects([(CKA_CLASS, CKO_PRIVATE_KEY), (CKA_ID, key_id)])[0]
for _ in range(count):
    session.sign(key, b"economy", PyKCS11.Mechanism(CKM_SHA256_RSA_PKCS))
session.logout()
session.closeSession()
print("signed", count)
PY
    grep -E 'C_Sign(Init)?\(.*\) = ' "$work/loop.log" >"$work/loop.sign.log" || true
    apdus "$work/loop.sign.log" >"$work/loop.n"
    echo "# loop: $(cat "$work/loop.n") APDUs for $count signatures"
}
