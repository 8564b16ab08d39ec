#!/usr/bin/env bash
# Issue 9, PIV: Tessera and ykcs11 take the same SO credential (the management
# key as hex) and see each other's work: a key ykcs11 generates is listed
# and used by Tessera (YubiKey GET METADATA), and one Tessera generates with
# its certificate is listed by ykcs11. ykcs11 2.2 looks only at readers named
# "Yubico...", hence the reader name.
# sandbox-args: --piv=yubikey:empty --openpgp=none --piv-reader-name="Yubico YubiKey OTP+FIDO+CCID"
# sandbox-timeout: 300
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/acceptance/ride/lib.sh
. "$here/ride/lib.sh"
YKCS11=${YKCS11_MODULE:-/usr/lib/x86_64-linux-gnu/libykcs11.so}
require pkcs11-tool openssl "$YKCS11"
KEY=010203040506070801020304050607080102030405060708
slot=$(slot_for_module "$TESSERA_MODULE") || die "no PIV slot for Tessera"
yk() { pkcs11-tool --module "$YKCS11" "$@"; }
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }
printf 'signed by a key ykcs11 made\n' >"$work/data"

check "ykcs11: keypairgen P-256 in ID 03 (9D) as SO" yk --login --login-type so --so-pin "$KEY" --keypairgen \
    --key-type EC:prime256v1 --id 03
check "Tessera lists the ykcs11 key" sh -c "pkcs11-tool --module '$TESSERA_MODULE' --slot $slot --login --pin '$PIN' -O --type privkey | grep -q 'ID: *03'"
check "Tessera signs with it" p11 --login --pin "$PIN" --sign --id 03 -m ECDSA-SHA256 --signature-format openssl \
    --input-file "$work/data" --output-file "$work/sig03"
check "ykcs11 exports its public key" yk --read-object --type pubkey --id 03 -o "$work/pub03.der"
check "the signature verifies" openssl dgst -sha256 -keyform DER -verify "$work/pub03.der" -signature "$work/sig03" \
    "$work/data"

check "Tessera: keypairgen RSA 2048 in ID 01 (9A) as SO" p11 --login --login-type so --so-pin "$KEY" --keypairgen \
    --key-type rsa:2048 --id 01
check "Tessera exports its public key" p11 --read-object --type pubkey --id 01 -o "$work/pub01.der"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" -subj /CN=ca -days 30 \
    -out "$work/ca.pem" 2>/dev/null
openssl pkey -pubin -inform DER -in "$work/pub01.der" -out "$work/pub01.pem"
check "certificate made" openssl x509 -new -subj "/CN=tessera wrote me" -force_pubkey "$work/pub01.pem" \
    -key "$work/ca.key" -days 30 -outform DER -out "$work/cert01.der"
check "Tessera writes it" p11 --login --login-type so --so-pin "$KEY" --write-object "$work/cert01.der" --type cert --id 01
check "ykcs11 lists the certificate" sh -c "pkcs11-tool --module '$YKCS11' -O --type cert | grep -q 'tessera wrote me'"
check "ykcs11 lists the key" sh -c "pkcs11-tool --module '$YKCS11' -O --type pubkey | grep -q 'ID: *01'"
finish
