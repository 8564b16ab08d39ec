#!/usr/bin/env bash
# Acceptance (hostile card, mode getdata-61-forever): GET DATA of the 9A container answering 61 00 forever.
# pkcs11-tool -L, -O and a signature through tessera-pkcs11.so end cleanly:
# a named CKR or what is still valid, no crash, no hang, bounded memory.
# sandbox-args: --piv=yubikey:hostile=getdata-61-forever --openpgp=none
set -euo pipefail
# shellcheck source=hostile_lib.bash
. "$(dirname "$(readlink -f "$0")")/hostile_lib.bash"

hostile_standard
expect_log "61xx after [0-9]+ GET RESPONSE rounds"
expect_card_log piv
finish
