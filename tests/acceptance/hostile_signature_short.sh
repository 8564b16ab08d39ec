#!/usr/bin/env bash
# Acceptance (hostile card, mode signature-short): GENERAL AUTHENTICATE answering a signature one byte short.
# pkcs11-tool -L, -O and a signature through tessera-pkcs11.so end cleanly:
# a named CKR or what is still valid, no crash, no hang, bounded memory.
# sandbox-args: --piv=yubikey:hostile=signature-short --openpgp=none
set -euo pipefail
# shellcheck source=hostile_lib.bash
. "$(dirname "$(readlink -f "$0")")/hostile_lib.bash"

hostile_standard
expect_signature_valid
expect_card_log piv
finish
