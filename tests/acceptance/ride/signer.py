#!/usr/bin/python3
"""The signer of the ride test: PyKCS11 over tessera-pkcs11.so logs in once
and signs COUNT different messages with the 9A key (CKM_SHA256_RSA_PKCS),
verifying each with python3-cryptography against the 9A certificate, and
pausing PAUSE-MS (randomly 0.5x..1.5x) between signatures like an application
would: pcscd makes a client waiting for the card poll every 100 ms
(PCSCLITE_LOCK_POLL_RATE), so back-to-back transactions would starve the
intruder and prove nothing. Writes a JSON summary (with the CLOCK_MONOTONIC
times of the first and last signature) to RESULT-FILE; exits non-zero on any
failure.

usage: signer.py COUNT PAUSE-MS RESULT-FILE
"""
import random
import json
import os
import sys
import time

import PyKCS11
from PyKCS11.LowLevel import (CKA_CLASS, CKA_ID, CKA_VALUE, CKF_SERIAL_SESSION, CKM_SHA256_RSA_PKCS,
                              CKO_CERTIFICATE, CKO_PRIVATE_KEY)
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding


def main():
    count, pause, result_file = int(sys.argv[1]), int(sys.argv[2]) / 1000.0, sys.argv[3]
    reader = os.environ.get("TESSERA_PIV_READER", "")
    lib = PyKCS11.PyKCS11Lib()
    lib.load(os.environ["TESSERA_MODULE"])
    slot = None
    for s in lib.getSlotList(tokenPresent=True):
        desc = lib.getSlotInfo(s).slotDescription.strip()
        if (reader and reader.startswith(desc)) or (not reader and "PIV" in lib.getTokenInfo(s).label):
            slot = s
    if slot is None:
        raise SystemExit("signer: no slot for the PIV reader")
    session = lib.openSession(slot, CKF_SERIAL_SESSION)
    cert_h = session.findObjects([(CKA_CLASS, CKO_CERTIFICATE), (CKA_ID, (1,))])[0]
    cert = x509.load_der_x509_certificate(bytes(session.getAttributeValue(cert_h, [CKA_VALUE], True)[0]))
    session.login(os.environ.get("VCARD_PIN", "123456"))
    key = session.findObjects([(CKA_CLASS, CKO_PRIVATE_KEY), (CKA_ID, (1,))])[0]
    mech = PyKCS11.Mechanism(CKM_SHA256_RSA_PKCS)

    signed = verified = 0
    errors = []
    start = time.monotonic()
    for i in range(count):
        if i:
            time.sleep(random.uniform(0.5 * pause, 1.5 * pause))
        data = ("ride test message %d " % i).encode() + os.urandom(16)
        try:
            sig = bytes(session.sign(key, data, mech))
            signed += 1
        except PyKCS11.PyKCS11Error as e:
            errors.append("signature %d: C_Sign %s" % (i, e))
            continue
        try:
            cert.public_key().verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
            verified += 1
        except InvalidSignature:
            errors.append("signature %d does not verify" % i)
        if (i + 1) % 50 == 0:
            print("signer: %d/%d signatures, %.1f s" % (i + 1, count, time.monotonic() - start), flush=True)
    end = time.monotonic()
    seconds = end - start
    session.logout()
    session.closeSession()
    with open(result_file, "w") as f:
        json.dump({"count": count, "signed": signed, "verified": verified, "seconds": round(seconds, 1),
                   "start": round(start, 4), "end": round(end, 4),
                   "errors": errors[:20]}, f, indent=1)
    sys.exit(0 if signed == verified == count else 1)


if __name__ == "__main__":
    main()
