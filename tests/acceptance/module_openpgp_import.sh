#!/usr/bin/env bash
# Issue 9, OpenPGP key import through PKCS#11 (README: "OpenPGP key and PIN
# management"): pkcs11-tool --write-object KEY --type privkey as SO (PW3)
# imports an OpenSSL key with PUT DATA 4D (card spec 3.4 section 4.4.3.12):
# RSA-2048 into 03, P-256 into 01 and P-384 into 02 (the algorithm
# attributes change first), the public key Tessera lists at once is the
# original's, the key signs (verified with the original public key), the
# card holds the key's v4 fingerprint (tessera-vcard recomputes it) and gpg
# --card-status shows it. A wrong PW3 and a key the card cannot take are
# refused and change nothing.
# sandbox-args: --piv=none --openpgp=v34
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=lib/openpgp.sh
. "$(dirname "$(readlink -f "$0")")/lib/openpgp.sh"
# shellcheck source=lib/gpg_env.sh
. "$LIB_DIR/gpg_env.sh"
require pkcs11-tool openssl cmp gpg gpgconf "$PY"
VCARD=${TESSERA_VCARD:-tessera-vcard}
slot=$(openpgp_slot) || die "no slot for $TESSERA_OPENPGP_READER"
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }
so() { p11 --login --login-type so --so-pin 12345678 "$@"; }
fpr_of() { awk -v r="$1" '$1 == "key" && $2 == r { print $6 }' "$OPENPGP_STATE"; }
attr_of() { awk -v r="$1" '$1 == "key" && $2 == r { print $3 }' "$OPENPGP_STATE"; }
pw3_tries() { awk '$1 == "pw3" { print $3; exit }' "$OPENPGP_STATE"; }
printf 'signed by a key imported into the OpenPGP card\n' >"$work/data"
keygen() { # NAME GENPKEY-ARGS... : $work/NAME.der (PKCS#8) and NAME.pub (SPKI)
    local name=$1
    shift
    openssl genpkey "$@" -outform DER -out "$work/$name.der" 2>/dev/null &&
        openssl pkey -inform DER -in "$work/$name.der" -pubout -outform DER -out "$work/$name.pub"
}
expect_refused() { # RV DESCRIPTION ARGS... : so ARGS fails with RV
    local rv=$1 what=$2
    shift 2
    if so "$@" >"$work/rv.out" 2>&1; then fail "$what: succeeded"; elif grep -q "$rv" "$work/rv.out"; then
        pass "$what: $rv"; else fail "$what: not $rv"; sed 's/^/       /' "$work/rv.out"; fi
}
# import ID NAME MECH : import, the listed public key is the original's, sign and verify, new fingerprint
import() {
    local id=$1 name=$2 mech=$3 before
    before=$(fpr_of "$((10#$id))")
    check "import $name into ID $id" so --write-object "$work/$name.der" --type privkey --id "$id"
    check "public key $id is listed at once" spki_of "$id" "$work/listed$id.der"
    check "... and is the imported key's" cmp "$work/listed$id.der" "$work/$name.pub"
    if [ "$(fpr_of "$((10#$id))")" != "$before" ]; then pass "key $id has a new fingerprint on the card"; else
        fail "key $id: the fingerprint on the card did not change"; fi
    [ -n "$mech" ] || return 0
    check "sign with the imported key $id ($mech)" p11 --login --pin "$PIN" --sign --id "$id" -m "$mech" \
        --signature-format openssl --input-file "$work/data" --output-file "$work/sig$id"
    check "the signature verifies with the original public key" openssl dgst -sha256 -keyform DER \
        -verify "$work/$name.pub" -signature "$work/sig$id" "$work/data"
}

check "an RSA-2048 key" keygen rsa2048 -algorithm RSA -pkeyopt rsa_keygen_bits:2048
check "a P-256 key" keygen p256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
check "a P-384 key" keygen p384 -algorithm EC -pkeyopt ec_paramgen_curve:P-384
check "an RSA-1024 key" keygen rsa1024 -algorithm RSA -pkeyopt rsa_keygen_bits:1024

echo "-- refused imports change nothing"
fpr3=$(fpr_of 3)
if p11 --login --login-type so --so-pin 87654321 --write-object "$work/rsa2048.der" --type privkey --id 03 \
    >"$work/wrong" 2>&1; then fail "import with a wrong PW3 succeeded"; elif grep -q CKR_PIN_INCORRECT "$work/wrong"; then
    pass "wrong PW3: CKR_PIN_INCORRECT"; else fail "wrong PW3: not CKR_PIN_INCORRECT"; sed 's/^/       /' "$work/wrong"; fi
check "key 03 unchanged" test "$(fpr_of 3)" = "$fpr3"
expect_refused CKR_FUNCTION_NOT_SUPPORTED "RSA-1024 (the card takes 2048-4096)" \
    --write-object "$work/rsa1024.der" --type privkey --id 03
expect_refused CKR_ATTRIBUTE_VALUE_INVALID "CKA_ID 04 (no such key)" \
    --write-object "$work/p256.der" --type privkey --id 04
check "key 03 still unchanged" test "$(fpr_of 3)" = "$fpr3"
check "PW3 back to 3 tries" test "$(pw3_tries)" = 3

echo "-- imports"
import 03 rsa2048 SHA256-RSA-PKCS
import 01 p256 ECDSA-SHA256
check "C1 is ECDSA P-256 now" test "$(attr_of 1)" = 132A8648CE3D030107
import 02 p384 ""
check "C2 is ECDH P-384 now" test "$(attr_of 2)" = 122B81040022
check "tessera-vcard recomputes every fingerprint on the card" "$VCARD" fingerprints --state "$OPENPGP_STATE"

echo "-- gpg --card-status"
gpg_env_setup
on_exit gpg_kill
gpg_kill
check "gpg --card-status" sh -c "gpg --card-status >'$work/status' 2>&1"
gpg_kill
sed 's/^/#   /' "$work/status"
check "gpg shows the imported keys' attributes" grep -q '^Key attributes \.*: nistp256 nistp384 rsa2048' "$work/status"
for r in 1 2 3; do
    label=$(echo "Signature Encryption Authentication" | cut -d' ' -f"$r")
    shown=$(awk -v l="$label" 'index($0, l " key") == 1 { sub(/^[^:]*: /, ""); gsub(/ /, ""); print; exit }' "$work/status")
    check "gpg shows the fingerprint of the imported ${label,,} key" test "$shown" = "$(fpr_of "$r")"
done
finish
