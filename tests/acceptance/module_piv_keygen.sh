#!/usr/bin/env bash
# Issue 9, PIV: key generation, certificate write and delete through
# Tessera with CKU_SO = the management key, on a YubiKey-profile card with
# the default 3DES management key (body: lib/piv_keygen.bash).
# sandbox-args: --piv=yubikey:empty --openpgp=none
# sandbox-timeout: 300
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/acceptance/ride/lib.sh
. "$here/ride/lib.sh"
MGMT_KEY=010203040506070801020304050607080102030405060708
# shellcheck source=tests/acceptance/lib/piv_keygen.bash
. "$here/lib/piv_keygen.bash"
