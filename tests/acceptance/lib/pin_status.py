#!/usr/bin/python3
"""Print the retry state of the user PIN of the PIV or OpenPGP card in READER
as another application sees it: connect shared, SELECT the application, send
an empty VERIFY (SP 800-73-4 part 2 3.2.1 / OpenPGP card 3.4 7.2.2: no data =
status) for PIV 80 or OpenPGP 82, print its status word ("63C3" = not
verified, 3 tries left). The PIN-pad tests check with it that a cancelled
keypad entry leaves the counter alone.

usage: pin_status.py READER piv|openpgp
"""
import sys

from smartcard import scard as sc

SELECT = {
    "piv": [0x00, 0xA4, 0x04, 0x00, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08],
    "openpgp": [0x00, 0xA4, 0x04, 0x00, 0x06, 0xD2, 0x76, 0x00, 0x01, 0x24, 0x01, 0x00],
}
REFERENCE = {"piv": 0x80, "openpgp": 0x82}
PROTOCOLS = sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1


def main():
    reader, kind = sys.argv[1], sys.argv[2]
    hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
    if hr != sc.SCARD_S_SUCCESS:
        sys.exit("SCardEstablishContext: " + sc.SCardGetErrorMessage(hr))
    hr, card, proto = sc.SCardConnect(ctx, reader, sc.SCARD_SHARE_SHARED, PROTOCOLS)
    if hr != sc.SCARD_S_SUCCESS:
        sys.exit("SCardConnect: " + sc.SCardGetErrorMessage(hr))
    try:
        for apdu in (SELECT[kind], [0x00, 0x20, 0x00, REFERENCE[kind]]):
            hr, resp = sc.SCardTransmit(card, proto, apdu)
            if hr == sc.SCARD_W_RESET_CARD:
                sc.SCardReconnect(card, sc.SCARD_SHARE_SHARED, PROTOCOLS, sc.SCARD_LEAVE_CARD)
                hr, resp = sc.SCardTransmit(card, proto, apdu)
            if hr != sc.SCARD_S_SUCCESS or len(resp) < 2:
                sys.exit("SCardTransmit: " + sc.SCardGetErrorMessage(hr))
        print("%02X%02X" % (resp[-2], resp[-1]))
    finally:
        sc.SCardDisconnect(card, sc.SCARD_LEAVE_CARD)
        sc.SCardReleaseContext(ctx)


main()
