# Body of the module_piv_import*.sh acceptance tests (issue 9): C_CreateObject
# of a private key (pkcs11-tool --write-object KEY --type privkey) imports it
# on a card with the YubiKey import extension, and the imported key signs
# through Tessera; a plain PIV card answers CKR_FUNCTION_NOT_SUPPORTED and
# nothing changes. Sourced after tests/acceptance/ride/lib.sh; IMPORTS=1 on
# the yubikey profile, 0 on the plain one.
# shellcheck shell=bash disable=SC2154 # work, failures... come from ride/lib.sh

require pkcs11-tool openssl
KEY=010203040506070801020304050607080102030405060708
slot=$(slot_for_module "$TESSERA_MODULE") || die "no PIV slot"
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }
printf 'signed by an imported key\n' >"$work/data"

# import ID NAME GENPKEY-ARGS... : make a key with OpenSSL, import it, sign, verify
import() {
    local id=$1 name=$2 mech=$3
    shift 3
    openssl genpkey "$@" -outform DER -out "$work/$name.der" 2>/dev/null
    openssl pkey -inform DER -in "$work/$name.der" -pubout -outform DER -out "$work/$name.pub"
    if [ "$IMPORTS" = 1 ]; then
        check "import $name into ID $id" p11 --login --login-type so --so-pin "$KEY" --write-object "$work/$name.der" \
            --type privkey --id "$id"
        check "sign with the imported $name key" p11 --login --pin "$PIN" --sign --id "$id" -m "$mech" \
            --signature-format openssl --input-file "$work/data" --output-file "$work/$name.sig"
        check "the signature verifies with the original public key" openssl dgst -sha256 -keyform DER \
            -verify "$work/$name.pub" -signature "$work/$name.sig" "$work/data"
    elif p11 --login --login-type so --so-pin "$KEY" --write-object "$work/$name.der" --type privkey --id "$id" \
        >"$work/imp.out" 2>&1; then
        fail "import on a plain PIV card succeeded"
    elif grep -q CKR_FUNCTION_NOT_SUPPORTED "$work/imp.out"; then
        pass "import of $name on a plain PIV card: CKR_FUNCTION_NOT_SUPPORTED"
    else
        fail "import of $name on a plain PIV card: not CKR_FUNCTION_NOT_SUPPORTED"; sed 's/^/       /' "$work/imp.out"
    fi
}
import 03 p256 ECDSA-SHA256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
import 01 rsa2048 SHA256-RSA-PKCS -algorithm RSA -pkeyopt rsa_keygen_bits:2048
if [ "$IMPORTS" = 0 ]; then
    if p11 -O 2>&1 | grep -q 'ID: *0[13]'; then fail "the plain card has keys after refused imports"; else pass "nothing changed"; fi
fi
finish
