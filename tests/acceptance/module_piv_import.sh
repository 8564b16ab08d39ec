#!/usr/bin/env bash
# Issue 9, PIV: private key import (YubiKey IMPORT KEY) through C_CreateObject
# (body: lib/piv_import.bash).
# sandbox-args: --piv=yubikey:empty --openpgp=none
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/acceptance/ride/lib.sh
. "$here/ride/lib.sh"
IMPORTS=1
# shellcheck source=tests/acceptance/lib/piv_import.bash
. "$here/lib/piv_import.bash"
