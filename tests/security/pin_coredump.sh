#!/usr/bin/env bash
# The PIN never reaches a core dump (design.md, "C_Login ... keeps it in
# locked memory ... excluded from core dumps"). Gives the sandbox PIV card a
# distinctive PIN, runs secret_client (login, sign, decrypt, derive), dumps the
# live client with gcore at each phase (logged in, logged out, after C_SetPIN
# to a second PIN and back, after C_Finalize) and searches every dump for both
# PINs as ASCII, PIV FF-padded and UTF-16LE, once with the default malloc and
# once with glibc's tcache off (see run_pass). A hit is reported with its
# address and /proc/PID/maps region. Runs inside scripts/with-virtual-cards:
#   pin_coredump.sh PATH/TO/tessera_secret_client
set -euo pipefail

client=${1:?usage: pin_coredump.sh PATH/TO/tessera_secret_client}
here=$(dirname "$(readlink -f "$0")")
source "$here/lib_coredump.bash"
coredump_init pin-coredump yubico-piv-tool

pin=739184       # distinctive: appears nowhere else in the process
second=582046    # the PIN C_SetPIN changes to and back from

echo "# card PIN 123456 -> $pin (yubico-piv-tool, outside the process under test)"
yubico-piv-tool -r "$TESSERA_PIV_READER" -a change-pin -P 123456 -N "$pin" >/dev/null

# dump PHASE FIND_SECRETS_ARGS...: the progress line says how many mappings
# are MADV_DONTDUMP (the PIN cache belongs in one)
dump() {
    cd_note="$(grep -c '^VmFlags:.* dd' "/proc/$client_pid/smaps" || true) mapping(s) marked MADV_DONTDUMP"
    dump_and_search "$1" "a PIN" "${@:2}"
}

run_pass() {
    coredump_start "$1" "${@:2}" -- "$client" dump

    echo "$pin" >&3
    expect_phase logged-in
    # Informational: where the live process keeps the PIN (the cache belongs in a dd page).
    python3 "$here/find_secrets.py" live "$client_pid" --pin "PIN=$pin" || true
    dump logged-in --pin "PIN=$pin"
    echo next >&3

    expect_phase logged-out
    dump logged-out --pin "PIN=$pin"
    echo next >&3

    printf '%s\n%s\n' "$pin" "$second" >&3
    expect_phase pin-changed
    dump pin-changed --pin "PIN=$pin" --pin "second PIN=$second"
    echo next >&3

    expect_phase finalized
    dump finalized --pin "PIN=$pin" --pin "second PIN=$second"
    echo next >&3
    coredump_finish
}

run_pass "default malloc" TESSERA_PASS=1
run_pass "malloc without tcache" GLIBC_TUNABLES=glibc.malloc.tcache_count=0

[ "$status" = 0 ] && echo "PASS: no PIN in any core dump"
exit "$status"
