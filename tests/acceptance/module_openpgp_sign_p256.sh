#!/usr/bin/env bash
# Acceptance: tessera-pkcs11.so on a virtual OpenPGP 3.4 card with NIST P-256 keys (CKM_ECDSA_SHA256 and
# CKM_ECDSA signatures, CKM_ECDH1_DERIVE),
# through PyKCS11: signatures with the signature key (01, a context-specific
# login per signature) and the authentication key (03), decryption or key
# agreement with the encryption key (02); python3-cryptography checks every
# result against CKA_PUBLIC_KEY_INFO, tampered signatures fail, and a separate
# process finds the PIN never left verified. The checks are in
# module_openpgp_sign.py.
# Runs inside scripts/with-virtual-cards.
# sandbox-args: --piv=none --openpgp=v34-p256
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=lib/openpgp.sh
. "$(dirname "$(readlink -f "$0")")/lib/openpgp.sh"
require "$PY"
require_python_modules PyKCS11 smartcard cryptography
cd "$work"
exec "$PY" "$ACCEPTANCE_DIR/module_openpgp_sign.py" v34-p256
