#!/usr/bin/python3
"""The intruder of the ride test: a second process talking straight to PC/SC.

While tessera-pkcs11.so signs in another process, it connects SCARD_SHARE_SHARED
to the PIV card's reader and, in a tight loop, tries to ride on a PIN the
module might have left verified: SELECT PIV, GENERAL AUTHENTICATE with the PIN
keys 9A (RSA, extended length and command chaining), 9C (ECDSA) and 9D (RSA),
and an empty VERIFY (status of the PIN). It never sends a PIN. Every answer is
counted; a GENERAL AUTHENTICATE answered 9000/61xx or an empty VERIFY answered
9000 is a ride. Stops when STOP-FILE exists (or on SIGTERM) and writes its
counts as JSON to RESULT-FILE; touches READY-FILE after its first round.

usage: intruder.py READER READY-FILE STOP-FILE RESULT-FILE
"""
import collections
import json
import os
import signal
import sys
import time

from smartcard import scard as sc

SELECT_PIV = [0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00]
EMPTY_VERIFY = [0x00, 0x20, 0x00, 0x80]  # SP 800-73-4 3.2.1: no data = PIN status


def ber_len(n):
    if n < 0x80:
        return [n]
    if n < 0x100:
        return [0x81, n]
    return [0x82, n >> 8, n & 0xFF]


def tlv(tag, value):
    return [tag] + ber_len(len(value)) + list(value)


def dyn_auth(data):
    """7C { 82 00 (response wanted), 81 challenge } (SP 800-73-4 part 2, 3.2.4)."""
    return tlv(0x7C, [0x82, 0x00] + tlv(0x81, data))


def rsa_block():
    # a PKCS#1 v1.5 signature block over a fake SHA-256 DigestInfo: what the
    # module would send to sign with a 2048-bit key
    payload = bytes.fromhex("3031300d060960864801650304020105000420") + os.urandom(32)
    return [0x00, 0x01] + [0xFF] * (256 - 3 - len(payload)) + [0x00] + list(payload)


def extended(ins, p1, p2, data):
    return [0x00, ins, p1, p2, 0x00, len(data) >> 8, len(data) & 0xFF] + data + [0x00, 0x00]


def chained(ins, p1, p2, data):
    """ISO 7816-4 command chaining: CLA 10 for all but the last piece."""
    pieces = [data[i:i + 255] for i in range(0, len(data), 255)]
    out = []
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        out.append([0x00 if last else 0x10, ins, p1, p2, len(piece)] + piece + ([0x00] if last else []))
    return out


def attempts():
    """(name, [apdu, ...]) GENERAL AUTHENTICATE attempts with keys that need the PIN."""
    ecdsa = dyn_auth(list(os.urandom(32)))  # a SHA-256 hash for the P-256 key
    return [
        ("GA 9A RSA extended", [extended(0x87, 0x07, 0x9A, dyn_auth(rsa_block()))]),
        ("GA 9A RSA chained", chained(0x87, 0x07, 0x9A, dyn_auth(rsa_block()))),
        ("GA 9C ECDSA", [[0x00, 0x87, 0x11, 0x9C, len(ecdsa)] + ecdsa + [0x00]]),
        ("GA 9D RSA extended", [extended(0x87, 0x07, 0x9D, dyn_auth(rsa_block()))]),
    ]


class Intruder:
    def __init__(self, reader):
        self.reader = reader
        self.counts = collections.Counter()
        self.sw = collections.defaultdict(collections.Counter)
        self.errors = collections.Counter()
        self.ctx = None
        self.card = None
        self.proto = None
        self.stop = False
        self.attempt_times = []  # CLOCK_MONOTONIC (system-wide) of each GA / VERIFY answer

    def connect(self):
        if self.ctx is None:
            hr, self.ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
            if hr != sc.SCARD_S_SUCCESS:
                self.ctx = None
                raise RuntimeError("SCardEstablishContext: " + sc.SCardGetErrorMessage(hr))
        hr, self.card, self.proto = sc.SCardConnect(self.ctx, self.reader, sc.SCARD_SHARE_SHARED,
                                                    sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1)
        if hr != sc.SCARD_S_SUCCESS:
            self.card = None
            raise RuntimeError("SCardConnect: " + sc.SCardGetErrorMessage(hr))

    def transmit(self, apdu):
        """Returns the status word, or None after a PC/SC error (counted, reconnected)."""
        for _ in range(3):
            hr, resp = sc.SCardTransmit(self.card, self.proto, apdu)
            if hr == sc.SCARD_S_SUCCESS and len(resp) >= 2:
                return (resp[-2] << 8) | resp[-1]
            self.errors[sc.SCardGetErrorMessage(hr).strip() or hex(hr)] += 1
            if hr == sc.SCARD_W_RESET_CARD:
                # someone reset the card (the module's fallback would): security state is gone
                self.counts["resets seen"] += 1
                sc.SCardReconnect(self.card, sc.SCARD_SHARE_SHARED,
                                  sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1, sc.SCARD_LEAVE_CARD)
                continue
            time.sleep(0.01)
            try:
                if self.card is not None:
                    sc.SCardDisconnect(self.card, sc.SCARD_LEAVE_CARD)
                self.connect()
            except RuntimeError as e:
                self.errors[str(e)] += 1
        return None

    def round(self):
        sw = self.transmit(SELECT_PIV)
        self.counts["SELECT"] += 1
        self.sw["SELECT"]["%04X" % sw if sw is not None else "error"] += 1
        for name, apdus in attempts():
            sw = None
            for apdu in apdus:
                sw = self.transmit(apdu)
                if sw is None or (apdu[0] & 0x10 and sw != 0x9000):
                    break  # a refused chain link ends the attempt
            self.counts["GENERAL AUTHENTICATE"] += 1
            self.attempt_times.append(time.monotonic())
            key = "%04X" % sw if sw is not None else "error"
            self.sw[name][key] += 1
            if sw is not None and (sw == 0x9000 or (sw >> 8) == 0x61):
                self.counts["GENERAL AUTHENTICATE success"] += 1
                print("intruder: RIDE! %s answered %04X" % (name, sw), file=sys.stderr, flush=True)
            sw = self.transmit(EMPTY_VERIFY)
            self.counts["VERIFY"] += 1
            self.attempt_times.append(time.monotonic())
            self.sw["empty VERIFY"]["%04X" % sw if sw is not None else "error"] += 1
            if sw == 0x9000:
                self.counts["VERIFY success"] += 1
                print("intruder: RIDE! empty VERIFY answered 9000 (PIN left verified)", file=sys.stderr, flush=True)


def main():
    reader, ready_file, stop_file, result_file = sys.argv[1:5]
    intruder = Intruder(reader)

    def on_term(*_):
        intruder.stop = True

    signal.signal(signal.SIGTERM, on_term)
    start = time.monotonic()
    try:
        intruder.connect()
        while not intruder.stop and not os.path.exists(stop_file):
            intruder.round()
            intruder.counts["rounds"] += 1
            if intruder.counts["rounds"] == 1:
                open(ready_file, "w").close()
    finally:
        result = {
            "seconds": round(time.monotonic() - start, 1),
            "counts": dict(intruder.counts),
            "status_words": {k: dict(v) for k, v in intruder.sw.items()},
            "pcsc_errors": dict(intruder.errors),
            "attempt_times": [round(t, 4) for t in intruder.attempt_times],
        }
        with open(result_file + ".tmp", "w") as f:
            json.dump(result, f, indent=1, sort_keys=True)
        os.rename(result_file + ".tmp", result_file)


if __name__ == "__main__":
    main()
