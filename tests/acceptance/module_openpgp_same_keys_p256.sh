#!/usr/bin/env bash
# Acceptance: module_openpgp_same_keys.sh on a virtual OpenPGP 3.4 card with
# NIST P-256 keys: tessera-pkcs11.so and OpenSC's opensc-pkcs11.so give the
# same DER SubjectPublicKeyInfo for 01, 02, 03, and an ECDSA signature our
# module makes with 03 verifies with OpenSC's copy of the key.
# Runs inside scripts/with-virtual-cards.
# sandbox-args: --piv=none --openpgp=v34-p256
# sandbox-timeout: 300
exec /bin/bash "$(dirname "$(readlink -f "$0")")/module_openpgp_same_keys.sh" "$@"
