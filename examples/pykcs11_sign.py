#!/usr/bin/python3
"""Sign and verify with a smart-card key through Tessera, using PyKCS11.

A sample for people writing their own PKCS#11 client in Python (Debian:
apt-get install python3-pykcs11). It lists the tokens, opens a session on one,
logs in with the user PIN, signs a message with a private key (RSA PKCS#1 v1.5
with SHA-256, ECDSA over a SHA-256 digest, or Ed25519), and checks the
signature with C_Verify on the public key object that has the same CKA_ID.
Keys with CKA_ALWAYS_AUTHENTICATE (PIV 9C, an OpenPGP signature key whose PIN
is valid for one signature) get the context-specific login after C_SignInit,
as PKCS#11 3.0 section 5.2 ("C_Login", CKU_CONTEXT_SPECIFIC) asks.

    pykcs11_sign.py [--module PATH] [--token LABEL] [--id HEX]
                    [--message TEXT | --input FILE] [--signature FILE]

The PIN comes from $PKCS11_PIN or, without it, from a prompt (never an
argument: other users can read a process's arguments). Exit status: 0 the
signature verifies; 1 a PKCS#11 call failed or the signature does not verify;
2 usage (no such token or key).
"""
import argparse
import getpass
import hashlib
import os
import sys

import PyKCS11
from PyKCS11.LowLevel import (
    CKA_ALWAYS_AUTHENTICATE, CKA_CLASS, CKA_ID, CKA_KEY_TYPE, CKA_LABEL, CKA_SIGN,
    CKF_LOGIN_REQUIRED, CKK_EC, CKK_EC_EDWARDS, CKK_RSA, CKM_ECDSA, CKM_EDDSA,
    CKM_SHA256_RSA_PKCS, CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKR_OK, CKU_CONTEXT_SPECIFIC,
)

DEFAULT_MODULE = "/usr/lib/x86_64-linux-gnu/pkcs11/tessera-pkcs11.so"


def parse_args():
    p = argparse.ArgumentParser(description="Sign and verify with a PKCS#11 token key (PyKCS11).")
    p.add_argument("--module", default=os.environ.get("TESSERA_MODULE", DEFAULT_MODULE),
                   help="PKCS#11 module (default: $TESSERA_MODULE or the installed Tessera)")
    p.add_argument("--token", help="token label (default: the first token)")
    p.add_argument("--id", help="CKA_ID of the key in hex, e.g. 01 (default: the first signing key)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--message", default="hello from PyKCS11", help="text to sign")
    g.add_argument("--input", help="file to sign")
    p.add_argument("--signature", help="write the signature (PKCS#11 format) to this file")
    return p.parse_args()


def mechanism_for(key_type, data):
    """The mechanism and the bytes to give C_Sign: ECDSA signs a digest the
    host computed (CKM_ECDSA, PKCS#11 3.0 mechanisms section 2.3.6); RSA and
    EdDSA take the message itself."""
    if key_type == CKK_RSA:
        return PyKCS11.Mechanism(CKM_SHA256_RSA_PKCS, None), data, "RSA PKCS#1 v1.5 with SHA-256"
    if key_type == CKK_EC:
        return PyKCS11.Mechanism(CKM_ECDSA, None), hashlib.sha256(data).digest(), "ECDSA over SHA-256"
    if key_type == CKK_EC_EDWARDS:
        return PyKCS11.Mechanism(CKM_EDDSA, None), data, "EdDSA (Ed25519)"
    return None, None, None


def list_tokens(lib):
    """[(slot, token info)] for every slot with a token, printed as we go."""
    tokens = []
    for slot in lib.getSlotList(tokenPresent=True):
        info = lib.getTokenInfo(slot)
        print("slot %d: token '%s' (%s %s, serial %s)" % (slot, info.label.strip(), info.manufacturerID.strip(),
                                                        info.model.strip(), info.serialNumber.strip()))
        tokens.append((slot, info))
    return tokens


def find_one(session, cls, key_id=None, sign=False):
    template = [(CKA_CLASS, cls)]
    if key_id is not None:
        template.append((CKA_ID, key_id))
    if sign:
        template.append((CKA_SIGN, True))
    found = session.findObjects(template)
    return found[0] if found else None


def sign(session, key, mech, data, pin, always_auth):
    """C_SignInit, the context-specific login if the key asks for it, C_Sign."""
    low = session.lib
    rv = low.C_SignInit(session.session, mech.to_native(), key)
    if rv != CKR_OK:
        raise PyKCS11.PyKCS11Error(rv)
    if always_auth:
        session.login(pin, user_type=CKU_CONTEXT_SPECIFIC)
    buf, out = PyKCS11.ckbytelist(data), PyKCS11.ckbytelist()
    for _ in range(2):  # first the length, then the signature
        rv = low.C_Sign(session.session, buf, out)
        if rv != CKR_OK:
            raise PyKCS11.PyKCS11Error(rv)
    return bytes(out)


def pick_token(tokens, label):
    """The (slot, info) of the token labelled so, or of the first token."""
    for slot, info in tokens:
        if label is None or info.label.strip() == label:
            return slot, info
    return None, None


def run(args):
    lib = PyKCS11.PyKCS11Lib()
    lib.load(args.module)
    tokens = list_tokens(lib)
    slot, info = pick_token(tokens, args.token)
    if slot is None:
        print("no token%s" % (" labelled '%s'" % args.token if args.token else ""), file=sys.stderr)
        return 2
    key_id = bytes.fromhex(args.id) if args.id else None
    session = lib.openSession(slot)
    try:
        pin = None
        if info.flags & CKF_LOGIN_REQUIRED:
            pin = os.environ.get("PKCS11_PIN") or getpass.getpass("PIN for '%s': " % info.label.strip())
            session.login(pin)
            print("logged in to '%s'" % info.label.strip())
        key = find_one(session, CKO_PRIVATE_KEY, key_id, sign=True)
        if key is None:
            print("no signing key%s on '%s'" % (" with ID " + args.id if args.id else "", info.label.strip()),
                  file=sys.stderr)
            return 2
        attrs = session.getAttributeValue(key, [CKA_ID, CKA_LABEL, CKA_KEY_TYPE, CKA_ALWAYS_AUTHENTICATE])
        cka_id, label, key_type, always_auth = bytes(attrs[0]), attrs[1], attrs[2], bool(attrs[3])
        data = open(args.input, "rb").read() if args.input else args.message.encode()
        mech, to_sign, what = mechanism_for(key_type, data)
        if mech is None:
            print("key %s has a key type this sample does not sign with" % cka_id.hex(), file=sys.stderr)
            return 2
        print("signing with key %s '%s' (%s%s)" % (cka_id.hex(), label, what,
                                                   ", PIN for every signature" if always_auth else ""))
        signature = sign(session, key, mech, to_sign, pin, always_auth)
        print("signature: %d bytes" % len(signature))
        if args.signature:
            with open(args.signature, "wb") as f:
                f.write(signature)
        pub = find_one(session, CKO_PUBLIC_KEY, cka_id)
        if pub is None:
            print("no public key with ID %s to verify with" % cka_id.hex(), file=sys.stderr)
            return 1
        if not session.verify(pub, to_sign, signature, mech):
            print("the signature does NOT verify", file=sys.stderr)
            return 1
        print("verified with public key %s: OK" % cka_id.hex())
        return 0
    finally:
        if info.flags & CKF_LOGIN_REQUIRED:
            try:
                session.logout()
            except PyKCS11.PyKCS11Error:
                pass
        session.closeSession()


def main():
    args = parse_args()
    try:
        return run(args)
    except PyKCS11.PyKCS11Error as e:
        print("PKCS#11 error: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
