#!/usr/bin/env bash
# Acceptance (hostile card, mode sw-verify): every VERIFY answering 6F00.
# pkcs11-tool -L, -O and a signature through tessera-pkcs11.so end cleanly:
# a named CKR or what is still valid, no crash, no hang, bounded memory.
# sandbox-args: --piv=yubikey:hostile=sw-verify --openpgp=none
set -euo pipefail
# shellcheck source=hostile_lib.bash
. "$(dirname "$(readlink -f "$0")")/hostile_lib.bash"

hostile_standard
expect_log "VERIFY: 6F00"
expect_rv sign CKR_DEVICE_ERROR
expect_card_log piv
finish
