#!/usr/bin/env bash
# Acceptance: OpenVPN's pkcs11-helper loads tessera-pkcs11.so:
# `openvpn --show-pkcs11-ids MODULE` lists the PIV card's four certificates
# (subject and serial as the card holds them, a serialized id naming our
# token and the CKA_ID) and nothing from the OpenPGP card while it holds no
# certificate; once a certificate for the authentication key is written to
# the OpenPGP card (PUT DATA 7F21), a fresh run lists it with id 03.
# Runs inside scripts/with-virtual-cards (PIV and OpenPGP cards).
# sandbox-timeout: 300
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=lib/client_keys.sh
. "$here/lib/client_keys.sh"
require openvpn pkcs11-tool openssl timeout "$PY"
: "${TESSERA_PIV_READER:?no PIV card in this sandbox}"
: "${TESSERA_OPENPGP_READER:?no OpenPGP card in this sandbox}"
piv=$(reader_slot "$TESSERA_PIV_READER") || die "no slot for the PIV reader"
pgp=$(reader_slot "$TESSERA_OPENPGP_READER") || die "no slot for the OpenPGP reader"

# show_ids OUT : openvpn --show-pkcs11-ids, one "serial|DN|serialized id" line per certificate in OUT
show_ids() {
    if timeout 60 openvpn --show-pkcs11-ids "$TESSERA_MODULE" >"$1.raw" 2>&1; then pass "openvpn --show-pkcs11-ids exit 0"; else
        fail "openvpn --show-pkcs11-ids exit status $?"; sed 's/^/       /' "$1.raw"; fi
    awk '/^ *DN: / { sub(/^ *DN: */, ""); dn = $0 }
         /^ *Serial: / { serial = $2 }
         /^ *Serialized id: / { print toupper(serial) "|" dn "|" $3 }' "$1.raw" >"$1"
    sed 's/^/#   /' "$1"
}

# expect_cert IDS SLOT ID TOKEN-MODEL WHAT : the certificate ID of SLOT is listed
# with its serial and subject, under a serialized id for TOKEN-MODEL ending in /ID
expect_cert() {
    local ids=$1 slot=$2 id=$3 model=$4 what=$5 serial cn
    pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" --read-object --type cert --id "$id" \
        -o "$work/cert$slot-$id.der" >/dev/null 2>&1 || { fail "cannot read certificate $id"; return; }
    serial=$(openssl x509 -inform DER -in "$work/cert$slot-$id.der" -noout -serial | sed 's/^serial=//')
    cn=$(openssl x509 -inform DER -in "$work/cert$slot-$id.der" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
    # (through ENVIRON: awk -v would turn the \x20 of the serialized id into spaces;
    # serials compared without leading zeros)
    if S=$serial DN=$cn M=$model ID=$id awk -F'|' '
        function bare(x) { sub(/^0+/, "", x); return x }
        bare($1) == bare(ENVIRON["S"]) && $2 == ENVIRON["DN"] && index($3, ENVIRON["M"]) == 1 &&
            substr($3, length($3) - 2) == "/" ENVIRON["ID"] { found = 1 }
        END { exit !found }' "$ids"; then
        pass "listed: $what ($cn, serial $serial, id .../$id)"
    else
        fail "not listed: $what ($cn, serial $serial, id .../$id)"
    fi
}

show_ids "$work/ids1"
n=$(wc -l <"$work/ids1")
if [ "$n" = 4 ]; then pass "4 certificates listed (the PIV card's)"; else fail "$n certificates listed, want 4"; fi
expect_cert "$work/ids1" "$piv" 01 'Yubico/' "PIV 9A"
expect_cert "$work/ids1" "$piv" 02 'Yubico/' "PIV 9C"
expect_cert "$work/ids1" "$piv" 03 'Yubico/' "PIV 9D"
expect_cert "$work/ids1" "$piv" 04 'Yubico/' "PIV 9E"
if grep -q 'OpenPGP' "$work/ids1"; then fail "an OpenPGP certificate is listed, but the card holds none"; else
    pass "nothing listed for the OpenPGP card (it holds no certificate)"; fi

if openpgp_put_cert "$pgp" "$work/pgp-cert.der" >"$work/putcert" 2>&1; then
    pass "a certificate for the OpenPGP authentication key written to the card"
else
    fail "writing a certificate to the OpenPGP card"; sed 's/^/       /' "$work/putcert"
fi
show_ids "$work/ids2"
n=$(wc -l <"$work/ids2")
if [ "$n" = 5 ]; then pass "5 certificates listed now"; else fail "$n certificates listed, want 5"; fi
expect_cert "$work/ids2" "$pgp" 03 'Test\x20card/OpenPGP\x20card' "the OpenPGP authentication key's"
if cmp -s "$work/pgp-cert.der" "$work/cert$pgp-03.der"; then pass "it is the certificate written to the card"; else
    fail "the module's certificate 03 differs from the one written"; fi

finish
