#!/usr/bin/env bash
# Acceptance (issue 11, "Debug output"): every TESSERA_DEBUG line carries the
# process and thread ids and a UTC timestamp with milliseconds
# ("tessera[PID/TID] 2026-12-07T12:55:14.946Z: ..."), so logs of several
# clients and threads can be read side by side; each call line names the
# call's arguments (handles, the mechanism, a template's attribute types,
# buffer sizes: call_trace.hpp); the PIN never appears, nor its length.
# Runs inside scripts/with-virtual-cards.
# sandbox-args: --openpgp=none
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require pkcs11-tool

log=$work/debug.log
TESSERA_DEBUG=2 TESSERA_LOG_FILE=$log pkcs11-tool --module "$TESSERA_MODULE" --login --pin "$PIN" -O >/dev/null 2>&1 ||
    die "pkcs11-tool --login -O failed"
echo data-to-sign >"$work/data"
TESSERA_DEBUG=1 TESSERA_LOG_FILE=$log pkcs11-tool --module "$TESSERA_MODULE" --login --pin "$PIN" --sign --id 01 \
    -m SHA256-RSA-PKCS -i "$work/data" -o "$work/sig" >/dev/null 2>&1 || die "pkcs11-tool --sign failed"
TESSERA_DEBUG=1 TESSERA_LOG_FILE=$log pkcs11-tool --module "$TESSERA_MODULE" --login --pin "$PIN" \
    --change-pin --new-pin "$PIN" >/dev/null 2>&1 || die "pkcs11-tool --change-pin failed"
head -3 "$log" | sed 's/^/# /'
check "the log has lines" test -s "$log"
re='^tessera\[[0-9]+/[0-9]+\] 20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}Z: '
check "every line has pid/tid and a UTC timestamp" test -z "$(grep -Ev "$re" "$log" | head -3)"
pid_tid=$(sed -n 's/^tessera\[\([0-9]*\)\/\([0-9]*\)\].*/\1 \2/p' "$log" | head -1)
check "the first line (C_Initialize) is on the main thread (tid = pid)" test "${pid_tid% *}" = "${pid_tid#* }"
grep -E 'C_(SignInit|Sign|FindObjectsInit|Login|SetPIN)\(' "$log" | sed 's/^.*Z: /# /' | sort -u | head -8
check "C_SignInit names its session, mechanism and key" \
    grep -qE 'C_SignInit\(hSession=[0-9]+, pMechanism=CKM_SHA256_RSA_PKCS, hKey=[0-9]+\) = CKR_OK' "$log"
check "C_Sign gives the data's size, not the data" grep -qE 'C_Sign\(hSession=[0-9]+, pData=<13 bytes>, ' "$log"
check "C_FindObjectsInit lists the template's attribute types" \
    grep -qE 'C_FindObjectsInit\(hSession=[0-9]+, pTemplate=\[CKA_[A-Z_]+(, CKA_[A-Z_]+)*\]\)' "$log"
check "C_GetSlotList names its arguments" grep -qE 'C_GetSlotList\(tokenPresent=[01], pSlotList=(NULL|given), pulCount=given\)' "$log"
check "C_Login: the PIN is redacted, its length not given" \
    grep -qE 'C_Login\(hSession=[0-9]+, userType=1, pPin=<redacted>\) = CKR_OK' "$log"
check "C_SetPIN: both PINs redacted" grep -qE 'C_SetPIN\(hSession=[0-9]+, pOldPin=<redacted>, pNewPin=<redacted>\)' "$log"
check "no PIN length in the log" test "$(grep -cE 'ulPinLen|ulOldLen|ulNewLen' "$log" || true)" = 0
check "the PIN is not in the log" test "$(grep -c "$PIN" "$log" || true)" = 0
check "the PIN is not in the log in hex either" test "$(grep -ci "$(printf %s "$PIN" | od -An -tx1 | tr -d ' \n')" "$log" || true)" = 0
finish
