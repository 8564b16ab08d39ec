#!/usr/bin/env bash
# Acceptance: PyKCS11 against tessera-pkcs11.so (the checks are in
# module_pykcs11.py; Debian's python3-pykcs11 and python3-cryptography live
# under /usr/bin/python3). Runs inside scripts/with-virtual-cards.
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require "$PY"
"$PY" -c 'import PyKCS11' 2>/dev/null || die "python3-pykcs11 is not installed for $PY"
"$PY" -c 'import cryptography' 2>/dev/null || die "python3-cryptography is not installed for $PY"
cd "$work"
exec "$PY" "$RIDE_DIR/../module_pykcs11.py"
