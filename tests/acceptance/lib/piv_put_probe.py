#!/usr/bin/python3
"""Is the PIV card in the reader whose name starts with READER still
authenticated with its management key? Connects SCARD_SHARE_SHARED and,
WITHOUT selecting (a SELECT may change the security state), sends PUT DATA
of an empty card authentication certificate (5FC101, SP 800-73-4 part 2
section 3.3.1), which needs the management key. Prints the status word:
6982 = not authenticated (what a module that keeps the PIN rule leaves
behind); 9000 would mean someone left the card authenticated.

usage: piv_put_probe.py READER
"""
import sys

from smartcard import scard as sc

PROTOCOLS = sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1
PUT_EMPTY_9E_CERT = [0x00, 0xDB, 0x3F, 0xFF, 0x07, 0x5C, 0x03, 0x5F, 0xC1, 0x01, 0x53, 0x00]


def main():
    hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
    if hr != sc.SCARD_S_SUCCESS:
        sys.exit("SCardEstablishContext: " + sc.SCardGetErrorMessage(hr))
    hr, readers = sc.SCardListReaders(ctx, [])
    names = [r for r in readers if r.startswith(sys.argv[1])] if hr == sc.SCARD_S_SUCCESS else []
    if not names:
        sys.exit("no reader starts with %r" % sys.argv[1])
    hr, card, proto = sc.SCardConnect(ctx, names[0], sc.SCARD_SHARE_SHARED, PROTOCOLS)
    if hr != sc.SCARD_S_SUCCESS:
        sys.exit("SCardConnect: " + sc.SCardGetErrorMessage(hr))
    hr, resp = sc.SCardTransmit(card, proto, PUT_EMPTY_9E_CERT)
    if hr != sc.SCARD_S_SUCCESS or len(resp) < 2:
        sys.exit("SCardTransmit: " + sc.SCardGetErrorMessage(hr))
    print("%02X%02X" % (resp[-2], resp[-1]))
    sc.SCardDisconnect(card, sc.SCARD_LEAVE_CARD)
    sc.SCardReleaseContext(ctx)


if __name__ == "__main__":
    main()
