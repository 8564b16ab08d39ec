#!/usr/bin/env bash
# Acceptance: decryption and key agreement through tessera-pkcs11.so with
# pkcs11-tool, checked against OpenSSL: RSA-OAEP (SHA-256, SHA-1) and PKCS#1
# v1.5 ciphertexts made by OpenSSL for the 9D key (ID 03) decrypt to the
# plaintext; ECDH with the 9E key (ID 04) against a fresh P-256 peer gives the
# secret OpenSSL derives from the peer's side. Runs inside scripts/with-virtual-cards.
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require pkcs11-tool openssl cmp

slot=$(slot_for_module "$TESSERA_MODULE") || die "pkcs11-tool -L shows no slot for the PIV reader"
echo "# PIV card in slot $slot"
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }

for id in 01 03 04; do
    check "read certificate $id" p11 --read-object --type cert --id "$id" -o "$work/cert$id.der"
    check "public key $id from the certificate" \
        openssl x509 -inform DER -in "$work/cert$id.der" -pubkey -noout -out "$work/pub$id.pem"
done
if [ ! -s "$work/pub03.pem" ] || [ ! -s "$work/pub04.pem" ]; then die "certificates missing"; fi

# decrypt_case DESCRIPTION ID PLAIN-SIZE OPENSSL-PKEYOPTS -- PKCS11-TOOL-OPTIONS...
decrypt_case() {
    local what=$1 id=$2 size=$3 opts=() tag
    shift 3
    while [ "$1" != -- ]; do opts+=(-pkeyopt "$1"); shift; done
    shift
    tag=$(echo "$what" | tr -c 'A-Za-z0-9\n' _)
    head -c "$size" /dev/urandom >"$work/plain.$tag"
    check "$what: OpenSSL encrypts $size bytes to key $id" openssl pkeyutl -encrypt -pubin \
        -inkey "$work/pub$id.pem" "${opts[@]}" -in "$work/plain.$tag" -out "$work/enc.$tag"
    check "$what: pkcs11-tool decrypts with ID $id" p11 --login --pin "$PIN" --decrypt --id "$id" \
        "$@" -i "$work/enc.$tag" -o "$work/dec.$tag"
    check "$what: plaintext recovered" cmp "$work/plain.$tag" "$work/dec.$tag"
}

decrypt_case "RSA-OAEP SHA-256" 03 190 rsa_padding_mode:oaep rsa_oaep_md:sha256 rsa_mgf1_md:sha256 -- \
    -m RSA-PKCS-OAEP --hash-algorithm SHA256 --mgf MGF1-SHA256
decrypt_case "RSA-OAEP SHA-1" 03 32 rsa_padding_mode:oaep rsa_oaep_md:sha1 rsa_mgf1_md:sha1 -- \
    -m RSA-PKCS-OAEP --hash-algorithm SHA-1 --mgf MGF1-SHA1
decrypt_case "RSA PKCS#1 v1.5" 03 245 rsa_padding_mode:pkcs1 -- -m RSA-PKCS
decrypt_case "RSA PKCS#1 v1.5 short" 03 1 rsa_padding_mode:pkcs1 -- -m RSA-PKCS
decrypt_case "RSA-OAEP SHA-256 with 9A" 01 16 rsa_padding_mode:oaep rsa_oaep_md:sha256 rsa_mgf1_md:sha256 -- \
    -m RSA-PKCS-OAEP --hash-algorithm SHA256 --mgf MGF1-SHA256

# a ciphertext for another key must not decrypt to the plaintext
head -c 32 /dev/urandom >"$work/plain.other"
openssl pkeyutl -encrypt -pubin -inkey "$work/pub01.pem" -in "$work/plain.other" -out "$work/enc.other"
if p11 --login --pin "$PIN" --decrypt --id 03 -m RSA-PKCS -i "$work/enc.other" -o "$work/dec.other" \
    >"$work/out" 2>&1 && cmp -s "$work/plain.other" "$work/dec.other"; then
    fail "a ciphertext for 9A decrypted with 9D"
else pass "a ciphertext for 9A does not decrypt with 9D"; fi

# ECDH: pkcs11-tool --derive reads the peer's public key as a DER
# SubjectPublicKeyInfo and writes CKA_VALUE of the derived secret key
for round in 1 2; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/peer$round.pem" 2>/dev/null
    openssl pkey -in "$work/peer$round.pem" -pubout -outform DER -out "$work/peer$round.der"
    check "ECDH round $round: pkcs11-tool derives with ID 04" p11 --login --pin "$PIN" --derive \
        -m ECDH1-DERIVE --id 04 -i "$work/peer$round.der" -o "$work/secret$round.card"
    check "ECDH round $round: OpenSSL derives from the peer's side" openssl pkeyutl -derive \
        -inkey "$work/peer$round.pem" -peerkey "$work/pub04.pem" -out "$work/secret$round.ossl"
    size=$(wc -c <"$work/secret$round.card" 2>/dev/null || echo 0)
    if [ "$size" = 32 ]; then pass "ECDH round $round: secret is 32 bytes"; else fail "ECDH round $round: secret is $size bytes, want 32"; fi
    check "ECDH round $round: both secrets equal" cmp "$work/secret$round.card" "$work/secret$round.ossl"
done
if cmp -s "$work/secret1.card" "$work/secret2.card"; then fail "two peers gave the same secret"; else
    pass "two peers give different secrets"; fi

finish
