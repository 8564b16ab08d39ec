#!/usr/bin/env bash
# check_errors.sh must catch what it is for: on a copy of src/ with a bare
# failure return in an entry point and a CK_RV in a driver, it has to fail and
# name both lines; the three allowed bare answers must pass.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$here/../../src" "$tmp/src"
printf '%s\n' 'CK_RV selftestA() { return CKR_BUFFER_TOO_SMALL; }' 'CK_RV selftestB() { return CKR_NO_EVENT; }' \
    'CK_RV selftestC(bool b) { if (b) return CKR_SESSION_READ_ONLY; return CKR_OK; }' >>"$tmp/src/pkcs11/fn_sign.cpp"
echo 'inline long selftestRv() { return CKR_DEVICE_ERROR; } // a comment may say CKR_OK' >>"$tmp/src/card-drivers/driver.hpp"
if out=$(bash "$here/check_errors.sh" "$tmp/src" 2>&1); then
    echo "check_errors_selftest: FAIL: the violations were accepted" >&2
    exit 1
fi
echo "$out"
grep -q 'fn_sign.cpp:.*CKR_SESSION_READ_ONLY.*without its cause' <<<"$out"
grep -q 'card-drivers/driver.hpp:.*names a CK_RV' <<<"$out"
[ "$(grep -c 'without its cause' <<<"$out")" = 1 ] || { echo "check_errors_selftest: FAIL: an allowed answer was flagged" >&2; exit 1; }
echo "check_errors_selftest: both violations caught, the allowed answers passed"
