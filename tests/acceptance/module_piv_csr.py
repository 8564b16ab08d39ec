"""Issue 9 acceptance (PIV): a PyKCS11 script provisions a key and asks for a
certificate. It logs in as SO with the management key, generates an RSA 2048
key in 9A and a P-256 key in 9D (C_GenerateKeyPair), logs in as the user,
builds a PKCS#10 certificate request for each with the signature made
through the module, and checks each request with `openssl req -verify` and
python3-cryptography. Arguments: MODULE SLOT (hex) MANAGEMENT_KEY PIN WORKDIR.
"""
import os
import subprocess
import sys

import PyKCS11
from PyKCS11.LowLevel import (
    CKA_EC_PARAMS, CKA_ID, CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT, CKA_PUBLIC_KEY_INFO, CKA_TOKEN,
    CKF_RW_SESSION, CKF_SERIAL_SESSION, CKM_EC_KEY_PAIR_GEN, CKM_ECDSA_SHA256, CKM_RSA_PKCS_KEY_PAIR_GEN,
    CKM_SHA256_RSA_PKCS, CKU_SO, CKU_USER,
)
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID

failures = 0


def check(what, ok, detail=""):
    global failures
    print(("ok   - " if ok else "FAIL - ") + what + ("" if ok or not detail else "\n       " + detail), flush=True)
    failures += 0 if ok else 1


def der(tag, content):
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


SHA256_RSA = der(0x30, bytes.fromhex("06092A864886F70D01010B0500"))
ECDSA_SHA256 = der(0x30, bytes.fromhex("06082A8648CE3D040302"))
P256 = bytes.fromhex("06082A8648CE3D030107")


def request(session, private, spki, common_name, ec):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]).public_bytes()
    info = der(0x30, der(0x02, b"\x00") + name + spki + der(0xA0, b""))
    mechanism = PyKCS11.Mechanism(CKM_ECDSA_SHA256 if ec else CKM_SHA256_RSA_PKCS, None)
    signature = bytes(session.sign(private, info, mechanism))
    if ec:
        half = len(signature) // 2
        signature = encode_dss_signature(int.from_bytes(signature[:half], "big"),
                                         int.from_bytes(signature[half:], "big"))
    return der(0x30, info + (ECDSA_SHA256 if ec else SHA256_RSA) + der(0x03, b"\x00" + signature))


def main():
    module, slot, key, pin, work = sys.argv[1:6]
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    s = lib.openSession(int(slot, 16), CKF_SERIAL_SESSION | CKF_RW_SESSION)
    s.login(key, CKU_SO)
    made = {}
    rsa_pub, rsa_priv = s.generateKeyPair(
        [(CKA_TOKEN, True), (CKA_ID, b"\x01"), (CKA_MODULUS_BITS, 2048), (CKA_PUBLIC_EXPONENT, b"\x01\x00\x01")],
        [(CKA_TOKEN, True), (CKA_ID, b"\x01")], mecha=PyKCS11.Mechanism(CKM_RSA_PKCS_KEY_PAIR_GEN, None))
    made["rsa"] = (rsa_pub, rsa_priv, False)
    ec_pub, ec_priv = s.generateKeyPair(
        [(CKA_TOKEN, True), (CKA_ID, b"\x03"), (CKA_EC_PARAMS, P256)],
        [(CKA_TOKEN, True), (CKA_ID, b"\x03")], mecha=PyKCS11.Mechanism(CKM_EC_KEY_PAIR_GEN, None))
    made["ec"] = (ec_pub, ec_priv, True)
    check("two key pairs generated as SO", True)
    s.logout()
    s.login(pin, CKU_USER)
    for kind, (pub, priv, ec) in made.items():
        spki = bytes(s.getAttributeValue(pub, [CKA_PUBLIC_KEY_INFO])[0])
        csr = request(s, priv, spki, "tessera %s request" % kind, ec)
        path = os.path.join(work, kind + ".csr")
        with open(path, "wb") as out:
            out.write(csr)
        r = subprocess.run(["openssl", "req", "-verify", "-noout", "-inform", "DER", "-in", path],
                           capture_output=True, text=True)
        check("%s request: openssl req -verify" % kind, r.returncode == 0 and "OK" in (r.stdout + r.stderr),
              (r.stdout + r.stderr).strip())
        parsed = x509.load_der_x509_csr(csr)
        check("%s request: signature valid (cryptography)" % kind, parsed.is_signature_valid)
    s.logout()
    print("module_piv_csr: %s" % ("all passed" if failures == 0 else "%d failure(s)" % failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
