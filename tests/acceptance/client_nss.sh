#!/usr/bin/env bash
# Acceptance: NSS with tessera-pkcs11.so. `modutil -add` registers the module
# in a fresh NSS database; `modutil -list` shows both tokens; `certutil -L -h
# all` lists the PIV card's four certificates (the same bytes as the card's)
# and `certutil -K -h all` (PIN from a password file) the keys of both cards.
# NSS's tstclnt then completes TLS client-certificate handshakes against a
# local `openssl s_server -Verify 1 -www` with PIV 9A (RSA, TLS 1.3 so
# RSA-PSS), 9E (ECDSA) and 9C (ECDSA, NSS does the context-specific login);
# the server's page must carry the card's certificate. With a certificate
# written to the OpenPGP card, its RSA key works in TLS 1.2 (PKCS#1 v1.5) and
# NSS sends no certificate in TLS 1.3 (the card cannot do PSS): the README
# says so. Runs inside scripts/with-virtual-cards (PIV and OpenPGP cards).
# sandbox-timeout: 300
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=lib/client_netns.sh
. "$here/lib/client_netns.sh"
# shellcheck source=lib/client_keys.sh
. "$here/lib/client_keys.sh"
require modutil certutil tstclnt openssl pkcs11-tool timeout "$PY"
: "${TESSERA_PIV_READER:?no PIV card in this sandbox}"
: "${TESSERA_OPENPGP_READER:?no OpenPGP card in this sandbox}"
piv=$(reader_slot "$TESSERA_PIV_READER") || die "no slot for the PIV reader"
pgp=$(reader_slot "$TESSERA_OPENPGP_READER") || die "no slot for the OpenPGP reader"
label() {
    pkcs11-tool --module "$TESSERA_MODULE" -L 2>/dev/null | awk -v slot="($1):" '
        /^Slot / { here = ($3 == slot) }
        here && /token label/ { sub(/^ *token label *: /, ""); print; exit }'
}
piv_label=$(label "$piv")
pgp_label=$(label "$pgp")
db=$work/nssdb
pwfile=$work/pin.txt
printf '%s\n' "$PIN" >"$pwfile"
chmod 600 "$pwfile"

# --- registration and listing ---------------------------------------------------------------
mkdir "$db"
check "certutil -N: a fresh NSS database" certutil -N -d "sql:$db" --empty-password
check "modutil -add Tessera" modutil -dbdir "sql:$db" -add Tessera -libfile "$TESSERA_MODULE" -force
modutil -dbdir "sql:$db" -list >"$work/modlist" 2>&1 || true
for t in "$piv_label" "$pgp_label"; do
    if grep -qF "token: $t" "$work/modlist"; then pass "modutil -list shows token '$t'"; else
        fail "modutil -list does not show '$t'"; sed 's/^/       /' "$work/modlist"; fi
done

certutil -L -h all -d "sql:$db" -f "$pwfile" >"$work/certs" 2>&1 || fail "certutil -L -h all"
sed 's/^/#   /' "$work/certs"
n=$(grep -cF "$piv_label:" "$work/certs" || true)
if [ "$n" = 4 ]; then pass "certutil -L -h all lists 4 certificates of '$piv_label'"; else
    fail "certutil -L -h all lists $n certificates of '$piv_label', want 4"; fi
if grep -qF "$pgp_label:" "$work/certs"; then fail "certificates listed for '$pgp_label', which holds none"; else
    pass "no certificate listed for '$pgp_label' (it holds none)"; fi
# nicknames are TOKEN:LABEL, then the trust flags
mapfile -t nicks < <(grep -F "$piv_label:" "$work/certs" | sed 's/ *[a-zA-Z]*,[a-zA-Z]*,[a-zA-Z]* *$//')
for id in 01 02 03 04; do
    pkcs11-tool --module "$TESSERA_MODULE" --slot "$piv" --read-object --type cert --id "$id" \
        -o "$work/card$id.der" >/dev/null 2>&1 || { fail "pkcs11-tool cannot read certificate $id"; continue; }
    cn=$(openssl x509 -inform DER -in "$work/card$id.der" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
    nick=
    for nk in "${nicks[@]}"; do
        certutil -L -h "$piv_label" -d "sql:$db" -f "$pwfile" -n "$nk" -r >"$work/nss.der" 2>/dev/null </dev/null &&
            cmp -s "$work/nss.der" "$work/card$id.der" && { nick=$nk; break; }
    done
    if [ -n "$nick" ]; then pass "certificate $id ($cn) is in NSS as '$nick', same bytes"; else
        fail "certificate $id ($cn) is not among NSS's"; fi
    echo "$nick" >"$work/nick$id"
done

certutil -K -h all -d "sql:$db" -f "$pwfile" >"$work/keys" 2>&1 || fail "certutil -K -h all"
sed 's/^/#   /' "$work/keys"
# "< n> TYPE CKA_ID-in-hex LABEL" under each token's "Checking token" line
keys_of() { awk -v t="certutil: Checking token \"$1\"" 'index($0, t) == 1 { on = 1; next }
                                                    /^certutil: Checking token/ { on = 0 }
                                                    on && /^< *[0-9]+>/ { print $3, $4 }' "$work/keys" | sort -k2; }
want_piv=$(printf 'rsa 01\nec 02\nrsa 03\nec 04\n')
want_pgp=$(printf 'rsa 01\nrsa 02\nrsa 03\n')
if [ "$(keys_of "$piv_label")" = "$want_piv" ]; then pass "certutil -K: the PIV keys 01-04 (rsa, ec, rsa, ec)"; else
    fail "certutil -K, PIV keys: $(keys_of "$piv_label" | tr '\n' ' ')"; fi
if [ "$(keys_of "$pgp_label")" = "$want_pgp" ]; then pass "certutil -K: the OpenPGP keys 01-03 (rsa)"; else
    fail "certutil -K, OpenPGP keys: $(keys_of "$pgp_label" | tr '\n' ' ')"; fi

# --- TLS client authentication with tstclnt -------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/server.key" \
    -out "$work/server.pem" -subj /CN=localhost -days 2 >/dev/null 2>&1 || die "cannot make the server's certificate"
openssl s_server -accept "127.0.0.1:$CLIENT_PORT" -cert "$work/server.pem" -key "$work/server.key" \
    -Verify 1 -www >"$work/server.log" 2>&1 </dev/null &
server_pid=$!
on_exit "kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null"
for ((i = 0; i < 100; i++)); do grep -q '^ACCEPT' "$work/server.log" 2>/dev/null && break; sleep 0.05; done
grep -q '^ACCEPT' "$work/server.log" || die "openssl s_server did not start: $(cat "$work/server.log")"
printf 'GET / HTTP/1.0\r\n\r\n' >"$work/request"

# tls NICK OUT [tstclnt options] : one HTTPS request with NICK's key and certificate
tls() {
    local nick=$1 out=$2
    shift 2
    timeout 60 tstclnt -h 127.0.0.1 -p "$CLIENT_PORT" -d "sql:$db" -n "$nick" -W "$pwfile" -o \
        -A "$work/request" "$@" >"$out" 2>&1
}
# client_auth WHAT NICK CERT.der PROTOCOL [tstclnt options] : the handshake
# completes and the server saw CERT (its page prints the peer certificate)
client_auth() {
    local what=$1 nick=$2 cert=$3 proto=$4
    shift 4
    if tls "$nick" "$work/tls.out" "$@" && grep -q "Protocol  : $proto" "$work/tls.out" &&
        sed -n '/^Client certificate/,$p' "$work/tls.out" | openssl x509 -outform DER -out "$work/peer.der" 2>/dev/null &&
        cmp -s "$work/peer.der" "$cert"; then
        pass "tstclnt: $what: $proto handshake, the server got the card's certificate"
    else
        fail "tstclnt: $what"; grep -E 'tstclnt:|Protocol|certificate' "$work/tls.out" | head -n 8 | sed 's/^/       /'
    fi
}
client_auth "PIV 9A (RSA-PSS)" "$(cat "$work/nick01")" "$work/card01.der" TLSv1.3
client_auth "PIV 9E (ECDSA)" "$(cat "$work/nick04")" "$work/card04.der" TLSv1.3
client_auth "PIV 9C (ECDSA, context-specific login)" "$(cat "$work/nick02")" "$work/card02.der" TLSv1.3
client_auth "PIV 9A in TLS 1.2" "$(cat "$work/nick01")" "$work/card01.der" TLSv1.2 -V tls1.2:tls1.2
n=$(grep -c '^depth=0 CN = Tessera Virtual PIV' "$work/server.log" || true)
if [ "$n" -ge 4 ]; then pass "the server's log shows the client certificates"; else
    fail "the server's log shows $n client certificates"; sed 's/^/       /' "$work/server.log"; fi

# --- the OpenPGP card with a certificate ------------------------------------------------------
if openpgp_put_cert "$pgp" "$work/pgp-cert.der" >"$work/putcert" 2>&1; then
    pass "a certificate for the OpenPGP authentication key written to the card"
else
    fail "writing a certificate to the OpenPGP card"; sed 's/^/       /' "$work/putcert"
fi
pgp_nick=$(certutil -L -h all -d "sql:$db" -f "$pwfile" 2>/dev/null | grep -F "$pgp_label:" |
    sed 's/ *[a-zA-Z]*,[a-zA-Z]*,[a-zA-Z]* *$//' | head -n 1 || true)
if [ -n "$pgp_nick" ]; then pass "certutil -L lists the OpenPGP certificate as '$pgp_nick'"; else
    fail "certutil -L does not list the OpenPGP certificate"; fi
client_auth "OpenPGP authentication key (RSA PKCS#1 v1.5)" "$pgp_nick" "$work/pgp-cert.der" TLSv1.2 -V tls1.2:tls1.2
# TLS 1.3 signs with RSA-PSS only (RFC 8446 section 4.2.3), which the card cannot do
if tls "$pgp_nick" "$work/tls13.out"; then
    fail "tstclnt: the OpenPGP RSA key in TLS 1.3 (no PSS on the card) succeeded: update the README"
elif grep -q 'certificate_required\|CERTIFICATE_REQUIRED' "$work/tls13.out"; then
    pass "tstclnt: the OpenPGP RSA key in TLS 1.3: NSS sends no certificate (certificate_required alert)"
else
    fail "tstclnt: the OpenPGP RSA key in TLS 1.3 failed otherwise"; tail -n 3 "$work/tls13.out" | sed 's/^/       /'
fi

finish
