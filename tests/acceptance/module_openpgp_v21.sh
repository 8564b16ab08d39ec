#!/usr/bin/env bash
# Acceptance: tessera-pkcs11.so on a virtual OpenPGP 2.1 card (RSA-2048, short
# APDUs with command chaining, no VERIFY P1=FF): C_Login, signatures with the
# authentication key (03) and the signature key (01), decryption with 02 and
# C_Logout all work (module_openpgp_sign.py v21); since the card cannot reset
# the PIN state, the module ends each private-key transaction with a card
# reset, which the debug log says ("card reset") and another PC/SC client sees
# (SCARD_W_RESET_CARD on a handle opened before); a separate process finds
# PW1 not verified after every operation and at the end; and the debug log
# (TESSERA_DEBUG=2, with the APDU trace) holds no PIN.
# Runs inside scripts/with-virtual-cards.
# sandbox-args: --piv=none --openpgp=v21
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=lib/openpgp.sh
. "$(dirname "$(readlink -f "$0")")/lib/openpgp.sh"
require "$PY"
require_python_modules PyKCS11 smartcard cryptography

log=$work/tessera-debug.log
echo "# OpenPGP 2.1 card, serial $(state_field serial), PW1 mode $(state_field pw1-mode)"

# A bystander: a PC/SC handle on the card, opened before the module works and
# used after it: a card reset in between shows as SCARD_W_RESET_CARD.
"$PY" - "$TESSERA_OPENPGP_READER" "$work/bystander.ready" "$work/bystander.go" >"$work/bystander.out" 2>&1 <<'PYEOF' &
import os, sys, time
from smartcard import scard as sc
reader, ready, go = sys.argv[1:4]
hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
hr, card, proto = sc.SCardConnect(ctx, reader, sc.SCARD_SHARE_SHARED, sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1)
assert hr == sc.SCARD_S_SUCCESS, sc.SCardGetErrorMessage(hr)
select = [0x00, 0xA4, 0x04, 0x00, 0x06, 0xD2, 0x76, 0x00, 0x01, 0x24, 0x01]
hr, resp = sc.SCardTransmit(card, proto, select)
print("before: %s %s" % (sc.SCardGetErrorMessage(hr).strip(), bytes(resp[-2:]).hex()))
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.05)
hr, resp = sc.SCardTransmit(card, proto, select)
print("after: %s" % ("SCARD_W_RESET_CARD" if hr == sc.SCARD_W_RESET_CARD else sc.SCardGetErrorMessage(hr).strip()))
PYEOF
bystander=$!
on_exit "kill $bystander 2>/dev/null; wait $bystander 2>/dev/null"
for ((i = 0; i < 200; i++)); do [ -e "$work/bystander.ready" ] && break; sleep 0.05; done
[ -e "$work/bystander.ready" ] || { cat "$work/bystander.out"; die "the bystander did not start"; }

if (cd "$work" && TESSERA_DEBUG=2 TESSERA_LOG_FILE=$log "$PY" "$ACCEPTANCE_DIR/module_openpgp_sign.py" v21); then
    pass "module_openpgp_sign.py v21: login, sign with 03 and 01, decrypt with 02, logout"
else
    fail "module_openpgp_sign.py v21 (see the FAIL lines above)"
fi
touch "$work/bystander.go"
wait "$bystander" || true
sed 's/^/# bystander: /' "$work/bystander.out"
check "a PC/SC client connected during the operations sees the card reset (SCARD_W_RESET_CARD)" \
    grep -q '^after: SCARD_W_RESET_CARD' "$work/bystander.out"

# --- the debug log ------------------------------------------------------------------
[ -s "$log" ] || fail "TESSERA_DEBUG=2 wrote no log to $log"
echo "# debug log: $(wc -l <"$log") lines; the PIN-reset lines:"
grep -i 'reset' "$log" | sort | uniq -c | sort -rn | head -n 8 | sed 's/^/#   /'
check "debug log: the card refuses VERIFY P1=FF, the PIN state is dropped by a card reset" \
    grep -Eiq 'P1=FF.*card reset|cannot reset.*PIN' "$log"
hex_pin=$(printf '%s' "$PIN" | od -An -tx1 | tr -d ' \n')
spaced_pin=$(printf '%s' "$PIN" | od -An -tx1 | sed 's/^ //; s/ *$//' | tr -d '\n')
if grep -Fiq -e "$PIN" -e "$hex_pin" -e "$spaced_pin" "$log"; then
    fail "the debug log holds the PIN:"
    grep -Fin -e "$PIN" -e "$hex_pin" -e "$spaced_pin" "$log" | head -n 5 | sed 's/^/       /'
else
    pass "the debug log (APDU trace) holds no PIN"
fi

# --- afterwards: PW1 not verified, as another process sees it -------------------------
if status=$("$PY" "$LIB_DIR/openpgp_pin_status.py" "$TESSERA_OPENPGP_READER" 2>&1); then
    echo "# empty VERIFY from a separate process: $status"
    if [[ $status =~ 81=(63C[0-9A-F]|6982)\ 82=(63C[0-9A-F]|6982) ]]; then
        pass "afterwards PW1 (81, 82) is not verified ($status)"
    else
        fail "afterwards PW1 is verified: $status"
    fi
else
    fail "empty VERIFY from a separate process: $status"
fi

finish
