#!/usr/bin/env bash
# Acceptance (hostile card, mode cert-truncated): the 9A certificate container cut in half: 53 claims more bytes than arrive.
# pkcs11-tool -L, -O and a signature through tessera-pkcs11.so end cleanly:
# a named CKR or what is still valid, no crash, no hang, bounded memory.
# sandbox-args: --piv=yubikey:hostile=cert-truncated --openpgp=none
set -euo pipefail
# shellcheck source=hostile_lib.bash
. "$(dirname "$(readlink -f "$0")")/hostile_lib.bash"

hostile_standard
expect_log "slot 9A skipped: .*exceeds"
expect_rc objects 0
expect_output objects 'Certificate Object' 'the other certificates are still served'
expect_rc sign 0
expect_card_log piv
finish
