#!/usr/bin/python3
"""PIN status of the OpenPGP card in READER as the card holds it right now:
connect SCARD_SHARE_SHARED and send an empty VERIFY (OpenPGP card 3.4,
7.2.2: no data = status) for 81, 82 and 83 WITHOUT selecting the application
first: a SELECT resets the access status (7.2.1), so a probe that selects
would always find nothing verified. Relies on the OpenPGP application being
the card's selected one (the only application on the virtual OpenPGP card).
Prints "81=63C3 82=9000 83=63C3" (9000 = verified); exits 2 if the card
answers as if no application were selected, 1 on a PC/SC error.

usage: pin_probe.py READER
"""
import sys

from smartcard import scard as sc

PROTOCOLS = sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1


def main():
    hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
    if hr != sc.SCARD_S_SUCCESS:
        sys.exit("SCardEstablishContext: " + sc.SCardGetErrorMessage(hr))
    hr, card, proto = sc.SCardConnect(ctx, sys.argv[1], sc.SCARD_SHARE_SHARED, PROTOCOLS)
    if hr != sc.SCARD_S_SUCCESS:
        sys.exit("SCardConnect: " + sc.SCardGetErrorMessage(hr))
    try:
        sws = {}
        for ref in (0x81, 0x82, 0x83):
            hr, resp = sc.SCardTransmit(card, proto, [0x00, 0x20, 0x00, ref])
            if hr == sc.SCARD_W_RESET_CARD:
                print("card reset: nothing verified, nothing selected")
                return 2
            if hr != sc.SCARD_S_SUCCESS or len(resp) < 2:
                sys.exit("SCardTransmit: " + sc.SCardGetErrorMessage(hr))
            sws[ref] = (resp[-2] << 8) | resp[-1]
        print(" ".join("%02X=%04X" % (r, sw) for r, sw in sws.items()))
        known = all(sw == 0x9000 or (sw & 0xFFF0) == 0x63C0 for sw in sws.values())
        return 0 if known else 2
    finally:
        sc.SCardDisconnect(card, sc.SCARD_LEAVE_CARD)
        sc.SCardReleaseContext(ctx)


if __name__ == "__main__":
    sys.exit(main())
