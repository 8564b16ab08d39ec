#!/usr/bin/env bash
# Acceptance (issue 11, "Config filters"): reader_include / reader_exclude
# (fnmatch globs on the PC/SC reader name) drop readers before they become
# slots. With the sandbox's two readers (PIV card in "... 00 00", OpenPGP
# card in "... 00 01"): excluding one leaves one slot, and its card sees no
# APDU at all (what keeps `ssh-add -s` from spending a PIN try on it);
# including one does the same the other way; a reader added later (hot-plug)
# is filtered too; and C_WaitForSlotEvent still sleeps (no busy loop) while a
# reader is filtered out. Runs inside scripts/with-virtual-cards.
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
: "${TESSERA_PIV_READER:?no PIV card in this sandbox}"
: "${TESSERA_OPENPGP_READER:?no OpenPGP card in this sandbox}"
require pkcs11-tool "$PY"
VCARD_CTL=$RIDE_DIR/../../../scripts/vcard-ctl

apdus() { "$VCARD_CTL" stats "$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["apdus"])'; }

# list NAME CONF-TEXT: pkcs11-tool -L under that config; output in $work/NAME.out
list() {
    printf '%s\n' "$2" >"$work/$1.conf"
    TESSERA_CONF="$work/$1.conf" TESSERA_DEBUG=1 TESSERA_LOG_FILE="$work/$1.log" \
        pkcs11-tool --module "$TESSERA_MODULE" -L >"$work/$1.out" 2>&1 || fail "$1: pkcs11-tool -L exit status $?"
    sed "s/^/# $1: /" "$work/$1.out"
}
slots() { grep -c '^Slot ' "$work/$1.out" || true; }
label_count() { grep -c "token label *: .*$2" "$work/$1.out" || true; }

list none ''
check "no filter: two slots" test "$(slots none)" = 2

"$VCARD_CTL" stats-reset openpgp >/dev/null
list exclude 'reader_exclude = *00 01'
check "reader_exclude = *00 01: one slot" test "$(slots exclude)" = 1
check "... the PIV token's" grep -q "^Slot 0 (0x0): $TESSERA_PIV_READER" "$work/exclude.out"
check "... no OpenPGP token" test "$(label_count exclude OpenPGP)" = 0
check "... the excluded reader's card saw no APDU" test "$(apdus openpgp)" = 0
check "... the debug log says the reader was ignored, once" \
    test "$(grep -c "reader '$TESSERA_OPENPGP_READER' ignored" "$work/exclude.log")" = 1

"$VCARD_CTL" stats-reset piv >/dev/null
list include 'reader_include = Nothing like it, *00 01'
check "reader_include = *00 01: one slot" test "$(slots include)" = 1
check "... the OpenPGP reader's" grep -q "^Slot 0 (0x0): $TESSERA_OPENPGP_READER" "$work/include.out"
check "... the PIV card saw no APDU" test "$(apdus piv)" = 0

list both "reader_include = Tessera*
reader_exclude = *00 00"
check "include and exclude together: the exclude wins (one slot)" test "$(slots both)" = 1
check "... the OpenPGP reader's" grep -q "$TESSERA_OPENPGP_READER" "$work/both.out"

# Hot-plug, in one process: a reader added while the module is loaded is
# filtered when the slot list is re-read (C_GetSlotList with a NULL buffer),
# and C_WaitForSlotEvent sleeps in pcscd instead of spinning.
printf 'reader_exclude = Extra*, *00 01\n' >"$work/hotplug.conf"
export TESSERA_CONF=$work/hotplug.conf
"$PY" - "$VCARD_CTL" >"$work/hotplug.out" 2>&1 <<'PYEOF' || fail "hot-plug script failed: $(cat "$work/hotplug.out")"
import os, subprocess, sys, time
import PyKCS11
ctl = sys.argv[1]
lib = PyKCS11.PyKCS11Lib()
lib.load(os.environ["TESSERA_MODULE"])
before = len(lib.getSlotList())
subprocess.run([ctl, "add-reader", "Extra Reader"], check=True, stdout=subprocess.DEVNULL)
after = len(lib.getSlotList())
print("slots before", before, "after adding 'Extra Reader'", after)
if before != 1 or after != 1:
    sys.exit("the added reader's two slots were not filtered out")
# the blocking wait runs in a child: PyKCS11 holds the GIL while it blocks
child = subprocess.Popen([sys.executable, "-c", """
import os, PyKCS11
lib = PyKCS11.PyKCS11Lib()
lib.load(os.environ["TESSERA_MODULE"])
lib.getSlotList()
print("waiting", flush=True)
lib.waitForSlotEvent()
"""], stdout=subprocess.PIPE)
child.stdout.readline()
def cpu():
    f = open("/proc/%d/stat" % child.pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
start = cpu()
time.sleep(3)
used = cpu() - start
child.kill()
print("C_WaitForSlotEvent used %.2f s of CPU in 3 s" % used)
if used > 0.5:
    sys.exit("C_WaitForSlotEvent spins while a reader is filtered out")
PYEOF
sed 's/^/# hotplug: /' "$work/hotplug.out"
check "hot-plug: the added reader is filtered, and the wait sleeps" grep -q 'used 0' "$work/hotplug.out"
"$VCARD_CTL" remove-reader "Extra Reader" >/dev/null
finish
