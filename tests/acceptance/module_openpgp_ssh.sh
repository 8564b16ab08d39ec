#!/usr/bin/env bash
# Acceptance: OpenSSH reads the virtual OpenPGP 3.4 card (RSA-2048 keys here,
# NIST P-256 in module_openpgp_ssh_p256.sh) through tessera-pkcs11.so:
# `ssh-keygen -D MODULE` prints the authentication key (03), equal to the
# CKA_PUBLIC_KEY_INFO of public key 03 converted by ssh-keygen -i, and no key
# twice; ssh-agent loads the module (ssh-add -s, PIN
# through SSH_ASKPASS), lists the same keys, and makes an SSH signature with
# key 03 that ssh-keygen -Y verify accepts (not for other data); every key
# printed is one of the card's. Runs inside scripts/with-virtual-cards.
# sandbox-args: --piv=none --openpgp=v34
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=lib/openpgp.sh
. "$(dirname "$(readlink -f "$0")")/lib/openpgp.sh"
require ssh-keygen ssh-agent ssh-add openssl timeout "$PY"
require_python_modules PyKCS11 cryptography

if ssh-keygen -D "$TESSERA_MODULE" >"$work/keys" 2>"$work/keys.err"; then pass "ssh-keygen -D exit 0"; else
    fail "ssh-keygen -D exit status $?"; sed 's/^/       /' "$work/keys.err"; fi
sed 's/^/#   /' "$work/keys"
awk '{ print $1, $2 }' "$work/keys" | sort >"$work/keys.blobs"
n=$(wc -l <"$work/keys.blobs")
echo "# ssh-keygen -D: $n keys"
if [ "$n" -ge 1 ]; then pass "ssh-keygen -D prints $n keys"; else fail "ssh-keygen -D prints no key"; fi
dups=$(uniq -d "$work/keys.blobs" | wc -l)
if [ "$dups" = 0 ]; then pass "no key listed twice"; else fail "$dups key(s) listed twice"; fi

# the module's own view of each key, converted by OpenSSH's ssh-keygen -i
for id in 01 02 03; do
    if spki_of "$id" "$work/pub$id.der" 2>"$work/spki.err" &&
        openssl pkey -pubin -inform DER -in "$work/pub$id.der" -out "$work/pub$id.pem" 2>>"$work/spki.err" &&
        ssh-keygen -i -m PKCS8 -f "$work/pub$id.pem" >"$work/ssh$id.pub" 2>>"$work/spki.err"; then
        :
    else
        fail "CKA_PUBLIC_KEY_INFO of public key $id as an SSH key"; sed 's/^/       /' "$work/spki.err"
    fi
done
key03=$(awk '{ print $1, $2 }' "$work/ssh03.pub" 2>/dev/null || true)
echo "# key 03 is ${key03%% *}"
if [ -n "$key03" ] && grep -qxF "$key03" "$work/keys.blobs"; then
    pass "the authentication key 03 (CKA_PUBLIC_KEY_INFO) is among ssh-keygen -D's keys"
else
    fail "the authentication key 03 is not among ssh-keygen -D's keys: $key03"
fi
for id in 01 02; do
    key=$(awk '{ print $1, $2 }' "$work/ssh$id.pub" 2>/dev/null || true)
    if grep -qxF "$key" "$work/keys.blobs"; then echo "# key $id is listed too"; else echo "# key $id is not listed"; fi
done
# every key ssh-keygen -D prints is one of the card's
while read -r blob; do
    found=0
    for id in 01 02 03; do
        [ "$blob" = "$(awk '{ print $1, $2 }' "$work/ssh$id.pub" 2>/dev/null)" ] && found=1
    done
    [ "$found" = 1 ] || fail "ssh-keygen -D prints a key that is none of the card's: ${blob:0:60}..."
done <"$work/keys.blobs"

# --- ssh-agent ---------------------------------------------------------------------------
agent_sock=$work/agent.sock
ssh-agent -D -a "$agent_sock" -P "$TESSERA_MODULE" >"$work/agent.log" 2>&1 &
agent_pid=$!
on_exit "kill $agent_pid 2>/dev/null; wait $agent_pid 2>/dev/null"
for ((i = 0; i < 100; i++)); do [ -S "$agent_sock" ] && break; sleep 0.05; done
[ -S "$agent_sock" ] || die "ssh-agent did not start: $(cat "$work/agent.log")"
export SSH_AUTH_SOCK=$agent_sock
printf '#!/bin/sh\necho "$*" >>"%s/askpass.log"\necho "%s"\n' "$work" "$PIN" >"$work/askpass"
chmod +x "$work/askpass"
check "ssh-add -s loads the module (PIN from SSH_ASKPASS)" env SSH_ASKPASS="$work/askpass" \
    SSH_ASKPASS_REQUIRE=force DISPLAY=:0 timeout 60 ssh-add -s "$TESSERA_MODULE"
ssh-add -L 2>/dev/null | awk '{ print $1, $2 }' | sort >"$work/agent.blobs" || true
if cmp -s "$work/agent.blobs" "$work/keys.blobs"; then pass "ssh-add -L lists the keys ssh-keygen -D printed"; else
    fail "ssh-add -L differs from ssh-keygen -D"; diff "$work/keys.blobs" "$work/agent.blobs" | sed 's/^/       /'; fi
for round in 1 2; do
    head -c 1000 /dev/urandom >"$work/data$round"
    check "ssh-keygen -Y sign through the agent with key 03 (round $round)" \
        timeout 60 ssh-keygen -Y sign -f "$work/ssh03.pub" -n tessera-test "$work/data$round"
    printf 'tester %s\n' "$(cat "$work/ssh03.pub")" >"$work/allowed"
    # shellcheck disable=SC2016 # $1/$2 expand in the inner sh
    check "ssh-keygen -Y verify accepts the signature (round $round)" sh -c \
        'ssh-keygen -Y verify -f "$1" -I tester -n tessera-test -s "$2.sig" <"$2"' sh "$work/allowed" "$work/data$round"
done
head -c 100 /dev/urandom >>"$work/data2"
# shellcheck disable=SC2016
if sh -c 'ssh-keygen -Y verify -f "$1" -I tester -n tessera-test -s "$2.sig" <"$2"' sh "$work/allowed" \
    "$work/data2" >/dev/null 2>&1; then
    fail "ssh-keygen -Y verify accepts the signature for other data"
else
    pass "ssh-keygen -Y verify rejects the signature for other data"
fi
ssh-add -e "$TESSERA_MODULE" >/dev/null 2>&1 || true
if status=$("$PY" "$LIB_DIR/openpgp_pin_status.py" "$TESSERA_OPENPGP_READER" 2>&1) &&
    [[ $status =~ 81=(63C[0-9A-F]|6982)\ 82=(63C[0-9A-F]|6982) ]]; then
    pass "afterwards another process finds PW1 not verified ($status)"
else
    fail "afterwards: PIN status $status"
fi

finish
