#!/usr/bin/python3
"""The signer of the OpenPGP ride test: PyKCS11 over tessera-pkcs11.so logs in
once and makes COUNT signatures, alternating the signature key 01 (with the
context-specific login its CKA_ALWAYS_AUTHENTICATE asks for, once per
signature) and the authentication key 03 (the session login), with
CKM_SHA256_RSA_PKCS / CKM_ECDSA_SHA256 / CKM_EDDSA as the key type asks;
every DECRYPT_EVERY-th round also decrypts with 02 (RSA keys only). Every
result is verified with python3-cryptography against CKA_PUBLIC_KEY_INFO.
Pauses PAUSE-MS (randomly 0.5x..1.5x) between operations like an application
would (pcscd makes a waiting client poll every 100 ms, so back-to-back
transactions would starve the intruder and prove nothing). Writes a JSON
summary (CLOCK_MONOTONIC times of the first and last operation) to
RESULT-FILE; exits non-zero on any failure.

usage: openpgp_signer.py COUNT PAUSE-MS RESULT-FILE [DECRYPT_EVERY]
"""
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tessera_p11 as t  # noqa: E402
import PyKCS11  # noqa: E402
from PyKCS11.LowLevel import (CKF_SERIAL_SESSION, CKK_EC, CKK_EC_EDWARDS, CKK_RSA, CKA_KEY_TYPE,  # noqa: E402
                              CKM_ECDSA_SHA256, CKM_EDDSA, CKM_RSA_PKCS, CKM_SHA256_RSA_PKCS, CKO_PRIVATE_KEY)
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402

MECHS = {CKK_RSA: CKM_SHA256_RSA_PKCS, CKK_EC: CKM_ECDSA_SHA256, CKK_EC_EDWARDS: CKM_EDDSA}


def main():
    count, pause, result_file = int(sys.argv[1]), int(sys.argv[2]) / 1000.0, sys.argv[3]
    decrypt_every = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    lib = t.load()
    slot = t.slot_for_reader(lib, os.environ["TESSERA_OPENPGP_READER"])
    if slot is None:
        raise SystemExit("signer: no slot for the OpenPGP reader")
    s = lib.openSession(slot, CKF_SERIAL_SESSION)
    s.login(t.PIN)  # the private keys (CKA_PRIVATE) are found only after it
    keys, pubs, mechs, ctx = {}, {}, {}, {}
    for key_id in (1, 3):
        keys[key_id] = t.find(s, CKO_PRIVATE_KEY, key_id)
        pubs[key_id] = t.public_key(s, key_id)
        mechs[key_id] = PyKCS11.Mechanism(MECHS[t.attr(s, keys[key_id], CKA_KEY_TYPE)])
        ctx[key_id] = t.always_authenticate(s, keys[key_id])
    dec_key = t.find(s, CKO_PRIVATE_KEY, 2)
    dec_pub = t.public_key(s, 2) if t.attr(s, dec_key, CKA_KEY_TYPE) == CKK_RSA else None
    print("signer: 01 %s (always authenticate: %s), 03 %s" % (
        PyKCS11.CKM[mechs[1].to_native().mechanism], ctx[1], PyKCS11.CKM[mechs[3].to_native().mechanism]), flush=True)

    done = {"signed 01": 0, "verified 01": 0, "signed 03": 0, "verified 03": 0, "decrypted 02": 0}
    errors = []
    start = time.monotonic()
    for i in range(count):
        if i:
            time.sleep(random.uniform(0.5 * pause, 1.5 * pause))
        key_id = 1 if i % 2 == 0 else 3
        data = ("openpgp ride test message %d " % i).encode() + os.urandom(16)
        rv, sig = t.sign(s, keys[key_id], data, mechs[key_id], t.PIN if ctx[key_id] else None)
        if sig is None:
            errors.append("signature %d with %02X: %s" % (i, key_id, t.rv_name(rv)))
        else:
            done["signed %02d" % key_id] += 1
            if t.verify(pubs[key_id], data, sig):
                done["verified %02d" % key_id] += 1
            else:
                errors.append("signature %d with %02X does not verify" % (i, key_id))
        if decrypt_every and dec_pub is not None and i % decrypt_every == decrypt_every - 1:
            time.sleep(random.uniform(0.5 * pause, 1.5 * pause))
            msg = os.urandom(24)
            try:
                pt = bytes(s.decrypt(dec_key, dec_pub.encrypt(msg, padding.PKCS1v15()), PyKCS11.Mechanism(CKM_RSA_PKCS)))
                if pt == msg:
                    done["decrypted 02"] += 1
                else:
                    errors.append("decryption %d: wrong plaintext" % i)
            except PyKCS11.PyKCS11Error as e:
                errors.append("decryption %d: %s" % (i, t.rv_name(e.value)))
        if (i + 1) % 50 == 0:
            print("signer: %d/%d signatures, %.1f s" % (i + 1, count, time.monotonic() - start), flush=True)
    end = time.monotonic()
    s.logout()
    s.closeSession()
    want_dec = (count // decrypt_every) if decrypt_every and dec_pub is not None else 0
    result = {"count": count, "done": done, "want_decrypted": want_dec, "seconds": round(end - start, 1),
              "start": round(start, 4), "end": round(end, 4), "errors": errors[:20]}
    with open(result_file, "w") as f:
        json.dump(result, f, indent=1)
    good = (done["verified 01"] + done["verified 03"] == count and done["decrypted 02"] == want_dec)
    sys.exit(0 if good else 1)


if __name__ == "__main__":
    main()
