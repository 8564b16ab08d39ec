#!/usr/bin/env bash
# Acceptance: signatures made by tessera-pkcs11.so through pkcs11-tool verify
# with OpenSSL against the certificates read from the card: 9A (ID 01) RSA
# PKCS#1 v1.5 and PSS (hash on the host and on the "card" side of the module),
# 9E (ID 04) ECDSA, and 9C (ID 02) ECDSA, the PIN-always key that needs the
# context-specific login pkcs11-tool performs. Runs inside scripts/with-virtual-cards.
# sandbox-timeout: 300
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require pkcs11-tool openssl

slot=$(slot_for_module "$TESSERA_MODULE") || die "pkcs11-tool -L shows no slot for the PIV reader"
echo "# PIV card in slot $slot"
# shellcheck disable=SC2317 # called through check
p11() { pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" "$@"; }

for id in 01 02 03 04; do
    check "read certificate $id" p11 --read-object --type cert --id "$id" -o "$work/cert$id.der"
    check "certificate $id parses, public key extracted" \
        openssl x509 -inform DER -in "$work/cert$id.der" -pubkey -noout -out "$work/pub$id.pem"
done
for id in 01 02 04; do [ -s "$work/pub$id.pem" ] || die "certificate $id missing"; done

head -c 4096 /dev/urandom >"$work/msg"
openssl dgst -sha256 -binary "$work/msg" >"$work/hash"
openssl dgst -sha384 -binary "$work/msg" >"$work/hash384"
verify() { # DESCRIPTION PUB SIG [OPENSSL-DGST-OPTIONS...]
    local what=$1 pub=$2 sig=$3
    shift 3
    check "verify: $what" openssl dgst -sha256 -verify "$pub" -signature "$sig" "$@" "$work/msg"
}
sign() { # DESCRIPTION OUT PKCS11-TOOL-OPTIONS...
    local what=$1 out=$2
    shift 2
    check "sign: $what" p11 --login --pin "$PIN" --sign -o "$out" "$@"
}

# 9A, RSA PKCS#1 v1.5, hashing done inside the module
sign "ID 01 SHA256-RSA-PKCS" "$work/s01-pkcs" --id 01 -m SHA256-RSA-PKCS -i "$work/msg"
verify "ID 01 SHA256-RSA-PKCS" "$work/pub01.pem" "$work/s01-pkcs"
# 9A, RSA PKCS#1 v1.5 with a DigestInfo built by the caller (CKM_RSA_PKCS)
printf '\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20' |
    cat - "$work/hash" >"$work/digestinfo"
sign "ID 01 RSA-PKCS over a DigestInfo" "$work/s01-raw" --id 01 -m RSA-PKCS -i "$work/digestinfo"
verify "ID 01 RSA-PKCS" "$work/pub01.pem" "$work/s01-raw"
check "RSA PKCS#1 v1.5 is deterministic (both signatures equal)" cmp "$work/s01-pkcs" "$work/s01-raw"
# 9A, RSA-PSS with SHA-256, MGF1-SHA256, 32-byte salt
# (pkcs11-tool takes --hash-algorithm only with RSA-PKCS-PSS; here the
# mechanism names the hash)
sign "ID 01 SHA256-RSA-PKCS-PSS salt 32" "$work/s01-pss" --id 01 -m SHA256-RSA-PKCS-PSS \
    --mgf MGF1-SHA256 --salt-len 32 -i "$work/msg"
verify "ID 01 SHA256-RSA-PKCS-PSS" "$work/pub01.pem" "$work/s01-pss" \
    -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256
# 9A, RSA-PSS over a hash computed by the caller (CKM_RSA_PKCS_PSS)
sign "ID 01 RSA-PKCS-PSS over a SHA-256 hash" "$work/s01-pss-raw" --id 01 -m RSA-PKCS-PSS \
    --hash-algorithm SHA256 --mgf MGF1-SHA256 --salt-len 32 -i "$work/hash"
verify "ID 01 RSA-PKCS-PSS" "$work/pub01.pem" "$work/s01-pss-raw" \
    -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256
if cmp -s "$work/s01-pss" "$work/s01-pss-raw"; then fail "two PSS signatures are equal (salt not random?)"; else
    pass "two PSS signatures differ (random salt)"; fi

# 9E, ECDSA P-256 over a hash (PIN never)
sign "ID 04 ECDSA" "$work/s04" --id 04 -m ECDSA --signature-format openssl -i "$work/hash"
verify "ID 04 ECDSA" "$work/pub04.pem" "$work/s04"
sign "ID 04 ECDSA-SHA256" "$work/s04-sha" --id 04 -m ECDSA-SHA256 --signature-format openssl -i "$work/msg"
verify "ID 04 ECDSA-SHA256" "$work/pub04.pem" "$work/s04-sha"
# raw r||s: 64 bytes for P-256 whatever the leading zeros
sign "ID 04 ECDSA, raw r||s" "$work/s04-rs" --id 04 -m ECDSA -i "$work/hash"
size=$(wc -c <"$work/s04-rs")
if [ "$size" = 64 ]; then pass "ECDSA raw signature is 64 bytes"; else fail "ECDSA raw signature is $size bytes, want 64"; fi
# a SHA-384 hash on a P-256 key: ECDSA truncates it to the field size
sign "ID 04 ECDSA over a SHA-384 hash" "$work/s04-384" --id 04 -m ECDSA --signature-format openssl -i "$work/hash384"
check "verify: ID 04 ECDSA over SHA-384" openssl dgst -sha384 -verify "$work/pub04.pem" \
    -signature "$work/s04-384" "$work/msg"

# 9C, ECDSA P-256 with CKA_ALWAYS_AUTHENTICATE: pkcs11-tool does the
# context-specific login (C_Login(CKU_CONTEXT_SPECIFIC)) after C_SignInit
sign "ID 02 ECDSA (PIN always)" "$work/s02" --id 02 -m ECDSA --signature-format openssl -i "$work/hash"
verify "ID 02 ECDSA" "$work/pub02.pem" "$work/s02"
sign "ID 02 ECDSA-SHA256 (PIN always)" "$work/s02-sha" --id 02 -m ECDSA-SHA256 --signature-format openssl -i "$work/msg"
verify "ID 02 ECDSA-SHA256" "$work/pub02.pem" "$work/s02-sha"

# a wrong signature must not verify (the verification is not vacuous)
cp "$work/s01-pkcs" "$work/bad"
byte=$(od -An -tu1 -j100 -N1 "$work/bad" | tr -d ' ')
# shellcheck disable=SC2059
printf "\\$(printf %03o $((byte ^ 1)))" | dd of="$work/bad" bs=1 seek=100 conv=notrunc status=none
cmp -s "$work/bad" "$work/s01-pkcs" && die "could not corrupt the signature copy"
if openssl dgst -sha256 -verify "$work/pub01.pem" -signature "$work/bad" "$work/msg" >/dev/null 2>&1; then
    fail "a corrupted signature verified"
else pass "a corrupted signature does not verify"; fi
if openssl dgst -sha256 -verify "$work/pub03.pem" -signature "$work/s01-pkcs" "$work/msg" >/dev/null 2>&1; then
    fail "9A signature verified with the 9D key"
else pass "9A signature does not verify with the 9D key"; fi

finish
