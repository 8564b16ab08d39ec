#!/usr/bin/env bash
# Acceptance: tessera-pkcs11.so and OpenSC's opensc-pkcs11.so (OPENSC_DRIVER=
# openpgp) read the same public keys from the virtual OpenPGP 3.4 card: for
# CKA_ID 01, 02 and 03 both give byte-identical DER SubjectPublicKeyInfo
# (pkcs11-tool --read-object --type pubkey), equal to our CKA_PUBLIC_KEY_INFO
# and of the card's key type (RSA: same modulus and exponent 65537; P-256:
# prime256v1), and the three keys are distinct; a signature our module makes
# with 03 verifies with OpenSC's copy of the key. RSA keys here; the P-256
# card in module_openpgp_same_keys_p256.sh. Runs inside scripts/with-virtual-cards.
# sandbox-args: --piv=none --openpgp=v34
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=lib/openpgp.sh
. "$(dirname "$(readlink -f "$0")")/lib/openpgp.sh"
require pkcs11-tool openssl cmp "$OPENSC_MODULE" "$PY"
require_python_modules PyKCS11 cryptography
export OPENSC_DRIVER=openpgp # references.md: OpenSC prefers PIV when both exist
SIG_TOKEN="OpenPGP card (User PIN (sig))"

ours=$(openpgp_slot) || die "no slot for the OpenPGP reader in $TESSERA_MODULE"
# OpenSC gives the card two slots, "(User PIN)" first, "(User PIN (sig))" with key 01
theirs=$(reader_slot "$OPENSC_MODULE" "$TESSERA_OPENPGP_READER") || die "no slot for the OpenPGP reader in $OPENSC_MODULE"
echo "# tessera slot $ours, OpenSC slot $theirs"
keytext() { { openssl pkey -pubin -inform DER -in "$1" -noout -text 2>/dev/null || true; } | tr -d ' \n'; }
first_kind=

for id in 01 02 03; do
    check "tessera: read public key $id" pkcs11-tool --module "$TESSERA_MODULE" --slot "$ours" \
        --read-object --type pubkey --id "$id" -o "$work/tessera$id.der"
    # OpenSC shows the signature key on its own "(sig)" token
    token=(--slot "$theirs")
    [ "$id" = 01 ] && token=(--token-label "$SIG_TOKEN")
    check "OpenSC: read public key $id" pkcs11-tool --module "$OPENSC_MODULE" "${token[@]}" \
        --read-object --type pubkey --id "$id" -o "$work/opensc$id.der"
    check "public key $id: same SubjectPublicKeyInfo from both modules" cmp "$work/tessera$id.der" "$work/opensc$id.der"
    if spki_of "$id" "$work/info$id.der" 2>"$work/err"; then
        check "public key $id: pkcs11-tool's DER is our CKA_PUBLIC_KEY_INFO" cmp "$work/tessera$id.der" "$work/info$id.der"
    else
        fail "CKA_PUBLIC_KEY_INFO of public key $id"; sed 's/^/       /' "$work/err"
    fi
    text_ours=$(keytext "$work/tessera$id.der")
    text_theirs=$(keytext "$work/opensc$id.der")
    case $text_ours in
        *Modulus:*Exponent:*) kind=RSA ;;
        *prime256v1*) kind=P-256 ;;
        *) kind=unknown ;;
    esac
    [ "$id" = 01 ] && first_kind=$kind
    if [ -n "$text_ours" ] && [ "$text_ours" = "$text_theirs" ] && [ "$kind" != unknown ]; then
        pass "public key $id: the same $kind key from both modules (openssl pkey -text)"
    else
        fail "public key $id: openssl pkey -text differs or is of no expected type ($kind)"
    fi
    [ "$kind" != RSA ] || [[ $text_ours == *"Exponent:65537"* ]] || fail "public key $id: exponent is not 65537"
    if [ "$kind" != "$first_kind" ]; then fail "public key $id is $kind, 01 is $first_kind"; fi
    openssl pkey -pubin -inform DER -in "$work/opensc$id.der" -out "$work/opensc$id.pem" 2>/dev/null || true
done
n=0
for a in 01 02 03; do for b in 01 02 03; do
    [ $((10#$a)) -lt $((10#$b)) ] && cmp -s "$work/tessera$a.der" "$work/tessera$b.der" && n=$((n + 1))
done; done
if [ "$n" = 0 ]; then pass "the three public keys are distinct"; else fail "$n pair(s) of identical public keys"; fi

printf 'tessera same keys message\n' >"$work/msg"
if [ "$first_kind" = RSA ]; then mech=(-m SHA256-RSA-PKCS); else mech=(-m ECDSA-SHA256 --signature-format openssl); fi
check "tessera: sign with 03 (${mech[1]})" pkcs11-tool --module "$TESSERA_MODULE" --slot "$ours" --login --pin "$PIN" \
    --sign --id 03 "${mech[@]}" -i "$work/msg" -o "$work/sig03"
check "our signature verifies with OpenSC's public key 03" \
    openssl dgst -sha256 -verify "$work/opensc03.pem" -signature "$work/sig03" "$work/msg"

finish
