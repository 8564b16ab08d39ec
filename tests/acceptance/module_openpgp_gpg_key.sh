#!/usr/bin/env bash
# Acceptance: keys GnuPG generates on the virtual OpenPGP 3.4 card (gpg
# --card-edit generate, RSA-2048) are used by tessera-pkcs11.so once scdaemon
# is gone (gpgconf --kill all): the module's public keys 01/02/03 are GnuPG's
# signing/encryption/authentication keys (gpg --export parsed), its
# signatures with 01 and 03 verify against them, `gpg --verify` accepts an
# OpenPGP signature whose RSA signature the module made with 01, the module
# decrypts the session key of a message `gpg -e` encrypted to the card key
# and `gpg --override-session-key` decrypts the message with it, and
# `gpg --export-ssh-key` gives the key ssh-keygen -D reads through the module
# as 03. (module_openpgp_gpg_key.py does the PKCS#11 part.)
# Runs inside scripts/with-virtual-cards.
# sandbox-args: --piv=none --openpgp=v34
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=lib/openpgp.sh
. "$(dirname "$(readlink -f "$0")")/lib/openpgp.sh"
# shellcheck source=lib/gpg_env.sh
. "$LIB_DIR/gpg_env.sh"
require gpg gpgconf gpg-agent /usr/lib/gnupg/scdaemon ssh-keygen "$PY"
require_python_modules PyKCS11 smartcard cryptography
EMAIL=generated@example.org

gpg_env_setup
on_exit gpg_kill
gpg_kill

# --- GnuPG generates the keys on the card ----------------------------------------------
check "gpg --card-status sees the card" gpg --card-status
fpr_before=$(awk '$1 == "key" && $2 == 1 { print $6 }' "$OPENPGP_STATE")
gpg_generate_on_card "Card Generated" "$EMAIL" >"$work/generate" 2>&1 || true
if gpg -K "<$EMAIL>" 2>/dev/null | grep -q 'Card serial no'; then
    pass "gpg --card-edit generate made a key with card stubs"
else
    fail "gpg --card-edit generate"; tail -n 30 "$work/generate" | sed 's/^/       /'
    die "no key to test with"
fi
gpg --with-colons --list-keys "<$EMAIL>" | grep -E '^(pub|sub|fpr)' | sed 's/^/#   /'
fpr_after=$(awk '$1 == "key" && $2 == 1 { print $6 }' "$OPENPGP_STATE")
if [ "$fpr_before" != "$fpr_after" ]; then pass "the card holds a new signature key"; else fail "the card's signature key did not change"; fi

# scdaemon must let go of the card
gpg_kill
for ((i = 0; i < 100; i++)); do pgrep -f "scdaemon .*--homedir $GNUPGHOME" >/dev/null || break; sleep 0.05; done
if pgrep -f "scdaemon .*--homedir $GNUPGHOME" >/dev/null; then fail "scdaemon still runs after gpgconf --kill all"; else
    pass "gpgconf --kill all: scdaemon has exited"; fi

# --- the module uses GnuPG's keys -------------------------------------------------------------
printf 'tessera message for GnuPG %s\n' "$(date +%s%N)" >"$work/msg"
if (cd "$work" && "$PY" "$ACCEPTANCE_DIR/module_openpgp_gpg_key.py" "$EMAIL" "$work"); then
    pass "module_openpgp_gpg_key.py: the module's keys, signatures and decryption match GnuPG's key"
else
    fail "module_openpgp_gpg_key.py (see the FAIL lines above)"
fi

primary=$(gpg --with-colons --list-keys "<$EMAIL>" | awk -F: '/^fpr/ { print $10; exit }')
if [ -s "$work/msg.sig" ]; then
    gpg --batch --status-fd 1 --verify "$work/msg.sig" "$work/msg" >"$work/verify" 2>&1 || true
    check "gpg --verify: good signature made through the module with 01" grep -q '^\[GNUPG:\] GOODSIG ' "$work/verify"
    check "gpg --verify: VALIDSIG by the primary key $primary" grep -q "^\[GNUPG:\] VALIDSIG $primary " "$work/verify"
    { cat "$work/msg"; printf 'x'; } >"$work/msg.other"
    if gpg --batch --verify "$work/msg.sig" "$work/msg.other" >/dev/null 2>&1; then
        fail "gpg --verify accepts the signature for other data"
    else
        pass "gpg --verify rejects the signature for other data"
    fi
else
    fail "no OpenPGP signature to verify"
fi
if [ -s "$work/session-key" ]; then
    rm -f "$work/msg.out"
    check "gpg --override-session-key (decrypted by the module with 02) decrypts the message" \
        gpg --batch --yes --override-session-key "$(cat "$work/session-key")" -d -o "$work/msg.out" "$work/msg.gpg"
    check "the plaintext is the message" cmp "$work/msg" "$work/msg.out"
else
    fail "no session key from the module"
fi
gpg_kill

# the authentication key: gpg --export-ssh-key vs ssh-keygen -D through the module
gpg --export-ssh-key "<$EMAIL>" >"$work/gpg-ssh.pub" 2>"$work/gpg-ssh.err" || {
    fail "gpg --export-ssh-key"; sed 's/^/       /' "$work/gpg-ssh.err"; }
gpg_ssh=$(awk '{ print $1, $2 }' "$work/gpg-ssh.pub")
echo "# gpg --export-ssh-key: ${gpg_ssh:0:70}..."
ssh-keygen -D "$TESSERA_MODULE" 2>/dev/null | awk '{ print $1, $2 }' >"$work/module-ssh" || fail "ssh-keygen -D"
if ! { spki_of 03 "$work/pub03.der" && openssl pkey -pubin -inform DER -in "$work/pub03.der" -out "$work/pub03.pem" &&
    ssh-keygen -i -m PKCS8 -f "$work/pub03.pem" | awk '{ print $1, $2 }' >"$work/ours03"; }; then
    fail "key 03 as an SSH key"
fi
if [ -n "$gpg_ssh" ] && grep -qxF "$gpg_ssh" "$work/module-ssh"; then
    pass "gpg --export-ssh-key's key is among ssh-keygen -D's keys"
else
    fail "gpg --export-ssh-key's key is not among ssh-keygen -D's keys"
fi
check "gpg --export-ssh-key's key is our key 03" test "$gpg_ssh" = "$(cat "$work/ours03")"
if status=$("$PY" "$LIB_DIR/openpgp_pin_status.py" "$TESSERA_OPENPGP_READER" 2>&1) &&
    [[ $status =~ 81=(63C[0-9A-F]|6982)\ 82=(63C[0-9A-F]|6982) ]]; then
    pass "afterwards another process finds PW1 not verified ($status)"
else
    fail "afterwards: PIN status $status"
fi

finish
