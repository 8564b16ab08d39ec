#!/usr/bin/env bash
# Ctrl-C, SIGTERM and SIGKILL: the sandbox goes away in every case.
#  - Ctrl-C (SIGINT to the foreground process group) while the command runs
#    and during start-up: exit 130, everything torn down;
#  - SIGTERM to its process group during start-up: exit 143, torn down;
#  - SIGKILL to the harness: its namespace holder notices, kills what runs
#    in the namespace and removes the sandbox directory.
# Bounds: generous for a loaded 2-core machine in a sanitizer stage (a
# teardown normally takes well under a second); a hang cannot hide behind
# them, because every teardown wait that runs out says so on stderr (sb_stop:
# "ignored SIGTERM", "still there"; the namespace sweep: "processes left"),
# and any such note fails the test.
. "$(dirname "$0")/harness_lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export WVC work

"$PY" - <<'PY' || fail "signals"
import glob, os, signal, subprocess, sys, threading, time

wvc, work = os.environ["WVC"], os.environ["work"]

# our sandboxes go here, so that other sandboxes (ctest -j) do not count
os.environ["TESSERA_SANDBOX_TMPDIR"] = work

def sandboxes():
    return set(glob.glob(work + "/tsb.*"))

def leftovers(sb):
    """Processes naming the sandbox, or living in its mount namespace."""
    out = []
    for p in glob.glob("/proc/[0-9]*"):
        if int(p[6:]) == os.getpid():
            continue
        for f in ("cmdline", "mountinfo"):
            try:
                if sb.encode() in open(p + "/" + f, "rb").read():
                    out.append(p + "/" + f)
            except OSError:
                pass
    return out

EXIT_BOUND = 60  # s from the signal to the harness's exit
GONE_BOUND = 20  # s for a watchdog's clean-up (it polls its owner once a second)
HANG_NOTES = ("ignored SIGTERM", "still there", "processes left")

def start(cmd):
    # like a shell with job control: own process group, default SIGINT
    def child():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.setpgid(0, 0)
    p = subprocess.Popen(cmd, preexec_fn=child, stderr=subprocess.PIPE)
    # read on the side: a command that outlives the harness (the SIGKILL case)
    # keeps the pipe open, and the harness must never block on a full pipe
    p.err = []
    p.reader = threading.Thread(target=lambda: p.err.extend(p.stderr), daemon=True)
    p.reader.start()
    return p

def finish(p, what):
    """The harness's exit status, once it has exited; its stderr is passed on
    and must hold no note of a teardown wait that ran out."""
    t0 = time.monotonic()
    try:
        p.wait(EXIT_BOUND)
    except subprocess.TimeoutExpired:
        raise AssertionError("%s: the harness did not exit within %d s" % (what, EXIT_BOUND))
    took = time.monotonic() - t0
    p.reader.join(5)
    err = b"".join(p.err).decode(errors="replace")
    sys.stderr.write(err)
    hangs = [l for l in err.splitlines() if any(n in l for n in HANG_NOTES)]
    assert not hangs, "%s: a teardown wait ran out: %s" % (what, hangs)
    return p.returncode, took

def wait_file(path, timeout=20):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        assert time.monotonic() < end, "timed out waiting for " + path
        time.sleep(0.05)

def running_sandbox(marker):
    wait_file(marker)
    return open(marker).read().strip()

def assert_gone(sb, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end and (os.path.exists(sb) or leftovers(sb)):
        time.sleep(0.05)
    assert not os.path.exists(sb), sb + " left behind"
    assert not leftovers(sb), "left behind: %s" % leftovers(sb)

# Ctrl-C while the command runs
marker = work + "/m1"
p = start([wvc, "--", "sh", "-c", 'echo "$TESSERA_SANDBOX" > %s; exec sleep 60' % marker])
sb = running_sandbox(marker)
os.killpg(p.pid, signal.SIGINT)
rc, took = finish(p, "Ctrl-C while running")
assert rc == 130, "Ctrl-C while running: exit %s" % rc
assert_gone(sb)
print("Ctrl-C while running: 130, torn down in %.1f s" % took)

# a command that handles Ctrl-C itself keeps its own exit status
marker = work + "/m2"
p = start([wvc, "--", "/usr/bin/python3", "-c",
           "import os,signal,time\n"
           "signal.signal(signal.SIGINT, lambda *a: os._exit(5))\n"
           "open(%r,'w').write(os.environ['TESSERA_SANDBOX'])\n"
           "time.sleep(60)" % marker])
sb = running_sandbox(marker)
os.killpg(p.pid, signal.SIGINT)
rc, _ = finish(p, "Ctrl-C handled by the command")
assert rc == 5, "a command handling SIGINT: exit %s, not its own 5" % rc
assert_gone(sb)
print("Ctrl-C handled by the command: its status, torn down")

# Ctrl-C and SIGTERM during start-up, at several moments. SIGTERM goes to the
# process group, as timeout(1) and service managers send it: a SIGTERM to the
# harness alone waits for the command to end (bash runs traps only between
# foreground commands).
slowest = 0.0
for sig, want in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
    for delay in (0.02, 0.1, 0.2, 0.4, 0.7, 1.0):
        before = sandboxes()
        p = start([wvc, "--", "sleep", "60"])
        time.sleep(delay)
        os.killpg(p.pid, sig)
        rc, took = finish(p, "%s at %.2f s" % (signal.Signals(sig).name, delay))
        slowest = max(slowest, took)
        # before its traps are set the harness simply dies by the signal
        assert rc in (want, -sig), (sig, delay, rc)
        # cut short before the holder was recorded, the holder's watchdog cleans up
        end = time.monotonic() + GONE_BOUND
        while sandboxes() - before and time.monotonic() < end:
            time.sleep(0.05)
        assert not (sandboxes() - before), "left after %s at %.2f s: %s" % (sig, delay, sandboxes() - before)
print("Ctrl-C and SIGTERM during start-up: torn down (slowest exit %.1f s)" % slowest)

# SIGKILL: the namespace holder's watchdog cleans up
marker = work + "/m3"
p = start([wvc, "--", "sh", "-c", 'echo "$TESSERA_SANDBOX" > %s; exec sleep 60' % marker])
sb = running_sandbox(marker)
os.kill(p.pid, signal.SIGKILL)
p.wait()
assert_gone(sb, timeout=GONE_BOUND)
os.killpg(p.pid, signal.SIGKILL)  # the command itself runs outside the sandbox
print("SIGKILL: the watchdog tore the sandbox down")
PY
ok "signals"
