#!/usr/bin/python3
"""Acceptance (run by module_openpgp_gpg_key.sh after GnuPG generated keys on
the card and scdaemon was killed): tessera-pkcs11.so uses the keys GnuPG made.

usage: module_openpgp_gpg_key.py EMAIL WORKDIR

- reads GnuPG's view of the key (gpg --with-colons --list-keys, gpg --export
  parsed here: RFC 4880 public-key packets, v4 fingerprints) and finds the
  signing (primary), encryption and authentication keys;
- CKA_PUBLIC_KEY_INFO of our objects 01, 02, 03 has the same modulus and
  exponent as GnuPG's signing, encryption and authentication keys;
- signs with 01 (context-specific login) and 03 through the module; both
  verify against GnuPG's exported keys;
- builds an OpenPGP v4 detached signature (binary document, SHA-256) around
  a CKM_SHA256_RSA_PKCS signature with 01 and writes WORKDIR/msg.sig for
  `gpg --verify` (done by the shell script);
- encrypts WORKDIR/msg with gpg -e to the key, decrypts the session key of
  the PKESK packet with 02 (CKM_RSA_PKCS), checks its checksum, and writes
  "ALGO:HEX" to WORKDIR/session-key for `gpg --override-session-key`.
"""
import hashlib
import os
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import tessera_p11 as t  # noqa: E402
import PyKCS11  # noqa: E402
from PyKCS11.LowLevel import (CKF_SERIAL_SESSION, CKM_RSA_PKCS, CKM_SHA256_RSA_PKCS, CKO_PRIVATE_KEY,  # noqa: E402
                              CKR_OK)
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402

c = t.Checks("module_openpgp_gpg_key")


# --- RFC 4880 packets -----------------------------------------------------------------
def packets(data):
    """Yields (tag, body) of the top-level packets (old and new formats, no partial lengths)."""
    i = 0
    while i < len(data):
        b = data[i]
        if not b & 0x80:
            raise ValueError("not an OpenPGP packet at %d" % i)
        if b & 0x40:  # new format
            tag = b & 0x3F
            l0 = data[i + 1]
            if l0 < 192:
                n, hl = l0, 2
            elif l0 < 224:
                n, hl = ((l0 - 192) << 8) + data[i + 2] + 192, 3
            elif l0 == 255:
                n, hl = struct.unpack(">I", data[i + 2:i + 6])[0], 6
            else:
                raise ValueError("partial body length")
        else:
            tag = (b >> 2) & 0x0F
            lt = b & 3
            if lt == 3:
                n, hl = len(data) - i - 1, 1
            else:
                size = (1, 2, 4)[lt]
                n, hl = int.from_bytes(data[i + 1:i + 1 + size], "big"), 1 + size
        yield tag, data[i + hl:i + hl + n]
        i += hl + n


def mpi(body, off):
    bits = struct.unpack(">H", body[off:off + 2])[0]
    n = (bits + 7) // 8
    return int.from_bytes(body[off + 2:off + 2 + n], "big"), off + 2 + n


def mpi_bytes(value):
    b = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return struct.pack(">H", value.bit_length()) + b


def public_keys(exported):
    """{fingerprint hex: (n, e)} of the RSA public key and subkey packets (tags 6, 14)."""
    out = {}
    for tag, body in packets(exported):
        if tag not in (6, 14) or body[0] != 4:
            continue
        fpr = hashlib.sha1(b"\x99" + struct.pack(">H", len(body)) + body).hexdigest().upper()
        if body[5] in (1, 2, 3):  # RSA
            n, off = mpi(body, 6)
            e, _ = mpi(body, off)
            out[fpr] = (n, e)
        else:
            out[fpr] = None
    return out


def subpacket(kind, data):
    return bytes([len(data) + 1, kind]) + data


def signature_packet(document, fingerprint, sign_fn):
    """An OpenPGP v4 binary-document signature by RSA/SHA-256 (RFC 4880 5.2.3,
    RFC 4880bis issuer fingerprint); sign_fn(data) returns the PKCS#1 v1.5
    signature of SHA-256(data)."""
    fpr = bytes.fromhex(fingerprint)
    hashed = subpacket(2, struct.pack(">I", int(time.time()))) + subpacket(33, b"\x04" + fpr)
    head = bytes([4, 0x00, 1, 8]) + struct.pack(">H", len(hashed)) + hashed
    trailer = b"\x04\xff" + struct.pack(">I", len(head))
    to_sign = document + head + trailer
    sig = sign_fn(to_sign)
    if sig is None:
        return None
    unhashed = subpacket(16, fpr[-8:])
    body = (head + struct.pack(">H", len(unhashed)) + unhashed + hashlib.sha256(to_sign).digest()[:2]
            + mpi_bytes(int.from_bytes(sig, "big")))
    return b"\x89" + struct.pack(">H", len(body)) + body  # old format, tag 2, two-octet length


# --- GnuPG's view ------------------------------------------------------------------------
def gpg_keys(email):
    """[(capabilities, fingerprint)] of the primary key and subkeys."""
    out = subprocess.run(["gpg", "--batch", "--with-colons", "--fixed-list-mode", "--list-keys", "<%s>" % email],
                         capture_output=True, text=True, check=True).stdout
    keys, cur = [], None
    for line in out.splitlines():
        f = line.split(":")
        if f[0] in ("pub", "sub"):
            cur = f[11]
        elif f[0] == "fpr" and cur is not None:
            keys.append((cur, f[9]))
            cur = None
    return keys


def main():
    email, work = sys.argv[1], sys.argv[2]
    keys = gpg_keys(email)
    c.note("GnuPG keys: " + ", ".join("%s %s" % kv for kv in keys))
    exported = subprocess.run(["gpg", "--batch", "--export", "<%s>" % email], capture_output=True,
                              check=True).stdout
    pubs = public_keys(exported)
    by_use = {}
    for caps, fpr in keys:
        for use in "sea":
            if use in caps and use not in by_use:
                by_use[use] = fpr
    for use, name in (("s", "signing"), ("e", "encryption"), ("a", "authentication")):
        c.expect(use in by_use and pubs.get(by_use[use]) is not None,
                 "gpg --export has an RSA %s key with a fingerprint gpg --list-keys names" % name)
    if c.failures:
        c.finish()

    lib = t.load()
    slot = t.slot_for_reader(lib, os.environ["TESSERA_OPENPGP_READER"])
    if not c.expect(slot is not None, "a slot for the OpenPGP reader"):
        c.finish()
    s = lib.openSession(slot, CKF_SERIAL_SESSION)
    for key_id, use in ((1, "s"), (2, "e"), (3, "a")):
        try:
            pub = t.public_key(s, key_id)
        except (LookupError, PyKCS11.PyKCS11Error, ValueError) as e:
            c.fail("CKA_PUBLIC_KEY_INFO of %02X: %s" % (key_id, e))
            continue
        nums = pub.public_numbers() if isinstance(pub, rsa.RSAPublicKey) else None
        want = pubs[by_use[use]]
        c.expect(nums is not None and (nums.n, nums.e) == want,
                 "public key %02X is GnuPG's %s key %s" % (key_id, {"s": "signing", "e": "encryption",
                                                                     "a": "authentication"}[use], by_use[use]))
    s.login(t.PIN)
    c.ok("C_Login")
    priv = {k: t.find(s, CKO_PRIVATE_KEY, k) for k in (1, 2, 3)}
    gpg_pub = {use: rsa.RSAPublicNumbers(pubs[by_use[use]][1], pubs[by_use[use]][0]).public_key()
               for use in "sea"}

    # raw signatures with 01 and 03, verified against GnuPG's keys
    for key_id, use in ((1, "s"), (3, "a")):
        data = b"tessera signs with the key GnuPG generated " + os.urandom(8)
        ctx = t.PIN if t.always_authenticate(s, priv[key_id]) else None
        rv, sig = t.sign(s, priv[key_id], data, PyKCS11.Mechanism(CKM_SHA256_RSA_PKCS), ctx)
        if c.expect(rv == CKR_OK, "C_Sign with %02X" % key_id, t.rv_name(rv)):
            c.expect(t.verify(gpg_pub[use], data, sig),
                     "the signature of %02X verifies with GnuPG's exported key" % key_id)
            c.expect(not t.verify(gpg_pub[use], data, t.tampered(sig)), "a tampered signature of %02X does not"
                     % key_id)

    # an OpenPGP detached signature made by the module with 01
    msg = open(os.path.join(work, "msg"), "rb").read()

    def sign01(to_sign):
        ctx = t.PIN if t.always_authenticate(s, priv[1]) else None
        rv, sig = t.sign(s, priv[1], to_sign, PyKCS11.Mechanism(CKM_SHA256_RSA_PKCS), ctx)
        c.expect(rv == CKR_OK, "C_Sign with 01 for an OpenPGP signature packet", t.rv_name(rv))
        return sig
    packet = signature_packet(msg, by_use["s"], sign01)
    if packet is not None:
        open(os.path.join(work, "msg.sig"), "wb").write(packet)
        c.ok("OpenPGP signature packet written (msg.sig, %d bytes)" % len(packet))

    # the session key of a message gpg encrypted to the key, through 02
    enc = os.path.join(work, "msg.gpg")
    subprocess.run(["gpg", "--batch", "--yes", "--trust-model", "always", "-r", by_use["e"], "-e", "-o", enc,
                    os.path.join(work, "msg")], check=True, capture_output=True)
    pkesk = [body for tag, body in packets(open(enc, "rb").read()) if tag == 1]
    if not c.expect(len(pkesk) == 1 and pkesk[0][0] == 3 and pkesk[0][9] == 1,
                    "gpg -e made one v3 RSA public-key encrypted session key packet"):
        c.finish()
    body = pkesk[0]
    c.expect(body[1:9].hex().upper() == by_use["e"][-16:], "it names the encryption key's key ID")
    m, _ = mpi(body, 10)
    modulus_len = (gpg_pub["e"].key_size + 7) // 8
    try:
        pt = bytes(s.decrypt(priv[2], m.to_bytes(modulus_len, "big"), PyKCS11.Mechanism(CKM_RSA_PKCS)))
        c.ok("C_Decrypt CKM_RSA_PKCS with 02 of the PKESK (%d bytes)" % len(pt))
    except PyKCS11.PyKCS11Error as e:
        c.fail("C_Decrypt CKM_RSA_PKCS with 02: " + t.rv_name(e.value))
        c.finish()
    algo, key, checksum = pt[0], pt[1:-2], struct.unpack(">H", pt[-2:])[0]
    c.expect(algo in (7, 8, 9) and len(key) == {7: 16, 8: 24, 9: 32}.get(algo),
             "the plaintext is a session key: algorithm %d, %d bytes" % (algo, len(key)))
    c.expect(sum(key) & 0xFFFF == checksum, "the session key's checksum is right")
    with open(os.path.join(work, "session-key"), "w") as f:
        f.write("%d:%s\n" % (algo, key.hex().upper()))
    s.logout()
    s.closeSession()
    c.finish()


if __name__ == "__main__":
    main()
