#!/usr/bin/env bash
# Acceptance: GnuPG against a virtual OpenPGP 2.1 card (short APDUs with
# command chaining and 61xx, no VERIFY reset): card status, on-card RSA keys,
# sign/verify, encrypt/decrypt, factory reset. The checks live in
# openpgp_vcard_gpg.sh. Runs inside scripts/with-virtual-cards.
# sandbox-args: --piv=none --openpgp=v21
# sandbox-timeout: 300
OPENPGP_VCARD_PROFILE=v21 exec bash "$(dirname "$0")/openpgp_vcard_gpg.sh"
