#!/usr/bin/env bash
# The module at work with standard tools, against the virtual cards of
# scripts/with-virtual-cards (run by `make demo`): list slots and objects,
# log in and sign with the PIV authentication key (9A, CKA_ID 01), then check
# the signature with OpenSSL against the key's certificate.
#   scripts/with-virtual-cards -- scripts/demo.sh
set -euo pipefail

: "${TESSERA_MODULE:?run me under scripts/with-virtual-cards}"
: "${PCSCLITE_CSOCK_NAME:?run me under scripts/with-virtual-cards}"
pin=${TESSERA_DEMO_PIN:-123456} # the YubiKey-like profile's default PIN
id=01                           # 9A, numbered as OpenSC and ykcs11 do

for tool in pkcs11-tool openssl; do
    command -v "$tool" >/dev/null || {
        echo "demo: $tool is missing (scripts/install-deps)" >&2
        exit 1
    }
done
[ -f "$TESSERA_MODULE" ] || {
    echo "demo: no module at $TESSERA_MODULE (build it: make build)" >&2
    exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf '\n==> %s\n' "$*"; }
run() {
    printf '$ %s\n' "$*"
    "$@"
}
p11=(pkcs11-tool --module "$TESSERA_MODULE")

step "Slots (one per reader; the PIV card is in ${TESSERA_PIV_READER:-the first reader})"
run "${p11[@]}" --list-slots

# the slot of the PIV card's reader: "Slot N (0x..): READER"
slot=()
if [ -n "${TESSERA_PIV_READER:-}" ]; then
    s=$("${p11[@]}" --list-slots | grep -F -- "$TESSERA_PIV_READER" | sed -n 's/^Slot [0-9]* (\(0x[0-9a-fA-F]*\)).*/\1/p' | head -n 1)
    [ -n "$s" ] && slot=(--slot "$s")
fi

step "Objects visible without logging in"
run "${p11[@]}" "${slot[@]}" --list-objects

step "The certificate of key 9A (CKA_ID $id)"
run "${p11[@]}" "${slot[@]}" --read-object --type cert --id "$id" --output-file "$work/cert.der"
run openssl x509 -inform DER -in "$work/cert.der" -noout -subject -issuer -dates
openssl x509 -inform DER -in "$work/cert.der" -noout -pubkey >"$work/pub.pem"

echo "Tessera demo: signed on a virtual PIV card at $(date -u +%FT%TZ)" >"$work/data.txt"
if openssl pkey -pubin -in "$work/pub.pem" -noout -text 2>/dev/null | grep -q '^RSA\|Modulus'; then
    mech=SHA256-RSA-PKCS
    fmt=()
else
    mech=ECDSA-SHA256
    fmt=(--signature-format openssl) # DER, as openssl dgst wants it
fi

step "Log in (PIN $pin) and sign with key 9A ($mech)"
run "${p11[@]}" "${slot[@]}" --login --pin "$pin" --sign --id "$id" --mechanism "$mech" \
    "${fmt[@]}" --input-file "$work/data.txt" --output-file "$work/data.sig"

step "Verify the signature with OpenSSL against the certificate's public key"
run openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/data.sig" "$work/data.txt"

step "Done: the card signed, OpenSSL verified"
