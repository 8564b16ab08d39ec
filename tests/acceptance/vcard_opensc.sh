#!/usr/bin/env bash
# Acceptance: OpenSC (opensc-pkcs11.so through pkcs11-tool, and opensc-tool) reads
# and uses the provisioned virtual PIV card: token present, four certificates
# with their keys, pkcs11-tool's self test with the PIN, and ECDSA/RSA
# signatures (including the PIN-always key 9C) verified with OpenSSL against
# the certificates read from the card. Runs inside scripts/with-virtual-cards.
# sandbox-args: --piv=yubikey --openpgp=none
set -euo pipefail

: "${PCSCLITE_CSOCK_NAME:?run me inside scripts/with-virtual-cards}"
MODULE=${OPENSC_MODULE:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}
PIN=${VCARD_PIN:-123456}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

p11() { pkcs11-tool --module "$MODULE" "$@"; }
pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; failures=$((failures + 1)); }
check() { # DESCRIPTION COMMAND...
    local what=$1; shift
    if "$@" >"$work/out" 2>&1; then pass "$what"; else fail "$what"; sed 's/^/       /' "$work/out"; fi
}

check "opensc-tool sees a PIV card" sh -c "opensc-tool -n | grep -q 'Personal Identity Verification'"
check "token listed (-L)" sh -c "pkcs11-tool --module '$MODULE' -L | grep -q 'token label'"
p11 --login --pin "$PIN" -O >"$work/objects" 2>&1 || true
certs=$(grep -c '^Certificate Object' "$work/objects" || true)
keys=$(grep -c '^Private Key Object' "$work/objects" || true)
if [ "$certs" = 4 ] && [ "$keys" = 4 ]; then pass "--login -O lists 4 certificates and 4 private keys"; else
    fail "-O lists $certs certificates and $keys private keys (want 4 and 4)"; sed 's/^/       /' "$work/objects"; fi
check "--login --test" sh -c "pkcs11-tool --module '$MODULE' --login --pin '$PIN' --test 2>&1 | tee /dev/stderr | grep -q '^No errors'"

printf 'tessera virtual card test message\n' >"$work/msg"
openssl dgst -sha256 -binary "$work/msg" >"$work/hash"
for id in 01 02 03 04; do
    p11 --read-object --type cert --id "$id" -o "$work/cert$id.der" >/dev/null 2>&1 || true
    openssl x509 -inform DER -in "$work/cert$id.der" -pubkey -noout >"$work/pub$id.pem" 2>/dev/null || true
done
check "certificates read for 01-04" test -s "$work/pub01.pem" -a -s "$work/pub02.pem" -a -s "$work/pub03.pem" -a -s "$work/pub04.pem"

# 9A (id 01): RSA PKCS#1 v1.5 with SHA-256, padding done by OpenSC, raw RSA on the card.
check "sign SHA256-RSA-PKCS with 9A" p11 --login --pin "$PIN" --sign --id 01 -m SHA256-RSA-PKCS \
    -i "$work/msg" -o "$work/sig01"
check "verify 9A signature" openssl dgst -sha256 -verify "$work/pub01.pem" -signature "$work/sig01" "$work/msg"
# 9C (id 02): PIN-always key; OpenSC does the context-specific login itself.
check "sign ECDSA with 9C (PIN always)" p11 --login --pin "$PIN" --sign --id 02 -m ECDSA \
    --signature-format openssl -i "$work/hash" -o "$work/sig02"
check "verify 9C signature" openssl dgst -sha256 -verify "$work/pub02.pem" -signature "$work/sig02" "$work/msg"
# 9E (id 04): card authentication, PIN never.
check "sign ECDSA with 9E" p11 --login --pin "$PIN" --sign --id 04 -m ECDSA \
    --signature-format openssl -i "$work/hash" -o "$work/sig04"
check "verify 9E signature" openssl dgst -sha256 -verify "$work/pub04.pem" -signature "$work/sig04" "$work/msg"
# 9D (id 03): key management, decryption of an OAEP-less PKCS#1 block.
openssl pkeyutl -encrypt -pubin -inkey "$work/pub03.pem" -in "$work/msg" -out "$work/enc03"
check "decrypt RSA-PKCS with 9D" p11 --login --pin "$PIN" --decrypt --id 03 -m RSA-PKCS -i "$work/enc03" -o "$work/dec03"
check "9D decryption matches" cmp "$work/msg" "$work/dec03"

if [ "$failures" -gt 0 ]; then
    echo "vcard_opensc: $failures failure(s)"
    exit 1
fi
echo "vcard_opensc: all passed"
