#!/usr/bin/env bash
# Acceptance: Yubico's ykcs11 (libykcs11.so) takes the virtual PIV card (yubikey
# profile) for a YubiKey: token listed, certificates and keys found, RSA and
# ECDSA signatures (9C is PIN-always) verified with OpenSSL. ykcs11 2.2 only
# looks at readers whose name starts with "Yubico": run me inside
#   scripts/with-virtual-cards --piv-reader-name="Yubico YubiKey OTP+FIDO+CCID" -- ...
# (the sandbox-args line below does that under ctest); another name is a failure.
# sandbox-args: --piv=yubikey --openpgp=none --piv-reader-name="Yubico YubiKey OTP+FIDO+CCID"
set -euo pipefail

: "${PCSCLITE_CSOCK_NAME:?run me inside scripts/with-virtual-cards}"
MODULE=${YKCS11_MODULE:-/usr/lib/x86_64-linux-gnu/libykcs11.so}
PIN=${VCARD_PIN:-123456}
case ${TESSERA_PIV_READER:-Yubico} in
    Yubico*) ;;
    *) echo "FAIL - ykcs11 needs a reader named Yubico* (use --piv-reader-name)"; exit 1 ;;
esac
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

check "token is a YubiKey PIV (-L)" sh -c "pkcs11-tool --module '$MODULE' -L | grep -q 'YubiKey PIV'"
p11 --login --pin "$PIN" -O >"$work/objects" 2>&1 || true
certs=$(grep -c '^Certificate Object' "$work/objects" || true)
keys=$(grep -c '^Private Key Object' "$work/objects" || true)
# 9A, 9C, 9D, 9E plus the attestation certificate (F9), which has no private key object.
if [ "$certs" -ge 4 ] && [ "$keys" -ge 4 ]; then pass "-O lists $certs certificates and $keys private keys"; else
    fail "-O lists $certs certificates and $keys private keys (want >= 4 each)"; sed 's/^/       /' "$work/objects"; fi

check "--login --test" sh -c "pkcs11-tool --module '$MODULE' --login --pin '$PIN' --test 2>&1 | tee /dev/stderr | grep -q '^No errors'"

printf 'tessera virtual card test message\n' >"$work/msg"
for id in 01 02 04; do
    p11 --read-object --type cert --id "$id" -o "$work/cert$id.der" >/dev/null 2>&1 || true
    openssl x509 -inform DER -in "$work/cert$id.der" -pubkey -noout >"$work/pub$id.pem" 2>/dev/null || true
done
check "certificates read for 01, 02, 04" test -s "$work/pub01.pem" -a -s "$work/pub02.pem" -a -s "$work/pub04.pem"

check "sign SHA256-RSA-PKCS with 9A" p11 --login --pin "$PIN" --sign --id 01 -m SHA256-RSA-PKCS \
    -i "$work/msg" -o "$work/sig01"
check "verify 9A signature" openssl dgst -sha256 -verify "$work/pub01.pem" -signature "$work/sig01" "$work/msg"
check "sign ECDSA-SHA256 with 9C (PIN always)" p11 --login --pin "$PIN" --sign --id 02 -m ECDSA-SHA256 \
    --signature-format openssl -i "$work/msg" -o "$work/sig02"
check "verify 9C signature" openssl dgst -sha256 -verify "$work/pub02.pem" -signature "$work/sig02" "$work/msg"
check "sign ECDSA-SHA256 with 9E" p11 --login --pin "$PIN" --sign --id 04 -m ECDSA-SHA256 \
    --signature-format openssl -i "$work/msg" -o "$work/sig04"
check "verify 9E signature" openssl dgst -sha256 -verify "$work/pub04.pem" -signature "$work/sig04" "$work/msg"
check "wrong PIN is refused" sh -c "! pkcs11-tool --module '$MODULE' --login --pin 999999 -O >/dev/null 2>&1"
check "right PIN resets the counter" p11 --login --pin "$PIN" -O

if [ "$failures" -gt 0 ]; then
    echo "vcard_ykcs11: $failures failure(s)"
    exit 1
fi
echo "vcard_ykcs11: all passed"
