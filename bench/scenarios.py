#!/usr/bin/python3
"""Runs the benchmark scenarios inside one sandbox of scripts/with-virtual-cards.

  scenarios.py CARD RUNS OUT.jsonl      CARD: none | piv | openpgp

Each scenario is a fresh process, as users start them. Per run it records the
APDUs and bytes each way (the virtual card's counter, $TESSERA_SANDBOX/
KIND.state.stats, read before and after), the wall time and the child's CPU
time (os.wait4 rusage), plus what the PyKCS11 client reports itself. "cold"
scenarios get an empty cache directory (HOME, XDG_CACHE_HOME); "warm" ones
reuse one that a first `pkcs11-tool -O` (not counted) has filled.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PIN = "123456"
OPENSC = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
YKCS11 = "/usr/lib/x86_64-linux-gnu/libykcs11.so"
KEY_ID = {"piv": "01", "openpgp": "03"}  # PIV 9A; OpenPGP authentication key (RSA-2048 both)


def modules(card):
    mods = [("tessera", os.environ["TESSERA_MODULE"], {}), ("opensc", OPENSC, {})]
    if card == "openpgp":
        mods[1] = ("opensc", OPENSC, {"OPENSC_DRIVER": "openpgp"})  # references.md: else it prefers PIV
    if card in ("piv", "none") and os.path.exists(YKCS11):
        mods.append(("ykcs11", YKCS11, {}))
    return mods


def scenarios(card, work):
    data = os.path.join(work, "data")
    with open(data, "wb") as f:
        f.write(b"tessera benchmark message\n")
    py = "/usr/bin/python3"
    client = os.path.join(HERE, "p11client.py")
    if card == "none":
        return [("load", "cold", lambda m: [py, client, "load", m], None)]
    kid = KEY_ID[card]
    tool = lambda m, *a: ["pkcs11-tool", "--module", m, *a]
    return [
        ("-L", "cold", lambda m: tool(m, "-L"), None),
        ("-O", "cold", lambda m: tool(m, "-O"), None),
        ("certutil", "cold", lambda m: ["certutil", "-L", "-h", "all", "-d", "sql:DB"], "nssdb"),
        ("ssh-keygen -D", "cold", lambda m: ["ssh-keygen", "-D", m], None),
        ("login+sign", "warm", lambda m: tool(m, "--login", "--pin", PIN, "--sign", "--id", kid, "-m",
                                              "SHA256-RSA-PKCS", "-i", data, "-o", os.path.join(work, "sig")), None),
        ("100 signatures", "warm", lambda m: [py, client, "sign100", m, kid, PIN], None),
        ("-O warm", "warm", lambda m: tool(m, "-O"), None),
    ]


def counters(card):
    if card == "none":
        return {"apdus": 0, "bytes_to_card": 0, "bytes_from_card": 0}
    path = os.path.join(os.environ["TESSERA_SANDBOX"], card + ".state.stats")
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"apdus": 0, "bytes_to_card": 0, "bytes_from_card": 0}


def run(argv, env, stdin=subprocess.DEVNULL):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, env=env, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = (time.monotonic() - t0) * 1000.0
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, out.decode(errors="replace"), wall, (ru.ru_utime + ru.ru_stime) * 1000.0


def nss_db(cache, module, env):
    """A fresh NSS database with the module added, as Firefox has it (setup, not counted)."""
    db = os.path.join(cache, "nssdb")
    os.makedirs(db, exist_ok=True)
    subprocess.run(["certutil", "-N", "-d", "sql:" + db, "--empty-password"], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["modutil", "-dbdir", "sql:" + db, "-add", "bench", "-libfile", module, "-force"], env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, input=b"\n")
    return db


def one(card, name, temp, argv_of, setup, mod, work):
    label, module, extra = mod
    cache = tempfile.mkdtemp(dir=work)
    env = dict(os.environ, HOME=cache, XDG_CACHE_HOME=os.path.join(cache, ".cache"), **extra)
    os.makedirs(env["XDG_CACHE_HOME"], exist_ok=True)
    if temp == "warm":
        subprocess.run(["pkcs11-tool", "--module", module, "-O"], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    argv = argv_of(module)
    if setup == "nssdb":
        db = nss_db(cache, module, env)
        argv = [a.replace("sql:DB", "sql:" + db) for a in argv]
    before = counters(card)
    rc, out, wall, cpu = run(argv, env)
    after = counters(card)
    rec = {"card": card, "scenario": name, "cache": temp, "module": label, "rc": rc, "wall_ms": wall,
           "client_cpu_ms": cpu}
    rec.update({k: after[k] - before[k] for k in after})
    if argv[0] == "/usr/bin/python3" and rc == 0:
        rec.update(json.loads(out.strip().splitlines()[-1]))
    if rc != 0:
        rec["error"] = out[-400:]
    shutil.rmtree(cache, ignore_errors=True)
    return rec


def main(argv):
    card, runs, out = argv[0], int(argv[1]), argv[2]
    work = tempfile.mkdtemp(prefix="tessera-bench.")
    try:
        with open(out, "a") as f:
            for r in range(runs):
                for name, temp, argv_of, setup in scenarios(card, work):
                    for mod in modules(card):
                        rec = one(card, name, temp, argv_of, setup, mod, work)
                        rec["run"] = r
                        f.write(json.dumps(rec) + "\n")
                        f.flush()
                        status = "ok" if rec["rc"] == 0 else "FAILED rc=%d" % rec["rc"]
                        print("bench: %-7s %-15s %-7s %4d APDUs %8.1f ms  %s" %
                              (card, name, mod[0], rec["apdus"], rec["wall_ms"], status), file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
