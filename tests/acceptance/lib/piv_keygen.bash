# Body of the module_piv_keygen*.sh acceptance tests (issue 9): CKU_SO is the
# PIV management key (hex, as ykcs11 takes it), C_GenerateKeyPair makes RSA
# 2048 / P-256 / P-384 keys in 9A / 9C / 9D chosen by CKA_ID, the new public
# key signs at once (before any certificate), C_CreateObject of a certificate
# fills the slot's container and C_DestroyObject empties it; OpenSC's module
# and yubico-piv-tool read what Tessera wrote and Tessera serves what
# yubico-piv-tool wrote. A wrong management key writes nothing.
# Sourced after tests/acceptance/ride/lib.sh; MGMT_KEY is the card's key;
# YPT_WRITES=0 when yubico-piv-tool cannot authenticate with it.
# shellcheck shell=bash disable=SC2154 # work, failures... come from ride/lib.sh

require pkcs11-tool openssl yubico-piv-tool "$OPENSC_MODULE"
WRONG_KEY=0F0E0D0C0B0A09080F0E0D0C0B0A09080F0E0D0C0B0A0908
[ ${#MGMT_KEY} -eq 64 ] && WRONG_KEY=${WRONG_KEY}0F0E0D0C0B0A0908
[ ${#MGMT_KEY} -eq 32 ] && WRONG_KEY=${WRONG_KEY:0:32}
slot=$(slot_for_module "$TESSERA_MODULE") || die "no PIV slot"
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }
so() { p11 --login --login-type so --so-pin "$MGMT_KEY" "$@"; }
ypt() { yubico-piv-tool -r "${TESSERA_PIV_READER:-}" "$@"; }
printf 'to be signed by a key made on the card\n' >"$work/data"
# pubkey ID OUT : the public key object's CKA_PUBLIC_KEY_INFO as DER (pkcs11-tool
# 0.23 --read-object cannot export a P-384 key)
pubkey() {
    "$PY" - "$TESSERA_MODULE" "$slot" "$1" "$2" <<'PYEOF'
import sys, PyKCS11
from PyKCS11.LowLevel import CKA_CLASS, CKA_ID, CKA_PUBLIC_KEY_INFO, CKO_PUBLIC_KEY
lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
s = lib.openSession(int(sys.argv[2], 16))
found = s.findObjects([(CKA_CLASS, CKO_PUBLIC_KEY), (CKA_ID, bytes.fromhex(sys.argv[3]))])
if len(found) != 1:
    sys.exit("%d public keys with ID %s" % (len(found), sys.argv[3]))
with open(sys.argv[4], "wb") as out:
    out.write(bytes(s.getAttributeValue(found[0], [CKA_PUBLIC_KEY_INFO])[0]))
PYEOF
}

echo "-- a wrong management key is refused and writes nothing"
if p11 --login --login-type so --so-pin "$WRONG_KEY" --keypairgen --key-type EC:prime256v1 --id 01 \
    >"$work/wrong.out" 2>&1; then
    fail "keypairgen with a wrong management key succeeded"
elif grep -q CKR_PIN_INCORRECT "$work/wrong.out"; then
    pass "wrong management key: CKR_PIN_INCORRECT"
else
    fail "wrong management key: not CKR_PIN_INCORRECT"; sed 's/^/       /' "$work/wrong.out"
fi
if ypt -a status 2>&1 | grep -q 'Slot 9a'; then fail "slot 9a changed after the refused login"; else pass "9a untouched"; fi

check "the empty card has no CHUID yet" sh -c "yubico-piv-tool -r '${TESSERA_PIV_READER:-}' -a status | grep -q 'CHUID:.*No data'"

# gen ID KEYTYPE MECHANISM SIGFORMAT : generate, then sign with the new key
# (user login; 9C asks for the PIN again) and verify with OpenSSL.
gen() {
    local id=$1 type=$2 mech=$3
    check "keypairgen $type in ID $id" so --keypairgen --key-type "$type" --id "$id"
    check "public key $id appears at once" pubkey "$id" "$work/pub$id.der"
    check "sign with key $id" p11 --login --pin "$PIN" --sign --id "$id" -m "$mech" --signature-format openssl \
        --input-file "$work/data" --output-file "$work/sig$id"
    check "signature of $id verifies" openssl dgst -sha256 -keyform DER -verify "$work/pub$id.der" \
        -signature "$work/sig$id" "$work/data"
}
gen 01 rsa:2048 SHA256-RSA-PKCS
gen 02 EC:prime256v1 ECDSA-SHA256
gen 03 EC:secp384r1 ECDSA-SHA256
check "CHUID and CCC written with the first key" sh -c "yubico-piv-tool -r '${TESSERA_PIV_READER:-}' -a status >'$work/status' && grep -q 'CHUID:.*3019d4e739da' '$work/status' && grep -q 'CCC:.*f015a000000116ff02' '$work/status'"

echo "-- certificate for the 9A key, written through Tessera"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
    -subj /CN=keygen-test-ca -days 30 -out "$work/ca.pem" 2>/dev/null
# certfor PUB.der SUBJECT OUT FORMAT : a certificate for a card key, signed by the test CA
certfor() {
    openssl pkey -pubin -inform DER -in "$1" -out "$1.pem" &&
        openssl x509 -new -subj "/CN=$2" -force_pubkey "$1.pem" -key "$work/ca.key" -days 30 \
            -outform "$4" -out "$3"
}
check "certificate for the 9A key made" certfor "$work/pub01.der" "made on the card" "$work/cert01.der" DER
check "write certificate ID 01" so --write-object "$work/cert01.der" --type cert --id 01
check "Tessera lists the certificate" sh -c "pkcs11-tool --module '$TESSERA_MODULE' --slot $slot -O --type cert | grep -q 'made on the card'"
check "Tessera serves the same bytes" p11 --read-object --type cert --id 01 -o "$work/back01.der"
check "bytes equal" cmp "$work/cert01.der" "$work/back01.der"
osc=$(slot_for_module "$OPENSC_MODULE") || die "OpenSC sees no PIV slot"
check "OpenSC's module lists it" sh -c "pkcs11-tool --module '$OPENSC_MODULE' --slot $osc -O --type cert | grep -q 'made on the card'"
check "OpenSC's module pairs it with the key" sh -c "pkcs11-tool --module '$OPENSC_MODULE' --slot $osc -O --type pubkey | grep -q 'ID: *01'"
check "yubico-piv-tool status shows 9a" sh -c "yubico-piv-tool -r '${TESSERA_PIV_READER:-}' -a status | grep -A3 'Slot 9a' | grep -q 'made on the card'"
check "yubico-piv-tool reads it" ypt -a read-certificate -s 9a -K DER -o "$work/ypt01.der"
check "yubico-piv-tool's bytes equal" cmp "$work/cert01.der" "$work/ypt01.der"

echo "-- a retired slot: key and certificate in 82 (ID 05), key history kept in step"
# Until its certificate is written, a retired key is known only to the process
# that generated it (the key history counts retired keys with certificates):
# generate and export in one PyKCS11 session.
gen_in_session() { # ID OUT
    "$PY" - "$TESSERA_MODULE" "$slot" "$MGMT_KEY" "$1" "$2" <<'PYEOF'
import sys, PyKCS11
from PyKCS11.LowLevel import (CKA_CLASS, CKA_EC_PARAMS, CKA_ID, CKA_PUBLIC_KEY_INFO, CKA_TOKEN,
                              CKF_RW_SESSION, CKF_SERIAL_SESSION, CKM_EC_KEY_PAIR_GEN, CKO_PUBLIC_KEY, CKU_SO)
lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
s = lib.openSession(int(sys.argv[2], 16), CKF_SERIAL_SESSION | CKF_RW_SESSION)
s.login(sys.argv[3], CKU_SO)
key_id = bytes.fromhex(sys.argv[4])
p256 = bytes.fromhex("06082A8648CE3D030107")
pub, _ = s.generateKeyPair([(CKA_TOKEN, True), (CKA_ID, key_id), (CKA_EC_PARAMS, p256)],
                           [(CKA_TOKEN, True), (CKA_ID, key_id)],
                           mecha=PyKCS11.Mechanism(CKM_EC_KEY_PAIR_GEN, None))
with open(sys.argv[5], "wb") as out:
    out.write(bytes(s.getAttributeValue(pub, [CKA_PUBLIC_KEY_INFO])[0]))
PYEOF
}
check "keypairgen P-256 in ID 05 (PyKCS11)" gen_in_session 05 "$work/pub05.der"
check "certificate for the 82 key made" certfor "$work/pub05.der" "retired one" "$work/cert05.der" DER
check "write certificate ID 05" so --write-object "$work/cert05.der" --type cert --id 05
check "a fresh Tessera read lists it" sh -c "pkcs11-tool --module '$TESSERA_MODULE' --slot $slot -O --type cert | grep -q 'retired one'"
check "OpenSC's module lists it" sh -c "pkcs11-tool --module '$OPENSC_MODULE' --slot $osc -O --type cert | grep -q 'retired one'"
check "yubico-piv-tool status shows 82" sh -c "yubico-piv-tool -r '${TESSERA_PIV_READER:-}' -a status | grep -A3 'Slot 82' | grep -q 'retired one'"
check "sign with the retired key" p11 --login --pin "$PIN" --sign --id 05 -m ECDSA-SHA256 --signature-format openssl \
    --input-file "$work/data" --output-file "$work/sig05"
check "its signature verifies" openssl dgst -sha256 -keyform DER -verify "$work/pub05.der" -signature "$work/sig05" \
    "$work/data"

# yubico-piv-tool 2.2 (Debian 12) authenticates with 3DES management keys only.
if [ "${YPT_WRITES:-1}" = 1 ]; then
    echo "-- a certificate written by yubico-piv-tool is served by Tessera"
    check "certificate for the 9D key made" certfor "$work/pub03.der" "written by yubico-piv-tool" "$work/cert03.pem" PEM
    check "yubico-piv-tool import-certificate 9d" ypt --key="$MGMT_KEY" -a import-certificate -s 9d -i "$work/cert03.pem"
    check "Tessera serves it" sh -c "pkcs11-tool --module '$TESSERA_MODULE' --slot $slot -O --type cert | grep -q 'written by yubico-piv-tool'"
fi

echo "-- delete the certificate of 9A"
check "delete-object cert 01" so --delete-object --type cert --id 01
if p11 -O --type cert 2>&1 | grep -q 'made on the card'; then fail "Tessera still lists it"; else pass "gone from Tessera"; fi
if ypt -a status 2>&1 | grep -A3 'Slot 9a' | grep -q 'made on the card'; then
    fail "still on the card for yubico-piv-tool"
else
    pass "gone from the card"
fi
check "the 9A key still signs" p11 --login --pin "$PIN" --sign --id 01 -m SHA256-RSA-PKCS \
    --input-file "$work/data" --output-file "$work/sig01b"

echo "-- nothing is left authenticated on the card after our writes"
check "SO write by Tessera" so --write-object "$work/cert01.der" --type cert --id 01
sw=$("$PY" "$(dirname "${BASH_SOURCE[0]}")/piv_put_probe.py" "${TESSERA_PIV_READER:-}" 2>&1) || true
if [ "$sw" = 6982 ]; then pass "PUT DATA by another client: 6982"; else fail "PUT DATA by another client answered $sw"; fi
finish
