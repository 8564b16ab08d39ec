"""Shared helpers of the OpenPGP module acceptance tests (module_openpgp_*.py,
module_two_cards.sh): ok/FAIL reporting, the slot of a reader, keys by CKA_ID,
public keys from CKA_PUBLIC_KEY_INFO, signing with the context-specific login
of a CKA_ALWAYS_AUTHENTICATE key, verification with python3-cryptography, and
the PIN status of the OpenPGP card asked by a separate pyscard process.

Import it after putting this directory on sys.path:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
"""
import os
import subprocess
import sys

try:
    import PyKCS11
    from PyKCS11.LowLevel import (
        CKA_ALWAYS_AUTHENTICATE, CKA_CLASS, CKA_ID, CKA_PUBLIC_KEY_INFO,
        CKF_SERIAL_SESSION, CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKR_OK, CKU_CONTEXT_SPECIFIC,
    )
except ImportError:
    print("FAIL - python3-pykcs11 is not installed for %s" % sys.executable, flush=True)
    sys.exit(1)
try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils
except ImportError:
    print("FAIL - python3-cryptography is not installed for %s" % sys.executable, flush=True)
    sys.exit(1)

# for the importers (t.CKF_SERIAL_SESSION, t.CKO_PRIVATE_KEY, ...)
REEXPORTED = (CKF_SERIAL_SESSION, CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKU_CONTEXT_SPECIFIC)
LIB_DIR = os.path.dirname(os.path.abspath(__file__))
PIN = os.environ.get("VCARD_PIN", "123456")
PY = "/usr/bin/python3"


class Checks:
    """ok/FAIL lines and a failure count, in the format of the shell tests."""

    def __init__(self, name):
        self.name = name
        self.failures = 0

    def ok(self, what):
        print("ok   - " + what, flush=True)

    def fail(self, what):
        self.failures += 1
        print("FAIL - " + what, flush=True)

    def note(self, what):
        print("# " + what, flush=True)

    def expect(self, cond, what, detail=""):
        if cond:
            self.ok(what)
        else:
            self.fail(what + (": " + str(detail) if detail != "" else ""))
        return bool(cond)

    def finish(self):
        if self.failures:
            print("%s: %d failure(s)" % (self.name, self.failures), flush=True)
            sys.exit(1)
        print("%s: all passed" % self.name, flush=True)
        sys.exit(0)


def rv_name(rv):
    return PyKCS11.CKR.get(rv, "0x%08X" % rv)


def load():
    lib = PyKCS11.PyKCS11Lib()
    lib.load(os.environ["TESSERA_MODULE"])
    return lib


def slot_for_reader(lib, reader):
    """The slot whose description the reader name starts with (descriptions are
    64 blank-padded characters, so long names are cut)."""
    for s in lib.getSlotList(tokenPresent=False):
        desc = lib.getSlotInfo(s).slotDescription.strip()
        if desc and reader.startswith(desc):
            return s
    return None


def find(session, cls, key_id):
    objs = session.findObjects([(CKA_CLASS, cls), (CKA_ID, (key_id,))])
    return objs[0] if len(objs) == 1 else None


def attr(session, handle, a, binary=False):
    return session.getAttributeValue(handle, [a], binary)[0]


def spki(session, handle):
    """CKA_PUBLIC_KEY_INFO as bytes (DER SubjectPublicKeyInfo)."""
    return bytes(attr(session, handle, CKA_PUBLIC_KEY_INFO, True))


def public_key(session, key_id):
    """python3-cryptography's key from the CKA_PUBLIC_KEY_INFO of the public key object."""
    h = find(session, CKO_PUBLIC_KEY, key_id)
    if h is None:
        raise LookupError("no public key object with CKA_ID %02X" % key_id)
    return serialization.load_der_public_key(spki(session, h))


def always_authenticate(session, key):
    return bool(attr(session, key, CKA_ALWAYS_AUTHENTICATE))


def sign(session, key, data, mech, context_pin=None):
    """C_SignInit, [C_Login(CKU_CONTEXT_SPECIFIC)], C_Sign (length, then the
    signature). Returns (rv, signature bytes or None)."""
    lo = session.lib
    rv = lo.C_SignInit(session.session, mech.to_native(), key)
    if rv != CKR_OK:
        return rv, None
    d = PyKCS11.ckbytelist(data)
    if context_pin is not None:
        try:
            session.login(context_pin, user_type=CKU_CONTEXT_SPECIFIC)
        except PyKCS11.PyKCS11Error as e:
            # a failed context-specific login leaves the operation active (the
            # application may try another PIN): end it with C_Sign, which fails
            lo.C_Sign(session.session, d, PyKCS11.ckbytelist())
            return e.value, None
    out = PyKCS11.ckbytelist()
    rv = lo.C_Sign(session.session, d, out)  # length
    if rv != CKR_OK:
        return rv, None
    rv = lo.C_Sign(session.session, d, out)
    return rv, (bytes(out) if rv == CKR_OK else None)


def verify(pub, data, sig):
    """True when sig (PKCS#11 format: PKCS#1 v1.5 with SHA-256 for RSA, raw
    r||s over SHA-256 for ECDSA, raw Ed25519) is a valid signature of data."""
    try:
        if isinstance(pub, rsa.RSAPublicKey):
            pub.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(pub, ec.EllipticCurvePublicKey):
            n = (pub.curve.key_size + 7) // 8
            if len(sig) != 2 * n:
                return False
            der = utils.encode_dss_signature(int.from_bytes(sig[:n], "big"), int.from_bytes(sig[n:], "big"))
            pub.verify(der, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(pub, ed25519.Ed25519PublicKey):
            pub.verify(sig, data)
        else:
            return False
        return True
    except InvalidSignature:
        return False


def tampered(sig):
    """The signature with one bit of its middle byte flipped."""
    b = bytearray(sig)
    b[len(b) // 2] ^= 0x01
    return bytes(b)


def pin_status(reader):
    """Ask the OpenPGP card's PIN status from a separate process (pyscard,
    shared mode): {0x81: sw, 0x82: sw, 0x83: sw} or raises RuntimeError."""
    p = subprocess.run([PY, os.path.join(LIB_DIR, "openpgp_pin_status.py"), reader],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("openpgp_pin_status.py: " + (p.stderr.strip() or p.stdout.strip()))
    out = {}
    for line in p.stdout.split():
        ref, sw = line.split("=")
        out[int(ref, 16)] = int(sw, 16)
    return out


def not_verified(sw):
    """An empty VERIFY answer meaning "not verified": 63Cx (tries left) or 6982."""
    return (sw & 0xFFF0) == 0x63C0 or sw == 0x6982
