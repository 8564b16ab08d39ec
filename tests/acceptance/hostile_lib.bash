# Shared steps of the tests/acceptance/hostile_*.sh tests (sourced; not a test
# itself, hence not .sh): run pkcs11-tool against tessera-pkcs11.so while a
# hostile virtual card (tessera-vcard --hostile MODE) corrupts answers, and
# check each run ends cleanly: no crash, no hang, bounded memory, a named CKR.
# shellcheck shell=bash disable=SC2034
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/ride/lib.sh"
require pkcs11-tool timeout /usr/bin/time

HOSTILE_TIMEOUT=${HOSTILE_TIMEOUT:-30}
HOSTILE_MAX_RSS_KB=$((200 * 1024))
export TESSERA_DEBUG=2
export TESSERA_LOG_FILE=$work/tessera.log
: >"$TESSERA_LOG_FILE"
HOSTILE_DATA=$work/data.bin
# a failing pkcs11-tool is clean when it names a CKR or says the module offers nothing
HOSTILE_CLEAN='CKR_[A-Z_]+|No slot with a token|No slots|Private key not found'
head -c 32 /dev/zero | tr '\0' 'h' >"$HOSTILE_DATA"

# hostile_run NAME ARGS... : pkcs11-tool ARGS against our module, under a hard
# timeout and /usr/bin/time -v. Sets $rc; output in $work/NAME.out, this run's
# module log in $work/NAME.log. Fails on a crash, a hang or RSS above the bound;
# a failing exit must come with a named CKR_ (or pkcs11-tool's no-token message).
hostile_run() {
    local name=$1 before rss
    shift
    before=$(wc -l <"$TESSERA_LOG_FILE")
    set +e
    /usr/bin/time -v -o "$work/$name.time" timeout -k 5 "$HOSTILE_TIMEOUT" \
        pkcs11-tool --module "$TESSERA_MODULE" "$@" >"$work/$name.out" 2>&1
    rc=$?
    set -e
    echo "$rc" >"$work/$name.rc"
    tail -n +"$((before + 1))" "$TESSERA_LOG_FILE" >"$work/$name.log"
    sed 's/^/#   /' "$work/$name.out" | head -n 40
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        fail "$name: hung (killed after ${HOSTILE_TIMEOUT}s)"
    elif [ "$rc" -ge 128 ] || grep -q 'terminated by signal' "$work/$name.time"; then
        fail "$name: crashed (exit $rc: $(grep -m1 'signal' "$work/$name.time" || true))"
    elif [ "$rc" = 0 ]; then
        pass "$name: exit 0"
    elif grep -Eq "$HOSTILE_CLEAN" "$work/$name.out"; then
        pass "$name: clean failure ($(grep -Eom1 "$HOSTILE_CLEAN" "$work/$name.out"))"
    else
        fail "$name: exit $rc without a named CKR"
    fi
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/$name.time")
    if [ -n "$rss" ] && [ "$rss" -lt "$HOSTILE_MAX_RSS_KB" ]; then
        pass "$name: max RSS ${rss} kB"
    else
        fail "$name: max RSS '${rss}' kB (bound $HOSTILE_MAX_RSS_KB kB)"
    fi
}

# hostile_standard [SIGN-ARGS...] : -L, -O, then a login and a signature
# (default: key 01 with SHA256-RSA-PKCS).
hostile_standard() {
    [ $# -gt 0 ] || set -- --id 01 -m SHA256-RSA-PKCS
    hostile_run list -L
    hostile_run objects -O
    hostile_run sign --login --pin "$PIN" --sign "$@" -i "$HOSTILE_DATA" -o "$work/sig.bin"
}

# expect_log REGEX : the module's debug log names the problem
expect_log() {
    if grep -Eiq "$1" "$TESSERA_LOG_FILE"; then
        pass "module log names it: $(grep -Eio -m1 ".{0,60}($1).{0,60}" "$TESSERA_LOG_FILE" | head -n1)"
    else
        fail "module log has no line matching /$1/"
        grep -E 'failed|error|CKR_|malformed' "$TESSERA_LOG_FILE" | tail -n 10 | sed 's/^/#   /'
    fi
}

# expect_card_log KIND : the hostile card really served its corruption
expect_card_log() {
    if grep -q 'tessera-vcard: hostile' "$TESSERA_SANDBOX/$1.log"; then
        pass "the $1 card served: $(grep -m1 'tessera-vcard: hostile' "$TESSERA_SANDBOX/$1.log")"
    else
        fail "the hostile $1 card never corrupted an answer"
    fi
}

# expect_output NAME REGEX WHAT : NAME's output matches (e.g. what is still valid is served)
expect_output() {
    if grep -Eq "$2" "$work/$1.out"; then pass "$1: $3"; else fail "$1: $3 (no /$2/)"; fi
}

# expect_rv NAME REGEX : NAME failed with a CKR matching REGEX
expect_rv() {
    local got
    got=$(cat "$work/$1.rc")
    if [ "$got" != 0 ] && grep -Eq "$2" "$work/$1.out"; then pass "$1: fails with /$2/"; else
        fail "$1: expected a failure with /$2/ (exit $got)"; fi
}

# expect_rc NAME STATUS : NAME exited with STATUS (0: what is still valid was served)
expect_rc() {
    local got
    got=$(cat "$work/$1.rc")
    if [ "$got" = "$2" ]; then pass "$1: exit $2"; else fail "$1: exit $got, want $2"; fi
}

# expect_signature_valid : sig.bin from hostile_standard is absent (the module
# refused) or a valid SHA256-RSA-PKCS signature by key 01 — never CKR_OK with garbage.
expect_signature_valid() {
    if [ "$(cat "$work/sign.rc")" != 0 ]; then pass "sign: refused, no signature returned"; return; fi
    pkcs11-tool --module "$TESSERA_MODULE" --read-object --type pubkey --id 01 -o "$work/pub.der" >/dev/null 2>&1 ||
        { fail "cannot read public key 01"; return; }
    if openssl dgst -sha256 -verify "$work/pub.der" -keyform DER -signature "$work/sig.bin" "$HOSTILE_DATA" \
        >"$work/verify.out" 2>&1; then
        pass "sign: the signature returned verifies"
    else
        fail "sign: CKR_OK with a signature that does not verify ($(stat -c %s "$work/sig.bin") bytes)"
    fi
}
