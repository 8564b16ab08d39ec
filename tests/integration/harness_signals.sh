#!/usr/bin/env bash
# Ctrl-C, SIGTERM and SIGKILL: the sandbox goes away in every case.
#  - Ctrl-C (SIGINT to the foreground process group) while the command runs
#    and during start-up: exit 130, everything torn down;
#  - SIGTERM to its process group during start-up: exit 143, torn down;
#  - SIGKILL to the harness: its namespace holder notices, kills what runs
#    in the namespace and removes the sandbox directory.
. "$(dirname "$0")/harness_lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export WVC work

"$PY" - <<'PY' || fail "signals"
import glob, os, signal, subprocess, sys, time

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

def start(cmd):
    # like a shell with job control: own process group, default SIGINT
    def child():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.setpgid(0, 0)
    return subprocess.Popen(cmd, preexec_fn=child)

def wait_file(path, timeout=20):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        assert time.monotonic() < end, "timed out waiting for " + path
        time.sleep(0.05)

def running_sandbox(marker):
    wait_file(marker)
    return open(marker).read().strip()

def assert_gone(sb, timeout=5):
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
rc = p.wait(20)
assert rc == 130, "Ctrl-C while running: exit %s" % rc
assert_gone(sb)
print("Ctrl-C while running: 130, torn down")

# a command that handles Ctrl-C itself keeps its own exit status
marker = work + "/m2"
p = start([wvc, "--", "/usr/bin/python3", "-c",
           "import os,signal,time\n"
           "signal.signal(signal.SIGINT, lambda *a: os._exit(5))\n"
           "open(%r,'w').write(os.environ['TESSERA_SANDBOX'])\n"
           "time.sleep(60)" % marker])
sb = running_sandbox(marker)
os.killpg(p.pid, signal.SIGINT)
rc = p.wait(20)
assert rc == 5, "a command handling SIGINT: exit %s, not its own 5" % rc
assert_gone(sb)
print("Ctrl-C handled by the command: its status, torn down")

# Ctrl-C and SIGTERM during start-up, at several moments. SIGTERM goes to the
# process group, as timeout(1) and service managers send it: a SIGTERM to the
# harness alone waits for the command to end (bash runs traps only between
# foreground commands).
for sig, want in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
    for delay in (0.02, 0.1, 0.2, 0.4, 0.7, 1.0):
        before = sandboxes()
        p = start([wvc, "--", "sleep", "60"])
        time.sleep(delay)
        os.killpg(p.pid, sig)
        rc = p.wait(20)
        # before its traps are set the harness simply dies by the signal
        assert rc in (want, -sig), (sig, delay, rc)
        end = time.monotonic() + 5
        while sandboxes() - before and time.monotonic() < end:
            time.sleep(0.05)
        assert not (sandboxes() - before), "left after %s at %.2f s: %s" % (sig, delay, sandboxes() - before)
print("Ctrl-C and SIGTERM during start-up: torn down")

# SIGKILL: the namespace holder's watchdog cleans up
marker = work + "/m3"
p = start([wvc, "--", "sh", "-c", 'echo "$TESSERA_SANDBOX" > %s; exec sleep 60' % marker])
sb = running_sandbox(marker)
os.kill(p.pid, signal.SIGKILL)
p.wait()
assert_gone(sb, timeout=6)
os.killpg(p.pid, signal.SIGKILL)  # the command itself runs outside the sandbox
print("SIGKILL: the watchdog tore the sandbox down")
PY
ok "signals"
