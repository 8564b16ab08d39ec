#!/usr/bin/env bash
# Acceptance (hostile card, mode rapdu-short): GET DATA of the 9A container answering one byte, no status word.
# pkcs11-tool -L, -O and a signature through tessera-pkcs11.so end cleanly:
# a named CKR or what is still valid, no crash, no hang, bounded memory.
# sandbox-args: --piv=yubikey:hostile=rapdu-short --openpgp=none
set -euo pipefail
# shellcheck source=hostile_lib.bash
. "$(dirname "$(readlink -f "$0")")/hostile_lib.bash"

hostile_standard
expect_log "response APDU shorter than 2 bytes \(1\)"
expect_card_log piv
finish
