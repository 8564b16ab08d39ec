#!/usr/bin/env bash
# Acceptance: OpenSSH's PKCS#11 client code reads the keys through
# tessera-pkcs11.so: `ssh-keygen -D MODULE` prints the four public keys of the
# virtual PIV card (two RSA, two ECDSA P-256), and each equals the key of the
# matching certificate converted by ssh-keygen; ssh-agent loads the module
# (ssh-add -s, PIN through SSH_ASKPASS) and makes SSH signatures with 9A, 9D
# and 9E that ssh-keygen -Y verify accepts. (ssh-agent cannot use 9C: its
# PKCS#11 helper is not interactive and refuses CKA_ALWAYS_AUTHENTICATE keys.)
# Runs inside scripts/with-virtual-cards.
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require ssh-keygen ssh-agent ssh-add pkcs11-tool openssl

slot=$(slot_for_module "$TESSERA_MODULE") || die "pkcs11-tool -L shows no slot for the PIV reader"
echo "# PIV card in slot $slot"

if ssh-keygen -D "$TESSERA_MODULE" >"$work/keys" 2>"$work/keys.err"; then pass "ssh-keygen -D exit 0"; else
    fail "ssh-keygen -D exit status $?"; sed 's/^/       /' "$work/keys.err"; fi
sed 's/^/#   /' "$work/keys"
# type and base64 blob only (the comment is the key label)
awk '{ print $1, $2 }' "$work/keys" | sort >"$work/keys.blobs"
n=$(wc -l <"$work/keys.blobs")
rsa=$(grep -c '^ssh-rsa ' "$work/keys.blobs" || true)
ec=$(grep -c '^ecdsa-sha2-nistp256 ' "$work/keys.blobs" || true)
if [ -z "${TESSERA_OPENPGP_READER:-}" ]; then
    # only the PIV card is inserted: exactly its four keys
    if [ "$n" = 4 ]; then pass "ssh-keygen -D prints 4 keys"; else fail "ssh-keygen -D prints $n keys, want 4"; fi
    if [ "$rsa" = 2 ] && [ "$ec" = 2 ]; then pass "2 ssh-rsa and 2 ecdsa-sha2-nistp256 keys"; else
        fail "$rsa ssh-rsa and $ec ecdsa-sha2-nistp256 keys, want 2 and 2"; fi
else
    # the OpenPGP card adds its own keys; the PIV ones are checked one by one below
    echo "# an OpenPGP card is inserted too: $n keys ($rsa RSA, $ec ECDSA P-256)"
    if [ "$n" -ge 4 ]; then pass "ssh-keygen -D prints at least 4 keys"; else fail "ssh-keygen -D prints $n keys, want >= 4"; fi
fi

for id in 01 02 03 04; do
    pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" --read-object --type cert --id "$id" \
        -o "$work/cert$id.der" >/dev/null 2>&1 || true
    if openssl x509 -inform DER -in "$work/cert$id.der" -pubkey -noout -out "$work/pub$id.pem" 2>/dev/null &&
        ssh-keygen -i -m PKCS8 -f "$work/pub$id.pem" >"$work/ssh$id.pub" 2>/dev/null; then
        key=$(awk '{ print $1, $2 }' "$work/ssh$id.pub")
        if grep -qxF "$key" "$work/keys.blobs"; then pass "key of certificate $id (${key%% *}) is among ssh-keygen -D's"; else
            fail "key of certificate $id is not among ssh-keygen -D's: $key"; fi
    else
        fail "could not read certificate $id and convert its key"
    fi
done
dups=$(uniq -d "$work/keys.blobs" | wc -l)
if [ "$dups" = 0 ]; then pass "no key listed twice"; else fail "$dups key(s) listed twice"; fi

# ssh-agent with the module: it only loads providers on its -P allow list
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
for id in 01 03 04; do
    [ -s "$work/ssh$id.pub" ] || { fail "no SSH public key for $id"; continue; }
    head -c 1000 /dev/urandom >"$work/data$id"
    check "ssh-keygen -Y sign through the agent with key $id" \
        timeout 60 ssh-keygen -Y sign -f "$work/ssh$id.pub" -n tessera-test "$work/data$id"
    printf 'tester %s\n' "$(cat "$work/ssh$id.pub")" >"$work/allowed$id"
    # shellcheck disable=SC2016 # $1/$2 expand in the inner sh
    check "ssh-keygen -Y verify accepts the signature of key $id" sh -c \
        'ssh-keygen -Y verify -f "$1" -I tester -n tessera-test -s "$2.sig" <"$2"' sh "$work/allowed$id" "$work/data$id"
done
ssh-add -e "$TESSERA_MODULE" >/dev/null 2>&1 || true

finish
