#!/usr/bin/python3
"""PC/SC probes for the test harness (scripts/with-virtual-cards, vcard-ctl).

Talks to the sandbox's pcscd through PCSCLITE_CSOCK_NAME (pyscard loads the
system libpcsclite, which reads that variable once per process). Must run
under /usr/bin/python3: that is where Debian's python3-pyscard lives.

  pcsc_probe.py wait-socket PATH [TIMEOUT]
      poll connect() on the pcscd socket every 50 ms until it accepts
  pcsc_probe.py wait [--timeout S] STATE NAME SLOT [STATE NAME SLOT ...]
      STATE is present|absent|listed; NAME is a reader.conf FRIENDLYNAME,
      SLOT the vpcd slot (0 or 1). Waits until every reader "NAME XX 0SLOT"
      is in that state; prints the full reader names, one a line.
  pcsc_probe.py reset NAME SLOT
      connect in shared mode and disconnect with SCARD_RESET_CARD
      (what another application's reset looks like)
  pcsc_probe.py status
      list readers with their state word and ATR
  pcsc_probe.py check
      exit 0 if pyscard can be imported
"""

import signal

# Die by SIGINT like any program, so the harness's shell sees the Ctrl-C
# (Python would turn it into an exit status 1).
signal.signal(signal.SIGINT, signal.SIG_DFL)

import re  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

POLL = 0.05


def wait_socket(path, timeout):
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return 0
        except OSError:
            if time.monotonic() > deadline:
                print(f"pcsc_probe: no pcscd socket at {path} after {timeout}s",
                      file=sys.stderr)
                return 1
        finally:
            s.close()
        time.sleep(POLL)


class Pcsc:
    """A context that re-establishes itself when pcscd restarts."""

    def __init__(self):
        from smartcard import scard  # imported late: wait-socket needs no pyscard
        self.s = scard
        self.ctx = None

    def context(self):
        s = self.s
        if self.ctx is None:
            hr, ctx = s.SCardEstablishContext(s.SCARD_SCOPE_USER)
            if hr != s.SCARD_S_SUCCESS:
                return None
            self.ctx = ctx
        return self.ctx

    def drop(self):
        if self.ctx is not None:
            self.s.SCardReleaseContext(self.ctx)
        self.ctx = None

    def readers(self):
        """[(name, eventState, atr)] or None when pcscd does not answer."""
        s = self.s
        ctx = self.context()
        if ctx is None:
            return None
        hr, names = s.SCardListReaders(ctx, [])
        if hr == s.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if hr != s.SCARD_S_SUCCESS:
            self.drop()
            return None
        hr, states = s.SCardGetStatusChange(
            ctx, 0, [(n, s.SCARD_STATE_UNAWARE) for n in names])
        if hr != s.SCARD_S_SUCCESS:
            self.drop()
            return None
        return [(n, st, bytes(atr)) for n, st, atr in states]


def reader_re(name, slot):
    return re.compile(re.escape(name) + r" [0-9A-F]{2} " + "%02X" % int(slot) + "$")


def find(readers, name, slot):
    rx = reader_re(name, slot)
    for r in readers:
        if rx.match(r[0]):
            return r
    return None


def wait(args):
    timeout = 10.0
    if args[:1] == ["--timeout"]:
        timeout = float(args[1])
        args = args[2:]
    if not args or len(args) % 3:
        print("usage: pcsc_probe.py wait [--timeout S] STATE NAME SLOT ...",
              file=sys.stderr)
        return 2
    specs = [tuple(args[i:i + 3]) for i in range(0, len(args), 3)]
    p = Pcsc()
    s = p.s
    deadline = time.monotonic() + timeout
    while True:
        readers = p.readers()
        found, ok = [], readers is not None
        for want, name, slot in specs if ok else []:
            r = find(readers, name, slot)
            if r is None:
                ok = False
                break
            present = bool(r[1] & s.SCARD_STATE_PRESENT)
            if (want == "present" and not present) or (want == "absent" and present):
                ok = False
                break
            found.append(r[0])
        if ok:
            print("\n".join(found))
            return 0
        if time.monotonic() > deadline:
            print("pcsc_probe: timed out after %ss waiting for %s; readers: %s" % (
                timeout, specs, readers if readers is None else
                [(n, hex(st)) for n, st, _ in readers]), file=sys.stderr)
            return 1
        time.sleep(POLL)


def reset(name, slot):
    p = Pcsc()
    s = p.s
    readers = p.readers()
    r = find(readers or [], name, slot)
    if r is None:
        print(f"pcsc_probe: no reader {name!r} slot {slot}", file=sys.stderr)
        return 1
    hr, h, _proto = s.SCardConnect(p.context(), r[0], s.SCARD_SHARE_SHARED,
                                  s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1)
    if hr != s.SCARD_S_SUCCESS:
        print("pcsc_probe: SCardConnect(%s): %s" % (r[0], s.SCardGetErrorMessage(hr)),
              file=sys.stderr)
        return 1
    hr = s.SCardDisconnect(h, s.SCARD_RESET_CARD)
    if hr != s.SCARD_S_SUCCESS:
        print("pcsc_probe: SCardDisconnect(RESET): %s" % s.SCardGetErrorMessage(hr),
              file=sys.stderr)
        return 1
    return 0


def status():
    p = Pcsc()
    readers = p.readers()
    if readers is None:
        print("pcsc_probe: pcscd does not answer", file=sys.stderr)
        return 1
    for n, st, atr in readers:
        print("%s\t0x%08x\t%s" % (n, st, atr.hex()))
    return 0


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == "wait-socket":
        return wait_socket(args[0], float(args[1]) if len(args) > 1 else 10.0)
    if cmd == "wait":
        return wait(args)
    if cmd == "reset" and len(args) == 2:
        return reset(*args)
    if cmd == "status":
        return status()
    if cmd == "check":
        import smartcard.scard  # noqa: F401
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
