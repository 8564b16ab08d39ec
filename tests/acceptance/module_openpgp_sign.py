#!/usr/bin/python3
"""Acceptance: PyKCS11 signs, decrypts and derives with the virtual OpenPGP
card's keys through tessera-pkcs11.so, and python3-cryptography checks every
result against the keys' CKA_PUBLIC_KEY_INFO.

usage: module_openpgp_sign.py PROFILE      (v34 | v34-p256 | v34-25519 | v21)

- key types: v34/v21 RSA (01, 02, 03), v34-p256 EC P-256, v34-25519 Ed25519
  (01, 03) and X25519 (02); CKA_PUBLIC_KEY_INFO of each private key equals
  its public key's; the mechanisms are listed;
- before C_Login no private key is found (they are CKA_PRIVATE: every
  OpenPGP key needs PW1), after it each is, with CKA_PRIVATE=TRUE;
- signature key 01: CKA_ALWAYS_AUTHENTICATE when the card's PW1 is valid for
  one signature; then C_Sign without the context-specific login fails, with
  it the signature verifies, a wrong context PIN gives CKR_PIN_INCORRECT and
  no signature, and every signature needs its own login;
- authentication key 03: CKM_SHA256_RSA_PKCS (+ CKM_RSA_PKCS over a
  DigestInfo) / CKM_ECDSA_SHA256 (+ CKM_ECDSA over a hash) / CKM_EDDSA;
  signatures verify, a tampered one does not, C_Verify agrees where offered;
- encryption key 02: CKM_RSA_PKCS decryption of ciphertexts made with
  python3-cryptography, or CKM_ECDH1_DERIVE (CKD_NULL) giving the secret
  python3-cryptography computes from the peer's side (P-256, X25519);
- after every operation a separate process (pyscard, shared mode) finds
  PW1 81 and 82 not verified, while this session stays logged in;
- C_Logout ends private-key use.
Run by module_openpgp_sign_*.sh / module_openpgp_v21.sh inside scripts/with-virtual-cards.
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import tessera_p11 as t  # noqa: E402  (after the path)
import PyKCS11  # noqa: E402
from PyKCS11.LowLevel import (  # noqa: E402
    CKA_CLASS, CKA_DECRYPT, CKA_DERIVE, CKA_EXTRACTABLE, CKA_KEY_TYPE, CKA_PRIVATE, CKA_SENSITIVE,
    CKA_SIGN, CKA_TOKEN, CKA_VALUE, CKD_NULL, CKF_SERIAL_SESSION, CKF_VERIFY,
    CKK_EC, CKK_EC_EDWARDS, CKK_EC_MONTGOMERY, CKK_GENERIC_SECRET, CKK_RSA,
    CKM_ECDH1_DERIVE, CKM_ECDSA, CKM_ECDSA_SHA256, CKM_EDDSA, CKM_RSA_PKCS, CKM_SHA256_RSA_PKCS,
    CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKO_SECRET_KEY, CKR_OK, CKR_PIN_INCORRECT, CKR_USER_NOT_LOGGED_IN,
)
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils, x25519  # noqa: E402

PROFILES = {
    # profile: (key types of 01, 02, 03; signature mechanism; a name)
    "v34": ((CKK_RSA, CKK_RSA, CKK_RSA), CKM_SHA256_RSA_PKCS, "RSA"),
    "v21": ((CKK_RSA, CKK_RSA, CKK_RSA), CKM_SHA256_RSA_PKCS, "RSA"),
    "v34-p256": ((CKK_EC, CKK_EC, CKK_EC), CKM_ECDSA_SHA256, "ECDSA P-256"),
    "v34-25519": ((CKK_EC_EDWARDS, CKK_EC_MONTGOMERY, CKK_EC_EDWARDS), CKM_EDDSA, "EdDSA"),
}
SHA256_DIGESTINFO = bytes.fromhex("3031300d060960864801650304020105000420")
KEY_NAMES = {1: "signature key 01", 2: "encryption key 02", 3: "authentication key 03"}

c = t.Checks("module_openpgp_sign")


def mech_name(m):
    return PyKCS11.CKM.get(m, "0x%X" % m)


def key_type_name(k):
    return PyKCS11.CKK.get(k, "0x%X" % k)


def state_pw1_mode():
    """pw1-mode of the virtual card's state file: 00 = PW1 valid for one PSO:CDS."""
    try:
        for line in open(os.path.join(os.environ["TESSERA_SANDBOX"], "openpgp.state")):
            f = line.split()
            if len(f) == 2 and f[0] == "pw1-mode":
                return f[1]
    except OSError:
        pass
    return None


class Card:
    def __init__(self, profile):
        self.profile = profile
        self.types, self.sign_mech, self.kind = PROFILES[profile]
        self.reader = os.environ["TESSERA_OPENPGP_READER"]
        self.lib = t.load()
        self.slot = t.slot_for_reader(self.lib, self.reader)
        if self.slot is None:
            c.fail("a slot for %s" % self.reader)
            c.finish()
        c.ok("slot %d is the OpenPGP reader" % self.slot)
        self.session = self.lib.openSession(self.slot, CKF_SERIAL_SESSION)
        self.pub = {}
        self.priv = {}
        self.pubkey = {}

    def pin_not_verified(self, when):
        """A separate process must find PW1 (81 and 82) not verified."""
        try:
            st = t.pin_status(self.reader)
        except (RuntimeError, OSError) as e:
            c.fail("PIN status from a separate process %s: %s" % (when, e))
            return
        c.expect(t.not_verified(st[0x81]) and t.not_verified(st[0x82]),
                 "another process finds PW1 not verified %s (81: %04X, 82: %04X)" % (when, st[0x81], st[0x82]))

    # --- objects ------------------------------------------------------------------
    def objects(self):
        s = self.session
        mechs = self.lib.getMechanismList(self.slot)
        mech_ids = set()
        for m in mechs:
            mech_ids.add(m if isinstance(m, int) else PyKCS11.CKM.get(m, m))
        self.mechanisms = mech_ids
        c.note("mechanisms: " + ", ".join(sorted(mech_name(m) for m in mech_ids)))
        want = [self.sign_mech]
        if self.kind == "RSA":
            want += [CKM_RSA_PKCS]
        else:
            want += [CKM_ECDH1_DERIVE]
        if self.kind == "ECDSA P-256":
            want += [CKM_ECDSA]
        for m in want:
            c.expect(m in mech_ids, "mechanism %s is listed" % mech_name(m))
        for key_id in (1, 2, 3):
            name = KEY_NAMES[key_id]
            self.pub[key_id] = pub = t.find(s, CKO_PUBLIC_KEY, key_id)
            c.expect(pub is not None, "%s: one public key object" % name)
            self.priv[key_id] = priv = t.find(s, CKO_PRIVATE_KEY, key_id)
            c.expect(priv is not None, "%s: one private key object (after C_Login)" % name)
            if pub is None or priv is None:
                continue
            want_type = self.types[key_id - 1]
            for what, h in (("public", pub), ("private", priv)):
                kt = t.attr(s, h, CKA_KEY_TYPE)
                c.expect(kt == want_type, "%s: %s key type %s" % (name, what, key_type_name(want_type)),
                         key_type_name(kt))
            try:
                pub_info = t.spki(s, pub)
                self.pubkey[key_id] = serialization.load_der_public_key(pub_info)
                c.ok("%s: CKA_PUBLIC_KEY_INFO parses (%s)" % (name, type(self.pubkey[key_id]).__name__))
            except (PyKCS11.PyKCS11Error, ValueError) as e:
                c.fail("%s: CKA_PUBLIC_KEY_INFO of the public key: %s" % (name, e))
                continue
            try:
                c.expect(t.spki(s, priv) == pub_info, "%s: the private key's CKA_PUBLIC_KEY_INFO is the same" % name)
            except PyKCS11.PyKCS11Error as e:
                c.fail("%s: CKA_PUBLIC_KEY_INFO of the private key: %s" % (name, t.rv_name(e.value)))
            attrs = s.getAttributeValue(priv, [CKA_SIGN, CKA_DECRYPT, CKA_DERIVE, CKA_SENSITIVE,
                                               CKA_EXTRACTABLE, CKA_PRIVATE, CKA_TOKEN])
            sign_, decrypt, derive, sensitive, extractable, private, token = (bool(a) for a in attrs)
            if key_id == 2:
                if self.kind == "RSA":
                    c.expect(decrypt and not sign_, "%s: CKA_DECRYPT, not CKA_SIGN" % name)
                else:
                    c.expect(derive and not sign_, "%s: CKA_DERIVE, not CKA_SIGN" % name)
            else:
                c.expect(sign_ and not decrypt and not derive, "%s: CKA_SIGN only" % name)
            c.expect(sensitive and not extractable and token, "%s: sensitive, not extractable, token object" % name)
            c.expect(private, "%s: CKA_PRIVATE (it needs PW1)" % name)
        pw1_mode = state_pw1_mode()
        if self.priv.get(1) is not None:
            aa = t.always_authenticate(s, self.priv[1])
            want = pw1_mode == "00"
            c.expect(aa == want, "signature key 01: CKA_ALWAYS_AUTHENTICATE %s (card's PW1 mode %s)" % (want, pw1_mode))
            self.always_auth_01 = aa
        if self.priv.get(3) is not None:
            c.expect(not t.always_authenticate(s, self.priv[3]), "authentication key 03: no CKA_ALWAYS_AUTHENTICATE")

    # --- signing -------------------------------------------------------------------
    def check_signature(self, key_id, data, sig, what, mech=None):
        pub = self.pubkey.get(key_id)
        if pub is None or sig is None:
            return
        if mech is None or mech == self.sign_mech:
            good = t.verify(pub, data, sig)
            bad = t.verify(pub, data, t.tampered(sig)) or t.verify(pub, data + b"!", sig)
        elif mech == CKM_ECDSA:  # data is the SHA-256 hash
            n = (pub.curve.key_size + 7) // 8
            der = utils.encode_dss_signature(int.from_bytes(sig[:n], "big"), int.from_bytes(sig[n:], "big"))

            def ok_(d, sg):
                try:
                    pub.verify(sg, d, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
                    return True
                except InvalidSignature:
                    return False
            good = ok_(data, der)
            bad = ok_(bytes(32), der)
        elif mech == CKM_RSA_PKCS:  # data is a DigestInfo
            good = t.verify(pub, self.last_message, sig)
            bad = t.verify(pub, self.last_message, t.tampered(sig))
        else:
            raise AssertionError(mech)
        c.expect(good, "%s: python3-cryptography verifies the signature" % what)
        c.expect(not bad, "%s: a tampered signature (or other data) is rejected" % what)
        if (mech or self.sign_mech) in self.mechanisms and self.pub.get(key_id) is not None:
            m = mech or self.sign_mech
            try:
                info = self.lib.getMechanismInfo(self.slot, mech_name(m))
            except PyKCS11.PyKCS11Error:
                return
            if info.flags & CKF_VERIFY:
                s = self.session
                try:
                    c.expect(s.verify(self.pub[key_id], data, sig, PyKCS11.Mechanism(m)),
                             "%s: C_Verify accepts the signature" % what)
                    c.expect(not s.verify(self.pub[key_id], data, t.tampered(sig), PyKCS11.Mechanism(m)),
                             "%s: C_Verify rejects the tampered signature" % what)
                except PyKCS11.PyKCS11Error as e:
                    c.fail("%s: C_Verify: %s" % (what, t.rv_name(e.value)))

    def expected_sig_len(self, key_id):
        pub = self.pubkey.get(key_id)
        if isinstance(pub, rsa.RSAPublicKey):
            return pub.key_size // 8
        if isinstance(pub, ec.EllipticCurvePublicKey):
            return 2 * ((pub.curve.key_size + 7) // 8)
        return 64

    def sign(self, key_id, data, what, context_pin=None, mech=None):
        m = mech or self.sign_mech
        rv, sig = t.sign(self.session, self.priv[key_id], data, PyKCS11.Mechanism(m), context_pin)
        if c.expect(rv == CKR_OK, "%s: C_Sign %s" % (what, mech_name(m)), t.rv_name(rv)):
            n = self.expected_sig_len(key_id)
            c.expect(len(sig) == n, "%s: signature is %d bytes" % (what, n), len(sig))
        return sig

    def hidden_before_login(self):
        # PKCS#11 3.0 section 4.4: private objects only for the logged-in user
        for key_id in (1, 2, 3):
            name = KEY_NAMES[key_id]
            c.expect(t.find(self.session, CKO_PRIVATE_KEY, key_id) is None,
                     "%s: no private key object before C_Login" % name)
            c.expect(t.find(self.session, CKO_PUBLIC_KEY, key_id) is not None,
                     "%s: its public key is found before C_Login" % name)

    def signature_key(self):
        if self.priv.get(1) is None:
            return
        name = KEY_NAMES[1]
        data = b"tessera openpgp signature key message " + os.urandom(16)
        if getattr(self, "always_auth_01", False):
            rv, _ = t.sign(self.session, self.priv[1], data, PyKCS11.Mechanism(self.sign_mech))
            c.expect(rv == CKR_USER_NOT_LOGGED_IN,
                     "%s: C_Sign without the context-specific login: CKR_USER_NOT_LOGGED_IN" % name, t.rv_name(rv))
            for i in (1, 2):
                msg = data + bytes([i])
                sig = self.sign(1, msg, "%s, signature %d with its context-specific login" % (name, i), t.PIN)
                self.check_signature(1, msg, sig, "%s, signature %d" % (name, i))
                self.pin_not_verified("after signature %d with 01" % i)
            # the consent was for one signature
            rv, _ = t.sign(self.session, self.priv[1], data, PyKCS11.Mechanism(self.sign_mech))
            c.expect(rv == CKR_USER_NOT_LOGGED_IN,
                     "%s: the next C_Sign needs a new context-specific login" % name, t.rv_name(rv))
            # a wrong context PIN (a typo): no signature, the operation stays
            # active and the right PIN then signs (the card counted the wrong
            # try; the right PIN resets its counter)
            wrong = "654321" if t.PIN != "654321" else "123457"
            self.wrong_context_pin(data, wrong)
        else:
            sig = self.sign(1, data, name)
            self.check_signature(1, data, sig, name)
            self.pin_not_verified("after a signature with 01")

    def wrong_context_pin(self, data, wrong):
        name = KEY_NAMES[1]
        s, lo = self.session, self.session.lib
        d = PyKCS11.ckbytelist(data)
        rv = lo.C_SignInit(s.session, PyKCS11.Mechanism(self.sign_mech).to_native(), self.priv[1])
        if not c.expect(rv == CKR_OK, "%s: C_SignInit" % name, t.rv_name(rv)):
            return
        try:
            s.login(wrong, user_type=t.CKU_CONTEXT_SPECIFIC)
            rv = CKR_OK
        except PyKCS11.PyKCS11Error as e:
            rv = e.value
        if rv == CKR_OK:
            # the module checks the PIN on the card only with the operation
            out = PyKCS11.ckbytelist()
            rv = lo.C_Sign(s.session, d, out)
            c.expect(rv == CKR_PIN_INCORRECT, "%s: a wrong context-specific PIN: C_Sign gives CKR_PIN_INCORRECT"
                     % name, t.rv_name(rv))
            return
        c.expect(rv == CKR_PIN_INCORRECT, "%s: a wrong context-specific PIN: C_Login gives CKR_PIN_INCORRECT" % name,
                 t.rv_name(rv))
        try:
            s.login(t.PIN, user_type=t.CKU_CONTEXT_SPECIFIC)
            c.ok("%s: the right PIN in a second C_Login(CKU_CONTEXT_SPECIFIC) of the same operation" % name)
        except PyKCS11.PyKCS11Error as e:
            c.fail("%s: a second C_Login(CKU_CONTEXT_SPECIFIC) with the right PIN: %s" % (name, t.rv_name(e.value)))
        out = PyKCS11.ckbytelist()
        rv = lo.C_Sign(s.session, d, out)
        rv = lo.C_Sign(s.session, d, out) if rv == CKR_OK else rv
        if c.expect(rv == CKR_OK, "%s: C_Sign after the corrected context-specific login" % name, t.rv_name(rv)):
            self.check_signature(1, data, bytes(out), "%s, after the wrong PIN" % name)
        try:
            st = t.pin_status(self.reader)
            c.expect(st[0x81] == 0x63C3, "the card's PW1 retry counter is back to 3", "%04X" % st[0x81])
        except (RuntimeError, OSError) as e:
            c.fail("PIN status from a separate process: %s" % e)

    def authentication_key(self):
        if self.priv.get(3) is None:
            return
        name = KEY_NAMES[3]
        for i in (1, 2):
            data = b"tessera openpgp authentication message " + os.urandom(16)
            sig = self.sign(3, data, "%s, signature %d" % (name, i))
            self.check_signature(3, data, sig, "%s, signature %d" % (name, i))
        self.pin_not_verified("after signatures with 03")
        data = b"tessera openpgp raw mechanism message " + os.urandom(16)
        digest = hashlib.sha256(data).digest()
        if self.kind == "RSA":
            self.last_message = data
            sig = self.sign(3, SHA256_DIGESTINFO + digest, "%s, CKM_RSA_PKCS over a DigestInfo" % name,
                            mech=CKM_RSA_PKCS)
            self.check_signature(3, SHA256_DIGESTINFO + digest, sig, "%s, CKM_RSA_PKCS" % name, mech=CKM_RSA_PKCS)
        elif self.kind == "ECDSA P-256":
            sig = self.sign(3, digest, "%s, CKM_ECDSA over a SHA-256 hash" % name, mech=CKM_ECDSA)
            self.check_signature(3, digest, sig, "%s, CKM_ECDSA" % name, mech=CKM_ECDSA)

    # --- decryption / key agreement ---------------------------------------------------------
    def encryption_key(self):
        if self.priv.get(2) is None or self.pubkey.get(2) is None:
            return
        name = KEY_NAMES[2]
        pub = self.pubkey[2]
        s = self.session
        if isinstance(pub, rsa.RSAPublicKey):
            for i, n in ((1, 32), (2, 200)):
                msg = os.urandom(n)
                ct = pub.encrypt(msg, padding.PKCS1v15())
                try:
                    pt = bytes(s.decrypt(self.priv[2], ct, PyKCS11.Mechanism(CKM_RSA_PKCS)))
                    c.expect(pt == msg, "%s: C_Decrypt CKM_RSA_PKCS gives the %d-byte plaintext back" % (name, n),
                             "%d bytes" % len(pt))
                except PyKCS11.PyKCS11Error as e:
                    c.fail("%s: C_Decrypt CKM_RSA_PKCS (%d bytes): %s" % (name, n, t.rv_name(e.value)))
            rv, _ = t.sign(s, self.priv[2], b"x", PyKCS11.Mechanism(CKM_SHA256_RSA_PKCS))
            c.expect(rv != CKR_OK, "%s: signing with it is refused" % name, t.rv_name(rv))
        else:
            for i in (1, 2):
                if isinstance(pub, ec.EllipticCurvePublicKey):
                    peer = ec.generate_private_key(pub.curve)
                    peer_point = peer.public_key().public_bytes(serialization.Encoding.X962,
                                                                serialization.PublicFormat.UncompressedPoint)
                    want = peer.exchange(ec.ECDH(), pub)
                elif isinstance(pub, x25519.X25519PublicKey):
                    peer = x25519.X25519PrivateKey.generate()
                    peer_point = peer.public_key().public_bytes(serialization.Encoding.Raw,
                                                                serialization.PublicFormat.Raw)
                    want = peer.exchange(pub)
                else:
                    c.fail("%s: unexpected public key type %s" % (name, type(pub).__name__))
                    return
                template = [(CKA_CLASS, CKO_SECRET_KEY), (CKA_KEY_TYPE, CKK_GENERIC_SECRET), (CKA_TOKEN, False),
                            (CKA_SENSITIVE, False), (CKA_EXTRACTABLE, True)]
                try:
                    h = s.deriveKey(self.priv[2], template, PyKCS11.ECDH1_DERIVE_Mechanism(peer_point, CKD_NULL))
                    got = bytes(t.attr(s, h, CKA_VALUE, True))
                    c.expect(got == want, "%s: ECDH round %d: C_DeriveKey CKM_ECDH1_DERIVE (CKD_NULL) gives the "
                             "secret python3-cryptography computes" % (name, i),
                             "got %s, want %s" % (got.hex(), want.hex()))
                    s.destroyObject(h)
                except PyKCS11.PyKCS11Error as e:
                    c.fail("%s: ECDH round %d: C_DeriveKey: %s" % (name, i, t.rv_name(e.value)))
        self.pin_not_verified("after using 02")

    def logout(self):
        s = self.session
        try:
            s.logout()
            c.ok("C_Logout")
        except PyKCS11.PyKCS11Error as e:
            c.fail("C_Logout: " + t.rv_name(e.value))
        if self.priv.get(3) is not None:
            rv, _ = t.sign(s, self.priv[3], b"after logout", PyKCS11.Mechanism(self.sign_mech))
            c.expect(rv == CKR_USER_NOT_LOGGED_IN, "sign with 03 after C_Logout: CKR_USER_NOT_LOGGED_IN", t.rv_name(rv))
        s.closeSession()
        self.pin_not_verified("after C_Logout")


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in PROFILES:
        sys.exit(__doc__)
    card = Card(sys.argv[1])
    c.note("profile %s (%s), reader %s" % (card.profile, card.kind, card.reader))
    card.hidden_before_login()
    try:
        card.session.login(t.PIN)
        c.ok("C_Login(CKU_USER)")
    except PyKCS11.PyKCS11Error as e:
        c.fail("C_Login(CKU_USER): " + t.rv_name(e.value))
        c.finish()
    card.pin_not_verified("after C_Login")
    card.objects()
    card.authentication_key()
    card.signature_key()
    card.encryption_key()
    card.authentication_key()  # again, after the other keys
    card.logout()
    c.finish()


if __name__ == "__main__":
    main()
