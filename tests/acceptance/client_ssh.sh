#!/usr/bin/env bash
# Acceptance: real OpenSSH logins with the card's keys through
# tessera-pkcs11.so. An sshd of our own (own host key and sshd_config,
# AuthorizedKeysFile in the work directory, public keys only) listens on the
# loopback of a private network namespace; for each key, authorized_keys holds
# only that key, and `ssh -I MODULE` (PIN through SSH_ASKPASS) must log in and
# the sshd log must name that key's fingerprint: PIV 9A (RSA), PIV 9E
# (ECDSA P-256) and the OpenPGP authentication key (RSA). PIV 9C
# (CKA_ALWAYS_AUTHENTICATE) fails with OpenSSH 9.2, and its result with
# allow_cached_pin_for_always_authenticate = true (TESSERA_CONF) is checked
# too. Then ssh-agent with `ssh-add -s MODULE` and logins through the agent.
# Runs inside scripts/with-virtual-cards (PIV and OpenPGP cards).
# sandbox-timeout: 400
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=lib/client_ssh.sh
. "$here/lib/client_ssh.sh"
: "${TESSERA_PIV_READER:?no PIV card in this sandbox}"
: "${TESSERA_OPENPGP_READER:?no OpenPGP card in this sandbox}"

piv=$(reader_slot "$TESSERA_PIV_READER") || die "no slot for the PIV reader"
pgp=$(reader_slot "$TESSERA_OPENPGP_READER") || die "no slot for the OpenPGP reader"
while read -r slot id name; do
    if ! public_key "$slot" "$id" "$work/$name" || [ ! -s "$work/$name.pub" ]; then
        die "public key $id of slot $slot: $(cat "$work/$name.err")"
    fi
    echo "# $name: $(cut -c1-40 "$work/$name.pub")... $(ssh_fingerprint "$work/$name.pub")"
done <<EOF
$piv 01 piv9a
$piv 02 piv9c
$piv 04 piv9e
$pgp 03 pgp-aut
EOF

# ssh-keygen -D lists them all
if ssh-keygen -D "$TESSERA_MODULE" >"$work/keys" 2>"$work/keys.err"; then pass "ssh-keygen -D exit 0"; else
    fail "ssh-keygen -D exit status $?"; sed 's/^/       /' "$work/keys.err"; fi
for k in piv9a piv9c piv9e pgp-aut; do
    if grep -qF "$(awk '{ print $1, $2 }' "$work/$k.pub")" "$work/keys"; then pass "ssh-keygen -D lists $k"; else
        fail "ssh-keygen -D does not list $k"; fi
done

start_sshd

# --- ssh -I -------------------------------------------------------------------------------
# ssh offers the card's keys in the module's order: PIV 9A, 9C, 9D, 9E, then
# the OpenPGP keys; sshd's MaxAuthTries (6) ends the login before the 7th
login_ok "ssh -I: login with PIV 9A (RSA)" piv9a ssh_module
login_ok "ssh -I: login with PIV 9E (ECDSA P-256)" piv9e ssh_module
login_fails "ssh -I: the OpenPGP key, 7th of 7, hits sshd's MaxAuthTries" pgp-aut ssh_module
if grep -q 'Too many authentication failures' "$work/login.out"; then
    pass "ssh says 'Too many authentication failures' (README troubleshooting)"
else
    fail "ssh does not say 'Too many authentication failures'"; sed 's/^/       /' "$work/login.out"
fi
login_ok "ssh -I -o IdentitiesOnly=yes -i aut.pub: login with the OpenPGP authentication key (RSA)" pgp-aut \
    ssh_module only
login_ok "ssh -I -o IdentitiesOnly=yes -i 9a.pub: login with PIV 9A" piv9a ssh_module only
if grep -q 'PIN' "$work/askpass.log"; then pass "ssh asked for the PIN through SSH_ASKPASS"; else
    fail "SSH_ASKPASS was never asked for the PIN"; fi
# BatchMode=yes makes OpenSSH's PKCS#11 code non-interactive: no PIN prompt
login_fails "ssh -I -o BatchMode=yes cannot ask for the PIN" piv9a ssh_module -o BatchMode=yes
# a key that is not in authorized_keys must not get in (the checks can fail)
ssh-keygen -q -t ed25519 -N '' -f "$work/stranger" >/dev/null
login_fails "ssh -I is refused when only another key is in authorized_keys" stranger ssh_module

# PIV 9C: CKA_ALWAYS_AUTHENTICATE. ssh -I logs in (C_Login CKU_USER) at the
# first signature and OpenSSH skips the context-specific login right after a
# login (ssh-pkcs11.c: "always_auth && !did_login"), so the module refuses the
# signature (CKR_USER_NOT_LOGGED_IN) unless the session PIN is allowed
login_fails "ssh -I: PIV 9C (always-authenticate) is refused by default" piv9c ssh_module only
if grep -q 'C_Sign failed: 257' "$work/login.out"; then
    pass "ssh -I with 9C: 'C_Sign failed: 257' (CKR_USER_NOT_LOGGED_IN; README troubleshooting)"
else
    fail "ssh -I with 9C: no 'C_Sign failed: 257'"; sed 's/^/       /' "$work/login.out"
fi
printf 'allow_cached_pin_for_always_authenticate = true\n' >"$work/cached-pin.conf"
export TESSERA_CONF=$work/cached-pin.conf
login_ok "ssh -I: PIV 9C logs in with allow_cached_pin_for_always_authenticate = true" piv9c ssh_module only
unset TESSERA_CONF

# --- ssh-agent ----------------------------------------------------------------------------
start_agent
: >"$work/askpass.log"
check "ssh-add -s loads the module (PIN from SSH_ASKPASS)" with_askpass timeout 60 ssh-add -s "$TESSERA_MODULE"
if [ -s "$work/askpass.log" ]; then pass "ssh-add asked for the PIN through SSH_ASKPASS"; else
    fail "SSH_ASKPASS was never asked for the PIN"; fi
ssh-add -L >"$work/agent.keys" 2>&1 || true
for k in piv9a piv9e pgp-aut; do
    if grep -qF "$(awk '{ print $1, $2 }' "$work/$k.pub")" "$work/agent.keys"; then pass "ssh-add -L lists $k"; else
        fail "ssh-add -L does not list $k"; fi
done
login_ok "agent: login with PIV 9A (RSA)" piv9a ssh_agent_login
login_ok "agent: login with PIV 9E (ECDSA P-256)" piv9e ssh_agent_login
login_ok "agent: login with the OpenPGP authentication key (IdentitiesOnly)" pgp-aut ssh_agent_login only
login_fails "agent: PIV 9C is refused by default" piv9c ssh_agent_login only
ssh-add -e "$TESSERA_MODULE" >/dev/null 2>&1 || true
stop_agent

# the agent's PKCS#11 helper reads the same configuration
export TESSERA_CONF=$work/cached-pin.conf
start_agent
check "ssh-add -s with allow_cached_pin_for_always_authenticate = true" with_askpass timeout 60 \
    ssh-add -s "$TESSERA_MODULE"
# ssh-agent's PKCS#11 helper logged in at ssh-add time, so for an
# always-authenticate key it asks for a context-specific login, and it cannot
# prompt (it is not interactive): 9C stays unusable through the agent
login_fails "agent: PIV 9C is refused even with allow_cached_pin_for_always_authenticate = true" piv9c \
    ssh_agent_login only
ssh-add -e "$TESSERA_MODULE" >/dev/null 2>&1 || true
stop_agent
unset TESSERA_CONF

finish
