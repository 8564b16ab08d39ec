#!/usr/bin/env bash
# Acceptance: the sample program examples/pykcs11_sign.py (PyKCS11, run with
# Debian's /usr/bin/python3) against tessera-pkcs11.so: it lists both tokens,
# logs in, signs and verifies with C_Verify, for PIV 9A (RSA), 9E (ECDSA),
# 9C (ECDSA, context-specific login) and the OpenPGP authentication and
# signature keys (RSA); each signature it writes is verified again here with
# python3-cryptography against the public key pkcs11-tool reads. A wrong PIN
# makes it fail with CKR_PIN_INCORRECT. Runs inside scripts/with-virtual-cards.
# sandbox-timeout: 300
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=lib/client_keys.sh
. "$here/lib/client_keys.sh"
example=$here/../../examples/pykcs11_sign.py
require "$PY" "$example" pkcs11-tool
"$PY" -c 'import PyKCS11, cryptography' 2>/dev/null || die "python3-pykcs11 or python3-cryptography missing for $PY"
: "${TESSERA_PIV_READER:?no PIV card in this sandbox}"
: "${TESSERA_OPENPGP_READER:?no OpenPGP card in this sandbox}"
piv=$(reader_slot "$TESSERA_PIV_READER") || die "no slot for the PIV reader"
pgp=$(reader_slot "$TESSERA_OPENPGP_READER") || die "no slot for the OpenPGP reader"
# label SLOT : the token label in SLOT (pkcs11-tool -L)
label() {
    pkcs11-tool --module "$TESSERA_MODULE" -L 2>/dev/null | awk -v slot="($1):" '
        /^Slot / { here = ($3 == slot) }
        here && /token label/ { sub(/^ *token label *: /, ""); print; exit }'
}
piv_label=$(label "$piv")
pgp_label=$(label "$pgp")
echo "# tokens: '$piv_label', '$pgp_label'"

# independent check: SIG (PKCS#11 format) over MESSAGE with the public key in PUB
verify_here() {
    "$PY" - "$@" <<'PYEOF'
import hashlib, sys
from cryptography.hazmat.primitives import hashes, serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
data = open(sys.argv[1], "rb").read()
pub = ser.load_pem_public_key(data) if data.startswith(b"-----") else ser.load_der_public_key(data)
msg, sig = sys.argv[2].encode(), open(sys.argv[3], "rb").read()
if isinstance(pub, rsa.RSAPublicKey):
    pub.verify(sig, msg, padding.PKCS1v15(), hashes.SHA256())
elif isinstance(pub, ec.EllipticCurvePublicKey):
    n = len(sig) // 2
    der = utils.encode_dss_signature(int.from_bytes(sig[:n], "big"), int.from_bytes(sig[n:], "big"))
    pub.verify(der, hashlib.sha256(msg).digest(), ec.ECDSA(utils.Prehashed(hashes.SHA256())))
else:
    pub.verify(sig, msg)
PYEOF
}

# sample SLOT LABEL ID WHAT : run the example for key ID and check its result
sample() {
    local slot=$1 token=$2 id=$3 what=$4 msg
    msg="tessera client_pykcs11 $id $RANDOM"
    rm -f "$work/sig"
    if PKCS11_PIN=$PIN timeout 60 "$PY" "$example" --module "$TESSERA_MODULE" --token "$token" --id "$id" \
        --message "$msg" --signature "$work/sig" >"$work/out" 2>&1 && grep -q "^verified with public key $id: OK" "$work/out"; then
        pass "example: $what signs and verifies (C_Verify)"
    else
        fail "example: $what"; sed 's/^/       /' "$work/out"; return
    fi
    grep -q "^signing with key $id" "$work/out" || fail "example: does not say it signs with key $id"
    if pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" --read-object --type pubkey --id "$id" \
        -o "$work/pub" >/dev/null 2>&1 && verify_here "$work/pub" "$msg" "$work/sig" 2>"$work/verify.err"; then
        pass "python3-cryptography verifies the signature of $what"
    else
        fail "python3-cryptography rejects the signature of $what"; sed 's/^/       /' "$work/verify.err"
    fi
}

# the listing names both tokens (no --token: the first one is used)
PKCS11_PIN=$PIN timeout 60 "$PY" "$example" --module "$TESSERA_MODULE" >"$work/list" 2>&1 || true
sed 's/^/#   /' "$work/list"
for t in "$piv_label" "$pgp_label"; do
    if grep -qF "token '$t'" "$work/list"; then pass "example lists token '$t'"; else fail "example does not list '$t'"; fi
done
grep -q '^verified with public key' "$work/list" && pass "example without --token signs with the first token" ||
    fail "example without --token"

sample "$piv" "$piv_label" 01 "PIV 9A (RSA)"
sample "$piv" "$piv_label" 04 "PIV 9E (ECDSA P-256)"
sample "$piv" "$piv_label" 02 "PIV 9C (ECDSA, context-specific login)"
grep -q 'PIN for every signature' "$work/out" || fail "example does not notice 9C's CKA_ALWAYS_AUTHENTICATE"
sample "$pgp" "$pgp_label" 03 "OpenPGP authentication key (RSA)"
sample "$pgp" "$pgp_label" 01 "OpenPGP signature key (RSA)"

# a wrong PIN: CKR_PIN_INCORRECT, exit 1 (one try spent; the next right PIN restores the counter)
if PKCS11_PIN=654321 timeout 60 "$PY" "$example" --module "$TESSERA_MODULE" --token "$piv_label" --id 01 \
    >"$work/wrong" 2>&1; then
    fail "example succeeds with a wrong PIN"
elif [ $? = 1 ] && grep -q 'CKR_PIN_INCORRECT' "$work/wrong"; then
    pass "example with a wrong PIN: exit 1, CKR_PIN_INCORRECT"
else
    fail "example with a wrong PIN"; sed 's/^/       /' "$work/wrong"
fi
sample "$piv" "$piv_label" 01 "PIV 9A after the wrong PIN"
# no such key: exit 2
if PKCS11_PIN=$PIN "$PY" "$example" --module "$TESSERA_MODULE" --token "$piv_label" --id 7f >"$work/nokey" 2>&1; then
    fail "example succeeds with a key that does not exist"
elif [ $? = 2 ]; then pass "example with no such key: exit 2"; else fail "example with no such key: exit status"; fi

finish
