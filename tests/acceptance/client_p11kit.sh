#!/usr/bin/env bash
# Acceptance (issue 11): p11-kit. With the shipped conf/tessera.module.in
# registered for a user (~/.config/pkcs11/modules) next to Debian's OpenSC
# registration: `p11-kit list-modules` shows Tessera's tokens; pkcs11-tool
# through p11-kit-proxy.so reaches them, and because of the file's priority
# the first token is Tessera's, so a signature without --slot ends up in
# Tessera (its debug log shows the C_Sign; without the priority line OpenSC's
# token comes first); a user file opensc-pkcs11.module with
# `disable-in: p11-kit-proxy` hides OpenSC from the proxy. `p11-kit server`
# exports both cards' tokens on a socket and p11-kit-client.so
# (P11_KIT_SERVER_ADDRESS) signs through it with the PIV and the OpenPGP key;
# the signatures verify with the cards' keys. Runs inside
# scripts/with-virtual-cards.
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=lib/openpgp.sh
. "$(dirname "$(readlink -f "$0")")/lib/openpgp.sh"
# shellcheck source=lib/p11kit_user.sh
. "$LIB_DIR/p11kit_user.sh"
CLIENT=/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so
MODULE_IN=$ACCEPTANCE_DIR/../../conf/tessera.module.in
require p11-kit pkcs11-tool openssl runuser timeout "$P11_PROXY" "$CLIENT" "$MODULE_IN" "$OPENSC_MODULE"

# token_label MODULE SLOT / first_token MODULE-OUTPUT : labels from pkcs11-tool -L
token_label() {
    pkcs11-tool --module "$1" -L 2>/dev/null | awk -v s="($2)" '
        /^Slot / { on = index($0, s) > 0 } on && /token label *:/ { sub(/^[^:]*: */, ""); sub(/ +$/, ""); print; exit }'
}
labels() { sed -n 's/^ *token label *: *//p' "$1" | sed 's/ *$//'; }
show() { sed 's/^/       /' "$1"; }

piv_slot=$(reader_slot "$TESSERA_MODULE" "$TESSERA_PIV_READER") || die "no slot for the PIV reader"
piv_token=$(token_label "$TESSERA_MODULE" "$piv_slot")
pgp_token=$(token_label "$TESSERA_MODULE" "$(openpgp_slot)")
echo "# Tessera's tokens: '$piv_token', '$pgp_token'"
pkcs11-tool --module "$TESSERA_MODULE" --slot "$piv_slot" --read-object --type cert --id 01 \
    -o "$work/cert01.der" >/dev/null 2>&1 || die "cannot read PIV certificate 01"
openssl x509 -inform DER -in "$work/cert01.der" -pubkey -noout >"$work/pub01.pem"
spki_of 03 "$work/pgp03.der" || die "cannot read the OpenPGP public key 03"
openssl pkey -pubin -inform DER -in "$work/pgp03.der" -out "$work/pgp03.pem"
printf 'p11-kit %s\n' "$(date +%s%N)" >"$work/data"
chmod a+r "$work"/*

# the shipped registration file, naming this build's module
p11kit_register
sed "s|@TESSERA_INSTALLED_MODULE@|$TESSERA_MODULE|" "$MODULE_IN" >"$P11_USER_MODULES/tessera.module"
check "the shipped module file sets a priority" grep -Eq '^priority: *[1-9][0-9]*$' "$P11_USER_MODULES/tessera.module"

as_user p11-kit list-modules >"$work/modules" 2>&1 || fail "p11-kit list-modules exit status $?"
awk '/^[^ ]/ { mod = $1 } /^    token: / { sub(/^    token: /, ""); print mod, $0 }' "$work/modules" >"$work/module_tokens"
sed 's/^/#   /' "$work/module_tokens"
for t in "$piv_token" "$pgp_token"; do
    check "p11-kit list-modules: tessera serves '$t'" grep -qxF "tessera: $t" "$work/module_tokens"
done
check "p11-kit list-modules: opensc-pkcs11 is registered too" grep -q '^opensc-pkcs11: ' "$work/module_tokens"

# pkcs11-tool through the proxy: both modules' tokens, Tessera's first
as_user pkcs11-tool --module "$P11_PROXY" -L >"$work/proxy" 2>&1 || fail "pkcs11-tool -L through the proxy: exit $?"
labels "$work/proxy" >"$work/proxy_labels"
sed 's/^/#   proxy: /' "$work/proxy_labels"
for t in "$piv_token" "$pgp_token"; do
    check "p11-kit-proxy -L reaches '$t'" grep -qxF "$t" "$work/proxy_labels"
done
opensc_token=$(token_label "$OPENSC_MODULE" "$(reader_slot "$OPENSC_MODULE" "$TESSERA_PIV_READER")")
check "p11-kit-proxy -L shows OpenSC's token for the same card ('$opensc_token')" \
    grep -qxF "$opensc_token" "$work/proxy_labels"
check "p11-kit-proxy: the first token is Tessera's (priority)" test "$(head -1 "$work/proxy_labels")" = "$piv_token"

# a signature without --slot: pkcs11-tool takes the first token; it must be Tessera that signs
rm -f "$P11_HOME/debug.log"
if as_user env TESSERA_DEBUG=1 TESSERA_LOG_FILE="$P11_HOME/debug.log" pkcs11-tool --module "$P11_PROXY" \
    --login --pin "$PIN" --sign --id 01 -m SHA256-RSA-PKCS -i "$work/data" -o "$P11_HOME/proxy.sig" \
    >"$work/proxy_sign" 2>&1 &&
    openssl dgst -sha256 -verify "$work/pub01.pem" -signature "$P11_HOME/proxy.sig" "$work/data" >/dev/null 2>&1; then
    pass "sign through p11-kit-proxy without --slot: the signature verifies with certificate 01"
else
    fail "sign through p11-kit-proxy without --slot"; show "$work/proxy_sign"
fi
check "... and Tessera made it (its debug log has C_Sign(...) = CKR_OK)" grep -qE 'C_Sign\(.*\) = CKR_OK' "$P11_HOME/debug.log"

# the control: without the priority line, p11-kit sorts by name and OpenSC's token comes first
grep -v '^priority:' "$P11_USER_MODULES/tessera.module" >"$work/noprio.module"
cp "$work/noprio.module" "$P11_USER_MODULES/tessera.module"
as_user pkcs11-tool --module "$P11_PROXY" -L >"$work/proxy_noprio" 2>&1 || true
first=$(labels "$work/proxy_noprio" | head -1)
check "control: without the priority the first token is not Tessera's ('$first')" test "$first" != "$piv_token"
sed "s|@TESSERA_INSTALLED_MODULE@|$TESSERA_MODULE|" "$MODULE_IN" >"$P11_USER_MODULES/tessera.module"

# hiding OpenSC from the proxy with a user file of the same name (README, "p11-kit")
printf 'disable-in: p11-kit-proxy\n' >"$P11_USER_MODULES/opensc-pkcs11.module"
as_user pkcs11-tool --module "$P11_PROXY" -L >"$work/proxy_noopensc" 2>&1 || true
check "opensc-pkcs11.module with disable-in: p11-kit-proxy: OpenSC's token is gone from the proxy" \
    bash -c "! grep -qF '$opensc_token' '$work/proxy_noopensc'"
check "... and Tessera's is still there" grep -qF "$piv_token" "$work/proxy_noopensc"
rm -f "$P11_USER_MODULES/opensc-pkcs11.module"

# p11-kit server exports the two tokens on a socket; p11-kit-client.so signs through it
uri_escape() { "$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
sock=$work/p11-kit.sock
XDG_RUNTIME_DIR=$work timeout 120 p11-kit server -f -s -n "$sock" --provider "$TESSERA_MODULE" \
    "pkcs11:token=$(uri_escape "$piv_token")" "pkcs11:token=$(uri_escape "$pgp_token")" >"$work/server" 2>&1 &
server=$!
on_exit "kill $server 2>/dev/null; wait $server 2>/dev/null"
for ((i = 0; i < 100; i++)); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { show "$work/server"; die "p11-kit server made no socket"; }
check "p11-kit server prints the address to export" grep -qF "P11_KIT_SERVER_ADDRESS=unix:path=$sock" "$work/server"
export P11_KIT_SERVER_ADDRESS=unix:path=$sock
pkcs11-tool --module "$CLIENT" -L >"$work/client" 2>&1 || fail "pkcs11-tool -L through p11-kit-client.so: exit $?"
labels "$work/client" >"$work/client_labels"
sed 's/^/#   client: /' "$work/client_labels"
for t in "$piv_token" "$pgp_token"; do
    check "p11-kit-client.so lists '$t'" grep -qxF "$t" "$work/client_labels"
done
check "p11-kit-client.so lists only the exported tokens" test "$(wc -l <"$work/client_labels")" = 2
client_sign() { # WHAT TOKEN ID PUB
    local n=client_$3
    if pkcs11-tool --module "$CLIENT" --token-label "$2" --login --pin "$PIN" --sign --id "$3" -m SHA256-RSA-PKCS \
        -i "$work/data" -o "$work/$n.sig" >"$work/$n.out" 2>&1 &&
        openssl dgst -sha256 -verify "$4" -signature "$work/$n.sig" "$work/data" >/dev/null 2>&1; then
        pass "$1: signed through p11-kit server and p11-kit-client.so, verified with the card's key"
    else
        fail "$1: signature through p11-kit server"; show "$work/$n.out"
    fi
}
client_sign "PIV 9A" "$piv_token" 01 "$work/pub01.pem"
client_sign "OpenPGP 03" "$pgp_token" 03 "$work/pgp03.pem"
finish
