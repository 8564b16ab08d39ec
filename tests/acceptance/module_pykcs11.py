#!/usr/bin/python3
"""Acceptance: PyKCS11 (Debian's python3-pykcs11) drives tessera-pkcs11.so.

Lists slots and tokens, finds the PIV card's objects by class and CKA_ID,
checks key attributes, refuses private-key use before C_Login, rejects a wrong
PIN, logs in, signs with 9A (CKM_SHA256_RSA_PKCS, one part and several parts),
9E (CKM_ECDSA) and 9C (CKM_ECDSA with the context-specific login of a
CKA_ALWAYS_AUTHENTICATE key), verifies every signature with C_Verify and with
python3-cryptography against the certificates, and logs out. Run by
module_pykcs11.sh inside scripts/with-virtual-cards.
"""
import hashlib
import os
import sys

import PyKCS11
from PyKCS11.LowLevel import (
    CKA_ALWAYS_AUTHENTICATE, CKA_CLASS, CKA_EC_PARAMS, CKA_EC_POINT, CKA_EXTRACTABLE,
    CKA_ID, CKA_KEY_TYPE, CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_SENSITIVE, CKA_SIGN, CKA_VALUE,
    CKF_LOGIN_REQUIRED, CKF_TOKEN_INITIALIZED, CKF_USER_PIN_INITIALIZED,
    CKF_SERIAL_SESSION, CKK_EC, CKK_RSA, CKM_ECDSA, CKM_SHA256_RSA_PKCS,
    CKO_CERTIFICATE, CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKR_OK,
    CKR_PIN_INCORRECT, CKR_USER_NOT_LOGGED_IN,
    CKS_RO_PUBLIC_SESSION, CKS_RO_USER_FUNCTIONS, CKU_CONTEXT_SPECIFIC,
)

try:  # python3-cryptography: verification independent of the module
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from cryptography.hazmat.primitives.asymmetric import ec, padding, utils
except ImportError:
    print("FAIL - python3-cryptography is not installed for /usr/bin/python3")
    sys.exit(1)

PIN = os.environ.get("VCARD_PIN", "123456")
WRONG_PIN = "654321" if PIN != "654321" else "123457"
failures = 0


def ok(what):
    print("ok   - " + what, flush=True)


def fail(what):
    global failures
    failures += 1
    print("FAIL - " + what, flush=True)


def expect(cond, what, detail=""):
    if cond:
        ok(what)
    else:
        fail(what + (": " + detail if detail else ""))
    return cond


def rv_name(rv):
    return PyKCS11.CKR.get(rv, "0x%08X" % rv)


def expect_rv(func, want, what):
    """Run func; expect it to raise PyKCS11Error(want) (or succeed if want is CKR_OK)."""
    try:
        result = func()
    except PyKCS11.PyKCS11Error as e:
        expect(e.value == want, what, "got %s, want %s" % (rv_name(e.value), rv_name(want)))
        return None
    expect(want == CKR_OK, what, "succeeded, want %s" % rv_name(want))
    return result


def one(session, template, what):
    objs = session.findObjects(template)
    expect(len(objs) == 1, what, "found %d objects" % len(objs))
    return objs[0] if objs else None


def verify_rsa(cert, data, sig):
    try:
        cert.public_key().verify(bytes(sig), data, padding.PKCS1v15(), hashes.SHA256())
        return True
    except InvalidSignature:
        return False


def verify_ecdsa_raw(cert, digest, sig):
    sig = bytes(sig)
    half = len(sig) // 2
    der = utils.encode_dss_signature(int.from_bytes(sig[:half], "big"), int.from_bytes(sig[half:], "big"))
    try:
        cert.public_key().verify(der, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        return True
    except InvalidSignature:
        return False


def main():
    module = os.environ["TESSERA_MODULE"]
    reader = os.environ.get("TESSERA_PIV_READER", "")
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    ok("module loaded: " + module)
    info = lib.getInfo()
    print("# library: %s / %s, Cryptoki %s" % (info.manufacturerID.strip(), info.libraryDescription.strip(),
                                                info.cryptokiVersion))
    expect(info.cryptokiVersion[0] >= 2, "C_GetInfo: Cryptoki version >= 2.x")

    all_slots = lib.getSlotList()
    present = lib.getSlotList(tokenPresent=True)
    print("# slots %s, with a token %s" % (all_slots, present))
    expect(set(present) <= set(all_slots), "slots with a token are among all slots")
    piv = None
    for s in present:
        desc = lib.getSlotInfo(s).slotDescription.strip()
        label = lib.getTokenInfo(s).label.strip()
        print("# slot %d: %r, token %r" % (s, desc, label))
        if (reader and reader.startswith(desc)) or (not reader and "PIV" in label):
            piv = s
    if not expect(piv is not None, "PIV card's slot found"):
        return
    tinfo = lib.getTokenInfo(piv)
    for flag, name in ((CKF_LOGIN_REQUIRED, "CKF_LOGIN_REQUIRED"), (CKF_TOKEN_INITIALIZED, "CKF_TOKEN_INITIALIZED"),
                       (CKF_USER_PIN_INITIALIZED, "CKF_USER_PIN_INITIALIZED")):
        expect(tinfo.flags & flag, "token flag " + name)
    expect(tinfo.ulMinPinLen <= len(PIN) <= tinfo.ulMaxPinLen, "PIN length within ulMinPinLen..ulMaxPinLen",
           "%d..%d" % (tinfo.ulMinPinLen, tinfo.ulMaxPinLen))
    mechs = lib.getMechanismList(piv)
    for m in ("CKM_RSA_PKCS", "CKM_SHA256_RSA_PKCS", "CKM_RSA_PKCS_PSS", "CKM_RSA_PKCS_OAEP", "CKM_ECDSA",
              "CKM_ECDH1_DERIVE"):
        expect(m in mechs, "C_GetMechanismList has " + m)

    session = lib.openSession(piv, CKF_SERIAL_SESSION)
    expect(session.getSessionInfo().state == "CKS_RO_PUBLIC_SESSION" or
           session.getSessionInfo().state == CKS_RO_PUBLIC_SESSION, "new session is R/O public")

    # objects by class and CKA_ID
    certs = {}
    for n, kind in ((1, "RSA"), (2, "EC"), (3, "RSA"), (4, "EC")):
        cid = (n,)
        c = one(session, [(CKA_CLASS, CKO_CERTIFICATE), (CKA_ID, cid)], "certificate with CKA_ID %02d" % n)
        pub = one(session, [(CKA_CLASS, CKO_PUBLIC_KEY), (CKA_ID, cid)], "public key with CKA_ID %02d" % n)
        if c is not None:
            der = bytes(session.getAttributeValue(c, [CKA_VALUE], allAsBinary=True)[0])
            certs[n] = x509.load_der_x509_certificate(der)
            print("# certificate %02d: %s" % (n, certs[n].subject.rfc4514_string()))
        if pub is not None and n in certs:
            ktype = session.getAttributeValue(pub, [CKA_KEY_TYPE])[0]
            if kind == "RSA":
                mod, exp = session.getAttributeValue(pub, [CKA_MODULUS, CKA_PUBLIC_EXPONENT], allAsBinary=True)
                nums = certs[n].public_key().public_numbers()
                expect(ktype == CKK_RSA and int.from_bytes(bytes(mod), "big") == nums.n and
                       int.from_bytes(bytes(exp), "big") == nums.e,
                       "public key %02d: CKK_RSA, modulus and exponent match the certificate" % n)
            else:
                params, point = session.getAttributeValue(pub, [CKA_EC_PARAMS, CKA_EC_POINT], allAsBinary=True)
                want = certs[n].public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
                point = bytes(point)
                expect(ktype == CKK_EC and bytes(params) == bytes.fromhex("06082a8648ce3d030107") and
                       point == bytes([0x04, len(want)]) + want,
                       "public key %02d: CKK_EC on P-256, CKA_EC_POINT (DER OCTET STRING) matches the certificate" % n)

    # before C_Login a private key, if visible at all, cannot be used
    early = session.findObjects([(CKA_CLASS, CKO_PRIVATE_KEY), (CKA_ID, (1,))])
    if early:
        expect_rv(lambda: session.sign(early[0], b"x", PyKCS11.Mechanism(CKM_SHA256_RSA_PKCS)),
                  CKR_USER_NOT_LOGGED_IN, "sign with 9A before C_Login: CKR_USER_NOT_LOGGED_IN")
    else:
        ok("9A private key hidden before C_Login")

    expect_rv(lambda: session.login(WRONG_PIN), CKR_PIN_INCORRECT, "C_Login with a wrong PIN: CKR_PIN_INCORRECT")
    expect_rv(lambda: session.login(PIN), CKR_OK, "C_Login with the right PIN")
    state = session.getSessionInfo().state
    expect(state in ("CKS_RO_USER_FUNCTIONS", CKS_RO_USER_FUNCTIONS), "session state R/O user functions", str(state))

    keys = {}
    for n in (1, 2, 3, 4):
        k = one(session, [(CKA_CLASS, CKO_PRIVATE_KEY), (CKA_ID, (n,))], "private key with CKA_ID %02d" % n)
        keys[n] = k
        if k is None:
            continue
        sign, sensitive, extractable, always = session.getAttributeValue(
            k, [CKA_SIGN, CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_ALWAYS_AUTHENTICATE])
        expect(sign and sensitive and not extractable,
               "private key %02d: CKA_SIGN, CKA_SENSITIVE, not CKA_EXTRACTABLE" % n)
        expect(bool(always) == (n == 2), "private key %02d: CKA_ALWAYS_AUTHENTICATE %s" % (n, n == 2))
        value = session.getAttributeValue(k, [CKA_VALUE])[0]
        expect(value is None, "private key %02d: CKA_VALUE not readable" % n)

    data = os.urandom(1000)
    digest = hashlib.sha256(data).digest()
    mech = PyKCS11.Mechanism(CKM_SHA256_RSA_PKCS)

    # 9A: RSA PKCS#1 v1.5 with SHA-256
    if keys.get(1) is not None and 1 in certs:
        sig = expect_rv(lambda: session.sign(keys[1], data, mech), CKR_OK, "C_Sign CKM_SHA256_RSA_PKCS with 9A")
        if sig is not None:
            expect(len(sig) == 256, "9A signature is 256 bytes")
            pub = session.findObjects([(CKA_CLASS, CKO_PUBLIC_KEY), (CKA_ID, (1,))])[0]
            expect(session.verify(pub, data, sig, mech), "C_Verify accepts the 9A signature")
            expect(not session.verify(pub, data + b"!", sig, mech), "C_Verify rejects it for other data")
            expect(verify_rsa(certs[1], data, sig), "python3-cryptography verifies the 9A signature")
            # several parts: C_SignUpdate x3, C_SignFinal
            lo = session.lib
            rv = lo.C_SignInit(session.session, mech.to_native(), keys[1])
            parts_ok = rv == CKR_OK
            for i in range(0, len(data), 400):
                parts_ok = parts_ok and lo.C_SignUpdate(session.session, PyKCS11.ckbytelist(data[i:i + 400])) == CKR_OK
            sig2 = PyKCS11.ckbytelist()
            parts_ok = parts_ok and lo.C_SignFinal(session.session, sig2) == CKR_OK  # length
            parts_ok = parts_ok and lo.C_SignFinal(session.session, sig2) == CKR_OK
            expect(parts_ok and bytes(sig2) == bytes(sig),
                   "C_SignUpdate/C_SignFinal give the same (deterministic) signature")

    # 9E: ECDSA over a SHA-256 hash, raw r||s
    if keys.get(4) is not None and 4 in certs:
        sig = expect_rv(lambda: session.sign(keys[4], digest, PyKCS11.Mechanism(CKM_ECDSA)), CKR_OK,
                        "C_Sign CKM_ECDSA with 9E")
        if sig is not None:
            expect(len(sig) == 64, "9E signature is raw r||s, 64 bytes", "%d bytes" % len(sig))
            pub = session.findObjects([(CKA_CLASS, CKO_PUBLIC_KEY), (CKA_ID, (4,))])[0]
            expect(session.verify(pub, digest, sig, PyKCS11.Mechanism(CKM_ECDSA)), "C_Verify accepts the 9E signature")
            expect(verify_ecdsa_raw(certs[4], digest, sig), "python3-cryptography verifies the 9E signature")

    # 9C: CKA_ALWAYS_AUTHENTICATE; C_Sign without the context-specific login
    # fails (and ends the operation); with it, the signature verifies
    if keys.get(2) is not None and 2 in certs:
        lo = session.lib
        m = PyKCS11.Mechanism(CKM_ECDSA).to_native()
        d = PyKCS11.ckbytelist(digest)
        rv = lo.C_SignInit(session.session, m, keys[2])
        expect(rv == CKR_OK, "9C: C_SignInit", rv_name(rv))
        out = PyKCS11.ckbytelist([0] * 64)
        rv = lo.C_Sign(session.session, d, out)
        expect(rv == CKR_USER_NOT_LOGGED_IN, "9C: C_Sign without context-specific login: CKR_USER_NOT_LOGGED_IN",
               rv_name(rv))
        rv = lo.C_SignInit(session.session, m, keys[2])
        expect(rv == CKR_OK, "9C: C_SignInit again (the failed C_Sign ended the operation)", rv_name(rv))
        try:
            session.login(PIN, user_type=CKU_CONTEXT_SPECIFIC)
            ok("9C: C_Login(CKU_CONTEXT_SPECIFIC)")
        except PyKCS11.PyKCS11Error as e:
            fail("9C: C_Login(CKU_CONTEXT_SPECIFIC): " + rv_name(e.value))
        sig = PyKCS11.ckbytelist()
        rv = lo.C_Sign(session.session, d, sig)  # length
        rv2 = lo.C_Sign(session.session, d, sig) if rv == CKR_OK else rv
        if expect(rv2 == CKR_OK, "9C: C_Sign after the context-specific login", rv_name(rv2)):
            expect(verify_ecdsa_raw(certs[2], digest, sig), "python3-cryptography verifies the 9C signature")
        # the consent was for one signature only
        rv = lo.C_SignInit(session.session, m, keys[2])
        out = PyKCS11.ckbytelist([0] * 64)
        rv2 = lo.C_Sign(session.session, d, out) if rv == CKR_OK else rv
        expect(rv2 == CKR_USER_NOT_LOGGED_IN, "9C: the next C_Sign needs a new context-specific login",
               rv_name(rv2))

    rnd = session.generateRandom(32)
    expect(len(rnd) == 32, "C_GenerateRandom gives 32 bytes")

    expect_rv(lambda: session.logout(), CKR_OK, "C_Logout")
    state = session.getSessionInfo().state
    expect(state in ("CKS_RO_PUBLIC_SESSION", CKS_RO_PUBLIC_SESSION), "session state back to R/O public", str(state))
    if keys.get(1) is not None:
        expect_rv(lambda: session.sign(keys[1], data, mech), CKR_USER_NOT_LOGGED_IN,
                  "sign with 9A after C_Logout: CKR_USER_NOT_LOGGED_IN")
    session.closeSession()
    ok("C_CloseSession")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # an unexpected error is a failure, with its trace
        import traceback
        traceback.print_exc()
        fail("unexpected %s: %s" % (type(e).__name__, e))
    name = "module_pykcs11"
    if failures:
        print("%s: %d failure(s)" % (name, failures))
        sys.exit(1)
    print("%s: all passed" % name)
