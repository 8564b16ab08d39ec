#!/usr/bin/env bash
# Issue 9, OpenPGP: C_GenerateKeyPair on the virtual OpenPGP 3.4 card with
# CKU_SO = PW3 (pkcs11-tool --login-type so --so-pin 12345678 --keypairgen):
# RSA 2048 in the signature key 01 (attributes unchanged), P-256 and
# Ed25519 in the authentication key 03, P-384 in 01, RSA 3072, P-256 (ECDH)
# and X25519 in the decryption key 02 (the module changes C1-C3 first). Each
# new public key is listed at once and signs (verified with OpenSSL); the
# card holds the v4 fingerprint of each new key over its generation time
# (tessera-vcard recomputes it, as openpgp_vcard_gpg.sh checks it against
# GnuPG's) and `gpg --card-status` shows those fingerprints and the new key
# attributes. A wrong PW3 is CKR_PIN_INCORRECT and changes nothing.
# sandbox-args: --piv=none --openpgp=v34
# sandbox-timeout: 400
set -euo pipefail
# shellcheck source=lib/openpgp.sh
. "$(dirname "$(readlink -f "$0")")/lib/openpgp.sh"
# shellcheck source=lib/gpg_env.sh
. "$LIB_DIR/gpg_env.sh"
require pkcs11-tool openssl gpg gpgconf "$PY"
require_python_modules PyKCS11
VCARD=${TESSERA_VCARD:-tessera-vcard}
slot=$(openpgp_slot) || die "no slot for $TESSERA_OPENPGP_READER"
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }
so() { p11 --login --login-type so --so-pin 12345678 "$@"; }
fpr_of() { awk -v r="$1" '$1 == "key" && $2 == r { print $6 }' "$OPENPGP_STATE"; }
attr_of() { awk -v r="$1" '$1 == "key" && $2 == r { print $3 }' "$OPENPGP_STATE"; }
printf 'signed by a key the OpenPGP card made for Tessera\n' >"$work/data"
pubkey() { # ID OUT : CKA_PUBLIC_KEY_INFO of the public key object ID (PyKCS11, no login)
    "$PY" - "$TESSERA_MODULE" "$slot" "$1" "$2" <<'PYEOF'
import sys, PyKCS11
from PyKCS11.LowLevel import CKA_CLASS, CKA_ID, CKA_PUBLIC_KEY_INFO, CKO_PUBLIC_KEY
lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
s = lib.openSession(int(sys.argv[2], 16))
found = s.findObjects([(CKA_CLASS, CKO_PUBLIC_KEY), (CKA_ID, bytes.fromhex(sys.argv[3]))])
if len(found) != 1:
    sys.exit("%d public keys with ID %s" % (len(found), sys.argv[3]))
open(sys.argv[4], "wb").write(bytes(s.getAttributeValue(found[0], [CKA_PUBLIC_KEY_INFO])[0]))
PYEOF
}

echo "-- a wrong PW3 is refused and writes nothing"
fpr_before=$(fpr_of 1)
if p11 --login --login-type so --so-pin 87654321 --keypairgen --key-type EC:prime256v1 --id 01 >"$work/wrong" 2>&1; then
    fail "keypairgen with a wrong PW3 succeeded"
elif grep -q CKR_PIN_INCORRECT "$work/wrong"; then
    pass "wrong PW3: CKR_PIN_INCORRECT"
else
    fail "wrong PW3: not CKR_PIN_INCORRECT"; sed 's/^/       /' "$work/wrong"
fi
check "the signature key is unchanged" test "$(fpr_of 1)" = "$fpr_before"

# gen ID KEYTYPE : generate, check the new key is listed at once and its fingerprint is new
gen() {
    local id=$1 type=$2 before
    before=$(fpr_of "$((10#$id))")
    if so --keypairgen --key-type "$type" --id "$id" >"$work/gen$id" 2>&1; then
        pass "keypairgen $type in ID $id"
    else
        fail "keypairgen $type in ID $id"; sed 's/^/       /' "$work/gen$id"; return 0
    fi
    check "public key $id ($type) is listed at once" pubkey "$id" "$work/pub$id.der"
    if [ "$(fpr_of "$((10#$id))")" != "$before" ]; then pass "key $id has a new fingerprint on the card"; else
        fail "key $id: the fingerprint on the card did not change"; fi
}
# sign ID MECH : sign with the new key (user PIN; 01 asks again) and verify with OpenSSL
sign() {
    local id=$1 mech=$2
    check "sign with key $id ($mech)" p11 --login --pin "$PIN" --sign --id "$id" -m "$mech" \
        --signature-format openssl --input-file "$work/data" --output-file "$work/sig$id"
    if [ "$mech" = EDDSA ]; then
        check "signature of $id verifies" openssl pkeyutl -verify -pubin -keyform DER -inkey "$work/pub$id.der" \
            -rawin -in "$work/data" -sigfile "$work/sig$id"
    else
        check "signature of $id verifies" openssl dgst -sha256 -keyform DER -verify "$work/pub$id.der" \
            -signature "$work/sig$id" "$work/data"
    fi
}

echo "-- RSA 2048 in 01 (the card's attributes already say RSA 2048)"
gen 01 rsa:2048
sign 01 SHA256-RSA-PKCS
echo "-- P-256 in 03: C3 becomes ECDSA P-256"
gen 03 EC:prime256v1
check "C3 is ECDSA P-256" test "$(attr_of 3)" = 132A8648CE3D030107
sign 03 ECDSA-SHA256
echo "-- P-384 in 01"
gen 01 EC:secp384r1
sign 01 ECDSA-SHA256
echo "-- RSA 3072 and P-256 (ECDH) in 02"
gen 02 rsa:3072
check "key 02 is RSA 3072" sh -c "openssl pkey -pubin -inform DER -in '$work/pub02.der' -text -noout | grep -q '3072 bit'"
gen 02 EC:prime256v1
check "C2 is ECDH P-256" test "$(attr_of 2)" = 122A8648CE3D030107
echo "-- Ed25519 in 03, X25519 in 02"
gen 03 EC:edwards25519
check "C3 is EdDSA Ed25519" test "$(attr_of 3)" = 162B06010401DA470F01
sign 03 EDDSA
gen 02 EC:curve25519
check "C2 is ECDH Curve25519" test "$(attr_of 2)" = 122B060104019755010501
if so --keypairgen --key-type EC:edwards25519 --id 02 >"$work/ed02" 2>&1; then
    fail "Ed25519 in the decryption key accepted"
else
    pass "Ed25519 in the decryption key refused"
fi

echo "-- the fingerprints are the v4 fingerprints of the new keys"
check "tessera-vcard recomputes every fingerprint on the card" "$VCARD" fingerprints --state "$OPENPGP_STATE"
gpg_env_setup
on_exit gpg_kill
gpg_kill
check "gpg --card-status" sh -c "gpg --card-status >'$work/status' 2>&1"
sed 's/^/#   /' "$work/status"
check "gpg shows the new key attributes" grep -q '^Key attributes \.*: nistp384 cv25519 ed25519' "$work/status"
for r in 1 2 3; do
    label=$(echo "Signature Encryption Authentication" | cut -d' ' -f"$r")
    shown=$(awk -v l="$label" 'index($0, l " key") == 1 { sub(/^[^:]*: /, ""); gsub(/ /, ""); print; exit }' "$work/status")
    check "gpg shows the new fingerprint of the ${label,,} key" test "$shown" = "$(fpr_of "$r")"
done
check "gpg shows a generation time" grep -q '^ *created \.*: [0-9]' "$work/status"
gpg_kill
finish
