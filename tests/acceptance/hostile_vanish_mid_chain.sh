#!/usr/bin/env bash
# Acceptance (hostile card, mode vanish-mid-chain): the card process exits at the 2nd GET RESPONSE of the 9A container.
# pkcs11-tool -L, -O and a signature through tessera-pkcs11.so end cleanly:
# a named CKR or what is still valid, no crash, no hang, bounded memory.
# sandbox-args: --piv=yubikey:hostile=vanish-mid-chain --openpgp=none
set -euo pipefail
# shellcheck source=hostile_lib.bash
. "$(dirname "$(readlink -f "$0")")/hostile_lib.bash"

hostile_standard
expect_log "shorter than 2 bytes|REMOVED|removed|NO_SMARTCARD"
if grep -q "vanishing now" "$TESSERA_SANDBOX/piv.log"; then pass "the card vanished mid-chain"; else fail "the card never vanished"; fi
expect_card_log piv
finish
