#!/usr/bin/env bash
# Acceptance: GnuPG 2.2 (gpg, gpg-agent, scdaemon over the sandbox's pcscd) takes
# the virtual OpenPGP card for a real one: gpg --card-status, keys generated on
# the card (--card-edit generate), software keys moved to it (keytocard:
# Ed25519/Cv25519 and NIST P-256 on a 3.4 card), detached signatures verified
# and messages decrypted with the card keys, the fingerprints GnuPG wrote
# matching the card's own v4 computation, and GnuPG's factory-reset
# (TERMINATE DF + ACTIVATE FILE). OPENPGP_VCARD_PROFILE=v21 runs the RSA part
# against a 2.1 card (openpgp_vcard_gpg_v21.sh). Runs inside scripts/with-virtual-cards.
# sandbox-args: --piv=none --openpgp=v34
# sandbox-timeout: 300
set -euo pipefail

: "${PCSCLITE_CSOCK_NAME:?run me inside scripts/with-virtual-cards}"
: "${TESSERA_OPENPGP_READER:?no OpenPGP card in this sandbox}"
PROFILE=${OPENPGP_VCARD_PROFILE:-v34}
STATE=$TESSERA_SANDBOX/openpgp.state
VCARD=${TESSERA_VCARD:-tessera-vcard}
export GNUPGHOME=$TESSERA_SANDBOX/gnupg
work=$GNUPGHOME/work
mkdir -m 700 -p "$GNUPGHOME" "$work"
trap 'gpgconf --kill all >/dev/null 2>&1 || true' EXIT
failures=0

pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; failures=$((failures + 1)); }
check() { # DESCRIPTION COMMAND...
    local what=$1; shift
    if "$@" >"$work/out" 2>&1; then pass "$what"; else fail "$what"; sed 's/^/       /' "$work/out"; fi
}

# gpg-agent starts scdaemon with a cleaned environment: a wrapper brings the
# sandbox's pcscd socket along (references.md, "Third-party tools").
cat >"$GNUPGHOME/scdaemon-wrapper" <<EOF
#!/bin/sh
export PCSCLITE_CSOCK_NAME='$PCSCLITE_CSOCK_NAME'
exec /usr/lib/gnupg/scdaemon "\$@"
EOF
# Assuan pinentry answering by prompt: the admin PIN when the text says so.
cat >"$GNUPGHOME/pinentry" <<'EOF'
#!/bin/bash
echo "OK Pleased to meet you"
text=
while IFS= read -r line; do
    case $line in
        SETDESC* | SETPROMPT* | SETTITLE*) text="$text ${line#* }"; echo OK ;;
        GETPIN*)
            case $text in *Admin* | *admin*) echo "D 12345678" ;; *) echo "D 123456" ;; esac
            text=; echo OK ;;
        BYE*) echo OK; exit 0 ;;
        *) echo OK ;;
    esac
done
EOF
chmod 700 "$GNUPGHOME/scdaemon-wrapper" "$GNUPGHOME/pinentry"
cat >"$GNUPGHOME/gpg-agent.conf" <<EOF
scdaemon-program $GNUPGHOME/scdaemon-wrapper
pinentry-program $GNUPGHOME/pinentry
allow-loopback-pinentry
EOF
cat >"$GNUPGHOME/scdaemon.conf" <<EOF
disable-ccid
pcsc-shared
pcsc-driver /usr/lib/x86_64-linux-gnu/libpcsclite.so.1
reader-port $TESSERA_OPENPGP_READER
log-file $GNUPGHOME/scdaemon.log
EOF

card_status() { gpg --card-status >"$work/status" 2>&1; }
# Answers --card-edit / --edit-key prompts from stdin (--command-fd 0).
edit() { gpg --no-tty --command-fd 0 --status-fd 1 "$@"; }
fingerprints_match() { "$VCARD" fingerprints --state "$STATE"; }

primary_of() { gpg --with-colons --list-keys "<$1>" | awk -F: '/^fpr/ {print $10; exit}'; }

# sign with the primary key (slot 1) + verify, encrypt + decrypt (slot 2)
round_trip() { # LABEL USER
    local label=$1 fpr
    fpr=$(primary_of "$2")
    printf 'tessera %s message\n' "$label" >"$work/msg"
    check "$label: detached signature with the card key" \
        gpg --batch --yes -u "$fpr!" --detach-sign -o "$work/msg.sig" "$work/msg"
    check "$label: signature verifies" gpg --verify "$work/msg.sig" "$work/msg"
    check "$label: encrypt to the card key" \
        gpg --batch --yes --trust-model always -r "$fpr" -e -o "$work/msg.gpg" "$work/msg"
    rm -f "$work/msg.out"
    check "$label: decrypt with the card key" gpg --batch --yes -d -o "$work/msg.out" "$work/msg.gpg"
    check "$label: plaintext back" cmp "$work/msg" "$work/msg.out"
    check "$label: secret keys are card stubs" sh -c "gpg -K '$fpr' | grep -q '^ssb>'"
}

# --- card status ------------------------------------------------------------
want_version=3.4
[ "$PROFILE" = v21 ] && want_version=2.1
serial=$(awk '$1 == "serial" {print $2}' "$STATE")
check "gpg --card-status" card_status
check "status shows version $want_version" grep -q "^Version \.*: $want_version" "$work/status"
check "status shows serial $serial" grep -q "^Serial number \.*: $serial" "$work/status"
check "status shows the provisioned RSA keys" grep -q "^Key attributes \.*: rsa2048 rsa2048 rsa2048" "$work/status"

# --- keys generated on the card ----------------------------------------------
edit --card-edit >"$work/generate" 2>&1 <<EOF || true
admin
generate
n
y
0
Card Generated
generated@example.org

quit
EOF
check "--card-edit generate made a key with card stubs" sh -c "gpg -K '<generated@example.org>' | grep -q 'Card serial no'"
check "GnuPG's fingerprints match the card's computation (RSA)" fingerprints_match
round_trip "on-card RSA" generated@example.org
check "signature counter went up" sh -c "gpg --card-status | grep -q '^Signature counter : [1-9]'"

# --- software keys moved to the card (3.4: ECC) ---------------------------------
keytocard() { # LABEL USER ALGO-SIGN ALGO-ENCR [ALGO-AUTH]
    local label=$1 user=$2 fpr
    gen() { gpg --batch --pinentry-mode loopback --passphrase '' "$@" >>"$work/keygen" 2>&1; }
    if ! gen --quick-gen-key "$label <$user>" "$3" sign,cert 0; then
        fail "$label: software key generation"; cat "$work/keygen"; return 0
    fi
    fpr=$(primary_of "$user")
    gen --quick-add-key "$fpr" "$4" encr 0 || fail "$label: encryption subkey"
    # primary -> slot 1, subkey 1 (encr) -> slot 2, subkey 2 (auth) -> slot 3
    local moves=$'keytocard\ny\n1\ny\nkey 1\nkeytocard\n2\ny\n'
    if [ $# -ge 5 ]; then
        gen --quick-add-key "$fpr" "$5" auth 0 || fail "$label: authentication subkey"
        moves+=$'key 1\nkey 2\nkeytocard\n3\ny\n'
    fi
    printf '%ssave\n' "$moves" | edit --edit-key "$fpr" >"$work/keytocard" 2>&1 || true
    check "$label: keytocard left card stubs" sh -c "gpg -K '$fpr' | grep -q '^sec>'"
    check "$label: GnuPG's fingerprints match the card's computation" fingerprints_match
    round_trip "$label" "$user"
}
if [ "$PROFILE" != v21 ]; then
    keytocard "Ed25519-Cv25519" cv25519@example.org ed25519 cv25519 ed25519
    check "status shows the ECC attributes" sh -c "gpg --card-status | grep -q 'ed25519 cv25519 ed25519'"
    # GnuPG 2.2's --quick-add-key makes no NIST subkey for auth ("Wrong key
    # usage"): slot 3 keeps the Ed25519 key
    keytocard "NIST-P256" nistp256@example.org nistp256 nistp256
    check "status shows the NIST attributes" sh -c "gpg --card-status | grep -q 'nistp256 nistp256 ed25519'"
fi

# --- factory reset: TERMINATE DF + ACTIVATE FILE --------------------------------
edit --card-edit >"$work/reset" 2>&1 <<EOF || true
admin
factory-reset
y
yes
quit
EOF
check "factory-reset left no keys" sh -c "gpg --card-status | grep -q '^Signature key \.*: \[none\]'"
check "factory-reset restored the retry counters" sh -c "gpg --card-status | grep -q '^PIN retry counter : 3 0 3'"
check "the card state is not terminated" grep -q '^terminated 0' "$STATE"

gpgconf --kill all
if [ "$failures" != 0 ]; then
    echo "---- scdaemon.log (tail) ----"
    tail -n 30 "$GNUPGHOME/scdaemon.log" 2>/dev/null || true
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed"
