#!/usr/bin/env bash
# Acceptance: OpenSC's pkcs11-tool drives tessera-pkcs11.so on the virtual
# OpenPGP 3.4 card (RSA-2048 keys): -L shows the token with the card's serial
# number (from the AID), -O shows a public and a private key for CKA_ID 01
# (signature), 02 (encryption) and 03 (authentication) and no certificate (the
# card holds none), the signature key is CKA_ALWAYS_AUTHENTICATE (PW1 valid for
# one signature), and pkcs11-tool's self test passes with the PIN. Then a
# certificate for the authentication key is written to the card (PUT DATA
# 7F21, pyscard, PW3) and a fresh pkcs11-tool shows it as a certificate object
# with CKA_ID 03, byte for byte. Runs inside scripts/with-virtual-cards.
# sandbox-args: --piv=none --openpgp=v34
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=lib/openpgp.sh
. "$(dirname "$(readlink -f "$0")")/lib/openpgp.sh"
require pkcs11-tool "$PY"
require_python_modules PyKCS11 smartcard cryptography

serial=$(state_field serial)
slot=$(openpgp_slot) || die "pkcs11-tool -L shows no slot for $TESSERA_OPENPGP_READER"
echo "# OpenPGP card (serial $serial) in slot $slot"
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }

# --- -L --------------------------------------------------------------------------
pkcs11-tool --module "$TESSERA_MODULE" -L >"$work/list" 2>&1 || fail "pkcs11-tool -L exit status $?"
sed 's/^/#   /' "$work/list"
# the token's block: from our slot's line to the next slot's
awk -v s="($slot)" '/^Slot / { on = index($0, s) > 0 } on' "$work/list" >"$work/token"
check "-L: a token in the OpenPGP reader" grep -q 'token label' "$work/token"
check "-L: token serial is the card's serial $serial" grep -Eq "serial num *: *$serial\$" "$work/token"
check "-L: token model names the OpenPGP card 3.4" grep -Eq 'token model *: .*OpenPGP.*3\.4' "$work/token"
check "-L: token flags say login required, PIN initialized" \
    sh -c "grep 'token flags' '$work/token' | grep -q 'login required' && grep 'token flags' '$work/token' | grep -q 'PIN initialized'"

# --- -O ----------------------------------------------------------------------------
objects() { # OUT [options] : -O output, split into one line per object
    local out=$1; shift
    p11 "$@" -O >"$out.raw" 2>&1 || { fail "pkcs11-tool $* -O exit status $?"; sed 's/^/       /' "$out.raw"; }
    awk '/^[A-Z][a-z]+ (Key )?Object/ { if (obj != "") print obj; obj = $0; next }
         /^ / { obj = obj " |" $0 } END { if (obj != "") print obj }' "$out.raw" | tr -s ' ' >"$out"
}
# shellcheck disable=SC2317 # called through check
has_object() { # FILE CLASS-REGEX ID : one object line of that class with that ID
    local n
    n=$(grep -E "^$2" "$1" | grep -cE "\| ID: $3( |\$)" || true)
    [ "$n" = 1 ]
}
objects "$work/public"
sed 's/^/#   /' "$work/public.raw"
for id in 01 02 03; do
    check "-O: public key $id (RSA 2048 bits)" has_object "$work/public" "Public Key Object; RSA 2048 bits" "$id"
done
certs=$(grep -c '^Certificate Object' "$work/public" || true)
if [ "$certs" = 0 ]; then pass "-O: no certificate objects (the card holds none)"; else fail "-O: $certs certificate objects on a card without certificates"; fi
objects "$work/private" --login --pin "$PIN"
for id in 01 02 03; do
    check "--login -O: public key $id" has_object "$work/private" "Public Key Object; RSA" "$id"
    check "--login -O: private key $id" has_object "$work/private" "Private Key Object; RSA" "$id"
done
check "private key 01 signs, is always-authenticate" sh -c \
    "grep -E '^Private Key Object' '$work/private' | grep -E '\| ID: 01' | grep -q 'Usage: sign' &&
     grep -E '^Private Key Object' '$work/private' | grep -E '\| ID: 01' | grep -q 'always authenticate'"
check "private key 02 decrypts" sh -c \
    "grep -E '^Private Key Object' '$work/private' | grep -E '\| ID: 02' | grep -q 'Usage: decrypt'"
check "private key 03 signs, is not always-authenticate" sh -c \
    "grep -E '^Private Key Object' '$work/private' | grep -E '\| ID: 03' | grep -q 'Usage: sign' &&
     ! grep -E '^Private Key Object' '$work/private' | grep -E '\| ID: 03' | grep -q 'always authenticate'"
check "private keys are sensitive and never extractable" sh -c \
    "test \$(grep -E '^Private Key Object' '$work/private' | grep 'sensitive' | grep -c 'never extractable') = 3"

# --- --test ---------------------------------------------------------------------------
if p11 --login --pin "$PIN" --test >"$work/test" 2>&1 && grep -q '^No errors' "$work/test"; then
    pass "--login --pin --test: No errors"
else
    fail "--login --pin --test"
    sed 's/^/       /' "$work/test"
fi

# --- a certificate on the card ------------------------------------------------------------
# An X.509 certificate for the authentication key, issued by a throwaway CA,
# written to the first 7F21 occurrence (3.x: AUT) with PW3; a fresh module
# instance must show it with CKA_ID 03.
spki_of 03 "$work/pub03.der" || fail "CKA_PUBLIC_KEY_INFO of public key 03"
if "$PY" - "$work/pub03.der" "$work/cert03.der" "$TESSERA_OPENPGP_READER" >"$work/putcert" 2>&1 <<'PYEOF'; then
import datetime, sys
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from smartcard import scard as sc

pub = serialization.load_der_public_key(open(sys.argv[1], "rb").read())
ca = ec.generate_private_key(ec.SECP256R1())
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tessera OpenPGP authentication")]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tessera test CA")]))
        .public_key(pub).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
        .sign(ca, hashes.SHA256()))
der = cert.public_bytes(serialization.Encoding.DER)
open(sys.argv[2], "wb").write(der)

hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
hr, card, proto = sc.SCardConnect(ctx, sys.argv[3], sc.SCARD_SHARE_SHARED, sc.SCARD_PROTOCOL_T1)
assert hr == sc.SCARD_S_SUCCESS, sc.SCardGetErrorMessage(hr)
def tx(apdu, what):
    hr, resp = sc.SCardTransmit(card, proto, apdu)
    assert hr == sc.SCARD_S_SUCCESS, sc.SCardGetErrorMessage(hr)
    sw = (resp[-2] << 8) | resp[-1]
    print("%s: %04X" % (what, sw))
    assert sw == 0x9000, what
tx([0x00, 0xA4, 0x04, 0x00, 0x06, 0xD2, 0x76, 0x00, 0x01, 0x24, 0x01], "SELECT OpenPGP")
tx([0x00, 0xA5, 0x00, 0x04, 0x06, 0x60, 0x04, 0x5C, 0x02, 0x7F, 0x21], "SELECT DATA 7F21 occurrence 0")
tx([0x00, 0x20, 0x00, 0x83, 0x08] + list(b"12345678"), "VERIFY PW3")
# extended length (the 3.4 card announces it)
tx([0x00, 0xDA, 0x7F, 0x21, 0x00, len(der) >> 8, len(der) & 0xFF] + list(der), "PUT DATA 7F21")
tx([0x00, 0x20, 0xFF, 0x83], "VERIFY P1=FF (reset PW3)")
sc.SCardDisconnect(card, sc.SCARD_RESET_CARD)
PYEOF
    pass "a certificate for key 03 written to the card (PUT DATA 7F21)"
else
    fail "writing a certificate for key 03 to the card"
    sed 's/^/       /' "$work/putcert"
fi
objects "$work/withcert"
sed -n '/^Certificate Object/,/^[A-Z]/p' "$work/withcert.raw" | sed 's/^/#   /'
certs=$(grep -c '^Certificate Object' "$work/withcert" || true)
if [ "$certs" = 1 ]; then pass "-O: one certificate object now"; else fail "-O: $certs certificate objects, want 1"; fi
check "-O: the certificate has CKA_ID 03" has_object "$work/withcert" "Certificate Object" 03
check "read the certificate 03" p11 --read-object --type cert --id 03 -o "$work/read03.der"
check "certificate 03: the bytes written to the card" cmp "$work/cert03.der" "$work/read03.der"

finish
