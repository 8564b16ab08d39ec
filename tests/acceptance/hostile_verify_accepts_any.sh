#!/usr/bin/env bash
# Acceptance (hostile card, mode verify-accepts-any): VERIFY answering 9000 to any PIN without checking it.
# pkcs11-tool -L, -O and a signature through tessera-pkcs11.so end cleanly:
# a named CKR or what is still valid, no crash, no hang, bounded memory.
# sandbox-args: --piv=yubikey:hostile=verify-accepts-any --openpgp=none
set -euo pipefail
# shellcheck source=hostile_lib.bash
. "$(dirname "$(readlink -f "$0")")/hostile_lib.bash"

hostile_standard
expect_log "GENERAL AUTHENTICATE: 6982"
expect_rv sign CKR_USER_NOT_LOGGED_IN
# a wrong PIN: C_Login cannot know better than the card's 9000, the key still refuses
hostile_run wrong-pin --login --pin 999999 --sign --id 01 -m SHA256-RSA-PKCS -i "$HOSTILE_DATA" -o "$work/sig2.bin"
expect_rv wrong-pin 'C_Sign(Final)? failed: rv = CKR_'
expect_card_log piv
finish
