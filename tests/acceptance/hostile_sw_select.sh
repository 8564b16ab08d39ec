#!/usr/bin/env bash
# Acceptance (hostile card, mode sw-select): SELECT answering 1234.
# pkcs11-tool -L, -O and a signature through tessera-pkcs11.so end cleanly:
# a named CKR or what is still valid, no crash, no hang, bounded memory.
# sandbox-args: --piv=yubikey:hostile=sw-select --openpgp=none
set -euo pipefail
# shellcheck source=hostile_lib.bash
. "$(dirname "$(readlink -f "$0")")/hostile_lib.bash"

hostile_standard
expect_log "< 1234"
expect_log "no driver recognises the card"
expect_rv objects CKR_TOKEN_NOT_RECOGNIZED
expect_card_log piv
finish
