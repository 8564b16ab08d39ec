#!/usr/bin/python3
"""The intruder of the OpenPGP ride test: a second process talking straight
to PC/SC while tessera-pkcs11.so signs in another.

Connects SCARD_SHARE_SHARED to the OpenPGP card's reader and, in a tight loop,
tries to ride on a PIN the module might have left verified (SELECT OpenPGP
at start and after a reset only: selecting drops the PIN state), with
PSO:COMPUTE DIGITAL SIGNATURE (00 2A 9E 9A, needs PW1 81), INTERNAL
AUTHENTICATE (00 88 00 00, needs PW1 82), PSO:DECIPHER (00 2A 80 86, PW1 82;
a valid RSA cryptogram for the encryption key, read at start with GENERATE
81 = read public key), and empty VERIFY for 81 and 82 (PIN status). It never
sends a PIN. An operation answered 9000/61xx or an empty VERIFY answered 9000
is a ride. Stops when STOP-FILE exists (or on SIGTERM), writes its counts as
JSON to RESULT-FILE; touches READY-FILE after its first round.

usage: openpgp_intruder.py READER READY-FILE STOP-FILE RESULT-FILE
"""
import collections
import json
import os
import signal
import sys
import time

from smartcard import scard as sc

SELECT_OPENPGP = [0x00, 0xA4, 0x04, 0x00, 0x06, 0xD2, 0x76, 0x00, 0x01, 0x24, 0x01, 0x00]
PROTOCOLS = sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1
SHA256_DIGESTINFO = bytes.fromhex("3031300d060960864801650304020105000420")


def short(ins, p1, p2, data):
    return [0x00, ins, p1, p2, len(data)] + list(data) + [0x00]


def extended(ins, p1, p2, data):
    return [0x00, ins, p1, p2, 0x00, len(data) >> 8, len(data) & 0xFF] + list(data) + [0x00, 0x00]


def chained(ins, p1, p2, data):
    """ISO 7816-4 command chaining (2.x cards without extended length)."""
    pieces = [data[i:i + 254] for i in range(0, len(data), 254)]
    return [[0x00 if i == len(pieces) - 1 else 0x10, ins, p1, p2, len(p)] + list(p)
            + ([0x00] if i == len(pieces) - 1 else []) for i, p in enumerate(pieces)]


def tlv_value(data, tag):
    """Value of a (one- or two-byte) tag inside a flat BER-TLV list (7F49 contents)."""
    i = 0
    while i < len(data):
        t = data[i]
        i += 1
        if t & 0x1F == 0x1F:
            t = (t << 8) | data[i]
            i += 1
        n = data[i]
        i += 1
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(bytes(data[i:i + k]), "big")
            i += k
        if t == tag:
            return bytes(data[i:i + n])
        i += n
    return None


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
        self.attempt_times = []
        self.cryptogram = None
        self.extended = True
        self.need_select = True

    def connect(self):
        if self.ctx is None:
            hr, self.ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
            if hr != sc.SCARD_S_SUCCESS:
                self.ctx = None
                raise RuntimeError("SCardEstablishContext: " + sc.SCardGetErrorMessage(hr))
        hr, self.card, self.proto = sc.SCardConnect(self.ctx, self.reader, sc.SCARD_SHARE_SHARED, PROTOCOLS)
        if hr != sc.SCARD_S_SUCCESS:
            self.card = None
            raise RuntimeError("SCardConnect: " + sc.SCardGetErrorMessage(hr))

    def transmit(self, apdu):
        """(sw, data), or (None, b"") after a PC/SC error (counted, reconnected); follows 61xx."""
        for _ in range(3):
            hr, resp = sc.SCardTransmit(self.card, self.proto, apdu)
            if hr == sc.SCARD_S_SUCCESS and len(resp) >= 2:
                data = bytes(resp[:-2])
                sw = (resp[-2] << 8) | resp[-1]
                while (sw >> 8) == 0x61:
                    hr, resp = sc.SCardTransmit(self.card, self.proto, [0x00, 0xC0, 0x00, 0x00, sw & 0xFF])
                    if hr != sc.SCARD_S_SUCCESS or len(resp) < 2:
                        break
                    data += bytes(resp[:-2])
                    sw = (resp[-2] << 8) | resp[-1]
                return sw, data
            self.errors[sc.SCardGetErrorMessage(hr).strip() or hex(hr)] += 1
            if hr == sc.SCARD_W_RESET_CARD:
                # someone reset the card (the module's fallback on 2.x cards): state is gone
                self.counts["resets seen"] += 1
                self.need_select = True
                sc.SCardReconnect(self.card, sc.SCARD_SHARE_SHARED, PROTOCOLS, sc.SCARD_LEAVE_CARD)
                continue
            time.sleep(0.01)
            try:
                if self.card is not None:
                    sc.SCardDisconnect(self.card, sc.SCARD_LEAVE_CARD)
                self.connect()
            except RuntimeError as e:
                self.errors[str(e)] += 1
            self.need_select = True
        return None, b""

    def prepare(self):
        """Reads the encryption key's public key (no PIN needed) to make a valid cryptogram."""
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
        self.select()
        if self.need_select or self.sw["SELECT"].get("9000", 0) != 1:
            raise RuntimeError("SELECT OpenPGP failed: %s" % dict(self.sw["SELECT"]))
        sw, data = self.transmit(short(0x47, 0x81, 0x00, [0xB8, 0x00]))
        if sw != 0x9000:
            raise RuntimeError("GENERATE 81 (read public key B8): %04X" % sw)
        inner = tlv_value(list(data), 0x7F49)
        n, e = tlv_value(list(inner), 0x81), tlv_value(list(inner), 0x82)
        if n is None or e is None:
            self.counts["decipher skipped (not RSA)"] += 1
            return
        pub = rsa.RSAPublicNumbers(int.from_bytes(e, "big"), int.from_bytes(n, "big")).public_key()
        self.cryptogram = b"\x00" + pub.encrypt(b"ride test " + os.urandom(16), padding.PKCS1v15())

    def attempt(self, name, apdus, is_verify=False):
        sw = None
        for apdu in apdus:
            sw, _ = self.transmit(apdu)
            if sw is None or (apdu[0] & 0x10 and sw != 0x9000):
                break  # a refused chain link ends the attempt
        self.counts[name] += 1
        self.attempt_times.append(time.monotonic())
        self.sw[name]["%04X" % sw if sw is not None else "error"] += 1
        if sw is None or sw in (0x6A82, 0x6D00, 0x6E00):
            self.need_select = True  # reconnected, or the card lost the selection (a reset)
        success = sw == 0x9000 if is_verify else (sw is not None and (sw == 0x9000 or (sw >> 8) == 0x61))
        if success:
            self.counts[name + " success"] += 1
            print("intruder: RIDE! %s answered %04X" % (name, sw), file=sys.stderr, flush=True)

    def select(self):
        sw, _ = self.transmit(SELECT_OPENPGP)
        self.counts["SELECT"] += 1
        self.sw["SELECT"]["%04X" % sw if sw is not None else "error"] += 1
        self.need_select = False

    def round(self):
        # SELECT only when needed: on the virtual card (as on many real ones)
        # selecting the application again drops its PIN state, so an intruder
        # that selects before each try could never find a PIN left verified
        if self.need_select:
            self.select()
        digest_info = SHA256_DIGESTINFO + os.urandom(32)
        self.attempt("PSO:CDS", [short(0x2A, 0x9E, 0x9A, digest_info)])
        self.attempt("VERIFY 81", [[0x00, 0x20, 0x00, 0x81]], is_verify=True)
        self.attempt("INTERNAL AUTHENTICATE", [short(0x88, 0x00, 0x00, digest_info)])
        self.attempt("VERIFY 82", [[0x00, 0x20, 0x00, 0x82]], is_verify=True)
        if self.cryptogram is not None:
            apdus = [extended(0x2A, 0x80, 0x86, self.cryptogram)] if self.extended else \
                chained(0x2A, 0x80, 0x86, self.cryptogram)
            self.attempt("PSO:DECIPHER", apdus)


def main():
    reader, ready_file, stop_file, result_file = sys.argv[1:5]
    intruder = Intruder(reader)
    intruder.extended = os.environ.get("INTRUDER_CHAINING", "0") != "1"

    def on_term(*_):
        intruder.stop = True

    signal.signal(signal.SIGTERM, on_term)
    start = time.monotonic()
    try:
        intruder.connect()
        intruder.prepare()
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
