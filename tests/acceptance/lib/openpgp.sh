# Shared helpers of the tests/acceptance/module_openpgp_*.sh tests (and
# module_two_cards.sh): tessera-pkcs11.so against the virtual OpenPGP card.
# Sourced, not run. Brings in ride/lib.sh (pass/fail/check/require/die,
# $work, $PY, on_exit, finish) and adds the OpenPGP card's reader, state file
# and slot.
# shellcheck shell=bash disable=SC2034 # variables for the sourcing script
# shellcheck source=ride/lib.sh # (paths relative to tests/acceptance)
. "$(dirname "${BASH_SOURCE[0]}")/../ride/lib.sh"
: "${TESSERA_OPENPGP_READER:?no OpenPGP card in this sandbox (--openpgp=PROFILE)}"
LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ACCEPTANCE_DIR=$(dirname "$LIB_DIR")
OPENPGP_STATE=$TESSERA_SANDBOX/openpgp.state
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the source tree

# state_field NAME : a "NAME value" line of the virtual card's state file
state_field() { awk -v k="$1" '$1 == k { print $2; exit }' "$OPENPGP_STATE"; }

# require_python_modules MODULE... : importable by /usr/bin/python3 (Debian packages)
require_python_modules() {
    local m pkg
    for m in "$@"; do
        case $m in
            PyKCS11) pkg=python3-pykcs11 ;;
            smartcard*) pkg=python3-pyscard ;;
            cryptography) pkg=python3-cryptography ;;
            *) pkg=python3-$m ;;
        esac
        "$PY" -c "import $m" 2>/dev/null || die "$pkg is not installed for $PY (import $m)"
    done
}

# reader_slot MODULE READER : the slot ID (0x..) pkcs11-tool -L gives the reader
# (slot descriptions are cut at 64 characters: the reader name starts with it)
reader_slot() {
    local list
    list=$(pkcs11-tool --module "$1" -L 2>&1) || { echo "$list" >&2; return 1; }
    printf '%s\n' "$list" | awk -v reader="$2" '
        /^Slot [0-9]+ \(0x[0-9a-fA-F]+\): / {
            id = $3; gsub(/[():]/, "", id)
            desc = $0; sub(/^[^:]*: /, "", desc); sub(/ +$/, "", desc)
            if (desc != "" && index(reader, desc) == 1) { print id; found = 1; exit }
        }
        END { if (!found) exit 1 }'
}

# openpgp_slot : our module's slot for the OpenPGP card
openpgp_slot() { reader_slot "$TESSERA_MODULE" "$TESSERA_OPENPGP_READER"; }

# spki_of ID OUT : the DER SubjectPublicKeyInfo (CKA_PUBLIC_KEY_INFO) of our
# public key object ID (01..03) on the OpenPGP card, written to OUT
spki_of() {
    "$PY" - "$1" "$2" <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["LIB_DIR"])
import tessera_p11 as t
key_id, out = int(sys.argv[1], 16), sys.argv[2]
lib = t.load()
slot = t.slot_for_reader(lib, os.environ["TESSERA_OPENPGP_READER"])
if slot is None:
    sys.exit("no slot for " + os.environ["TESSERA_OPENPGP_READER"])
s = lib.openSession(slot, t.CKF_SERIAL_SESSION)
h = t.find(s, t.CKO_PUBLIC_KEY, key_id)
if h is None:
    sys.exit("no public key object %02X" % key_id)
open(out, "wb").write(t.spki(s, h))
PYEOF
}
export LIB_DIR
