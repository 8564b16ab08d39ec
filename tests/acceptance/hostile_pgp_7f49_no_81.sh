#!/usr/bin/env bash
# Acceptance (hostile card, mode pgp-7f49-no-81): public key templates without 81 (RSA modulus) or 86 (EC point).
# pkcs11-tool -L, -O and a signature through tessera-pkcs11.so end cleanly:
# a named CKR or what is still valid, no crash, no hang, bounded memory.
# sandbox-args: --piv=none --openpgp=default:hostile=pgp-7f49-no-81
set -euo pipefail
# shellcheck source=hostile_lib.bash
. "$(dirname "$(readlink -f "$0")")/hostile_lib.bash"

hostile_standard
expect_log "7F49 without modulus"
expect_rv sign "Private key not found"
expect_card_log openpgp
finish
