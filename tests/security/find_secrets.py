#!/usr/bin/env python3
"""Searches a core dump or a log file for secrets in every encoding the module
could have left them in, and says where each hit lies (for a core: the virtual
address and the /proc/PID/maps region, with the bytes around it).

  find_secrets.py core CORE MAPS --pin NAME=PIN... [--hex NAME=HEX...] [--hex-file FILE] [--canary TEXT]
  find_secrets.py log LOG --pin NAME=PIN... [--hex NAME=HEX...] [--require TEXT]
  find_secrets.py live PID --pin NAME=PIN...   (informational: where the live
      process keeps the PIN, and whether those pages are MADV_DONTDUMP)

Exit status 1 when a secret is found (or the canary/required text is missing).
"""
import argparse
import re
import struct
import sys


FRAGMENT = 6  # bytes: 12 hex digits never match public data by chance
CHUNK = 8     # bytes: a random 8-byte string never occurs in a dump by chance


def pin_encodings(pin):
    """The byte forms a PIN takes in memory: ASCII, the PIV VERIFY form
    (padded with FF to 8 bytes, SP 800-73-4 part 2 3.2.1), UTF-16LE."""
    ascii_ = pin.encode()
    forms = {"ASCII": ascii_, "UTF-16LE": pin.encode("utf-16-le")}
    if len(ascii_) < 8:
        forms["PIV FF-padded"] = ascii_ + b"\xff" * (8 - len(ascii_))
    return forms


def hex_texts(data):
    """The text forms of bytes in a log: hex upper/lower, with no separator,
    spaces or colons."""
    h = data.hex()
    out = {}
    for sep_name, sep in (("", ""), (" spaced", " "), (" colon", ":")):
        pairs = [h[i:i + 2] for i in range(0, len(h), 2)]
        out["hex lower" + sep_name] = sep.join(pairs)
        out["hex upper" + sep_name] = sep.join(pairs).upper()
    return out


def load_segments(core, writable_only=False):
    """PT_LOAD segments of an ELF64 core: (file offset, vaddr, filesz), all of
    them or only those of writable mappings (p_flags PF_W)."""
    with open(core, "rb") as fh:
        ident = fh.read(64)
        if ident[:4] != b"\x7fELF" or ident[4] != 2:
            return []
        phoff, = struct.unpack_from("<Q", ident, 32)
        phentsize, phnum = struct.unpack_from("<HH", ident, 54)
        fh.seek(phoff)
        table = fh.read(phentsize * phnum)
    segs = []
    for i in range(phnum):
        p_type, flags, p_offset, p_vaddr, _paddr, p_filesz = struct.unpack_from("<IIQQQQ", table, i * phentsize)
        if p_type == 1 and (flags & 2 or not writable_only):
            segs.append((p_offset, p_vaddr, p_filesz))
    return segs


def load_maps(path):
    regions = []
    try:
        with open(path) as fh:
            for line in fh:
                parts = line.split(None, 5)
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                regions.append((lo, hi, line.strip()))
    except OSError:
        pass
    return regions


def where(offset, segs, regions):
    for off, vaddr, size in segs:
        if off <= offset < off + size:
            addr = vaddr + (offset - off)
            for lo, hi, line in regions:
                if lo <= addr < hi:
                    return addr, line
            return addr, "(no /proc/PID/maps region)"
    return None, "(not in a PT_LOAD segment: ELF notes/headers)"


def find_all(blob, needle):
    start = 0
    while True:
        i = blob.find(needle, start)
        if i < 0:
            return
        yield i
        start = i + 1


def hex_values(args):
    """--hex NAME=HEX and the "NAME HEX" lines of --hex-file (empty values skipped)."""
    specs = [tuple(spec.split("=", 1)) for spec in args.hex]
    if args.hex_file:
        with open(args.hex_file) as fh:
            specs += [tuple(line.split()) for line in fh if len(line.split()) == 2]
    return [(name, bytes.fromhex(value)) for name, value in specs if value]


def search_binary(blob, writable, segs, regions, name, value):
    """A binary secret (decrypted block, plaintext, ECDH secret, mask) in a core:
    the whole value anywhere, and each 8-byte chunk at offsets 0, 8, 16... of
    it in the writable mappings (where any copy the process made lives), since
    a freed copy has its first 16 bytes overwritten by malloc's free-list links
    and a copy may be partial. Returns 1 when any part is found."""
    chunks = {i: value[i:i + CHUNK] for i in range(0, len(value) - CHUNK + 1, CHUNK)}
    found = {}
    for i, c in chunks.items():
        offs = [off + pos for off, part in writable for pos in find_all(part, c)]
        if offs:
            found[i] = offs
    whole = len(list(find_all(blob, value)))
    if not found and not whole:
        print(f"  ok    {name} ({len(value)} bytes): 0 times, nor any of its {len(chunks)} {CHUNK}-byte chunks")
        return 0
    print(f"  FOUND {name} ({len(value)} bytes): whole {whole} time(s); "
          f"{len(found)} of {len(chunks)} {CHUNK}-byte chunks present")
    for i, offs in list(found.items())[:4]:
        for off in offs[:2]:
            addr, region = where(off, segs, regions)
            where_txt = f"0x{addr:x}" if addr is not None else "-"
            print(f"        chunk at +{i}: core offset 0x{off:x}, address {where_txt}, in {region}")
    return 1


def core_mode(args):
    with open(args.file, "rb") as fh:
        blob = fh.read()
    segs = load_segments(args.file)
    regions = load_maps(args.maps)
    bad = 0
    for spec in args.pin:
        name, pin = spec.split("=", 1)
        for enc, needle in pin_encodings(pin).items():
            hits = list(find_all(blob, needle))
            if not hits:
                print(f"  ok    {name} ({enc}): not in the dump")
                continue
            bad += 1
            print(f"  FOUND {name} ({enc}): {len(hits)} time(s)")
            for off in hits[:10]:
                addr, region = where(off, segs, regions)
                ctx = blob[max(0, off - 16):off + len(needle) + 16]
                where_txt = f"0x{addr:x}" if addr is not None else "-"
                print(f"        core offset 0x{off:x}, address {where_txt}, in {region}")
                print(f"        bytes around: {ctx.hex(' ')}")
    values = hex_values(args)
    if values:
        writable = [(off, blob[off:off + size]) for off, _vaddr, size in load_segments(args.file, True)]
        print(f"  info  {sum(len(p) for _o, p in writable)} of {len(blob)} bytes are writable mappings")
        for name, value in values:
            bad += search_binary(blob, writable, segs, regions, name, value)
    if args.canary:
        if args.canary.encode() in blob:
            print(f"  ok    canary '{args.canary}' found: the dump holds ordinary heap memory and the search works")
        else:
            print(f"  FAIL  canary '{args.canary}' not found: the dump or the search is broken")
            bad += 1
    return 1 if bad else 0


def log_mode(args):
    with open(args.file, "rb") as fh:
        text = fh.read().decode("utf-8", "replace")
    bad = 0

    def report(name, form, pattern, is_regex=False):
        nonlocal bad
        hits = [m.start() for m in re.finditer(pattern if is_regex else re.escape(pattern), text)]
        if not hits:
            print(f"  ok    {name} ({form}): absent")
            return
        bad += 1
        print(f"  FOUND {name} ({form}): {len(hits)} time(s)")
        for pos in hits[:5]:
            line_start = text.rfind("\n", 0, pos) + 1
            line_end = text.find("\n", pos)
            print(f"        line: {text[line_start:line_end if line_end >= 0 else None][:300]}")

    for spec in args.pin:
        name, pin = spec.split("=", 1)
        # As text: a token of its own (a PIN printed inside a longer hex dump is
        # caught by the hex forms below; digits inside public hex are not a leak).
        report(name, "ASCII", r"(?<![0-9A-Fa-f])" + re.escape(pin) + r"(?![0-9A-Fa-f])", True)
        for enc, data in (("ASCII bytes", pin.encode()), ("PIV FF-padded", pin.encode().ljust(8, b"\xff"))):
            for form, needle in hex_texts(data).items():
                report(name, f"{enc} as {form}", needle)
    for spec in args.hex:
        name, value = spec.split("=", 1)
        data = bytes.fromhex(value)
        for form, needle in hex_texts(data).items():
            report(name, form, needle)
        if all(32 <= b < 127 for b in data):
            report(name, "ASCII", data.decode())
        # A trace may split a secret over several lines (61xx GET RESPONSE,
        # command chaining): look for every 6-byte window of it as hex too.
        windows = sorted({data[i:i + FRAGMENT].hex() for i in range(len(data) - FRAGMENT + 1)})
        if len(data) > FRAGMENT and windows:
            spaced = [" ".join(w[j:j + 2] for j in range(0, len(w), 2)) for w in windows]
            pattern = "|".join(re.escape(w) for w in windows + spaced)
            report(name, f"any {FRAGMENT}-byte fragment as hex", "(?i)(" + pattern + ")", True)
    for req in args.require:
        n = text.count(req)
        if n:
            print(f"  ok    '{req}' appears {n} time(s)")
        else:
            print(f"  FAIL  '{req}' never appears")
            bad += 1
    return 1 if bad else 0


def live_mode(args):
    """Reads the live process (/proc/PID/mem) and says which mappings hold
    the PIN and whether the kernel marks them dd (excluded from core dumps)."""
    pid = args.file
    regions, flags, current = [], {}, None
    with open(f"/proc/{pid}/smaps") as fh:
        for line in fh:
            head = line.split()[0]
            if "-" in head and not head.endswith(":"):
                lo, hi = (int(x, 16) for x in head.split("-"))
                current = (lo, hi, line.strip())
                regions.append(current)
            elif head == "VmFlags:" and current:
                flags[current[0]] = line.split()[1:]
    with open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for spec in args.pin:
            name, pin = spec.split("=", 1)
            needle = pin.encode()
            seen = 0
            for lo, hi, line in regions:
                if "r" not in line.split()[1] or hi - lo > (256 << 20):
                    continue
                try:
                    mem.seek(lo)
                    data = mem.read(hi - lo)
                except (OSError, ValueError):
                    continue
                for off in find_all(data, needle):
                    seen += 1
                    dd = "dd" in flags.get(lo, [])
                    print(f"  info  {name} in the live process at 0x{lo + off:x}: "
                          f"{'MADV_DONTDUMP page' if dd else 'ordinary memory'} ({line})")
            if not seen:
                print(f"  info  {name} is nowhere in the live process's readable memory")
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("core", "log", "live"))
    ap.add_argument("file")
    ap.add_argument("maps", nargs="?", default="")
    ap.add_argument("--pin", action="append", default=[])
    ap.add_argument("--hex", action="append", default=[])
    ap.add_argument("--hex-file", default="")
    ap.add_argument("--canary", default="")
    ap.add_argument("--require", action="append", default=[])
    args = ap.parse_args()
    if args.mode == "live":
        return live_mode(args)
    return core_mode(args) if args.mode == "core" else log_mode(args)


if __name__ == "__main__":
    sys.exit(main())
