#!/usr/bin/env bash
# Acceptance (issue 10, pinentry): with pin_source = pinentry the PIV token
# announces CKF_PROTECTED_AUTHENTICATION_PATH, so pkcs11-tool shows "PIN pad
# present" and logs in with a NULL PIN; the module asks the scripted pinentry
# (lib/pinentry_script.sh, answering 123456) and the 9A signature verifies
# with OpenSSL; the context-specific login of 9C with no PIN asks a second
# time. A PIN given by the application still works and asks no
# pinentry. Cancel, a missing program, a pinentry that never answers and a
# real pinentry-curses with no terminal and no display all end in
# CKR_FUNCTION_CANCELED within seconds, with the pinentry process gone.
# Runs inside scripts/with-virtual-cards.
# sandbox-args: --openpgp=none
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require pkcs11-tool openssl pinentry-curses setsid
script=$(dirname "$(readlink -f "$0")")/lib/pinentry_script.sh

slot=$(slot_for_module "$TESSERA_MODULE") || die "pkcs11-tool -L shows no slot for the PIV reader"
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }
conf() { # PROGRAM [TIMEOUT]: a config with pin_source = pinentry
    printf 'pin_source = pinentry\npinentry_program = %s\npinentry_timeout = %s\n' "$1" "${2:-60}" >"$work/pe.conf"
}
log=$work/pinentry.log
getpins() { grep -c '^GETPIN' "$log" 2>/dev/null || true; }

# Without the option: no protected path (the flag is the option's doing)
p11 -L >"$work/plain" 2>&1 || true
if grep -q 'PIN pad present' "$work/plain"; then fail "default config: -L shows 'PIN pad present'"; else
    pass "default config: no 'PIN pad present'"; fi

conf "$script"
export TESSERA_CONF=$work/pe.conf PINENTRY_LOG=$log
p11 -L >"$work/list" 2>&1 || fail "-L exit status $?"
if grep -q 'token flags.*PIN pad present' "$work/list"; then pass "pin_source = pinentry: -L shows 'PIN pad present'"; else
    fail "pin_source = pinentry: -L lacks 'PIN pad present'"; sed 's/^/#   /' "$work/list"; fi

check "read certificate 01" p11 --read-object --type cert --id 01 -o "$work/cert01.der"
openssl x509 -inform DER -in "$work/cert01.der" -pubkey -noout -out "$work/pub01.pem"
head -c 2048 /dev/urandom >"$work/msg"
: >"$log"
check "--login --sign without --pin (pinentry answers)" \
    p11 --login --sign --id 01 -m SHA256-RSA-PKCS -i "$work/msg" -o "$work/sig"
check "the signature verifies" openssl dgst -sha256 -verify "$work/pub01.pem" -signature "$work/sig" "$work/msg"
n=$(getpins)
if [ "$n" = 1 ]; then pass "pinentry asked once"; else fail "pinentry asked $n times, want 1"; fi
label=$(grep -o 'token label *: .*' "$work/list" | head -1 | sed 's/token label *: //; s/ *$//')
if grep -q "^SETDESC .*\"$label\".*%0A3 tries left" "$log"; then pass "SETDESC names the token and the tries left (escaped LF)"; else
    fail "SETDESC lacks the label '$label' or the tries left"; sed 's/^/#   /' "$log"; fi
for c in SETPROMPT BYE; do
    if grep -q "^$c" "$log"; then pass "pinentry got $c"; else fail "pinentry got no $c"; fi
done
if grep -q '123456' "$log"; then fail "the PIN appears in what the module sent pinentry"; else pass "no PIN in the requests"; fi

# 9C (CKA_ALWAYS_AUTHENTICATE): the context-specific login with no PIN asks too
check "read certificate 02" p11 --read-object --type cert --id 02 -o "$work/cert02.der"
openssl x509 -inform DER -in "$work/cert02.der" -pubkey -noout -out "$work/pub02.pem"
: >"$log"
check "9C --login --sign without --pin" p11 --login --sign --id 02 -m ECDSA-SHA256 --signature-format openssl \
    -i "$work/msg" -o "$work/sig02"
check "the 9C signature verifies" openssl dgst -sha256 -verify "$work/pub02.pem" -signature "$work/sig02" "$work/msg"
if [ "$(getpins)" = 2 ] && grep -q '^SETDESC .*allow one use of a key' "$log"; then
    pass "9C: a second dialog for the context-specific login"
else fail "9C: $(getpins) dialogs"; sed 's/^/#   /' "$log"; fi

# A PIN from the application: as before, no pinentry
: >"$log"
check "--login --pin still works" p11 --login --pin "$PIN" --sign --id 01 -m SHA256-RSA-PKCS -i "$work/msg" -o "$work/sig2"
n=$(getpins)
if [ "$n" = 0 ]; then pass "application PIN: pinentry not asked"; else fail "application PIN: pinentry asked $n times"; fi

# cancel / missing / hang / no terminal: CKR_FUNCTION_CANCELED, fast
cancelled() { # DESCRIPTION MAX-SECONDS
    local what=$1 max=$2 start end
    start=$(date +%s)
    if p11 --login -O >"$work/out" 2>&1; then fail "$what: login succeeded"; return; fi
    end=$(date +%s)
    if grep -q 'CKR_FUNCTION_CANCELED' "$work/out"; then pass "$what: CKR_FUNCTION_CANCELED"; else
        fail "$what: not CKR_FUNCTION_CANCELED"; sed 's/^/#   /' "$work/out"; fi
    if [ $((end - start)) -le "$max" ]; then pass "$what: within $max s ($((end - start)) s)"; else
        fail "$what: took $((end - start)) s"; fi
}
: >"$log"
PINENTRY_MODE=cancel cancelled "user cancels" 3
conf "$work/no-such-pinentry"
cancelled "pinentry missing" 3
conf "$script" 2
: >"$log"
PINENTRY_MODE=hang cancelled "pinentry never answers (timeout 2 s)" 8
pid=$(awk '/^pid /{print $2; exit}' "$log")
sleep 0.2
if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then pass "the hung pinentry ($pid) was killed and reaped"; else
    fail "the hung pinentry ${pid:-?} is still there"; fi
: >"$log"
PINENTRY_MODE=exit cancelled "pinentry dies at GETPIN" 3
conf "$(command -v pinentry-curses)"
(unset DISPLAY WAYLAND_DISPLAY GPG_TTY; cancelled "pinentry-curses with no terminal or display" 5 </dev/null) >"$work/curses" 2>&1 ||
    true
cat "$work/curses"
failures=$((failures + $(grep -c '^FAIL' "$work/curses" || true)))
# setsid: no controlling terminal either
conf "$(command -v pinentry-curses)"
if setsid -w env -u DISPLAY -u WAYLAND_DISPLAY -u GPG_TTY timeout 20 pkcs11-tool --module "$TESSERA_MODULE" \
    --slot "$slot" --login -O </dev/null >"$work/setsid" 2>&1; then fail "setsid pinentry-curses: login succeeded"
elif grep -q CKR_FUNCTION_CANCELED "$work/setsid"; then pass "setsid pinentry-curses: CKR_FUNCTION_CANCELED"
else fail "setsid pinentry-curses: not CKR_FUNCTION_CANCELED"; sed 's/^/#   /' "$work/setsid"; fi
finish
