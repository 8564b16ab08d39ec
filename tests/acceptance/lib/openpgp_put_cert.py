#!/usr/bin/python3
"""Write an X.509 certificate for the OpenPGP card's authentication key.

    openpgp_put_cert.py PUBKEY.der OUT.der READER [CA.pem]

Issues a certificate (CN "Tessera OpenPGP authentication", by a throwaway
P-256 CA, written to CA.pem if given) for the public key in PUBKEY.der,
writes its DER to OUT.der and to
the card in READER: SELECT, SELECT DATA of the first 7F21 occurrence (card
spec 3.4 section 7.2.5: the authentication key's), VERIFY PW3, PUT DATA 7F21
(extended length), VERIFY P1=FF to drop PW3, and a reset when leaving. Used by
the client_* acceptance tests, whose clients (NSS, OpenVPN) only list keys
that have certificates. The admin PIN is the virtual card's default.
"""
import datetime
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from smartcard import scard as sc

ADMIN_PIN = b"12345678"


def make_ca(ca, issuer, now):
    return (x509.CertificateBuilder().subject_name(issuer).issuer_name(issuer).public_key(ca.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(True, None), True)
            .sign(ca, hashes.SHA256()))


def make_cert(pub, ca_out):
    ca = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tessera OpenPGP authentication")])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tessera test CA")])
    if ca_out:
        with open(ca_out, "wb") as f:
            f.write(make_ca(ca, issuer, now).public_bytes(serialization.Encoding.PEM))
    return (x509.CertificateBuilder().subject_name(name).issuer_name(issuer).public_key(pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), False)
            .sign(ca, hashes.SHA256()))


def main():
    pub = serialization.load_der_public_key(open(sys.argv[1], "rb").read())
    der = make_cert(pub, sys.argv[4] if len(sys.argv) > 4 else None).public_bytes(serialization.Encoding.DER)
    open(sys.argv[2], "wb").write(der)
    hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
    assert hr == sc.SCARD_S_SUCCESS, sc.SCardGetErrorMessage(hr)
    hr, card, proto = sc.SCardConnect(ctx, sys.argv[3], sc.SCARD_SHARE_SHARED, sc.SCARD_PROTOCOL_T1)
    assert hr == sc.SCARD_S_SUCCESS, sc.SCardGetErrorMessage(hr)

    def tx(apdu, what):
        hr, resp = sc.SCardTransmit(card, proto, apdu)
        assert hr == sc.SCARD_S_SUCCESS, sc.SCardGetErrorMessage(hr)
        sw = (resp[-2] << 8) | resp[-1]
        print("%s: %04X" % (what, sw))
        assert sw == 0x9000, what

    tx([0x00, 0xA4, 0x04, 0x00, 0x06, 0xD2, 0x76, 0x00, 0x01, 0x24, 0x01], "SELECT OpenPGP")
    tx([0x00, 0xA5, 0x00, 0x04, 0x06, 0x60, 0x04, 0x5C, 0x02, 0x7F, 0x21], "SELECT DATA 7F21 occurrence 0")
    tx([0x00, 0x20, 0x00, 0x83, len(ADMIN_PIN)] + list(ADMIN_PIN), "VERIFY PW3")
    tx([0x00, 0xDA, 0x7F, 0x21, 0x00, len(der) >> 8, len(der) & 0xFF] + list(der), "PUT DATA 7F21")
    tx([0x00, 0x20, 0xFF, 0x83], "VERIFY P1=FF (drop PW3)")
    sc.SCardDisconnect(card, sc.SCARD_RESET_CARD)
    sc.SCardReleaseContext(ctx)


if __name__ == "__main__":
    main()
