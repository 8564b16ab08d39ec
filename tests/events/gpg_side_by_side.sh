#!/usr/bin/env bash
# events_gpg_side_by_side: GnuPG (scdaemon in pcsc-shared mode) and our module
# use the same OpenPGP card at the same time; both keep working, and neither
# leaves a verified PIN behind for other processes.
#
# gpg generates its keys on the card first (then scdaemon is restarted, so it
# starts with no PIN cached); then, three times over: gpg --card-status, a gpg
# signature (verified), a signature by a long-lived process using our module
# (key 03, serve_sign). After each step another process (pin_probe.py: empty
# VERIFY without a SELECT, which would reset the state it looks at) must find
# PW1 (81 and 82) not verified. Then gpg decrypts: scdaemon verifies PW1 82 and
# leaves it verified on the card (the probe must see that: it can fail); our
# module signs (its transaction ends with VERIFY FF) and the probe finds 82
# reset; we print what gpg --card-status and a second decryption then say
# (scdaemon still believes 82 verified).
# usage: gpg_side_by_side.sh TESSERA_EVENTS_TEST_BINARY
# sandbox-args: --piv=none --openpgp=v34
# sandbox-timeout: 300
# shellcheck disable=SC2154 # $work, $LIB_DIR, $PY come from the sourced helpers
set -euo pipefail
EVENTS_TEST=${1:?usage: gpg_side_by_side.sh PATH-TO-tessera_events_test}
EVENTS_DIR=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source=../acceptance/lib/openpgp.sh
. "$EVENTS_DIR/../acceptance/lib/openpgp.sh"
# shellcheck source=../acceptance/lib/gpg_env.sh
. "$LIB_DIR/gpg_env.sh"
require gpg gpgconf gpg-agent /usr/lib/gnupg/scdaemon "$PY" "$EVENTS_TEST"
EMAIL=side@example.org
READER=$TESSERA_OPENPGP_READER

gpg_env_setup
on_exit gpg_kill
gpg_kill

pin_status() { "$PY" "$EVENTS_DIR/pin_probe.py" "$READER" 2>&1; }
# expect_unverified WHEN: PW1 (81 and 82) not verified for another process
expect_unverified() {
    local s
    s=$(pin_status)
    if [[ $s =~ 81=(63C[0-9A-F]|6982)\ 82=(63C[0-9A-F]|6982) ]]; then
        pass "after $1: another process finds PW1 not verified ($s)"
    else
        fail "after $1: PIN status $s"
    fi
}

# --- gpg's keys on the card -----------------------------------------------------------
check "gpg --card-status sees the card" gpg --card-status
gpg_generate_on_card "Side By Side" "$EMAIL" >"$work/generate" 2>&1 || true
if gpg -K "<$EMAIL>" 2>/dev/null | grep -q 'Card serial no'; then
    pass "gpg --card-edit generate made card keys"
else
    fail "gpg --card-edit generate"; tail -n 20 "$work/generate" | sed 's/^/       /'
    die "no gpg key to sign with"
fi
gpg_kill # scdaemon forgets the PIN it verified while generating
printf 'side by side %s\n' "$(date +%s%N)" >"$work/msg"

# --- our module: a long-lived process -----------------------------------------------------
coproc MOD { "$EVENTS_TEST" serve_sign 2>"$work/serve_sign.err"; }
# shellcheck disable=SC2016 # expanded when on_exit runs it
on_exit 'echo quit >&"${MOD[1]}" 2>/dev/null; wait "$MOD_PID" 2>/dev/null'
mod() { # COMMAND -> the reply line
    local reply
    echo "$1" >&"${MOD[1]}"
    IFS= read -r -t 60 reply <&"${MOD[0]}" || reply="FAIL no reply from serve_sign"
    echo "$reply"
}
IFS= read -r -t 60 ready <&"${MOD[0]}" || ready="no answer"
[ "$ready" = ready ] || { cat "$work/serve_sign.err"; die "serve_sign did not start: $ready"; }
pass "the module's process logged in to the OpenPGP card (PIN cached in the module)"
expect_unverified "the module's C_Login"

for round in 1 2 3; do
    check "round $round: gpg --card-status" gpg --card-status
    expect_unverified "round $round: gpg --card-status"
    rm -f "$work/msg.sig"
    if gpg --batch --yes -u "$EMAIL" --detach-sign -o "$work/msg.sig" "$work/msg" >"$work/out" 2>&1 &&
        gpg --batch --verify "$work/msg.sig" "$work/msg" >>"$work/out" 2>&1; then
        pass "round $round: gpg signature made on the card and verified"
    else
        fail "round $round: gpg signature"; sed 's/^/       /' "$work/out"
    fi
    expect_unverified "round $round: gpg's signature"
    r=$(mod sign)
    if [[ $r == ok* ]]; then pass "round $round: the module signed with key 03 (${r#ok } s), verified"; else
        fail "round $round: the module's signature: $r"; fi
    expect_unverified "round $round: the module's signature"
done

# --- informational: scdaemon remembers a PW1 (82) verification ----------------------------
gpg --batch --yes -r "$EMAIL" --trust-model always -e -o "$work/msg.gpg" "$work/msg" 2>"$work/out" ||
    fail "gpg -e"
if gpg --batch --yes -d -o "$work/msg.out" "$work/msg.gpg" >"$work/out" 2>&1 && cmp -s "$work/msg" "$work/msg.out"; then
    pass "gpg decrypted with the card (PW1 82)"
else
    fail "gpg -d"; sed 's/^/       /' "$work/out"
fi
s=$(pin_status) || true
if [[ $s == *82=9000* ]]; then
    pass "the probe sees the PW1 (82) verification gpg left on the card ($s)"
else
    fail "after gpg's decryption the probe shows $s: 82=9000 expected (scdaemon leaves it verified; can the probe see a verified PIN?)"
fi
r=$(mod sign)
if [[ $r == ok* ]]; then pass "the module signs right after gpg's decryption"; else fail "the module after gpg's decryption: $r"; fi
expect_unverified "the module's signature after gpg's decryption"
if gpg --card-status >"$work/out" 2>&1; then
    echo "# then gpg --card-status: works"
else
    echo "# then gpg --card-status fails: $(grep -m1 'gpg:' "$work/out") (scdaemon believes PW1 82 still verified and reads private DO 0103: 6982)"
fi
if gpg --batch --yes -d -o "$work/msg.out2" "$work/msg.gpg" >"$work/out" 2>&1; then
    echo "# then gpg -d: works"
else
    echo "# then gpg -d fails: $(grep 'gpg:' "$work/out" | tail -n 1)"
fi
gpg_kill
check "after scdaemon restarts, gpg --card-status works" gpg --card-status
check "and gpg decrypts" gpg --batch --yes -d -o "$work/msg.out3" "$work/msg.gpg"
r=$(mod sign)
if [[ $r == ok* ]]; then pass "the module still signs"; else fail "the module at the end: $r"; fi
expect_unverified "the end"
finish
