#!/usr/bin/env bash
# Issue 9, OpenPGP certificates written and deleted through PKCS#11 (README:
# "OpenPGP key and PIN management"): pkcs11-tool --write-object --type cert
# as SO (PW3) stores the certificate in the 7F21 occurrence of its key (card
# spec 3.4 section 7.2.5: 03 -> 0, 02 -> 1, 01 -> 2, as the virtual card's
# state file shows), a new Tessera process and OpenSC's module list and read
# the same bytes, GnuPG's scdaemon reads it (READCERT OPENPGP.3), and
# --delete-object empties 7F21 again. Within one process (PyKCS11) the
# object list changes at once, for every session. Refused writes (wrong PW3,
# a certificate for another key, no SO login) are refused before anything is
# written and cost PW3 no try. OPENPGP_CERT_PROFILE=v21 runs it against a
# 2.1 card (module_openpgp_cert_write_v21.sh): one 7F21, the authentication
# key's, written with command chaining; ID 01 is CKR_ATTRIBUTE_VALUE_INVALID.
# sandbox-args: --piv=none --openpgp=v34
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=lib/openpgp.sh
. "$(dirname "$(readlink -f "$0")")/lib/openpgp.sh"
# shellcheck source=lib/gpg_env.sh
. "$LIB_DIR/gpg_env.sh"
require pkcs11-tool openssl cmp gpg-connect-agent gpgconf "$PY"
require_python_modules PyKCS11 cryptography
PROFILE=${OPENPGP_CERT_PROFILE:-v34}
OPENSC_MODULE=${OPENSC_MODULE:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}
export OPENSC_DRIVER=openpgp # references.md: OpenSC prefers PIV when both exist
slot=$(openpgp_slot) || die "no slot for $TESSERA_OPENPGP_READER"
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }
so() { p11 --login --login-type so --so-pin 12345678 "$@"; }
state_cert() { awk -v i="$1" '$1 == "cert" && $2 == i { print $3; exit }' "$OPENPGP_STATE"; }
pw3_tries() { awk '$1 == "pw3" { print $3; exit }' "$OPENPGP_STATE"; }
hex_of() { od -An -tx1 -v "$1" | tr -d ' \n' | tr 'a-f' 'A-F'; }
# make_cert ID : a certificate (throwaway CA) for our public key ID -> $work/certID.der
make_cert() {
    spki_of "$1" "$work/pub$1.der" || return 1
    "$PY" - "$work/pub$1.der" "$work/cert$1.der" "$1" <<'PYEOF'
import datetime, sys
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
pub = serialization.load_der_public_key(open(sys.argv[1], "rb").read())
ca = ec.generate_private_key(ec.SECP256R1())
now = datetime.datetime.now(datetime.timezone.utc)
name = lambda cn: x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
cert = (x509.CertificateBuilder().subject_name(name("Tessera OpenPGP key " + sys.argv[3]))
        .issuer_name(name("Tessera test CA")).public_key(pub).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
        .sign(ca, hashes.SHA256()))
open(sys.argv[2], "wb").write(cert.public_bytes(serialization.Encoding.DER))
PYEOF
}
# certs_of MODULE [ARGS] : the IDs of the certificate objects a new process lists
certs_of() {
    local m=$1
    shift
    pkcs11-tool --module "$m" "$@" --list-objects --type cert 2>/dev/null |
        awk '/^Certificate Object/ { c = 1 } c && /ID:/ { print $2; c = 0 }' | sort | tr '\n' ' '
}

occ03=0 occ01=2
check "a certificate for key 03" make_cert 03
check "a certificate for key 01" make_cert 01
[ "$PROFILE" = v21 ] && occ01=none
check "no certificate on the card yet" test -z "$(state_cert 0)$(state_cert 1)$(state_cert 2)"
check "PW3 has 3 tries" test "$(pw3_tries)" = 3

echo "-- refused writes leave the card as it is"
expect_rv CKR_PIN_INCORRECT "wrong PW3" p11 --login --login-type so --so-pin 87654321 \
    --write-object "$work/cert03.der" --type cert --id 03
expect_rv CKR_USER_NOT_LOGGED_IN "no SO login" p11 --login --pin 123456 \
    --write-object "$work/cert03.der" --type cert --id 03
expect_rv CKR_ATTRIBUTE_VALUE_INVALID "a certificate for another key" so \
    --write-object "$work/cert03.der" --type cert --id 02
check "nothing written" test -z "$(state_cert 0)$(state_cert 1)$(state_cert 2)"
check "a good SO login (the wrong one's try comes back)" "$PY" -c "
import sys, PyKCS11
from PyKCS11.LowLevel import CKF_RW_SESSION, CKF_SERIAL_SESSION, CKU_SO
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
lib.openSession(int(sys.argv[2], 16), CKF_SERIAL_SESSION | CKF_RW_SESSION).login('12345678', CKU_SO)" \
    "$TESSERA_MODULE" "$slot"
check "PW3 has 3 tries again" test "$(pw3_tries)" = 3

echo "-- --write-object --type cert --id 03"
check "write certificate 03 as SO" so --write-object "$work/cert03.der" --type cert --id 03
check "7F21 occurrence $occ03 holds it" test "$(state_cert $occ03)" = "$(hex_of "$work/cert03.der")"
check "Tessera (a new process) lists certificate 03" test "$(certs_of "$TESSERA_MODULE" --slot "$slot")" = "03 "
check "Tessera reads certificate 03" p11 --read-object --type cert --id 03 -o "$work/read03.der"
check "... the bytes written" cmp "$work/cert03.der" "$work/read03.der"
check "OpenSC lists certificate 03" sh -c \
    "pkcs11-tool --module '$OPENSC_MODULE' --list-objects --type cert 2>/dev/null | grep -q 'ID: *03'"
check "OpenSC reads certificate 03" pkcs11-tool --module "$OPENSC_MODULE" --read-object --type cert --id 03 \
    -o "$work/opensc03.der"
check "... the bytes written" cmp "$work/cert03.der" "$work/opensc03.der"
gpg_env_setup
on_exit gpg_kill
gpg-connect-agent "scd readcert OPENPGP.3" /bye >"$work/readcert" 2>&1 || true
gpg_kill
check "GnuPG's scdaemon reads certificate 03" grep -q '^D ' "$work/readcert"
check "... not an error" sh -c "! grep -q '^ERR' '$work/readcert'"

if [ "$PROFILE" = v21 ]; then
    expect_rv CKR_ATTRIBUTE_VALUE_INVALID "ID 01 on a 2.1 card (one 7F21, the authentication key's)" so \
        --write-object "$work/cert01.der" --type cert --id 01
    check "certificate 03 still there" test "$(state_cert 0)" = "$(hex_of "$work/cert03.der")"
else
    echo "-- --id 01 goes to occurrence 2"
    check "write certificate 01 as SO" so --write-object "$work/cert01.der" --type cert --id 01
    check "7F21 occurrence 2 holds it" test "$(state_cert 2)" = "$(hex_of "$work/cert01.der")"
    check "occurrence 0 still holds certificate 03" test "$(state_cert 0)" = "$(hex_of "$work/cert03.der")"
    check "Tessera lists certificates 01 and 03" test "$(certs_of "$TESSERA_MODULE" --slot "$slot")" = "01 03 "
    check "Tessera reads certificate 01" p11 --read-object --type cert --id 01 -o "$work/read01.der"
    check "... the bytes written" cmp "$work/cert01.der" "$work/read01.der"
fi

echo "-- --delete-object --type cert --id 03"
check "delete certificate 03 as SO" so --delete-object --type cert --id 03
check "7F21 occurrence 0 is empty" test -z "$(state_cert 0)"
want=""
[ "$PROFILE" = v21 ] || want="01 "
check "Tessera (a new process) lists: ${want:-none}" test "$(certs_of "$TESSERA_MODULE" --slot "$slot")" = "$want"
check "OpenSC lists no certificate 03" sh -c \
    "! pkcs11-tool --module '$OPENSC_MODULE' --list-objects --type cert 2>/dev/null | grep -q 'ID: *03'"
check "PW3 has 3 tries at the end" test "$(pw3_tries)" = 3

echo "-- one process (PyKCS11): the object list changes at once, in every session"
if "$PY" - "$TESSERA_MODULE" "$slot" "$work/cert03.der" >"$work/py.out" 2>&1 <<'PYEOF'; then
import sys, PyKCS11
from PyKCS11.LowLevel import *
lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
slot, der = int(sys.argv[2], 16), open(sys.argv[3], "rb").read()
other = lib.openSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION)  # (no SO login next to a read-only one)
s = lib.openSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION)
def certs(sess, cid=b"\x03"):
    return sess.findObjects([(CKA_CLASS, CKO_CERTIFICATE), (CKA_ID, cid)])
assert not certs(other), "a certificate 03 before the write"
s.login("12345678", CKU_SO)
h = s.createObject([(CKA_CLASS, CKO_CERTIFICATE), (CKA_CERTIFICATE_TYPE, CKC_X_509), (CKA_TOKEN, True),
                    (CKA_ID, b"\x03"), (CKA_VALUE, der)])
for sess, what in ((s, "the writing session"), (other, "another session")):
    found = certs(sess)
    assert len(found) == 1, "%s: %d certificates 03" % (what, len(found))
    assert bytes(sess.getAttributeValue(found[0], [CKA_VALUE])[0]) == der, what + ": other bytes"
    print("ok: %s sees the new certificate" % what)
s.destroyObject(h)
for sess, what in ((s, "the writing session"), (other, "another session")):
    assert not certs(sess), what + ": certificate 03 still listed"
    print("ok: %s no longer sees it" % what)
s.logout()
PYEOF
    pass "PyKCS11: C_CreateObject / C_DestroyObject show at once"
    sed 's/^/#   /' "$work/py.out"
else
    fail "PyKCS11: C_CreateObject / C_DestroyObject"
    sed 's/^/       /' "$work/py.out"
fi
check "7F21 occurrence 0 empty after the PyKCS11 delete" test -z "$(state_cert 0)"
finish
