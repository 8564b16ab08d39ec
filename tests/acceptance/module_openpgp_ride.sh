#!/usr/bin/env bash
# Acceptance, the ride test on the OpenPGP card: no other application can use
# the PIN that tessera-pkcs11.so verifies. While a PyKCS11 process logs in once
# and makes 200 signatures through the module, alternating the signature key
# 01 (CKA_ALWAYS_AUTHENTICATE: a context-specific login per signature) and the
# authentication key 03, and decrypting with 02 every 10th round
# (lib/openpgp_signer.py), a second process talks straight to PC/SC on the
# same card (lib/openpgp_intruder.py: SELECT OpenPGP, PSO:CDS 00 2A 9E 9A,
# INTERNAL AUTHENTICATE 00 88 00 00, PSO:DECIPHER 00 2A 80 86, empty VERIFY
# 00 20 00 81 / 00 20 00 82, in a tight loop, never a PIN). Passes when every
# operation succeeded and verifies, the intruder made at least 50 attempts of
# each kind while the signer worked, and not one was answered with success.
# (module_openpgp_ride_v21.sh: the same on a 2.1 card, whose PIN state the
# module drops with a card reset.) Runs inside scripts/with-virtual-cards.
# sandbox-args: --piv=none --openpgp=v34
# sandbox-timeout: 600
set -euo pipefail
# shellcheck source=lib/openpgp.sh
. "$(dirname "$(readlink -f "$0")")/lib/openpgp.sh"
require "$PY" timeout
require_python_modules PyKCS11 smartcard cryptography
COUNT=${RIDE_SIGNATURES:-200}
MIN_ATTEMPTS=${RIDE_MIN_ATTEMPTS:-50}
PAUSE_MS=${RIDE_PAUSE_MS:-100}
DECRYPT_EVERY=${RIDE_DECRYPT_EVERY:-10}
reader=$TESSERA_OPENPGP_READER
profile=$(state_field profile)
# a 2.x card has no extended length: the intruder chains its PSO:DECIPHER
if [ "$profile" = v21 ]; then export INTRUDER_CHAINING=1; fi
echo "# OpenPGP card profile $profile"
echo "# OpenPGP reader: $reader; $COUNT signatures ~${PAUSE_MS} ms apart, >= $MIN_ATTEMPTS intruder attempts wanted"

"$PY" "$LIB_DIR/openpgp_intruder.py" "$reader" "$work/ready" "$work/stop" "$work/intruder.json" \
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

if timeout 600 "$PY" "$LIB_DIR/openpgp_signer.py" "$COUNT" "$PAUSE_MS" "$work/signer.json" "$DECRYPT_EVERY"; then
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
    s = {"done": {}, "want_decrypted": 0, "seconds": 0, "start": 0, "end": 0, "errors": ["no signer result"]}
d = s["done"]
i = json.load(open(intruder_file))
c = i["counts"]
print("# signer: %s in %.1f s" % (json.dumps(d, sort_keys=True), s["seconds"]))
for e in s.get("errors", []):
    print("#   " + e)
print("# intruder: %s rounds in %s s; counts %s" % (c.get("rounds", 0), i["seconds"], json.dumps(c, sort_keys=True)))
for name, sws in sorted(i["status_words"].items()):
    print("#   %-22s %s" % (name, ", ".join("%s x%d" % kv for kv in sorted(sws.items()))))
if i["pcsc_errors"]:
    print("#   PC/SC errors: %s" % i["pcsc_errors"])
n01, n03 = (count + 1) // 2, count // 2
check(d.get("signed 01") == n01 and d.get("verified 01") == n01,
      "all %d signatures with 01 made and verified (%s/%s)" % (n01, d.get("signed 01"), d.get("verified 01")))
check(d.get("signed 03") == n03 and d.get("verified 03") == n03,
      "all %d signatures with 03 made and verified (%s/%s)" % (n03, d.get("signed 03"), d.get("verified 03")))
check(d.get("decrypted 02") == s["want_decrypted"],
      "all %d decryptions with 02 gave the plaintext back (%s)" % (s["want_decrypted"], d.get("decrypted 02")))
during = sum(1 for t in i["attempt_times"] if s["start"] <= t <= s["end"])
print("# intruder: %d of its %d attempts while the signer was working" % (during, len(i["attempt_times"])))
check(during >= 4 * minimum, "%d attempts while the signer was working (>= %d)" % (during, 4 * minimum))
for name in ("PSO:CDS", "INTERNAL AUTHENTICATE", "VERIFY 81", "VERIFY 82", "PSO:DECIPHER"):
    check(c.get(name, 0) >= minimum, "intruder made %d %s attempts (>= %d)" % (c.get(name, 0), name, minimum))
    check(c.get(name + " success", 0) == 0, "no %s succeeded (%d did)" % (name, c.get(name + " success", 0)))
    answered = sum(n for sw, n in i["status_words"].get(name, {}).items() if sw != "error")
    check(answered >= minimum, "%d %s attempts answered by the card (>= %d)" % (answered, name, minimum))
sys.exit(1 if bad else 0)
PYEOF

finish
