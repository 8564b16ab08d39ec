#!/usr/bin/env bash
# Acceptance (hostile card, mode sw-auth): GENERAL AUTHENTICATE answering 1234.
# pkcs11-tool -L, -O and a signature through tessera-pkcs11.so end cleanly:
# a named CKR or what is still valid, no crash, no hang, bounded memory.
# sandbox-args: --piv=yubikey:hostile=sw-auth --openpgp=none
set -euo pipefail
# shellcheck source=hostile_lib.bash
. "$(dirname "$(readlink -f "$0")")/hostile_lib.bash"

hostile_standard
expect_log "GENERAL AUTHENTICATE: 1234"
expect_rv sign CKR_DEVICE_ERROR
expect_card_log piv
finish
