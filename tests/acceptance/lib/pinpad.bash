# shellcheck shell=bash disable=SC2154 # $work, $slot, check/pass/fail come from ride/lib.sh
# Helpers of the PIN-pad acceptance tests (tests/acceptance/module_pinpad_*.sh,
# sandbox `--pinpad`): type on the virtual keypad, read the card's retry
# counter from outside (expect_rv is ride/lib.sh's).
PINPAD_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

keypad() { "$TESSERA_ROOT_DIR/scripts/vcard-ctl" keypad "$PINPAD_KIND" "$@"; }
pending() { keypad --pending; }
pin_status() { /usr/bin/python3 "$PINPAD_LIB/pin_status.py" "$PINPAD_READER" "$PINPAD_KIND"; }

# expect_eq WANT GOT DESCRIPTION
expect_eq() {
    if [ "$1" = "$2" ]; then pass "$3 ($2)"; else fail "$3: want '$1', got '$2'"; fi
}

# verify_signature SPKI_DER_OR_PEM_CERT... : openssl checks $work/sig over $work/data
verify_rsa_sha256() {
    openssl dgst -sha256 -verify "$1" -signature "$work/sig" "$work/data"
}
