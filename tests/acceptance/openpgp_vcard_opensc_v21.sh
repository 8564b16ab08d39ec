#!/usr/bin/env bash
# Acceptance: OpenSC against a virtual OpenPGP 2.1 card (short APDUs with
# command chaining and 61xx): openpgp-tool, opensc-pkcs11.so listing, signing
# and decrypting. The checks live in openpgp_vcard_opensc.sh. Runs inside
# scripts/with-virtual-cards.
# sandbox-args: --piv=none --openpgp=v21
OPENPGP_VCARD_PROFILE=v21 exec bash "$(dirname "$0")/openpgp_vcard_opensc.sh"
