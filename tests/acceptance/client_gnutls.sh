#!/usr/bin/env bash
# Acceptance (issue 11): GnuTLS. `p11tool --list-tokens` shows both cards'
# tokens with their PKCS#11 URIs (RFC 7512); `p11tool --list-all-certs URI`
# lists the PIV card's four certificates, and with Tessera and OpenSC both
# registered with p11-kit each token URI Tessera printed selects exactly that
# token (no object of the other card or of OpenSC's token for the same card);
# `--list-privkeys` shows 9E alone without a login and all four keys with
# --login --set-pin; `certtool --generate-request --load-privkey URI` (PIN
# from GNUTLS_PIN) makes requests whose self-signature verifies and which
# carry the card's key, for PIV 9A (RSA), PIV 9E (EC) and OpenPGP 03. Runs
# inside scripts/with-virtual-cards.
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=lib/openpgp.sh
. "$(dirname "$(readlink -f "$0")")/lib/openpgp.sh"
# shellcheck source=lib/p11kit_user.sh
. "$LIB_DIR/p11kit_user.sh"
require p11tool certtool openssl pkcs11-tool runuser p11-kit "$OPENSC_MODULE"
p11tool() { command p11tool --provider "$TESSERA_MODULE" "$@"; }
show() { sed 's/^/       /' "$1"; }
urls() { sed -n 's/^[[:space:]]*URL: //p' "$1"; }

command p11tool --version >"$work/version" 2>&1 || true
echo "# $(head -1 "$work/version")"
p11tool --list-tokens >"$work/tokens" 2>&1 || fail "p11tool --list-tokens exit status $?"
sed 's/^/#   /' "$work/tokens"
piv_slot=$(reader_slot "$TESSERA_MODULE" "$TESSERA_PIV_READER") || die "no slot for the PIV reader"
token_url() { # LABEL : the URL p11tool printed for the token with that label
    awk -v l="$1" '/^[[:space:]]*URL: / { u = $2 } /^[[:space:]]*Label: / { sub(/^[[:space:]]*Label: /, ""); if ($0 == l) print u }' \
        "$work/tokens"
}
label_of() {
    pkcs11-tool --module "$TESSERA_MODULE" -L 2>/dev/null | awk -v s="($1)" '
        /^Slot / { on = index($0, s) > 0 } on && /token label *:/ { sub(/^[^:]*: */, ""); sub(/ +$/, ""); print; exit }'
}
piv_token=$(label_of "$piv_slot")
pgp_token=$(label_of "$(openpgp_slot)")
piv_url=$(token_url "$piv_token")
pgp_url=$(token_url "$pgp_token")
echo "# PIV token URL: $piv_url"
echo "# OpenPGP token URL: $pgp_url"
check "--list-tokens: the PIV token '$piv_token' with a pkcs11: URL" test "${piv_url#pkcs11:}" != "$piv_url"
check "--list-tokens: the OpenPGP token '$pgp_token' with a pkcs11: URL" test "${pgp_url#pkcs11:}" != "$pgp_url"
check "--list-tokens: the two URLs differ" test "$piv_url" != "$pgp_url"

# --list-all-certs with the PIV token's URL: the four certificates, all of that token
p11tool --list-all-certs "$piv_url" >"$work/certs" 2>&1 || fail "p11tool --list-all-certs exit status $?"
n=$(urls "$work/certs" | grep -c ';type=cert' || true)
check "--list-all-certs: 4 certificates on the PIV token ($n)" test "$n" = 4
for id in 01 02 03 04; do
    check "--list-all-certs: certificate $id" grep -q "^[[:space:]]*URL: $piv_url;id=%$id;.*type=cert" "$work/certs"
done

# private keys: 9E needs no PIN (public object); the others appear after the login
p11tool --list-privkeys "$piv_url" </dev/null >"$work/priv_nologin" 2>&1 || true
n=$(urls "$work/priv_nologin" | grep -c ';type=private' || true)
check "--list-privkeys without --login: only 9E ($n key)" \
    bash -c "test '$n' = 1 && grep -q 'URL: .*;id=%04;.*type=private' '$work/priv_nologin'"
p11tool --login --set-pin "$PIN" --list-privkeys "$piv_url" >"$work/priv" 2>&1 ||
    fail "p11tool --login --list-privkeys exit status $?"
n=$(urls "$work/priv" | grep -c ';type=private' || true)
check "--login --set-pin --list-privkeys: 4 private keys ($n)" test "$n" = 4

# certtool makes certificate requests with the card's keys (PIN from GNUTLS_PIN)
pkcs11-tool --module "$TESSERA_MODULE" --slot "$piv_slot" --read-object --type cert --id 01 -o "$work/c01.der" >/dev/null 2>&1
pkcs11-tool --module "$TESSERA_MODULE" --slot "$piv_slot" --read-object --type cert --id 04 -o "$work/c04.der" >/dev/null 2>&1
openssl x509 -inform DER -in "$work/c01.der" -pubkey -noout >"$work/pub01.pem"
openssl x509 -inform DER -in "$work/c04.der" -pubkey -noout >"$work/pub04.pem"
spki_of 03 "$work/pgp03.der" || die "cannot read the OpenPGP public key 03"
openssl pkey -pubin -inform DER -in "$work/pgp03.der" -out "$work/pubpgp03.pem"
request() { # WHAT KEY-URL PUB
    local n=${1// /_}
    printf 'cn = "%s"\n' "$1" >"$work/$n.tmpl"
    if GNUTLS_PIN=$PIN certtool --provider "$TESSERA_MODULE" --generate-request --load-privkey "$2" \
        --template "$work/$n.tmpl" --outfile "$work/$n.csr" >"$work/$n.out" 2>&1 &&
        certtool --crq-info --infile "$work/$n.csr" 2>&1 | grep -q 'Self signature: verified' &&
        cmp -s <(openssl req -in "$work/$n.csr" -pubkey -noout) <(openssl pkey -pubin -in "$3"); then
        pass "$1: certtool --generate-request: self-signature verified, the card's key"
    else
        fail "$1: certtool --generate-request"; show "$work/$n.out"
    fi
}
request "PIV RSA 9A" "$piv_url;id=%01;type=private" "$work/pub01.pem"
request "PIV EC 9E" "$piv_url;id=%04;type=private" "$work/pub04.pem"
request "OpenPGP 03" "$pgp_url;id=%03;type=private" "$work/pubpgp03.pem"

# registered with p11-kit next to OpenSC (which serves the same two cards): the
# URLs Tessera printed select only Tessera's tokens
p11kit_register
as_user p11tool --list-tokens >"$work/all_tokens" 2>&1 || true
opensc=$(grep -c 'Model: PKCS#15 emulated' "$work/all_tokens" || true)
check "p11-kit: p11tool sees OpenSC's tokens too ($opensc)" test "$opensc" -ge 1
for pair in "PIV|$piv_url" "OpenPGP|$pgp_url"; do
    what=${pair%%|*} url=${pair#*|}
    as_user p11tool --list-all "$url" >"$work/sel_$what" 2>&1 || true
    urls "$work/sel_$what" >"$work/sel_$what.urls"
    total=$(wc -l <"$work/sel_$what.urls")
    ours=$(grep -cF "$url;" "$work/sel_$what.urls" || true)
    check "p11-kit: the $what token URL selects $total objects, all of that token" \
        bash -c "test '$total' -ge 1 && test '$total' = '$ours'"
done
finish
