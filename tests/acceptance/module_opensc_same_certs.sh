#!/usr/bin/env bash
# Acceptance: tessera-pkcs11.so and OpenSC's opensc-pkcs11.so read the same
# virtual PIV card and give byte-identical certificates for CKA_ID 01..04
# (9A, 9C, 9D, 9E), and both derive the same public keys from them.
# Runs inside scripts/with-virtual-cards.
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require pkcs11-tool openssl cmp "$OPENSC_MODULE"

ours=$(slot_for_module "$TESSERA_MODULE") || die "no slot for the PIV reader in $TESSERA_MODULE"
theirs=$(slot_for_module "$OPENSC_MODULE") || die "no slot for the PIV reader in $OPENSC_MODULE"
echo "# tessera slot $ours, OpenSC slot $theirs"

for id in 01 02 03 04; do
    check "tessera: read certificate $id" pkcs11-tool --module "$TESSERA_MODULE" --slot "$ours" \
        --read-object --type cert --id "$id" -o "$work/tessera$id.der"
    check "OpenSC: read certificate $id" pkcs11-tool --module "$OPENSC_MODULE" --slot "$theirs" \
        --read-object --type cert --id "$id" -o "$work/opensc$id.der"
    check "certificate $id: same DER from both modules" cmp "$work/tessera$id.der" "$work/opensc$id.der"
    if subject=$(openssl x509 -inform DER -in "$work/tessera$id.der" -noout -subject 2>/dev/null); then
        pass "certificate $id parses: $subject"
    else fail "certificate $id does not parse"; fi
    # public key objects: tessera's CKA_VALUE/EC_POINT vs OpenSC's, as SubjectPublicKeyInfo
    check "tessera: read public key $id" pkcs11-tool --module "$TESSERA_MODULE" --slot "$ours" \
        --read-object --type pubkey --id "$id" -o "$work/tessera-pub$id.der"
    check "OpenSC: read public key $id" pkcs11-tool --module "$OPENSC_MODULE" --slot "$theirs" \
        --read-object --type pubkey --id "$id" -o "$work/opensc-pub$id.der"
    check "public key $id: same SubjectPublicKeyInfo from both modules" \
        cmp "$work/tessera-pub$id.der" "$work/opensc-pub$id.der"
    openssl x509 -inform DER -in "$work/tessera$id.der" -noout -pubkey 2>/dev/null |
        openssl pkey -pubin -outform DER -out "$work/cert-pub$id.der" 2>/dev/null || true
    check "public key $id equals the certificate's key" cmp "$work/tessera-pub$id.der" "$work/cert-pub$id.der"
done
n=0
for a in 01 02 03 04; do for b in 01 02 03 04; do
    [ $((10#$a)) -lt $((10#$b)) ] && cmp -s "$work/tessera$a.der" "$work/tessera$b.der" && n=$((n + 1))
done; done
if [ "$n" = 0 ]; then pass "the four certificates are distinct"; else fail "$n pair(s) of identical certificates"; fi

finish
