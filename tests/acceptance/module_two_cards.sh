#!/usr/bin/env bash
# Acceptance: one tessera-pkcs11.so serves two cards at once, the virtual PIV
# card (first reader) and the virtual OpenPGP 3.4 card (second reader):
# pkcs11-tool -L lists both tokens, and one PyKCS11 process opens a session on
# each, logs into both, and signs alternately with PIV 9A (CKA_ID 01) and the
# OpenPGP authentication key (03), plus once each with the PIN-always keys
# (PIV 9C, OpenPGP 01, context-specific logins); python3-cryptography
# verifies every signature against the token's own CKA_PUBLIC_KEY_INFO (and
# the PIV 9A certificate), the tokens' public keys differ, and logging out of
# one token leaves the other logged in. Runs inside scripts/with-virtual-cards
# (default cards).
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=lib/openpgp.sh
. "$(dirname "$(readlink -f "$0")")/lib/openpgp.sh"
: "${TESSERA_PIV_READER:?no PIV card in this sandbox}"
require pkcs11-tool "$PY"
require_python_modules PyKCS11 smartcard cryptography

piv_slot=$(reader_slot "$TESSERA_MODULE" "$TESSERA_PIV_READER") || die "pkcs11-tool -L: no slot for $TESSERA_PIV_READER"
pgp_slot=$(openpgp_slot) || die "pkcs11-tool -L: no slot for $TESSERA_OPENPGP_READER"
pkcs11-tool --module "$TESSERA_MODULE" -L >"$work/list" 2>&1 || fail "pkcs11-tool -L exit status $?"
sed 's/^/#   /' "$work/list"
tokens=$(grep -c 'token label' "$work/list" || true)
if [ "$tokens" = 2 ]; then pass "-L lists two tokens"; else fail "-L lists $tokens tokens, want 2"; fi
if [ "$piv_slot" != "$pgp_slot" ]; then pass "PIV in slot $piv_slot, OpenPGP in slot $pgp_slot"; else
    fail "both readers in slot $piv_slot"; fi
check "-L: the OpenPGP token has the card's serial" \
    sh -c "awk -v s='($pgp_slot)' '/^Slot / { on = index(\$0, s) > 0 } on' '$work/list' | grep -Eq 'serial num *: *$(state_field serial)\$'"
check "-L: the PIV token is a PIV token" \
    sh -c "awk -v s='($piv_slot)' '/^Slot / { on = index(\$0, s) > 0 } on' '$work/list' | grep -Eq 'token (label|model) *:.*PIV'"

"$PY" - <<'PYEOF' || failures=$((failures + 1))
import os, sys
sys.path.insert(0, os.environ["LIB_DIR"])
import tessera_p11 as t
import PyKCS11
from PyKCS11.LowLevel import (CKA_KEY_TYPE, CKA_VALUE, CKF_SERIAL_SESSION, CKK_EC, CKK_RSA, CKM_ECDSA_SHA256,
                              CKM_SHA256_RSA_PKCS, CKO_CERTIFICATE, CKO_PRIVATE_KEY, CKR_OK, CKR_USER_NOT_LOGGED_IN)
from cryptography import x509
from cryptography.hazmat.primitives import serialization

c = t.Checks("module_two_cards (PyKCS11)")
lib = t.load()
slots = {"PIV": t.slot_for_reader(lib, os.environ["TESSERA_PIV_READER"]),
         "OpenPGP": t.slot_for_reader(lib, os.environ["TESSERA_OPENPGP_READER"])}
for name, slot in slots.items():
    if not c.expect(slot is not None and slot in lib.getSlotList(tokenPresent=True), "%s token present" % name):
        c.finish()
    c.note("%s: slot %d, token %r" % (name, slot, lib.getTokenInfo(slot).label.strip()))
sess = {name: lib.openSession(slot, CKF_SERIAL_SESSION) for name, slot in slots.items()}
# the private keys need the PIN: they are found after C_Login (CKA_PRIVATE)
for token, s in sess.items():
    try:
        s.login(t.PIN)
        c.ok("C_Login on the %s token" % token)
    except PyKCS11.PyKCS11Error as e:
        c.fail("C_Login on the %s token: %s" % (token, t.rv_name(e.value)))

MECHS = {CKK_RSA: CKM_SHA256_RSA_PKCS, CKK_EC: CKM_ECDSA_SHA256}
# (token, CKA_ID, what): PIV 9A = 01, PIV 9C = 02; OpenPGP 03 authentication, 01 signature
KEYS = [("PIV", 1, "PIV 9A"), ("OpenPGP", 3, "OpenPGP 03"), ("PIV", 2, "PIV 9C"), ("OpenPGP", 1, "OpenPGP 01")]
keys = {}
for token, key_id, what in KEYS:
    s = sess[token]
    priv = t.find(s, CKO_PRIVATE_KEY, key_id)
    try:
        pub = t.public_key(s, key_id)
    except (LookupError, PyKCS11.PyKCS11Error, ValueError) as e:
        c.fail("%s: public key: %s" % (what, e))
        continue
    if not c.expect(priv is not None, "%s: private key found" % what):
        continue
    kt = t.attr(s, priv, CKA_KEY_TYPE)
    keys[what] = (s, priv, pub, PyKCS11.Mechanism(MECHS.get(kt, CKM_SHA256_RSA_PKCS)), t.always_authenticate(s, priv))
    c.note("%s: %s, always authenticate %s" % (what, PyKCS11.CKK.get(kt), keys[what][4]))
spki = lambda k: k.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
c.expect(len({spki(k[2]) for k in keys.values()}) == len(keys), "the four keys are distinct")
# the PIV 9A certificate holds the same key
certs = sess["PIV"].findObjects([(t.CKA_CLASS, CKO_CERTIFICATE), (t.CKA_ID, (1,))])
if c.expect(len(certs) == 1, "PIV 9A certificate found"):
    cert = x509.load_der_x509_certificate(bytes(t.attr(sess["PIV"], certs[0], CKA_VALUE, True)))
    c.expect(spki(cert.public_key()) == spki(keys["PIV 9A"][2]), "PIV 9A: certificate key = CKA_PUBLIC_KEY_INFO")

def sign_and_verify(what, label):
    s, priv, pub, mech, aa = keys[what]
    data = ("two cards: %s " % label).encode() + os.urandom(16)
    rv, sig = t.sign(s, priv, data, mech, t.PIN if aa else None)
    if c.expect(rv == CKR_OK, "%s: C_Sign" % label, t.rv_name(rv)):
        c.expect(t.verify(pub, data, sig) and not t.verify(pub, data, t.tampered(sig)),
                 "%s: the signature verifies (a tampered one does not)" % label)
        # and not with the other card's key
        other = keys["OpenPGP 03" if what.startswith("PIV") else "PIV 9A"][2]
        c.expect(not t.verify(other, data, sig), "%s: it does not verify with the other card's key" % label)

for i in (1, 2, 3):
    for what in ("PIV 9A", "OpenPGP 03"):
        if what in keys:
            sign_and_verify(what, "%s, round %d" % (what, i))
for what in ("PIV 9C", "OpenPGP 01"):
    if what in keys:
        sign_and_verify(what, "%s (context-specific login)" % what)

# logging out of one token leaves the other logged in
sess["PIV"].logout()
c.ok("C_Logout on the PIV token")
s, priv, _, mech, _ = keys["PIV 9A"]
rv, _ = t.sign(s, priv, b"after logout", mech)
c.expect(rv == CKR_USER_NOT_LOGGED_IN, "PIV 9A after the PIV logout: CKR_USER_NOT_LOGGED_IN", t.rv_name(rv))
sign_and_verify("OpenPGP 03", "OpenPGP 03 after the PIV logout")
sess["OpenPGP"].logout()
for s in sess.values():
    s.closeSession()
st = t.pin_status(os.environ["TESSERA_OPENPGP_READER"])
c.expect(t.not_verified(st[0x81]) and t.not_verified(st[0x82]),
         "another process finds the OpenPGP PW1 not verified (%04X %04X)" % (st[0x81], st[0x82]))
c.finish()
PYEOF

finish
