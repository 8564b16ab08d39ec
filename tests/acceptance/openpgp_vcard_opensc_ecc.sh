#!/usr/bin/env bash
# Acceptance: OpenSC with the virtual OpenPGP 3.4 card provisioned with NIST
# P-256 keys (profile v34-p256): opensc-pkcs11.so lists EC keys, passes its
# self test, makes ECDSA signatures with keys 01 and 03 that OpenSSL verifies,
# and derives the same ECDH secret with key 02 as OpenSSL does with an
# ephemeral key. (OpenSC 0.23's pkcs11-tool cannot read Ed25519/X25519 public
# keys; those are covered by openpgp_vcard_gpg.sh and the unit tests.)
# Runs inside scripts/with-virtual-cards.
# sandbox-args: --piv=none --openpgp=v34-p256
set -euo pipefail

: "${PCSCLITE_CSOCK_NAME:?run me inside scripts/with-virtual-cards}"
: "${TESSERA_OPENPGP_READER:?no OpenPGP card in this sandbox}"
MODULE=${OPENSC_MODULE:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}
PIN=123456
SIG_TOKEN="OpenPGP card (User PIN (sig))"
export OPENSC_DRIVER=openpgp
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
pubkey() { # ID PEM [pkcs11-tool options...]
    local id=$1 pem=$2; shift 2
    p11 "$@" --read-object --type pubkey --id "$id" -o "$work/pub.der" >/dev/null 2>&1 &&
        openssl pkey -pubin -inform DER -in "$work/pub.der" -out "$pem"
}

check "openpgp-tool: three ECC keys" sh -c \
    "test \$(openpgp-tool -r '$TESSERA_OPENPGP_READER' -K | grep -c 'Algorithm: *ECDSA\|Algorithm: *ECDH') = 3"
check "-O lists EC public keys 02 and 03" sh -c \
    "pkcs11-tool --module '$MODULE' -O | grep -c 'EC  EC_POINT 256 bits' | grep -qx 2"
check "--login --test" sh -c "pkcs11-tool --module '$MODULE' --login --pin '$PIN' --test 2>&1 | grep -q '^No errors'"

printf 'tessera openpgp ecc test message\n' >"$work/msg"
pubkey 01 "$work/pub01.pem" --token-label "$SIG_TOKEN" || true
pubkey 02 "$work/pub02.pem" || true
pubkey 03 "$work/pub03.pem" || true
check "public keys 01, 02, 03 read" test -s "$work/pub01.pem" -a -s "$work/pub02.pem" -a -s "$work/pub03.pem"
check "ECDSA with the signature key (01)" p11 --token-label "$SIG_TOKEN" --login --pin "$PIN" --sign --id 01 \
    -m ECDSA-SHA256 --signature-format openssl -i "$work/msg" -o "$work/sig01"
check "signature 01 verifies with OpenSSL" openssl dgst -sha256 -verify "$work/pub01.pem" -signature "$work/sig01" "$work/msg"
check "ECDSA with the authentication key (03)" p11 --login --pin "$PIN" --sign --id 03 \
    -m ECDSA-SHA256 --signature-format openssl -i "$work/msg" -o "$work/sig03"
check "signature 03 verifies with OpenSSL" openssl dgst -sha256 -verify "$work/pub03.pem" -signature "$work/sig03" "$work/msg"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/eph.pem" 2>/dev/null
openssl pkey -in "$work/eph.pem" -pubout -outform DER -out "$work/eph.der"
openssl pkeyutl -derive -inkey "$work/eph.pem" -peerkey "$work/pub02.pem" -out "$work/secret.ossl" 2>/dev/null ||
    fail "OpenSSL ECDH"
check "ECDH with the decryption key (02)" p11 --login --pin "$PIN" --derive --id 02 -m ECDH1-DERIVE \
    --input-file "$work/eph.der" -o "$work/secret.card"
check "same shared secret as OpenSSL" cmp "$work/secret.ossl" "$work/secret.card"

if [ "$failures" != 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed"
