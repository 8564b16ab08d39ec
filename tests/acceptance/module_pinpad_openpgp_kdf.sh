#!/usr/bin/env bash
# Issue 10, PIN-pad readers: an OpenPGP card with a KDF-DO (section 4.3.2)
# wants the host's hash of the PIN, which a keypad cannot give. On the
# --pinpad sandbox such a token does not announce
# CKF_PROTECTED_AUTHENTICATION_PATH, C_Login(CKU_USER, NULL, 0) fails with
# CKR_FUNCTION_NOT_SUPPORTED and a log line naming the KDF, without touching
# the keypad or the retry counter, and the PIN given by the application
# (hashed by the module) logs in and signs.
# sandbox-args: --pinpad --piv=none
# sandbox-timeout: 120
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/acceptance/lib/openpgp.sh
. "$here/lib/openpgp.sh"
TESSERA_ROOT_DIR=$(cd "$here/../.." && pwd)
PINPAD_KIND=openpgp
PINPAD_READER=$TESSERA_OPENPGP_READER
# shellcheck source=tests/acceptance/lib/pinpad.bash
. "$here/lib/pinpad.bash"
require pkcs11-tool "$PY"
require_python_modules PyKCS11 smartcard
check "the card gets a KDF-DO" "$PY" "$here/lib/openpgp_put_kdf.py" "$TESSERA_OPENPGP_READER"
slot=$(openpgp_slot) || die "no slot for $TESSERA_OPENPGP_READER"
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }

p11 -T >"$work/token" 2>&1 || true
if grep -q "PIN pad present" "$work/token"; then fail "a KDF card announces the PIN pad"; else pass "no PIN pad flag on a KDF card"; fi

keypad 123456
cat >"$work/null_login.py" <<'PYEOF'
import sys, PyKCS11
p = PyKCS11.PyKCS11Lib(); p.load(sys.argv[1])
slot = [s for s in p.getSlotList(tokenPresent=True) if p.getSlotInfo(s).slotDescription.strip() == sys.argv[2]][0]
s = p.openSession(slot)
try:
    s.login(None)
    print("logged in")
except PyKCS11.PyKCS11Error as e:
    print(e)
    sys.exit(1)
PYEOF
TESSERA_DEBUG=1 TESSERA_LOG_FILE=$work/kdf.log expect_rv CKR_FUNCTION_NOT_SUPPORTED "NULL-PIN login on a KDF card" \
    "$PY" "$work/null_login.py" "$TESSERA_MODULE" "$TESSERA_OPENPGP_READER"
check "the log names the KDF-DO" grep -q "KDF-DO" "$work/kdf.log"
expect_eq 1 "$(pending)" "the keypad was not asked"
expect_eq 63C3 "$(pin_status)" "the retry counter is untouched"
echo data >"$work/data"
check "the given PIN (hashed by the module) logs in and signs" \
    p11 --login --pin 123456 --sign -m SHA256-RSA-PKCS --id 03 -i "$work/data" -o "$work/sig"
finish
