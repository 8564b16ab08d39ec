#!/usr/bin/env bash
# check_layers.sh must catch what it is for: on a copy of src/ with one upward
# include (a driver including a PKCS#11 header) and one sideways include
# (crypto including PC/SC), it has to fail and name both lines.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$here/../../src" "$tmp/src"
echo '#include "pkcs11/slot.hpp"' >>"$tmp/src/card-drivers/driver.hpp"
echo '#include "pcsc/pcsc.hpp"' >>"$tmp/src/crypto/crypto.hpp"
if out=$(bash "$here/check_layers.sh" "$tmp/src" 2>&1); then
    echo "check_layers_selftest: FAIL: bad includes were accepted" >&2
    exit 1
fi
echo "$out"
grep -q 'card-drivers/driver.hpp:.*may not include pkcs11' <<<"$out"
grep -q 'crypto/crypto.hpp:.*may not include pcsc' <<<"$out"
echo "check_layers_selftest: both bad includes caught"
