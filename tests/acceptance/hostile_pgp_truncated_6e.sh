#!/usr/bin/env bash
# Acceptance (hostile card, mode pgp-truncated-6e): application related data (6E) cut in half.
# pkcs11-tool -L, -O and a signature through tessera-pkcs11.so end cleanly:
# a named CKR or what is still valid, no crash, no hang, bounded memory.
# sandbox-args: --piv=none --openpgp=default:hostile=pgp-truncated-6e
set -euo pipefail
# shellcheck source=hostile_lib.bash
. "$(dirname "$(readlink -f "$0")")/hostile_lib.bash"

hostile_standard
expect_log "OpenPGP probe failed: BER-TLV"
expect_rv objects CKR_TOKEN_NOT_RECOGNIZED
expect_card_log openpgp
finish
