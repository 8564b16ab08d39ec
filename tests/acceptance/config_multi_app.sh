#!/usr/bin/env bash
# Acceptance (issue 11, "Cards with more than one application"): one virtual
# card carrying PIV and OpenPGP, as a YubiKey does (with-virtual-cards
# --multi-app). One slot holds one token: by default it is the PIV token;
# `application = openpgp`, a rule on the reader name or on the card's serial
# makes it the OpenPGP token (which then signs); a rule for another reader
# changes nothing; `tessera status` lists both applications and names the one
# served. Runs inside scripts/with-virtual-cards.
# sandbox-args: --multi-app --openpgp=none
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
: "${TESSERA_PIV_READER:?no PIV card in this sandbox}"
require pkcs11-tool openssl
TESSERA=$TESSERA_BUILD_DIR/tools/tessera/tessera
require "$TESSERA"

# tool NAME CONF-TEXT ARGS...: pkcs11-tool under that config, output in $work/NAME.out
tool() {
    local name=$1
    printf '%s\n' "$2" >"$work/$name.conf"
    shift 2
    TESSERA_CONF="$work/$name.conf" TESSERA_DEBUG=1 TESSERA_LOG_FILE="$work/$name.log" \
        pkcs11-tool --module "$TESSERA_MODULE" "$@" >"$work/$name.out" 2>&1 || fail "$name: pkcs11-tool $* exit status $?"
    sed "s/^/# $name: /" "$work/$name.out"
}
model() { sed -n 's/^ *token model *: *//p' "$work/$1.out" | sed 's/ *$//'; }
tokens() { grep -c "token label" "$work/$1.out" || true; }

tool default '' -L
check "one card, one token" test "$(tokens default)" = 1
check "default: the PIV token (model $(model default))" sh -c "! grep -q 'token model *: OpenPGP' '$work/default.out' && grep -q 'token label *: .*PIV' '$work/default.out'"
serial=$(sed -n 's/^ *serial num *: *//p' "$work/default.out" | sed 's/ *$//')
[ -n "$serial" ] || die "no serial number in pkcs11-tool -L"

tool global 'application = openpgp' -L
check "application = openpgp: still one token" test "$(tokens global)" = 1
check "... the OpenPGP token" grep -q 'token model *: OpenPGP' "$work/global.out"

tool reader "application.${TESSERA_PIV_READER%% *}* = openpgp" -L
check "application.READER-PATTERN = openpgp: the OpenPGP token" grep -q 'token model *: OpenPGP' "$work/reader.out"

tool other 'application.Some Other Reader* = openpgp' -L
check "a rule for another reader: the PIV token" sh -c "! grep -q 'token model *: OpenPGP' '$work/other.out'"

tool bserial "application.$serial = openpgp" -L
check "application.SERIAL = openpgp: the OpenPGP token" grep -q 'token model *: OpenPGP' "$work/bserial.out"
check "... the debug log says why" grep -q "serving OpenPGP (application rule for its serial)" "$work/bserial.log"

tool rulewins "application = openpgp
application.${TESSERA_PIV_READER%% *}* = piv" -L
check "a reader rule outranks the global choice" sh -c "! grep -q 'token model *: OpenPGP' '$work/rulewins.out'"

# the OpenPGP token served is usable: a signature with its authentication key
echo data-to-sign >"$work/data"
tool pgpsign 'application = openpgp' --login --pin "$PIN" --sign --id 03 -m SHA256-RSA-PKCS \
    -i "$work/data" -o "$work/pgp.sig"
tool pgppub 'application = openpgp' --read-object --type pubkey --id 03 -o "$work/pgp.pub.der"
check "OpenPGP key 03 signed, and the signature verifies" \
    openssl dgst -sha256 -verify <(openssl pkey -pubin -inform DER -in "$work/pgp.pub.der") -signature "$work/pgp.sig" "$work/data"
# and the same card serves PIV again to the next process (the PIN rule reselects PIV)
tool pivsign '' --login --pin "$PIN" --sign --id 01 -m SHA256-RSA-PKCS -i "$work/data" -o "$work/piv.sig"
tool pivpub '' --read-object --type pubkey --id 01 -o "$work/piv.pub.der"
check "PIV key 9A signs after the OpenPGP use, and the signature verifies" \
    openssl dgst -sha256 -verify <(openssl pkey -pubin -inform DER -in "$work/piv.pub.der") -signature "$work/piv.sig" "$work/data"

# tessera status: every application, and the one served
: >"$work/empty.conf"
TESSERA_CONF=$work/empty.conf "$TESSERA" status >"$work/status.out" 2>&1 || fail "tessera status exit status $?"
sed 's/^/# status: /' "$work/status.out"
check "status lists both applications, serving PIV" grep -q '^  card applications: PIV, OpenPGP (serving PIV;' "$work/status.out"
check "... application: PIV" grep -q '^  application: PIV$' "$work/status.out"
printf 'application = openpgp\n' >"$work/status.conf"
TESSERA_CONF=$work/status.conf "$TESSERA" status >"$work/status_pgp.out" 2>&1 || fail "tessera status (openpgp) exit status $?"
sed 's/^/# status_pgp: /' "$work/status_pgp.out"
check "with application = openpgp: both listed, serving OpenPGP" grep -q '^  card applications: PIV, OpenPGP (serving OpenPGP;' "$work/status_pgp.out"
finish
