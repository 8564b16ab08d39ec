#!/usr/bin/env bash
# The sandbox's PIN-pad reader as a PC/SC client sees it (pinpad_reader.py):
# features, properties, VERIFY_PIN_DIRECT formatting and refusals.
# sandbox-args: --pinpad --openpgp=none
# sandbox-timeout: 60
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/pinpad_reader.py" "$TESSERA_PIV_READER" "$here/../../scripts/vcard-ctl"
