#!/usr/bin/env bash
# Acceptance (issue 10, pinentry): the module owns the retry. A scripted
# pinentry that always answers a wrong PIN is asked at most twice per C_Login
# (the second dialog says why, SETERROR, with the tries left); the call ends
# in CKR_PIN_INCORRECT; with one try left the module asks for a confirmation
# (CONFIRM) before it spends the last try, and a declined one is
# CKR_FUNCTION_CANCELED without a VERIFY; the right PIN then still logs in,
# both from the application and through pinentry: the card never blocked.
# A PIN blocked elsewhere is CKR_PIN_LOCKED with no dialog.
# Runs inside scripts/with-virtual-cards.
# sandbox-args: --openpgp=none
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require pkcs11-tool
script=$(dirname "$(readlink -f "$0")")/lib/pinentry_script.sh

slot=$(slot_for_module "$TESSERA_MODULE") || die "pkcs11-tool -L shows no slot for the PIV reader"
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }
printf 'pin_source = pinentry\npinentry_program = %s\n' "$script" >"$work/pe.conf"
log=$work/pinentry.log
export TESSERA_CONF=$work/pe.conf PINENTRY_LOG=$log
count() { grep -c "^$1" "$log" 2>/dev/null || true; }
flags() { p11 -L 2>&1 | grep 'token flags' | head -1; }

# 1. Always wrong, three tries on the card: two dialogs, then a clear CKR
: >"$log"
if PINENTRY_PIN=654321 p11 --login -O >"$work/out" 2>&1; then fail "a wrong PIN logged in"; fi
if grep -q CKR_PIN_INCORRECT "$work/out"; then pass "always-wrong pinentry: CKR_PIN_INCORRECT"; else
    fail "always-wrong pinentry: not CKR_PIN_INCORRECT"; sed 's/^/#   /' "$work/out"; fi
n=$(count GETPIN)
if [ "$n" -ge 1 ] && [ "$n" -le 2 ]; then pass "pinentry asked $n time(s) (at most 2)"; else fail "pinentry asked $n times"; fi
if grep -q '^SETERROR Wrong PIN' "$log" && grep -q '^SETDESC .*%0A2 tries left' "$log"; then
    pass "the second dialog says 'Wrong PIN' and shows 2 tries left"
else fail "no SETERROR / tries left in the second dialog"; sed 's/^/#   /' "$log"; fi
f=$(flags)
echo "# $f"
if [[ $f == *"final user PIN try"* ]]; then pass "the card has its last try left (not blocked)"; else fail "flags: $f"; fi

# 2. Last try: declined confirmation -> CKR_FUNCTION_CANCELED, no PIN asked
: >"$log"
if PINENTRY_PIN=654321 PINENTRY_CONFIRM=no p11 --login -O >"$work/out" 2>&1; then fail "logged in"; fi
if grep -q CKR_FUNCTION_CANCELED "$work/out"; then pass "last try not confirmed: CKR_FUNCTION_CANCELED"; else
    fail "last try not confirmed: not CKR_FUNCTION_CANCELED"; sed 's/^/#   /' "$work/out"; fi
if [ "$(count CONFIRM)" = 1 ] && [ "$(count GETPIN)" = 0 ]; then pass "CONFIRM asked, GETPIN not"; else
    fail "CONFIRM $(count CONFIRM) times, GETPIN $(count GETPIN) times"; fi
f=$(flags)
if [[ $f == *"final user PIN try"* && $f != *"PIN locked"* ]]; then pass "still the last try left"; else fail "flags: $f"; fi

# 3. The right PIN still logs in: from the application, then through pinentry
check "the right PIN from the application logs in" p11 --login --pin "$PIN" -O
f=$(flags)
if [[ $f != *"final user PIN try"* && $f != *"user PIN count low"* ]]; then pass "retry counter back to full"; else fail "flags: $f"; fi
: >"$log"
check "the right PIN through pinentry logs in" p11 --login -O
if [ "$(count GETPIN)" = 1 ]; then pass "pinentry asked once"; else fail "pinentry asked $(count GETPIN) times"; fi

# 4. A PIN blocked elsewhere (three wrong VERIFYs from pkcs11-tool with a PIN):
# CKR_PIN_LOCKED without a dialog
for _ in 1 2 3; do p11 --login --pin 000000 -O >/dev/null 2>&1 || true; done
: >"$log"
if p11 --login -O >"$work/out" 2>&1; then fail "logged in to a blocked PIN"; fi
if grep -q CKR_PIN_LOCKED "$work/out" && [ "$(count GETPIN)" = 0 ] && [ "$(count CONFIRM)" = 0 ]; then
    pass "blocked PIN: CKR_PIN_LOCKED, no dialog"
else fail "blocked PIN: $(grep -o 'CKR_[A-Z_]*' "$work/out" | head -1), $(count GETPIN) GETPIN"; fi
finish
