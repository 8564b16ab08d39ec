#!/usr/bin/env bash
# Acceptance: OpenSC's pkcs11-tool drives tessera-pkcs11.so against the
# provisioned virtual PIV card: the token is listed (-L), --login -O shows a
# certificate, public key and private key for each of CKA_ID 01..04 (9A, 9C,
# 9D, 9E), -O without login only the private key that needs no PIN (9E; the
# others are CKA_PRIVATE, as with OpenSC), -M lists the mechanisms clients
# rely on, and pkcs11-tool's own self test passes after a login. Runs inside
# scripts/with-virtual-cards.
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require pkcs11-tool awk

echo "# module: $TESSERA_MODULE"
slot=$(slot_for_module "$TESSERA_MODULE") || die "pkcs11-tool -L shows no slot for the PIV reader"
echo "# PIV card in slot $slot"
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }

# -L: the PIV token is present, login required, a PIN is initialised
pkcs11-tool --module "$TESSERA_MODULE" -L >"$work/list" 2>&1 || fail "pkcs11-tool -L exit status $?"
sed 's/^/#   /' "$work/list"
if grep -q 'token label *: .*PIV' "$work/list"; then pass "-L shows a PIV token"; else fail "-L shows no PIV token"; fi
if grep -q 'token flags *:.*login required.*PIN initialized' "$work/list"; then
    pass "-L token flags: login required, PIN initialized"
else fail "-L token flags lack 'login required' / 'PIN initialized'"; fi

# -O before login: every certificate and public key, and of the private keys
# only 9E (PIN policy never); the others are private objects (PKCS#11 4.4)
if p11 -O >"$work/public" 2>&1; then pass "-O exit 0"; else fail "-O exit status $?"; fi
n=$(grep -c '^Private Key Object' "$work/public" || true)
if [ "$n" = 1 ]; then pass "-O without login: 1 private key"; else fail "-O without login: $n private keys, want 1 (9E)"; fi
if grep -A3 '^Private Key Object' "$work/public" | grep -q 'ID: *04'; then pass "-O without login: it is 04 (9E)"; else
    fail "-O without login: the private key listed is not 04"; fi
n=$(grep -c -E '^(Certificate|Public Key) Object' "$work/public" || true)
if [ "$n" = 8 ]; then pass "-O without login: 4 certificates and 4 public keys"; else fail "-O without login: $n certificates and public keys, want 8"; fi

# --login -O: certificate, public key and private key per ID, right key types
if p11 --login --pin "$PIN" -O >"$work/objects" 2>&1; then pass "--login -O exit 0"; else fail "--login -O exit status $?"; fi
awk '/^[A-Za-z].* Object;/ { kind = $1; line = $0 }
     /^  ID: / { print kind, $2, line }' "$work/objects" >"$work/ids"
sed 's/^/#   /' "$work/ids"
for id in 01 02 03 04; do
    case $id in 01 | 03) type="RSA" ;; *) type="EC" ;; esac
    for kind in Certificate Public Private; do
        if grep -q "^$kind $id " "$work/ids"; then pass "-O: $kind object with ID $id"; else fail "-O: no $kind object with ID $id"; fi
    done
    if grep -q "^Public $id Public Key Object; $type" "$work/ids"; then pass "-O: public key $id is $type"; else fail "-O: public key $id is not $type"; fi
    if grep -q "^Private $id Private Key Object; $type" "$work/ids"; then pass "-O: private key $id is $type"; else fail "-O: private key $id is not $type"; fi
done
n=$(grep -c '^Private ' "$work/ids" || true)
if [ "$n" = 4 ]; then pass "-O: exactly 4 private keys"; else fail "-O: $n private keys, want 4"; fi
if grep -A6 '^Private Key Object; EC' "$work/objects" | grep -q 'always authenticate'; then
    pass "-O: a private key (9C) is marked 'always authenticate'"
else fail "-O: no private key is marked 'always authenticate'"; fi

# -M: mechanisms
if p11 -M >"$work/mechs" 2>&1; then pass "-M exit 0"; else fail "-M exit status $?"; fi
for m in RSA-PKCS RSA-PKCS-PSS RSA-PKCS-OAEP SHA256-RSA-PKCS SHA256-RSA-PKCS-PSS ECDSA ECDSA-SHA256 ECDH1-DERIVE; do
    if grep -q "^  $m," "$work/mechs"; then pass "-M lists $m"; else fail "-M does not list $m"; fi
done

# --test after a login
start=$(date +%s.%N)
if p11 --login --pin "$PIN" --test >"$work/test" 2>&1; then pass "--login --test exit 0"; else
    fail "--login --test exit status $?"; fi
end=$(date +%s.%N)
sed 's/^/#   /' "$work/test"
if grep -q '^No errors' "$work/test"; then pass "--login --test: 'No errors'"; else fail "--login --test did not say 'No errors'"; fi
awk -v a="$start" -v b="$end" 'BEGIN { printf "# --test took %.1f s\n", b - a }'

finish
