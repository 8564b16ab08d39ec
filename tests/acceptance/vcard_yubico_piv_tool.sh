#!/usr/bin/env bash
# Acceptance: yubico-piv-tool 2.x manages the virtual PIV card (yubikey profile)
# as it would a YubiKey: version/status, key generation in a retired slot,
# certificate import (made with OpenSSL: selfsign-certificate is broken under
# OpenSSL 3), signing test, attestation, PIN/PUK change, PIN block and unblock,
# management key change and back. Runs inside scripts/with-virtual-cards
# (PCSCLITE_CSOCK_NAME exported, card inserted); leaves the card's PIN, PUK and
# management key at their defaults.
# sandbox-args: --piv=yubikey --openpgp=none
set -euo pipefail

: "${PCSCLITE_CSOCK_NAME:?run me inside scripts/with-virtual-cards}"
READER=${TESSERA_PIV_READER:-}   # substring filter; '' matches every reader
SLOT=${VCARD_TEST_SLOT:-82}
RSA_SLOT=${VCARD_TEST_RSA_SLOT:-84}
DEFAULT_KEY=010203040506070801020304050607080102030405060708
NEW_KEY=0807060504030201080706050403020108070605040302FF
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

ypt() { yubico-piv-tool -r "$READER" "$@"; }
pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; failures=$((failures + 1)); }
check() { # DESCRIPTION COMMAND...
    local what=$1; shift
    if "$@" >"$work/out" 2>&1; then pass "$what"; else fail "$what"; sed 's/^/       /' "$work/out"; fi
}
check_fails() { # DESCRIPTION COMMAND... (must fail)
    local what=$1; shift
    if "$@" >"$work/out" 2>&1; then fail "$what (unexpectedly succeeded)"; else pass "$what"; fi
}

check "version is 5.4.3" sh -c "yubico-piv-tool -r '$READER' -a version | grep -q 'version 5.4.3'"
check "status lists 9a and 9c" sh -c "yubico-piv-tool -r '$READER' -a status | grep -q 'Slot 9c'"

# Key generation in a retired slot, certificate made by OpenSSL for that public key.
check "generate ECCP256 in $SLOT" ypt -a generate -s "$SLOT" -A ECCP256 -o "$work/pub.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
    -subj /CN=vcard-test-ca -days 30 -out "$work/ca.pem" 2>/dev/null
openssl req -new -key "$work/ca.key" -subj /CN=vcard-test-slot -out "$work/req.pem" 2>/dev/null
openssl x509 -req -in "$work/req.pem" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
    -force_pubkey "$work/pub.pem" -days 30 -out "$work/cert.pem" 2>/dev/null
check "import certificate into $SLOT" ypt -a import-certificate -s "$SLOT" -i "$work/cert.pem"
check "read the certificate back" sh -c "yubico-piv-tool -r '$READER' -a read-certificate -s $SLOT | openssl x509 -noout -subject | grep -q vcard-test-slot"
check "test-signature with $SLOT" ypt -a verify-pin -P 123456 -a test-signature -s "$SLOT" -i "$work/cert.pem"
check "attest $SLOT" sh -c "yubico-piv-tool -r '$READER' -a attest -s $SLOT | openssl x509 -noout -subject | grep -qi 'attestation'"

check "test-decipher (ECDH) with $SLOT" ypt -a verify-pin -P 123456 -a test-decipher -s "$SLOT" -i "$work/cert.pem"

# RSA: generation (the public key comes back in 61xx chunks), certificate, both tests.
check "generate RSA2048 in $RSA_SLOT" ypt -a generate -s "$RSA_SLOT" -A RSA2048 -o "$work/rsapub.pem"
openssl x509 -req -in "$work/req.pem" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
    -force_pubkey "$work/rsapub.pem" -days 30 -out "$work/rsacert.pem" 2>/dev/null
check "import RSA certificate into $RSA_SLOT" ypt -a import-certificate -s "$RSA_SLOT" -i "$work/rsacert.pem"
check "test-signature with $RSA_SLOT" ypt -a verify-pin -P 123456 -a test-signature -s "$RSA_SLOT" -i "$work/rsacert.pem"
check "test-decipher with $RSA_SLOT" ypt -a verify-pin -P 123456 -a test-decipher -s "$RSA_SLOT" -i "$work/rsacert.pem"

# PIN and PUK changes.
check "change PIN" ypt -a change-pin -P 123456 -N 654321
check "verify new PIN" ypt -a verify-pin -P 654321
check_fails "old PIN refused" ypt -a verify-pin -P 123456
check "change PIN back" ypt -a change-pin -P 654321 -N 123456
check "change PUK" ypt -a change-puk -P 12345678 -N 87654321
check "change PUK back" ypt -a change-puk -P 87654321 -N 12345678

# Block the PIN (3 wrong tries), then unblock it with the PUK.
for i in 1 2 3; do check_fails "wrong PIN $i" ypt -a verify-pin -P 000000; done
check_fails "blocked PIN refuses the right PIN" ypt -a verify-pin -P 123456
check "unblock PIN with PUK" ypt -a unblock-pin -P 12345678 -N 123456
check "PIN works again" ypt -a verify-pin -P 123456

# Management key: change it, prove the old one no longer works, change it back.
check "set management key" ypt -k"$DEFAULT_KEY" -a set-mgm-key -n "$NEW_KEY"
check_fails "old management key refused" ypt -k"$DEFAULT_KEY" -a generate -s 83 -A ECCP256
check "new management key accepted" ypt -k"$NEW_KEY" -a generate -s 83 -A ECCP256 -o "$work/pub83.pem"
check "set management key back" ypt -k"$NEW_KEY" -a set-mgm-key -n "$DEFAULT_KEY"
check "default management key accepted again" ypt -k"$DEFAULT_KEY" -a delete-certificate -s "$SLOT"
check "delete the RSA test certificate" ypt -k"$DEFAULT_KEY" -a delete-certificate -s "$RSA_SLOT"

if [ "$failures" -gt 0 ]; then
    echo "vcard_yubico_piv_tool: $failures failure(s)"
    exit 1
fi
echo "vcard_yubico_piv_tool: all passed"
