#!/usr/bin/env bash
# Acceptance, the ride test: no other application can use the PIN that
# tessera-pkcs11.so verifies. While a PyKCS11 process logs in once and signs
# 200 times with 9A through the module (ride/signer.py), a second process
# talks straight to PC/SC on the same card (ride/intruder.py: SELECT PIV,
# GENERAL AUTHENTICATE with 9A/9C/9D, empty VERIFY, in a tight loop, never a
# PIN). Passes when every signature succeeded and verifies, the intruder made
# at least 50 attempts, and not one GENERAL AUTHENTICATE or empty VERIFY was
# answered with success. Runs inside scripts/with-virtual-cards.
# sandbox-timeout: 600
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require "$PY" timeout
"$PY" -c 'import PyKCS11' 2>/dev/null || die "python3-pykcs11 is not installed for $PY"
"$PY" -c 'import smartcard.scard' 2>/dev/null || die "python3-pyscard is not installed for $PY"
"$PY" -c 'import cryptography' 2>/dev/null || die "python3-cryptography is not installed for $PY"
COUNT=${RIDE_SIGNATURES:-200}
MIN_ATTEMPTS=${RIDE_MIN_ATTEMPTS:-50}
PAUSE_MS=${RIDE_PAUSE_MS:-100}

reader=${TESSERA_PIV_READER:-}
if [ -z "$reader" ]; then
    reader=$("$PY" -c 'from smartcard.scard import *
hr, c = SCardEstablishContext(SCARD_SCOPE_USER); hr, r = SCardListReaders(c, []); print(r[0])')
fi
echo "# PIV reader: $reader; $COUNT signatures ~${PAUSE_MS} ms apart, >= $MIN_ATTEMPTS intruder attempts wanted"

"$PY" "$RIDE_DIR/intruder.py" "$reader" "$work/ready" "$work/stop" "$work/intruder.json" \
    2>"$work/intruder.err" &
intruder=$!
on_exit "kill $intruder 2>/dev/null; wait $intruder 2>/dev/null"
for ((i = 0; i < 600; i++)); do
    [ -e "$work/ready" ] && break
    kill -0 "$intruder" 2>/dev/null || break
    sleep 0.05
done
[ -e "$work/ready" ] || { cat "$work/intruder.err"; die "the intruder did not start"; }
pass "intruder running (pid $intruder)"

if timeout 600 "$PY" "$RIDE_DIR/signer.py" "$COUNT" "$PAUSE_MS" "$work/signer.json"; then
    pass "signer exit 0"
else
    fail "signer exit status $?"
fi
touch "$work/stop"
for ((i = 0; i < 200; i++)); do
    [ -e "$work/intruder.json" ] && break
    sleep 0.05
done
kill "$intruder" 2>/dev/null || true
wait "$intruder" 2>/dev/null || true
sed 's/^/# intruder: /' "$work/intruder.err"
[ -s "$work/intruder.json" ] || die "the intruder wrote no result"

# assertions over both JSON results
"$PY" - "$work/signer.json" "$work/intruder.json" "$COUNT" "$MIN_ATTEMPTS" <<'PYEOF' || failures=$((failures + 1))
import json, sys
signer_file, intruder_file, count, minimum = sys.argv[1:5]
count, minimum = int(count), int(minimum)
bad = 0
def check(cond, what):
    global bad
    print(("ok   - " if cond else "FAIL - ") + what)
    bad += 0 if cond else 1
try:
    s = json.load(open(signer_file))
except (OSError, ValueError):
    s = {"signed": 0, "verified": 0, "seconds": 0, "start": 0, "end": 0, "errors": ["no signer result"]}
i = json.load(open(intruder_file))
c = i["counts"]
print("# signer: %d signed, %d verified in %.1f s (%.0f ms each)" % (
    s["signed"], s["verified"], s["seconds"], 1000 * s["seconds"] / max(1, s["signed"])))
for e in s.get("errors", []):
    print("#   " + e)
print("# intruder: %s rounds in %s s; counts %s" % (c.get("rounds", 0), i["seconds"], json.dumps(c, sort_keys=True)))
for name, sws in sorted(i["status_words"].items()):
    print("#   %-22s %s" % (name, ", ".join("%s x%d" % kv for kv in sorted(sws.items()))))
if i["pcsc_errors"]:
    print("#   PC/SC errors: %s" % i["pcsc_errors"])
check(s["signed"] == count, "all %d signatures made (%d)" % (count, s["signed"]))
check(s["verified"] == count, "all %d signatures verify (%d)" % (count, s["verified"]))
during = sum(1 for t in i["attempt_times"] if s["start"] <= t <= s["end"])
print("# intruder: %d of its %d attempts while the signer was signing" % (during, len(i["attempt_times"])))
check(during >= 2 * minimum, "%d GENERAL AUTHENTICATE/VERIFY attempts while the signer was signing (>= %d)"
      % (during, 2 * minimum))
ga = c.get("GENERAL AUTHENTICATE", 0)
check(ga >= minimum, "intruder made %d GENERAL AUTHENTICATE attempts (>= %d)" % (ga, minimum))
check(c.get("VERIFY", 0) >= minimum, "intruder made %d empty VERIFY attempts (>= %d)" % (c.get("VERIFY", 0), minimum))
check(c.get("GENERAL AUTHENTICATE success", 0) == 0,
      "no GENERAL AUTHENTICATE succeeded (%d did)" % c.get("GENERAL AUTHENTICATE success", 0))
check(c.get("VERIFY success", 0) == 0, "no empty VERIFY answered 9000 (%d did)" % c.get("VERIFY success", 0))
# the attempts were really answered by the card (not all PC/SC errors)
answered = sum(n for name, sws in i["status_words"].items() if name.startswith("GA")
               for sw, n in sws.items() if sw != "error")
check(answered >= minimum, "%d GENERAL AUTHENTICATE attempts answered by the card (>= %d)" % (answered, minimum))
sys.exit(1 if bad else 0)
PYEOF

finish
