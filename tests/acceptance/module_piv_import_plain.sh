#!/usr/bin/env bash
# Issue 9, PIV: a plain PIV card (no import extension) refuses key import with CKR_FUNCTION_NOT_SUPPORTED
# (body: lib/piv_import.bash).
# sandbox-args: --piv=plain:empty --openpgp=none
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/acceptance/ride/lib.sh
. "$here/ride/lib.sh"
IMPORTS=0
# shellcheck source=tests/acceptance/lib/piv_import.bash
. "$here/lib/piv_import.bash"
