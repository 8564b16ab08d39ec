#!/usr/bin/python3
"""PKCS#11 client for the benchmark (bench/run): one scenario per process.

  p11client.py load MODULE              C_Initialize, C_GetSlotList, C_Finalize
  p11client.py sign100 MODULE ID PIN    login once, 100 signatures with the key ID

Prints JSON: the CPU time this process spent inside the scenario (getrusage
around the calls, so interpreter start-up is not counted), in milliseconds.
"""
import json
import resource
import sys

import PyKCS11
from PyKCS11.LowLevel import CKA_CLASS, CKA_ID, CKO_PRIVATE_KEY, CKM_SHA256_RSA_PKCS, CKM_ECDSA_SHA256, \
    CKA_KEY_TYPE, CKK_RSA


def cpu_ms():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return (r.ru_utime + r.ru_stime) * 1000.0


def load(module):
    lib = PyKCS11.PyKCS11Lib()
    t0 = cpu_ms()
    lib.load(module)  # dlopen + C_GetFunctionList + C_Initialize
    slots = lib.getSlotList()
    lib.lib.C_Finalize()
    return {"module_cpu_ms": cpu_ms() - t0, "slots": len(slots)}


def find_key(lib, key_id, pin):
    """The first token holding private key ID (after login if need be)."""
    for slot in lib.getSlotList(tokenPresent=True):
        s = lib.openSession(slot)
        tmpl = [(CKA_CLASS, CKO_PRIVATE_KEY), (CKA_ID, bytes.fromhex(key_id))]
        keys = s.findObjects(tmpl)
        if not keys:
            try:
                s.login(pin)
            except PyKCS11.PyKCS11Error:
                s.closeSession()
                continue
            keys = s.findObjects(tmpl)
        if keys:
            return s, keys[0]
        s.closeSession()
    raise SystemExit("no private key with id %s" % key_id)


def sign100(module, key_id, pin):
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    s, key = find_key(lib, key_id, pin)
    try:
        s.login(pin)
    except PyKCS11.PyKCS11Error as e:  # already logged in from find_key
        if e.value != PyKCS11.LowLevel.CKR_USER_ALREADY_LOGGED_IN:
            raise
    rsa = s.getAttributeValue(key, [CKA_KEY_TYPE])[0] == CKK_RSA
    mech = PyKCS11.Mechanism(CKM_SHA256_RSA_PKCS if rsa else CKM_ECDSA_SHA256)
    t0 = cpu_ms()
    for i in range(100):
        sig = s.sign(key, b"tessera benchmark %d" % i, mech)
        if len(sig) < 64:
            raise SystemExit("short signature")
    per = (cpu_ms() - t0) / 100
    s.logout()
    s.closeSession()
    lib.lib.C_Finalize()
    return {"module_cpu_ms_per_signature": per}


def main(argv):
    if len(argv) >= 2 and argv[0] == "load":
        print(json.dumps(load(argv[1])))
    elif len(argv) >= 4 and argv[0] == "sign100":
        print(json.dumps(sign100(argv[1], argv[2], argv[3])))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
