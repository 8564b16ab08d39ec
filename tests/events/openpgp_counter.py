#!/usr/bin/python3
"""Print the digital signature counter of the OpenPGP card in READER (DO 93
inside 7A, OpenPGP card 3.4 section 4.4.1), read as another application
would: SCARD_SHARE_SHARED, SELECT, GET DATA 7A. Exits 1 on any error.

usage: openpgp_counter.py READER
"""
import sys

from smartcard import scard as sc

SELECT_OPENPGP = [0x00, 0xA4, 0x04, 0x00, 0x06, 0xD2, 0x76, 0x00, 0x01, 0x24, 0x01, 0x00]
PROTOCOLS = sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1


def main():
    hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
    if hr != sc.SCARD_S_SUCCESS:
        sys.exit("SCardEstablishContext: " + sc.SCardGetErrorMessage(hr))
    hr, card, proto = sc.SCardConnect(ctx, sys.argv[1], sc.SCARD_SHARE_SHARED, PROTOCOLS)
    if hr != sc.SCARD_S_SUCCESS:
        sys.exit("SCardConnect: " + sc.SCardGetErrorMessage(hr))

    def transmit(apdu):
        hr, resp = sc.SCardTransmit(card, proto, apdu)
        if hr == sc.SCARD_W_RESET_CARD:
            sc.SCardReconnect(card, sc.SCARD_SHARE_SHARED, PROTOCOLS, sc.SCARD_LEAVE_CARD)
            hr, resp = sc.SCardTransmit(card, proto, apdu)
        if hr != sc.SCARD_S_SUCCESS or len(resp) < 2:
            sys.exit("SCardTransmit: " + sc.SCardGetErrorMessage(hr))
        return resp[:-2], (resp[-2] << 8) | resp[-1]

    try:
        _, sw = transmit(SELECT_OPENPGP)
        if sw != 0x9000:
            sys.exit("SELECT OpenPGP answered %04X" % sw)
        data, sw = transmit([0x00, 0xCA, 0x00, 0x7A, 0x00])
        if sw != 0x9000:
            sys.exit("GET DATA 7A answered %04X" % sw)
        i = data.index(0x93) if 0x93 in data else -1
        if i < 0 or i + 1 >= len(data):
            sys.exit("no DO 93 in 7A: " + bytes(data).hex())
        n = data[i + 1]
        print(int.from_bytes(bytes(data[i + 2:i + 2 + n]), "big"))
    finally:
        sc.SCardDisconnect(card, sc.SCARD_LEAVE_CARD)
        sc.SCardReleaseContext(ctx)


if __name__ == "__main__":
    main()
