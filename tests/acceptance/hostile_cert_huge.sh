#!/usr/bin/env bash
# Acceptance (hostile card, mode cert-huge): a 4 MiB 9A certificate container served through 61xx.
# pkcs11-tool -L, -O and a signature through tessera-pkcs11.so end cleanly:
# a named CKR or what is still valid, no crash, no hang, bounded memory.
# sandbox-args: --piv=yubikey:hostile=cert-huge --openpgp=none
set -euo pipefail
# shellcheck source=hostile_lib.bash
. "$(dirname "$(readlink -f "$0")")/hostile_lib.bash"

hostile_standard
expect_log "61xx after [0-9]+ GET RESPONSE rounds|exceeds [0-9]+ bytes"
expect_card_log piv
finish
