#!/usr/bin/env bash
# Acceptance: does this OpenSSH log in with an Ed25519 card key over PKCS#11?
# The OpenPGP card carries Ed25519 signature and authentication keys; the
# module serves them (CKK_EC_EDWARDS, CKM_EDDSA, checked with pkcs11-tool and
# a C_Sign/C_Verify through PyKCS11). OpenSSH 9.2 (Debian 12) skips them
# ("skipping unsupported key type": its ssh-pkcs11.c knows RSA and ECDSA
# only), so with the authentication key alone in authorized_keys `ssh -I`
# must fail, and ssh-keygen -D lists no key. An OpenSSH of major version 10
# or later is expected to log in (upstream ssh-pkcs11.c has
# pkcs11_sign_ed25519): the test then demands the login. Recorded in the
# README. Runs inside scripts/with-virtual-cards.
# sandbox-args: --piv=none --openpgp=v34-25519
# sandbox-timeout: 300
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=lib/client_ssh.sh
. "$here/lib/client_ssh.sh"
: "${TESSERA_OPENPGP_READER:?no OpenPGP card in this sandbox}"

pgp=$(reader_slot "$TESSERA_OPENPGP_READER") || die "no slot for the OpenPGP reader"
version=$(ssh -V 2>&1)
major=$(printf '%s\n' "$version" | sed -n 's/^OpenSSH_\([0-9]*\)\..*/\1/p')
[ -n "$major" ] || die "cannot read OpenSSH's version from: $version"
echo "# $version"

# the module serves the Ed25519 authentication key
pkcs11-tool --module "$TESSERA_MODULE" --slot "$pgp" -O >"$work/objects" 2>&1 || true
if grep -A4 '^Public Key Object; EC_EDWARDS' "$work/objects" | grep -q 'ID: *03'; then
    pass "the module serves public key 03 as CKK_EC_EDWARDS"
else
    fail "no CKK_EC_EDWARDS public key 03"; sed 's/^/       /' "$work/objects"
fi
pkcs11-tool --module "$TESSERA_MODULE" --slot "$pgp" --read-object --type pubkey --id 03 -o "$work/aut.der" \
    >/dev/null 2>&1 || die "cannot read public key 03"
# the OpenSSH form, built by hand: string "ssh-ed25519", string key (RFC 8709
# section 4). (pkcs11-tool writes this key as PEM, RSA and EC keys as DER.)
"$PY" - "$work/aut.der" >"$work/aut.pub" <<'PYEOF' || die "cannot build the ssh-ed25519 public key"
import base64, struct, sys
from cryptography.hazmat.primitives import serialization as ser
data = open(sys.argv[1], "rb").read()
pub = ser.load_pem_public_key(data) if data.startswith(b"-----") else ser.load_der_public_key(data)
raw = pub.public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
s = lambda b: struct.pack(">I", len(b)) + b
print("ssh-ed25519 " + base64.b64encode(s(b"ssh-ed25519") + s(raw)).decode() + " openpgp-aut")
PYEOF
echo "# $(cut -c1-60 "$work/aut.pub")..."
PKCS11_PIN=$PIN "$PY" "$here/../../examples/pykcs11_sign.py" --module "$TESSERA_MODULE" \
    --token "$(pkcs11-tool --module "$TESSERA_MODULE" -L 2>/dev/null |
        sed -n 's/^ *token label *: //p' | head -n 1)" --id 03 >"$work/pykcs11" 2>&1 &&
    grep -q 'EdDSA' "$work/pykcs11" &&
    pass "the module signs and verifies with the Ed25519 key 03 (EdDSA, examples/pykcs11_sign.py)" ||
    { fail "EdDSA with key 03 through PyKCS11"; sed 's/^/       /' "$work/pykcs11"; }

ssh-keygen -D "$TESSERA_MODULE" >"$work/keys" 2>"$work/keys.err" || true
sed 's/^/#   ssh-keygen -D: /' "$work/keys.err"
start_sshd
if [ "$major" -lt 10 ]; then
    if grep -q '^ssh-ed25519 ' "$work/keys"; then fail "OpenSSH $major lists an Ed25519 key (update the README)"; else
        pass "OpenSSH $major: ssh-keygen -D lists no Ed25519 key"; fi
    if grep -q 'unsupported key type' "$work/keys.err"; then pass "ssh-keygen -D says 'skipping unsupported key type'"; else
        fail "ssh-keygen -D does not say 'skipping unsupported key type'"; fi
    login_fails "OpenSSH $major: ssh -I cannot log in with the Ed25519 key" aut ssh_module
else
    if grep -qF "$(awk '{ print $1, $2 }' "$work/aut.pub")" "$work/keys"; then
        pass "OpenSSH $major: ssh-keygen -D lists the Ed25519 key"
    else
        fail "OpenSSH $major: ssh-keygen -D does not list the Ed25519 key"
    fi
    login_ok "OpenSSH $major: ssh -I logs in with the Ed25519 key" aut ssh_module
fi

finish
