#!/usr/bin/python3
"""Another application that insists on exclusive access (as a default
scdaemon does): SCardConnect(READER, SCARD_SHARE_EXCLUSIVE), hold the card
for SECONDS, then SCardDisconnect(SCARD_LEAVE_CARD). Prints the outcome of the
connect ("connected", or the PC/SC error name); with --ready FILE writes FILE
once connected. Exit status: 0 connected, 3 SCARD_E_SHARING_VIOLATION, 1 other.

usage: exclusive_hold.py READER SECONDS [--ready FILE]
"""
import sys
import time

from smartcard import scard as sc

PROTOCOLS = sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1
NAMES = {v: k for k, v in vars(sc).items() if k.startswith(("SCARD_E_", "SCARD_W_", "SCARD_F_")) and isinstance(v, int)}


def main():
    reader, seconds = sys.argv[1], float(sys.argv[2])
    ready = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--ready" else None
    hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
    if hr != sc.SCARD_S_SUCCESS:
        print("SCardEstablishContext: " + NAMES.get(hr, hex(hr)), flush=True)
        return 1
    t0 = time.monotonic()
    hr, card, _ = sc.SCardConnect(ctx, reader, sc.SCARD_SHARE_EXCLUSIVE, PROTOCOLS)
    if hr != sc.SCARD_S_SUCCESS:
        print(NAMES.get(hr, hex(hr)), flush=True)
        sc.SCardReleaseContext(ctx)
        return 3 if hr == sc.SCARD_E_SHARING_VIOLATION else 1
    print("connected (%.3f s)" % (time.monotonic() - t0), flush=True)
    if ready:
        with open(ready, "w") as f:
            f.write("connected\n")
    time.sleep(seconds)
    sc.SCardDisconnect(card, sc.SCARD_LEAVE_CARD)
    sc.SCardReleaseContext(ctx)
    return 0


if __name__ == "__main__":
    sys.exit(main())
