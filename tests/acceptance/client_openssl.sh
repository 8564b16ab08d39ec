#!/usr/bin/env bash
# Acceptance (issue 11): OpenSSL 3 uses the cards through libp11's engine
# (libengine-pkcs11-openssl) and PKCS#11 URIs (RFC 7512) with pin-value, for a
# PIV RSA key (9A), a PIV EC key (9E) and the OpenPGP authentication key (03):
# `openssl dgst -sign`, `openssl pkeyutl -sign`, `openssl req -new` (and
# -x509 for the OpenPGP key, which has no certificate on the card), and
# `openssl s_client` client authentication against a local
# `openssl s_server -Verify 1`. Every signature is verified with the card's
# public key (its certificate, or CKA_PUBLIC_KEY_INFO). libp11 logs in only
# because the PIN-protected keys are CKA_PRIVATE. Then again through
# p11-kit-proxy with Tessera registered next to OpenSC (Debian's
# registration): the signatures still work, OpenSC's own token too, and
# openssl exits 0 (no crash at exit). Runs inside scripts/with-virtual-cards.
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=lib/openpgp.sh
. "$(dirname "$(readlink -f "$0")")/lib/openpgp.sh"
# shellcheck source=lib/p11kit_user.sh
. "$LIB_DIR/p11kit_user.sh"
ENGINE_SO=/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
require openssl pkcs11-tool p11-kit runuser timeout "$PY" "$ENGINE_SO" "$P11_PROXY" "$OPENSC_MODULE"
require_python_modules PyKCS11

uri_escape() { "$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
# token_label MODULE SLOT : the token label pkcs11-tool -L shows for the slot
token_label() {
    pkcs11-tool --module "$1" -L 2>/dev/null | awk -v s="($2)" '
        /^Slot / { on = index($0, s) > 0 } on && /token label *:/ { sub(/^[^:]*: */, ""); sub(/ +$/, ""); print; exit }'
}

piv_slot=$(reader_slot "$TESSERA_MODULE" "$TESSERA_PIV_READER") || die "no slot for the PIV reader"
pgp_slot=$(openpgp_slot) || die "no slot for the OpenPGP reader"
piv_token=$(token_label "$TESSERA_MODULE" "$piv_slot")
pgp_token=$(token_label "$TESSERA_MODULE" "$pgp_slot")
echo "# PIV token '$piv_token' (slot $piv_slot), OpenPGP token '$pgp_token' (slot $pgp_slot)"
piv_uri="pkcs11:token=$(uri_escape "$piv_token")"
pgp_uri="pkcs11:token=$(uri_escape "$pgp_token")"

# the card's public keys: PIV from the certificates, OpenPGP from CKA_PUBLIC_KEY_INFO
for id in 01 04; do
    pkcs11-tool --module "$TESSERA_MODULE" --slot "$piv_slot" --read-object --type cert --id "$id" \
        -o "$work/cert$id.der" >/dev/null 2>&1 || die "cannot read PIV certificate $id"
    openssl x509 -inform DER -in "$work/cert$id.der" -out "$work/cert$id.pem"
    openssl x509 -in "$work/cert$id.pem" -pubkey -noout >"$work/pub$id.pem"
done
spki_of 03 "$work/pgp03.der" || die "cannot read the OpenPGP public key 03"
openssl pkey -pubin -inform DER -in "$work/pgp03.der" -out "$work/pubpgp03.pem"

printf 'openssl through the card %s\n' "$(date +%s%N)" >"$work/data"
openssl dgst -sha256 -binary -out "$work/data.sha256" "$work/data"

# Tessera alone: the engine configured in an openssl.cnf, as a user would
cat >"$work/openssl.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $ENGINE_SO
MODULE_PATH = $TESSERA_MODULE
init = 0
EOF

# run NAME CMD... : output in $work/NAME.out; returns the command's status
run() {
    local name=$1
    shift
    "$@" >"$work/$name.out" 2>&1
}
show() { sed 's/^/       /' "$work/$1.out"; }

# verified NAME PUB SIG : the dgst signature SIG over $work/data verifies with PUB, and not over other data
verified() {
    openssl dgst -sha256 -verify "$2" -signature "$3" "$work/data" >/dev/null 2>&1 &&
        ! openssl dgst -sha256 -verify "$2" -signature "$3" "$work/data.sha256" >/dev/null 2>&1
}

# sign_checks WHAT URI PUB : dgst, pkeyutl and req with the key at URI
sign_checks() {
    local what=$1 key="$2;pin-value=$PIN" pub=$3 n=${1// /_}
    if run "$n.dgst" openssl dgst -sha256 -engine pkcs11 -keyform engine -sign "$key" -out "$work/$n.sig" "$work/data" &&
        verified "$what" "$pub" "$work/$n.sig"; then
        pass "$what: openssl dgst -sign, verified with the card's public key"
    else
        fail "$what: openssl dgst -sign"; show "$n.dgst"
    fi
    if run "$n.pkeyutl" openssl pkeyutl -engine pkcs11 -keyform engine -sign -inkey "$key" -pkeyopt digest:sha256 \
        -in "$work/data.sha256" -out "$work/$n.psig" &&
        openssl pkeyutl -verify -pubin -inkey "$pub" -pkeyopt digest:sha256 -in "$work/data.sha256" \
            -sigfile "$work/$n.psig" >/dev/null 2>&1; then
        pass "$what: openssl pkeyutl -sign, verified"
    else
        fail "$what: openssl pkeyutl -sign"; show "$n.pkeyutl"
    fi
    if run "$n.req" openssl req -new -engine pkcs11 -keyform engine -key "$key" -subj "/CN=$what" \
        -out "$work/$n.req" && openssl req -in "$work/$n.req" -verify -noout >/dev/null 2>&1 &&
        cmp -s <(openssl req -in "$work/$n.req" -pubkey -noout) <(openssl pkey -pubin -in "$pub"); then
        pass "$what: openssl req -new: the request's self-signature verifies and carries the card's key"
    else
        fail "$what: openssl req -new"; show "$n.req"
    fi
}

# tls_check WHAT URI CERT [S_CLIENT-ARGS...] : s_client authenticates with the key at URI and CERT to an
# s_server that demands it
tls_check() {
    local what=$1 key="$2;pin-value=$PIN" cert=$3 n=${1// /_} port="" i
    shift 3
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/srv.key" \
        -out "$work/srv.pem" -subj /CN=localhost -days 1 >/dev/null 2>&1
    timeout 60 openssl s_server -accept 127.0.0.1:0 -cert "$work/srv.pem" -key "$work/srv.key" -Verify 1 \
        -verify_return_error -CAfile "$cert" -naccept 1 -www >"$work/$n.server" 2>&1 &
    local server=$!
    for ((i = 0; i < 100; i++)); do
        port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/$n.server" 2>/dev/null || true)
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || { fail "$what: s_server did not start"; sed 's/^/       /' "$work/$n.server"; return; }
    printf 'GET / HTTP/1.0\r\n\r\n' | run "$n.client" timeout 60 openssl s_client -connect "127.0.0.1:$port" \
        -engine pkcs11 -keyform engine -key "$key" -cert "$cert" -CAfile "$work/srv.pem" -verify_return_error -quiet "$@" ||
        true
    wait "$server" || true
    local subject
    subject=$(openssl x509 -in "$cert" -noout -subject | sed 's/^subject=//')
    # the server demanded the certificate (-Verify 1, -verify_return_error), checked it and finished the handshake
    if grep -q '^HTTP/1.0 200 ok' "$work/$n.client.out" && grep -q '1 server accepts that finished' "$work/$n.server" &&
        grep -qF "depth=0 $subject" "$work/$n.server" && grep -q '^verify return:1' "$work/$n.server"; then
        pass "$what: openssl s_client client authentication (s_server -Verify 1 accepted '$subject')"
    else
        fail "$what: openssl s_client client authentication"; show "$n.client"; sed 's/^/       /' "$work/$n.server"
    fi
}

export OPENSSL_CONF=$work/openssl.cnf
sign_checks "PIV RSA 9A" "$piv_uri;id=%01;type=private" "$work/pub01.pem"
sign_checks "PIV EC 9E" "$piv_uri;id=%04;type=private" "$work/pub04.pem"
sign_checks "OpenPGP 03" "$pgp_uri;id=%03;type=private" "$work/pubpgp03.pem"
# the OpenPGP card has no certificate: one self-signed by the card key, through the engine
if run pgp.x509 openssl req -new -x509 -days 1 -engine pkcs11 -keyform engine \
    -key "$pgp_uri;id=%03;type=private;pin-value=$PIN" -subj "/CN=OpenPGP 03" -out "$work/pgp03.pem" &&
    openssl verify -CAfile "$work/pgp03.pem" "$work/pgp03.pem" >/dev/null 2>&1; then
    pass "OpenPGP 03: openssl req -x509 makes a certificate the card key signed"
else
    fail "OpenPGP 03: openssl req -x509"; show pgp.x509
fi
tls_check "PIV RSA 9A" "$piv_uri;id=%01;type=private" "$work/cert01.pem"
tls_check "PIV EC 9E" "$piv_uri;id=%04;type=private" "$work/cert04.pem"
# The OpenPGP card pads RSA itself (PKCS#1 v1.5 only, no raw RSA): no RSA-PSS, which
# TLS 1.3 requires for an RSA CertificateVerify. TLS 1.2 with PKCS#1 signatures works.
tls_check "OpenPGP 03" "$pgp_uri;id=%03;type=private" "$work/pgp03.pem" -tls1_2 -client_sigalgs RSA+SHA256
# without pin-value libp11 must find no PIN-protected key to sign with (it is CKA_PRIVATE)
if run nopin openssl dgst -sha256 -engine pkcs11 -keyform engine -sign "$piv_uri;id=%01;type=private" \
    -out "$work/nopin.sig" "$work/data" </dev/null; then
    fail "PIV RSA 9A without pin-value: signed anyway"
else pass "PIV RSA 9A without pin-value: no signature"; fi
unset OPENSSL_CONF

# Tessera and OpenSC both registered with p11-kit (OpenSC by Debian's package,
# Tessera in the user's ~/.config/pkcs11/modules); the engine loads p11-kit-proxy
p11kit_register
as_user p11-kit list-modules >"$work/modules.out" 2>&1 || true
if grep -q '^tessera: ' "$work/modules.out" && grep -q "^opensc-pkcs11: " "$work/modules.out"; then
    pass "p11-kit list-modules shows tessera and opensc-pkcs11"
else fail "p11-kit list-modules does not show both modules"; show modules; fi
proxy_sign() { # WHAT URI PUB
    local n="proxy_${1// /_}" rc=0
    n=${n//\'/}
    as_user env PKCS11_MODULE_PATH="$P11_PROXY" openssl dgst -sha256 -engine pkcs11 -keyform engine \
        -sign "$2;pin-value=$PIN" -out "$P11_HOME/$n.sig" "$work/data" >"$work/$n.out" 2>&1 || rc=$?
    if [ "$rc" = 0 ] && verified "$1" "$3" "$P11_HOME/$n.sig"; then
        pass "through p11-kit-proxy with OpenSC registered too: $1 signs, exit 0"
    else
        fail "through p11-kit-proxy: $1 (exit $rc)"; show "$n"
    fi
}
proxy_sign "PIV RSA 9A" "$piv_uri;id=%01;type=private" "$work/pub01.pem"
proxy_sign "PIV EC 9E" "$piv_uri;id=%04;type=private" "$work/pub04.pem"
proxy_sign "OpenPGP 03" "$pgp_uri;id=%03;type=private" "$work/pubpgp03.pem"
# OpenSC's own token for the same PIV card, in a process that has Tessera loaded
opensc_slot=$(reader_slot "$OPENSC_MODULE" "$TESSERA_PIV_READER") || die "OpenSC has no slot for the PIV reader"
opensc_token=$(token_label "$OPENSC_MODULE" "$opensc_slot")
echo "# OpenSC's PIV token: '$opensc_token'"
[ "$opensc_token" != "$piv_token" ] || die "OpenSC's token has Tessera's label: the URI cannot tell them apart"
proxy_sign "OpenSC's PIV token, key 01" "pkcs11:token=$(uri_escape "$opensc_token");id=%01;type=private" \
    "$work/pub01.pem"
finish
