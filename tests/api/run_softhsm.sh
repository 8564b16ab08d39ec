#!/usr/bin/env bash
# Runs the Generic.* API tests against SoftHSM2, the reference module: makes a
# throw-away SoftHSM2 configuration and token (label tessera-ref, PIN 123456),
# imports an RSA-2048 key pair + self-signed certificate (CKA_ID 01) and a
# P-256 one (CKA_ID 02) with pkcs11-tool, then runs the test binary.
#
#   tests/api/run_softhsm.sh PATH/TO/tessera_api_tests [gtest args...]
#
# Environment: SOFTHSM_MODULE (default /usr/lib/softhsm/libsofthsm2.so),
# KEEP_SOFTHSM_DIR=1 keeps the temporary directory for a post-mortem.
set -euo pipefail

bin=${1:?usage: run_softhsm.sh PATH/TO/tessera_api_tests [gtest args...]}
shift
module=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
pin=123456
[ -f "$module" ] || { echo "run_softhsm.sh: FAIL: SoftHSM2 ($module) is not installed: the reference comparison cannot run (scripts/install-deps installs softhsm2)" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/tessera-softhsm.XXXXXX")
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() { if [ "${KEEP_SOFTHSM_DIR:-0}" = 1 ]; then echo "kept $dir" >&2; else rm -rf "$dir"; fi; }
trap cleanup EXIT

mkdir -p "$dir/tokens"
cat >"$dir/softhsm2.conf" <<EOF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
export SOFTHSM2_CONF=$dir/softhsm2.conf

softhsm2-util --init-token --free --label tessera-ref --pin "$pin" --so-pin 12345678 >/dev/null

# Key pair, certificate and public key of one CKA_ID, each imported as its own object.
import() {
    local id=$1 name=$2; shift 2
    openssl genpkey "$@" -out "$dir/$name.key.pem" 2>/dev/null
    openssl pkey -in "$dir/$name.key.pem" -outform DER -out "$dir/$name.key.der"
    openssl pkey -in "$dir/$name.key.pem" -pubout -outform DER -out "$dir/$name.pub.der"
    openssl req -new -x509 -key "$dir/$name.key.pem" -subj "/CN=tessera-ref $name" -days 30 \
        -outform DER -out "$dir/$name.crt.der" 2>/dev/null
    local p11=(pkcs11-tool --module "$module" --login --pin "$pin") type
    for type in privkey pubkey cert; do
        local file=$dir/$name.key.der
        [ "$type" = pubkey ] && file=$dir/$name.pub.der
        [ "$type" = cert ] && file=$dir/$name.crt.der
        # pkcs11-tool chats on stderr ("Using slot ..."): keep it for failures only.
        if ! "${p11[@]}" --write-object "$file" --type "$type" --id "$id" --label "$name" \
            >>"$dir/import.log" 2>&1; then
            cat "$dir/import.log" >&2
            echo "run_softhsm.sh: importing $type $name failed" >&2
            exit 1
        fi
    done
}
import 01 rsa2048 -algorithm RSA -pkeyopt rsa_keygen_bits:2048
import 02 p256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256

export TESSERA_TEST_MODULE=$module
export TESSERA_TEST_PIN=$pin
export TESSERA_TEST_SLOT_LABEL=tessera-ref
unset TESSERA_TEST_CARD TESSERA_PIV_READER
# Without an explicit filter, only the Generic.* tests (Card.* needs our card).
# Not exec: the EXIT trap must still remove the temporary token directory.
status=0
out=$dir/gtest.out
case " $* " in
*--gtest_filter*) "$bin" "$@" 2>&1 | tee "$out" || status=$? ;;
*) "$bin" --gtest_filter='Generic.*' "$@" 2>&1 | tee "$out" || status=$? ;;
esac
# A filter that matches nothing passes in gtest: a comparison that ran no test
# must fail, not count as a pass.
ran=$(sed -n 's/^\[==========\] \([0-9]*\) tests\? from .* ran\..*/\1/p' "$out" | tail -1)
if [ "${ran:-0}" -eq 0 ]; then
    echo "run_softhsm.sh: FAIL: no test ran against SoftHSM2" >&2
    exit 1
fi
echo "run_softhsm.sh: $ran tests ran against SoftHSM2"
exit "$status"
