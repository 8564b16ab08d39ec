#!/usr/bin/env bash
# Acceptance (issue 10, pinentry) on the OpenPGP card: with pin_source =
# pinentry the OpenPGP token announces the protected path too, pkcs11-tool
# logs in with no PIN (the scripted pinentry answers PW1 123456, its SETDESC
# shows PW1's tries left) and the authentication key (ID 03) signs a
# signature that verifies with the token's public key. Runs inside
# scripts/with-virtual-cards.
# sandbox-args: --piv=none
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib/openpgp.sh"
require pkcs11-tool openssl
slot=$(openpgp_slot) || die "pkcs11-tool -L shows no slot for $TESSERA_OPENPGP_READER"
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }
printf 'pin_source = pinentry\npinentry_program = %s\n' "$LIB_DIR/pinentry_script.sh" >"$work/pe.conf"
log=$work/pinentry.log
export TESSERA_CONF=$work/pe.conf PINENTRY_LOG=$log

p11 -L >"$work/list" 2>&1 || fail "-L exit status $?"
if grep -q 'token flags.*PIN pad present' "$work/list"; then pass "OpenPGP token: 'PIN pad present'"; else
    fail "OpenPGP token: no 'PIN pad present'"; sed 's/^/#   /' "$work/list"; fi
check "read public key 03" p11 --read-object --type pubkey --id 03 -o "$work/pub03.der"
openssl pkey -pubin -inform DER -in "$work/pub03.der" -out "$work/pub03.pem" || die "public key 03"
head -c 1000 /dev/urandom >"$work/msg"
: >"$log"
check "--login --sign with key 03, no --pin" p11 --login --sign --id 03 -m SHA256-RSA-PKCS -i "$work/msg" -o "$work/sig"
check "the signature verifies" openssl dgst -sha256 -verify "$work/pub03.pem" -signature "$work/sig" "$work/msg"
if [ "$(grep -c '^GETPIN' "$log")" = 1 ] && grep -q '^SETDESC .*%0A3 tries left' "$log"; then
    pass "one dialog, showing PW1's 3 tries left"
else fail "dialogs: $(grep -c '^GETPIN' "$log")"; sed 's/^/#   /' "$log"; fi
finish
