# Shared helpers of the tests/acceptance/client_*.sh tests (real clients
# against tessera-pkcs11.so: OpenSSH login, NSS, OpenVPN, PyKCS11). Sourced,
# not run. Brings in ride/lib.sh (pass/fail/check/require/die, $work, $PY,
# on_exit, finish) and adds: the slot of a reader, a key of the module as
# DER/PEM/OpenSSH public key, and a certificate written to the OpenPGP card.
# shellcheck shell=bash disable=SC2034 # variables for the sourcing script
# shellcheck source=../ride/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../ride/lib.sh"
CLIENT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the source tree

# reader_slot READER : our module's slot ID (0x..) for READER, from
# pkcs11-tool -L (slot descriptions are the reader name, cut at 64 characters)
reader_slot() {
    local list
    list=$(pkcs11-tool --module "$TESSERA_MODULE" -L 2>&1) || { echo "$list" >&2; return 1; }
    printf '%s\n' "$list" | awk -v reader="$1" '
        /^Slot [0-9]+ \(0x[0-9a-fA-F]+\): / {
            id = $3; gsub(/[():]/, "", id)
            desc = $0; sub(/^[^:]*: /, "", desc); sub(/ +$/, "", desc)
            if (desc != "" && index(reader, desc) == 1) { print id; found = 1; exit }
        }
        END { if (!found) exit 1 }'
}

# public_key SLOT ID OUT : the public key object ID of SLOT as OUT.der (DER
# SubjectPublicKeyInfo), OUT.pem and OUT.pub (OpenSSH, from ssh-keygen -i;
# empty for key types OpenSSH cannot convert)
public_key() {
    pkcs11-tool --module "$TESSERA_MODULE" --slot "$1" --read-object --type pubkey --id "$2" \
        -o "$3.der" >"$3.err" 2>&1 &&
        openssl pkey -pubin -inform DER -in "$3.der" -out "$3.pem" 2>>"$3.err" || return 1
    ssh-keygen -i -m PKCS8 -f "$3.pem" >"$3.pub" 2>>"$3.err" || : >"$3.pub"
}

# ssh_fingerprint PUBFILE : SHA256:... of an OpenSSH public key
ssh_fingerprint() { ssh-keygen -l -E sha256 -f "$1" | awk '{ print $2 }'; }

# openpgp_put_cert SLOT OUT.der : make a certificate (by a throwaway CA,
# whose certificate goes to OUT.der.ca.pem) for the OpenPGP card's
# authentication key 03 and write it to the card (PUT DATA 7F21, first
# occurrence = AUT in 3.x, with PW3), as a user would with a card tool;
# OUT.der gets the certificate
openpgp_put_cert() {
    public_key "$1" 03 "$work/openpgp-aut" || return 1
    "$PY" "$CLIENT_LIB_DIR/openpgp_put_cert.py" "$work/openpgp-aut.der" "$2" "$TESSERA_OPENPGP_READER" "$2.ca.pem"
}
