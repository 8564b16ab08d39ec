#!/usr/bin/env bash
# Acceptance (hostile card, mode getdata-6c-loop): GET DATA of the 9A container answering 6Cxx, then 6Cxx again.
# pkcs11-tool -L, -O and a signature through tessera-pkcs11.so end cleanly:
# a named CKR or what is still valid, no crash, no hang, bounded memory.
# sandbox-args: --piv=yubikey:hostile=getdata-6c-loop --openpgp=none
set -euo pipefail
# shellcheck source=hostile_lib.bash
. "$(dirname "$(readlink -f "$0")")/hostile_lib.bash"

hostile_standard
expect_log "GET DATA 6C[0-9A-F]{2} wrong Le"
expect_rc objects 0
expect_rc sign 0
expect_card_log piv
finish
