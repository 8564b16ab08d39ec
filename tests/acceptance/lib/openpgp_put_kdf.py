#!/usr/bin/python3
"""Give the OpenPGP card in READER a KDF-DO (OpenPGP card 3.4 section 4.3.2,
KDF_ITERSALTED_S2K with SHA-256): VERIFY PW3 12345678, then PUT DATA F9 with
the salts and the hashes of PW1 123456 and PW3 12345678, so those PINs keep
working, hashed by the host. Exits 1 on any error.

usage: openpgp_put_kdf.py READER
"""
import hashlib
import sys

from smartcard import scard as sc

SELECT = [0x00, 0xA4, 0x04, 0x00, 0x06, 0xD2, 0x76, 0x00, 0x01, 0x24, 0x01, 0x00]
PROTOCOLS = sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1
COUNT = 0x00020000


def s2k(salt, pin):
    data = salt + pin
    n = max(COUNT, len(data))
    return hashlib.sha256((data * (n // len(data) + 1))[:n]).digest()


def tlv(tag, value):
    return bytes([tag, len(value)]) + value


def main():
    reader = sys.argv[1]
    salt1, salt_rc, salt3 = bytes(range(1, 9)), bytes(range(0x11, 0x19)), bytes(range(0x21, 0x29))
    kdf = (tlv(0x81, b"\x03") + tlv(0x82, b"\x08") + tlv(0x83, COUNT.to_bytes(4, "big")) + tlv(0x84, salt1) +
           tlv(0x85, salt_rc) + tlv(0x86, salt3) + tlv(0x87, s2k(salt1, b"123456")) +
           tlv(0x88, s2k(salt3, b"12345678")))
    hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
    hr, card, proto = sc.SCardConnect(ctx, reader, sc.SCARD_SHARE_SHARED, PROTOCOLS)
    if hr != sc.SCARD_S_SUCCESS:
        sys.exit("SCardConnect: " + sc.SCardGetErrorMessage(hr))
    for apdu in (SELECT, [0x00, 0x20, 0x00, 0x83, 8] + list(b"12345678"),
                 [0x00, 0xDA, 0x00, 0xF9, len(kdf)] + list(kdf)):
        hr, resp = sc.SCardTransmit(card, proto, apdu)
        if hr != sc.SCARD_S_SUCCESS or resp[-2:] != [0x90, 0x00]:
            sys.exit("APDU %02X failed: %s %s" % (apdu[1], sc.SCardGetErrorMessage(hr), resp))
    sc.SCardDisconnect(card, sc.SCARD_RESET_CARD)
    sc.SCardReleaseContext(ctx)


main()
