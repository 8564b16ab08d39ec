#!/usr/bin/env bash
# Acceptance (hostile card, mode pgp-nested-deep): application related data nested 100 templates deep (6E/73).
# pkcs11-tool -L, -O and a signature through tessera-pkcs11.so end cleanly:
# a named CKR or what is still valid, no crash, no hang, bounded memory.
# sandbox-args: --piv=none --openpgp=default:hostile=pgp-nested-deep
set -euo pipefail
# shellcheck source=hostile_lib.bash
. "$(dirname "$(readlink -f "$0")")/hostile_lib.bash"

hostile_standard
expect_log "OpenPGP probe failed|nesting deeper"
expect_card_log openpgp
finish
