#!/usr/bin/python3
"""Print the PIN status of the OpenPGP card in READER as another application
would see it: connect SCARD_SHARE_SHARED, SELECT the OpenPGP application, and
send an empty VERIFY (OpenPGP card 3.4, 7.2.2: no data = status) for PW1
(81, signing), PW1 (82, other operations) and PW3 (83). Prints "81=63C3 82=63C3
83=63C3" (9000 = verified); exits 1 on a PC/SC or SELECT error.

usage: openpgp_pin_status.py READER
"""
import sys

from smartcard import scard as sc

SELECT_OPENPGP = [0x00, 0xA4, 0x04, 0x00, 0x06, 0xD2, 0x76, 0x00, 0x01, 0x24, 0x01, 0x00]
PROTOCOLS = sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1


def main():
    reader = sys.argv[1]
    hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
    if hr != sc.SCARD_S_SUCCESS:
        sys.exit("SCardEstablishContext: " + sc.SCardGetErrorMessage(hr))
    hr, card, proto = sc.SCardConnect(ctx, reader, sc.SCARD_SHARE_SHARED, PROTOCOLS)
    if hr != sc.SCARD_S_SUCCESS:
        sys.exit("SCardConnect: " + sc.SCardGetErrorMessage(hr))
    try:
        def transmit(apdu):
            hr, resp = sc.SCardTransmit(card, proto, apdu)
            if hr == sc.SCARD_W_RESET_CARD:  # someone reset the card before: reconnect once
                sc.SCardReconnect(card, sc.SCARD_SHARE_SHARED, PROTOCOLS, sc.SCARD_LEAVE_CARD)
                hr, resp = sc.SCardTransmit(card, proto, apdu)
            if hr != sc.SCARD_S_SUCCESS or len(resp) < 2:
                sys.exit("SCardTransmit: " + sc.SCardGetErrorMessage(hr))
            return (resp[-2] << 8) | resp[-1]

        sw = transmit(SELECT_OPENPGP)
        if sw != 0x9000:
            sys.exit("SELECT OpenPGP answered %04X" % sw)
        print(" ".join("%02X=%04X" % (ref, transmit([0x00, 0x20, 0x00, ref])) for ref in (0x81, 0x82, 0x83)))
    finally:
        sc.SCardDisconnect(card, sc.SCARD_LEAVE_CARD)
        sc.SCardReleaseContext(ctx)


if __name__ == "__main__":
    main()
