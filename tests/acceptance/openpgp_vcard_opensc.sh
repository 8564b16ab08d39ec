#!/usr/bin/env bash
# Acceptance: OpenSC takes the virtual OpenPGP card (default all-RSA
# provisioning) for a real one: opensc-tool names it, openpgp-tool shows the
# card, cardholder and key information matching the state file, and
# opensc-pkcs11.so (OPENSC_DRIVER=openpgp) lists both tokens and the keys, passes
# pkcs11-tool's self test with the PIN, signs with keys 01 and 03 (verified with
# OpenSSL) and decrypts with key 02. OPENPGP_VCARD_PROFILE=v21 runs it against a
# 2.1 card, without the self test (see openpgp_vcard_opensc_v21.sh).
# Runs inside scripts/with-virtual-cards.
# sandbox-args: --piv=none --openpgp=v34
set -euo pipefail

: "${PCSCLITE_CSOCK_NAME:?run me inside scripts/with-virtual-cards}"
: "${TESSERA_OPENPGP_READER:?no OpenPGP card in this sandbox}"
PROFILE=${OPENPGP_VCARD_PROFILE:-v34}
MODULE=${OPENSC_MODULE:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}
STATE=$TESSERA_SANDBOX/openpgp.state
PIN=123456
SIG_TOKEN="OpenPGP card (User PIN (sig))"
export OPENSC_DRIVER=openpgp # references.md: OpenSC prefers PIV when both exist
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; failures=$((failures + 1)); }
check() { # DESCRIPTION COMMAND...
    local what=$1; shift
    if "$@" >"$work/out" 2>&1; then pass "$what"; else fail "$what"; sed 's/^/       /' "$work/out"; fi
}
p11() { pkcs11-tool --module "$MODULE" "$@"; }
otool() { openpgp-tool -r "$TESSERA_OPENPGP_READER" "$@"; }

version=3.4
[ "$PROFILE" = v21 ] && version=2.1
serial=$(awk '$1 == "serial" {print $2}' "$STATE")
sig_fpr=$(awk '$1 == "key" && $2 == 1 {print $6}' "$STATE" | sed 's/../&:/g; s/:$//' | tr 'A-F' 'a-f')

# --- opensc-tool / openpgp-tool ---------------------------------------------------
check "opensc-tool names an OpenPGP card $version" sh -c "opensc-tool -n | grep -q 'OpenPGP card v$version'"
otool -C -U -K >"$work/info" 2>&1 || true
check "openpgp-tool: version $version" grep -q "^Version: *$version" "$work/info"
check "openpgp-tool: serial number $serial" grep -q "^Serial number: *$serial" "$work/info"
check "openpgp-tool: cardholder name" grep -q "^Name: *Cardholder Tessera" "$work/info"
check "openpgp-tool: three RSA-2048 keys" test "$(grep -c 'Algorithm: *RSA2048' "$work/info")" = 3
check "openpgp-tool: signature key fingerprint as provisioned" grep -q "^Sig Fingerprint: *$sig_fpr" "$work/info"

# --- opensc-pkcs11.so -------------------------------------------------------------
check "-L lists the user and signature tokens" sh -c \
    "pkcs11-tool --module '$MODULE' -L | grep -q 'OpenPGP card (User PIN)' &&
     pkcs11-tool --module '$MODULE' -L | grep -q 'OpenPGP card (User PIN (sig))'"
p11 -O >"$work/objects" 2>&1 || true
check "-O lists the decryption and authentication keys (02, 03)" sh -c \
    "grep -q 'ID: *02' '$work/objects' && grep -q 'ID: *03' '$work/objects'"
p11 --token-label "$SIG_TOKEN" -O >"$work/sig-objects" 2>&1 || true
check "-O on the signature token lists key 01" grep -q 'ID: *01' "$work/sig-objects"
p11 --login --pin "$PIN" -O >"$work/private" 2>&1 || true
check "--login -O lists private keys" grep -q '^Private Key Object' "$work/private"
if [ "$PROFILE" != v21 ]; then
    # (2.x cards have no MSE: OpenSC's self test then fails to decrypt with key 03)
    check "--login --test" sh -c "pkcs11-tool --module '$MODULE' --login --pin '$PIN' --test 2>&1 | grep -q '^No errors'"
fi

printf 'tessera openpgp card test message\n' >"$work/msg"
pubkey() { # ID PEM [pkcs11-tool options...]
    local id=$1 pem=$2; shift 2
    p11 "$@" --read-object --type pubkey --id "$id" -o "$work/pub.der" >/dev/null 2>&1 &&
        openssl pkey -pubin -inform DER -in "$work/pub.der" -out "$pem"
}
pubkey 01 "$work/pub01.pem" --token-label "$SIG_TOKEN" || true
pubkey 02 "$work/pub02.pem" || true
pubkey 03 "$work/pub03.pem" || true
check "public keys 01, 02, 03 read" test -s "$work/pub01.pem" -a -s "$work/pub02.pem" -a -s "$work/pub03.pem"
check "sign with the signature key (01, PIN for each signature)" \
    p11 --token-label "$SIG_TOKEN" --login --pin "$PIN" --sign --id 01 -m SHA256-RSA-PKCS -i "$work/msg" -o "$work/sig01"
check "signature 01 verifies with OpenSSL" \
    openssl dgst -sha256 -verify "$work/pub01.pem" -signature "$work/sig01" "$work/msg"
check "sign with the authentication key (03)" \
    p11 --login --pin "$PIN" --sign --id 03 -m SHA256-RSA-PKCS -i "$work/msg" -o "$work/sig03"
check "signature 03 verifies with OpenSSL" \
    openssl dgst -sha256 -verify "$work/pub03.pem" -signature "$work/sig03" "$work/msg"
openssl pkeyutl -encrypt -pubin -inkey "$work/pub02.pem" -pkeyopt rsa_padding_mode:pkcs1 \
    -in "$work/msg" -out "$work/enc" 2>/dev/null || fail "OpenSSL encryption to key 02"
check "decrypt with the decryption key (02)" \
    p11 --login --pin "$PIN" --decrypt --id 02 -m RSA-PKCS -i "$work/enc" -o "$work/dec"
check "plaintext back" cmp "$work/msg" "$work/dec"

if [ "$failures" != 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed"
