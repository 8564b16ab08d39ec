#!/usr/bin/env bash
# No PIN, PUK or key byte ever reaches a log (design.md, "The sharing and PIN
# rule"; style.md, "Secrets"). Runs one full session at the highest debug level
# (TESSERA_DEBUG=2: PKCS#11 calls and the APDU trace): login, sign (9A),
# decrypt (9D RSA), derive (ECDH 9E), C_SetPIN to a new PIN and back. Then the
# log must hold neither PIN (as text, as hex upper/lower with and without
# separators, PIV FF-padded), nor the PUK, the management key, the decrypted
# plaintext or the ECDH secret (computed by the client with OpenSSL), and it
# must say "redacted" where the secret-bearing APDUs were. The virtual card's
# own trace cannot be switched on from inside the sandbox and is not checked.
#   log_no_secrets.sh PATH/TO/tessera_secret_client
set -euo pipefail

client=${1:?usage: log_no_secrets.sh PATH/TO/tessera_secret_client}
here=$(dirname "$(readlink -f "$0")")
: "${TESSERA_MODULE:?run inside scripts/with-virtual-cards}" "${TESSERA_PIV_READER:?no PIV reader in this sandbox}"
command -v yubico-piv-tool >/dev/null || { echo "log_no_secrets: yubico-piv-tool is missing" >&2; exit 1; }

pin=739184       # distinctive PINs: a default such as 123456 can occur by chance
new_pin=582046
puk=12345678                                              # the virtual card's PUK
mgmt=010203040506070801020304050607080102030405060708     # and its management key
work=$(mktemp -d "${TESSERA_SANDBOX:-${TMPDIR:-/tmp}}/log-no-secrets.XXXXXX")
trap 'rm -rf "$work"' EXIT

yubico-piv-tool -r "$TESSERA_PIV_READER" -a change-pin -P 123456 -N "$pin" >/dev/null

log=$work/tessera.log
printf '%s\n%s\n' "$pin" "$new_pin" |
    TESSERA_DEBUG=2 TESSERA_LOG_FILE=$log TESSERA_CONF=/dev/null "$client" session "$work/secrets"
[ -s "$log" ] || { echo "log_no_secrets: the module wrote no log to $log" >&2; exit 1; }
echo "# $(wc -l <"$log") log lines, $(grep -c '^.*> ' "$log" || true) APDU commands traced"

plaintext=$(awk '$1 == "plaintext" {print $2}' "$work/secrets")
ecdh=$(awk '$1 == "ecdh" {print $2}' "$work/secrets")
puk_hex=$(printf '%s' "$puk" | od -An -tx1 | tr -d ' \n')

# The APDUs that carry a PIN (VERIFY 20, CHANGE REFERENCE DATA 24, RESET
# RETRY COUNTER 2C, with data) must be there, each with its data redacted.
status=0
for ins in 20 24; do
    carrying=$(grep -cE "> [0-9A-F]{2} $ins 00 [0-9A-F]{2} Lc=" "$log" || true)
    shown=$(grep -E "> [0-9A-F]{2} ($ins|2C) 00 [0-9A-F]{2} Lc=" "$log" | grep -vc redacted || true)
    echo "# INS $ins with data: $carrying traced, $shown not redacted"
    if [ "$carrying" = 0 ] || [ "$shown" != 0 ]; then
        echo "FAIL: INS $ins must appear in the trace with its data redacted" >&2
        status=1
    fi
done

if python3 "$here/find_secrets.py" log "$log" --pin "PIN=$pin" --pin "new PIN=$new_pin" --pin "PUK=$puk" \
    --hex "PUK bytes=$puk_hex" --hex "management key=$mgmt" --hex "decrypted plaintext=$plaintext" \
    --hex "ECDH shared secret=$ecdh" --require redacted && [ "$status" = 0 ]; then
    echo "PASS: no secret in the debug log"
else
    echo "FAIL: the debug log leaks a secret (lines above)" >&2
    exit 1
fi
