#!/usr/bin/env bash
# Acceptance (hostile card, mode pgp-c4-short): PW status (C4) two bytes long.
# pkcs11-tool -L, -O and a signature through tessera-pkcs11.so end cleanly:
# a named CKR or what is still valid, no crash, no hang, bounded memory.
# sandbox-args: --piv=none --openpgp=default:hostile=pgp-c4-short
set -euo pipefail
# shellcheck source=hostile_lib.bash
. "$(dirname "$(readlink -f "$0")")/hostile_lib.bash"

hostile_standard
expect_log "C4\) shorter than 7 bytes"
expect_rv objects CKR_TOKEN_NOT_RECOGNIZED
expect_card_log openpgp
finish
