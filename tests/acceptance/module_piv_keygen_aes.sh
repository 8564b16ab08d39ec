#!/usr/bin/env bash
# Issue 9, PIV: key generation, certificate write and delete through
# Tessera with CKU_SO = the management key, on a YubiKey-profile card with
# the AES-192 management key (as on YubiKey 5.7), found by GET METADATA (body: lib/piv_keygen.bash).
# sandbox-args: --piv=yubikey:empty:mgmt-alg=aes192 --openpgp=none
# sandbox-timeout: 300
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/acceptance/ride/lib.sh
. "$here/ride/lib.sh"
MGMT_KEY=010203040506070801020304050607080102030405060708
YPT_WRITES=0 # yubico-piv-tool 2.2 has no AES management keys; the 3DES test covers its writes
# shellcheck source=tests/acceptance/lib/piv_keygen.bash
. "$here/lib/piv_keygen.bash"
