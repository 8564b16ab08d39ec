# Shared by the gcore tests (pin_coredump.sh, pinentry_coredump.sh,
# result_coredump.sh): a client under test is started on two FIFOs (we write
# PINs and "next" on fd 3, it answers "ready PHASE" on fd 4), dumped live with
# gcore at each phase and the dump searched by find_secrets.py. Each test runs
# two passes, the default malloc and glibc without its per-thread cache, whose
# free() writes 16 bytes of metadata over a freed chunk and so happens to erase
# short buffers; without it a copy the module freed unwiped stays readable, as
# it does in any process whose tcache bins are already full.
#
#   source lib_coredump.bash; coredump_init NAME TOOL...   (needs $here)
# sets $work (removed at exit unless KEEP_DUMPS=1), status=0, client_pid.

coredump_init() {
    cd_name=$1; shift
    : "${TESSERA_MODULE:?run inside scripts/with-virtual-cards}" "${TESSERA_PIV_READER:?no PIV reader in this sandbox}"
    local tool
    for tool in gcore gdb python3 "$@"; do
        command -v "$tool" >/dev/null || { echo "$cd_name: $tool is missing (scripts/install-deps)" >&2; exit 1; }
    done
    work=$(mktemp -d "${TESSERA_SANDBOX:-${TMPDIR:-/tmp}}/$cd_name.XXXXXX")
    status=0
    client_pid=
    pass=
    trap coredump_cleanup EXIT
}

coredump_cleanup() {
    [ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null || true
    if [ "${KEEP_DUMPS:-0}" = 1 ]; then echo "dumps kept in $work" >&2; else rm -rf "$work"; fi
}

# coredump_start PASS-NAME ENV-ASSIGNMENT... -- COMMAND ARG...
coredump_start() {
    pass=$1; shift
    echo "## pass: $pass"
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    rm -f "$work/to" "$work/from"
    mkfifo "$work/to" "$work/from"
    env "${envs[@]}" "$@" <"$work/to" >"$work/from" &
    client_pid=$!
    exec 3>"$work/to" 4<"$work/from"
}

coredump_finish() {
    wait "$client_pid" || { echo "$cd_name: the client failed" >&2; status=1; }
    client_pid=
    exec 3>&- 4<&-
}

# expect_phase PHASE [SECONDS]: the client's next line must be "ready PHASE"
expect_phase() {
    local line
    if ! read -r -t "${2:-60}" line <&4; then echo "$cd_name: the client stopped before '$1'" >&2; exit 1; fi
    [ "$line" = "ready $1" ] || { echo "$cd_name: expected 'ready $1', got '$line'" >&2; exit 1; }
}

# dump_and_search PHASE WHAT FIND_SECRETS_ARGS...: gcore the live client and
# search the dump (with a heap canary that must be found); WHAT names the
# secret in the failure line. Extra information for the progress line comes
# from $cd_note if set.
dump_and_search() {
    local phase=$1 what=$2; shift 2
    cp "/proc/$client_pid/maps" "$work/$phase.maps"
    if ! gcore -o "$work/$phase" "$client_pid" >"$work/$phase.gcore.log" 2>&1; then
        cat "$work/$phase.gcore.log" >&2
        echo "$cd_name: gcore failed" >&2
        exit 1
    fi
    echo "# $phase: $(stat -c %s "$work/$phase.$client_pid") bytes dumped${cd_note:+, $cd_note}"
    if ! python3 "$here/find_secrets.py" core "$work/$phase.$client_pid" "$work/$phase.maps" \
        --canary tessera-dump-canary "$@"; then
        echo "FAIL ($pass): $what is in the core dump taken $phase" >&2
        status=1
    fi
    rm -f "$work/$phase.$client_pid"
}
