#!/usr/bin/env bash
# Acceptance (hostile card, mode pgp-huge-7f21): a 4 MiB cardholder certificate (7F21) served through 61xx.
# pkcs11-tool -L, -O and a signature through tessera-pkcs11.so end cleanly:
# a named CKR or what is still valid, no crash, no hang, bounded memory.
# sandbox-args: --piv=none --openpgp=default:hostile=pgp-huge-7f21
set -euo pipefail
# shellcheck source=hostile_lib.bash
. "$(dirname "$(readlink -f "$0")")/hostile_lib.bash"

hostile_standard
expect_log "61xx after [0-9]+ GET RESPONSE rounds|exceeds [0-9]+ bytes"
expect_card_log openpgp
finish
