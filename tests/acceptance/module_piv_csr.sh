#!/usr/bin/env bash
# Issue 9 acceptance (PIV): a PyKCS11 script generates keys on the card as SO
# and builds certificate requests signed through the module, which
# `openssl req -verify` accepts (checks in module_piv_csr.py).
# sandbox-args: --piv=yubikey:empty --openpgp=none
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require "$PY" openssl
"$PY" -c 'import PyKCS11, cryptography' 2>/dev/null || die "python3-pykcs11 / python3-cryptography missing for $PY"
slot=$(slot_for_module "$TESSERA_MODULE") || die "no PIV slot"
exec "$PY" "$RIDE_DIR/../module_piv_csr.py" "$TESSERA_MODULE" "$slot" \
    010203040506070801020304050607080102030405060708 "$PIN" "$work"
