#!/usr/bin/env bash
# Decrypted plaintext and ECDH secrets never reach a core dump (issue 12,
# "Secrets that are not PINs"; design.md's PIN treatment applied to every
# secret answer and result). result_client decrypts on the sandbox PIV card
# (key 9D, PKCS#1 v1.5 and OAEP blocks it built itself) and derives with ECDH
# (key 9E), writes every secret value and intermediate (plaintext, decrypted
# block, OAEP seed and masks, shared secret) to a record file, wipes its own
# copies, and pauses after each phase: calls that succeeded (one derived key
# left alive), calls left at CKR_BUFFER_TOO_SMALL and abandoned by
# C_CloseSession, calls that ended in an error, C_Finalize. Each gcore of the
# live client must hold every recorded value 0 times (nor any 8-byte chunk of
# it); a heap canary must be found. Run twice, with the default malloc and
# with glibc's tcache off (see pin_coredump.sh). Inside scripts/with-virtual-cards:
#   result_coredump.sh PATH/TO/tessera_result_client
set -euo pipefail

client=${1:?usage: result_coredump.sh PATH/TO/tessera_result_client}
here=$(dirname "$(readlink -f "$0")")
source "$here/lib_coredump.bash"
coredump_init result-coredump

pin=123456 # the virtual card's PIN; the PIN is pin_coredump.sh's subject, not this test's

run_pass() {
    rm -f "$work/record"
    coredump_start "$1" "${@:2}" -- "$client" "$work/record"
    echo "$pin" >&3
    for phase in succeeded abandoned failed finalized; do
        expect_phase "$phase" 120
        cd_note="$(wc -l <"$work/record") secret value(s) recorded so far"
        dump_and_search "$phase" "a secret" --hex-file "$work/record"
        echo next >&3
    done
    coredump_finish
}

run_pass "default malloc" TESSERA_PASS=1
run_pass "malloc without tcache" GLIBC_TUNABLES=glibc.malloc.tcache_count=0

[ "$status" = 0 ] && echo "PASS: no decrypted data, OAEP intermediate or ECDH secret in any core dump"
exit "$status"
