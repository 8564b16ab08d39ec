#!/usr/bin/python3
"""The sandbox's PIN-pad reader (tools/pinpad-ifd) through pcscd, as any PC/SC
client sees it: the part 10 feature list and TLV properties; VERIFY_PIN_DIRECT
with the digits queued by `vcard-ctl keypad` reaches the PIV card correctly
formatted (9000, the card verified; a right-justified block puts the digits
after the padding and the card rejects them: the format bits are honoured);
malformed structures fail as with the CCID driver (lengths that do not add
up: SCARD_E_UNSUPPORTED_FEATURE; a block the reader firmware refuses:
SCARD_E_NOT_TRANSACTED) without asking the keypad.

usage: pinpad_reader.py READER VCARD_CTL
"""
import struct
import subprocess
import sys

from smartcard import scard as sc

PROTOCOLS = sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1
SELECT_PIV = [0x00, 0xA4, 0x04, 0x00, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08]
failures = 0


def check(ok, what):
    global failures
    print(("ok   - " if ok else "FAIL - ") + what)
    if not ok:
        failures += 1


def verify_structure(fmt, block, apdu, min_max=(6, 8), data_len=None):
    """PIN_VERIFY_STRUCTURE (pcsc-lite reader.h), little-endian fields."""
    head = struct.pack("<BBBBBHBBHB3sI", 30, 30, fmt, block, 0, (min_max[0] << 8) | min_max[1], 0x02, 0, 0, 0,
                       b"\0\0\0", len(apdu) if data_len is None else data_len)
    return list(head) + apdu


def main():
    reader, vcard_ctl = sys.argv[1], sys.argv[2]

    def keypad(*args):
        return subprocess.run([vcard_ctl, "keypad", "piv", *args], check=True, capture_output=True,
                              text=True).stdout.strip()

    hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
    hr, card, proto = sc.SCardConnect(ctx, reader, sc.SCARD_SHARE_SHARED, PROTOCOLS)
    if hr != sc.SCARD_S_SUCCESS:
        sys.exit("SCardConnect: " + sc.SCardGetErrorMessage(hr))
    hr, tlv = sc.SCardControl(card, sc.SCARD_CTL_CODE(3400), [])
    check(hr == sc.SCARD_S_SUCCESS, "CM_IOCTL_GET_FEATURE_REQUEST answers")
    features = {tlv[i]: int.from_bytes(bytes(tlv[i + 2:i + 6]), "big") for i in range(0, len(tlv), 6)}
    check(sorted(features) == [0x06, 0x07, 0x0A, 0x12], "VERIFY/MODIFY_PIN_DIRECT, IFD_PIN_PROPERTIES, "
          "GET_TLV_PROPERTIES: %s" % sorted(features))
    hr, props = sc.SCardControl(card, features[0x12], [])
    check(hr == sc.SCARD_S_SUCCESS and bytes([6, 1, 4]) in bytes(props) and bytes([7, 1, 12]) in bytes(props),
          "TLV properties: bMinPINSize 4, bMaxPINSize 12")
    hr, pp = sc.SCardControl(card, features[0x0A], [])
    check(hr == sc.SCARD_S_SUCCESS and pp == [0, 0, 2, 0], "PIN properties: no display, validation key")

    verify = features[0x06]
    piv = [0x00, 0x20, 0x00, 0x80, 0x08] + [0xFF] * 8
    sc.SCardTransmit(card, proto, SELECT_PIV)
    keypad("123456")
    hr, sw = sc.SCardControl(card, verify, verify_structure(0x82, 0x08, piv))
    check(hr == sc.SCARD_S_SUCCESS and sw == [0x90, 0x00], "VERIFY_PIN_DIRECT, PIV block: 9000 (%s)" % sw)
    hr, st = sc.SCardTransmit(card, proto, [0x00, 0x20, 0x00, 0x80])
    check(st == [0x90, 0x00], "the card is verified")
    sc.SCardTransmit(card, proto, [0x00, 0x20, 0xFF, 0x80])

    keypad("123456")
    hr, sw = sc.SCardControl(card, verify, verify_structure(0x86, 0x08, piv))
    check(hr == sc.SCARD_S_SUCCESS and sw == [0x63, 0xC2], "right-justified block: the card sees FFFF313233343536 "
          "and refuses it (%s)" % sw)
    keypad("123456")
    hr, sw = sc.SCardControl(card, verify, verify_structure(0x82, 0x08, piv))
    check(sw == [0x90, 0x00], "the right block again: 9000, counter back")
    sc.SCardTransmit(card, proto, [0x00, 0x20, 0xFF, 0x80])

    keypad("123456")
    hr, sw = sc.SCardControl(card, verify, verify_structure(0x82, 0x08, piv, data_len=len(piv) + 1))
    check(hr == sc.SCARD_E_UNSUPPORTED_FEATURE, "ulDataLength disagrees: %s" % sc.SCardGetErrorMessage(hr))
    hr, sw = sc.SCardControl(card, verify, verify_structure(0x83, 0x08, piv))
    check(hr == sc.SCARD_E_NOT_TRANSACTED, "encoding 11: refused by the reader (%s)" % sc.SCardGetErrorMessage(hr))
    hr, sw = sc.SCardControl(card, verify, verify_structure(0x82, 0x0A, piv))
    check(hr == sc.SCARD_E_NOT_TRANSACTED, "block larger than the template: refused")
    check(keypad("--pending") == "1", "a refused structure does not ask the keypad")
    keypad("--clear")
    sc.SCardDisconnect(card, sc.SCARD_RESET_CARD)
    sc.SCardReleaseContext(ctx)
    sys.exit(1 if failures else 0)


main()
