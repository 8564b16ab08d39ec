#!/usr/bin/env bash
# Acceptance (issue 8): the persistent cache on the YubiKey-profile PIV card.
# A cold run writes the entry (directory 0700, file 0600); a fresh process with
# the cache warm sends fewer APDUs (counted by the virtual card) and lists the
# very same objects; login + sign works from a warm cache; a certificate that
# another tool (yubico-piv-tool) replaces on the card is served fresh on the
# next run, and the entry is rewritten. Each run gets its own HOME and
# cache_dir under the test's work directory.
# sandbox-args: --piv=yubikey --openpgp=none
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require pkcs11-tool yubico-piv-tool openssl
VCARD_CTL=$(dirname "$(readlink -f "$0")")/../../scripts/vcard-ctl

mkdir -p "$work/home"
cache="$work/home/cache"
printf 'cache_dir = %s\n' "$cache" >"$work/tessera.conf"
export HOME="$work/home" XDG_CACHE_HOME="$work/home/xdg" TESSERA_CONF="$work/tessera.conf"

card_apdus() { # the virtual card's APDU count since the last stats-reset
    "$VCARD_CTL" stats piv | python3 -c 'import json,sys; print(json.load(sys.stdin)["apdus"])'
}
run_counted() { # NAME PKCS11-TOOL-ARGS...: output in $work/NAME.out, APDUs in $work/NAME.n
    local name=$1
    shift
    "$VCARD_CTL" stats-reset piv >/dev/null
    TESSERA_DEBUG=1 TESSERA_LOG_FILE="$work/$name.log" \
        pkcs11-tool --module "$TESSERA_MODULE" "$@" >"$work/$name.out" 2>&1 || die "pkcs11-tool $* failed: $(cat "$work/$name.out")"
    card_apdus >"$work/$name.n"
    echo "# $name: $(cat "$work/$name.n") APDUs"
}
entry() { find "$cache" -maxdepth 1 -name 'piv-*.cache' -print -quit 2>/dev/null; }

echo data-to-sign >"$work/data"
SIGN=(--login --pin "$PIN" --sign --id 01 -m SHA256-RSA-PKCS -i "$work/data" -o "$work/sig")

run_counted list-cold -L
check "no cache file after -L (no keys read)" test -z "$(entry)"
run_counted objects-cold -O
file=$(entry)
check "-O wrote the cache entry" test -n "$file"
check "cache directory is 0700" test "$(stat -c %a "$cache")" = 700
check "cache file is 0600" test "$(stat -c %a "$file")" = 600
check "cache file is the user's" test "$(stat -c %u "$file")" = "$(id -u)"
check "no temporary file left" test "$(find "$cache" -mindepth 1 | wc -l)" -eq 1
check "the default location was not used" test ! -e "$work/home/xdg/tessera"

run_counted objects-warm -O
check "warm -O: fewer APDUs ($(cat "$work/objects-warm.n")) than cold ($(cat "$work/objects-cold.n"))" \
    test "$(cat "$work/objects-warm.n")" -lt "$(cat "$work/objects-cold.n")"
check "warm -O lists the same objects as cold" diff "$work/objects-cold.out" "$work/objects-warm.out"
check "warm -O was served from the cache" grep -q 'from the cache, confirmed by the card' "$work/objects-warm.log"
run_counted list-warm -L

run_counted sign-warm "${SIGN[@]}"
mv "$cache" "$work/cache.saved"
run_counted sign-cold "${SIGN[@]}"
rm -rf "$cache"
mv "$work/cache.saved" "$cache"
check "warm login+sign: fewer APDUs ($(cat "$work/sign-warm.n")) than cold ($(cat "$work/sign-cold.n"))" \
    test "$(cat "$work/sign-warm.n")" -lt "$(cat "$work/sign-cold.n")"

# Another tool replaces the 9A certificate (same public key, new issuer and subject).
ypt() { yubico-piv-tool -r "${TESSERA_PIV_READER:-}" "$@"; }
ypt -a read-certificate -s 9a -o "$work/old.pem" >/dev/null 2>&1 || die "read-certificate 9a failed"
openssl x509 -in "$work/old.pem" -pubkey -noout >"$work/pub.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
    -subj /CN=cache-test-ca -days 30 -out "$work/ca.pem" 2>/dev/null
openssl req -new -key "$work/ca.key" -subj /CN=cache-replaced -out "$work/req.pem" 2>/dev/null
openssl x509 -req -in "$work/req.pem" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
    -force_pubkey "$work/pub.pem" -days 30 -out "$work/new.pem" 2>/dev/null
before=$(sha256sum "$file" | cut -d' ' -f1)
check "yubico-piv-tool replaces the 9A certificate" ypt -a import-certificate -s 9a -i "$work/new.pem"
run_counted objects-replaced -O
check "the check saw the change" grep -q "keys changed: reading them again" "$work/objects-replaced.log"
TESSERA_DEBUG=0 pkcs11-tool --module "$TESSERA_MODULE" --read-object --type cert --id 01 -o "$work/served.der" \
    >/dev/null 2>&1 || die "reading the certificate failed"
check "the new certificate is served" sh -c "openssl x509 -inform DER -in '$work/served.der' -noout -subject | grep -q cache-replaced"
check "the entry was rewritten" test "$(sha256sum "$file" | cut -d' ' -f1)" != "$before"
run_counted objects-after -O
check "the next run is warm again" grep -q 'from the cache, confirmed by the card' "$work/objects-after.log"
check "and lists the same objects as the run after the change" diff "$work/objects-replaced.out" "$work/objects-after.out"

echo "# PIV APDUs cold/warm: -L $(cat "$work/list-cold.n")/$(cat "$work/list-warm.n")," \
    "-O $(cat "$work/objects-cold.n")/$(cat "$work/objects-warm.n")," \
    "login+sign $(cat "$work/sign-cold.n")/$(cat "$work/sign-warm.n")"
finish
