# shellcheck shell=bash
# Sandbox plumbing shared by scripts/with-virtual-cards and scripts/vcard-ctl:
# a private pcscd and Tessera's virtual cards inside their own mount and
# network namespaces (recipe measured in /work/shared/references.md), driven
# from outside through files in the sandbox directory.
#
# Sandbox layout ($SANDBOX, a short /tmp/tsb.XXXXXX: socket paths < 107 bytes):
#   pcscd.comm pcscd.pid   pcscd's own socket and pid file (the sandbox is
#                          bind-mounted onto /run/pcscd inside the namespace)
#   reader.conf            generated from ctl/readers (one vpcd entry each)
#   pcscd.log              pcscd's output (-d -a with --debug)
#   KIND.state KIND.log    a virtual card's state file and output (piv|openpgp)
#   piv-openpgp.state      --multi-app: the OpenPGP application of the PIV card
#   ctl/env                settings (card binary, debug flag)
#   ctl/readers            "PORT<TAB>FRIENDLYNAME" per vpcd entry; the entry
#                          gives the readers "NAME XX 00" (PORT) and
#                          "NAME XX 01" (PORT+1)
#   ctl/vpcd-PORT.so       that entry's own copy of libifdvpcd.so (two entries
#                          sharing one LIBPATH corrupt each other)
#   ctl/pinpad-PORT.so     the same with --pinpad: the PIN-pad handler
#   ctl/keypad-PORT        --pinpad: entries queued on the keypad of the reader
#                          slot at PORT (scripts/vcard-ctl keypad), one a line
#   ctl/holder.pid         the namespace holder (target of nsenter)
#   ctl/pcscd.pid ctl/KIND.pid ctl/KIND.port ctl/KIND.profile
#   ctl/KIND.extra         more `tessera-vcard serve` arguments, one a line
# Every process in the sandbox runs in the holder's network namespace; the
# teardown kills by that namespace, so nothing can be left behind.

SB_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TESSERA_ROOT=$(cd "$SB_LIB_DIR/../.." && pwd)
SB_PY=/usr/bin/python3 # Debian's python3-pyscard lives here (references.md)
SB_PROBE=$SB_LIB_DIR/pcsc_probe.py
SB_BASE_PORT=35963 # vpcd's usual port; each sandbox has its own network namespace
SB_VPCD_LIB=${TESSERA_VPCD_LIB:-/usr/lib/pcsc/drivers/serial/libifdvpcd.so}
SB_DEFAULT_READER="Tessera Virtual Reader"
SB_KINDS="piv openpgp"
SB_T0=${EPOCHREALTIME/./}
: "${SB_PROG:=$(basename "$0")}"
: "${SB_DEBUG:=0}"
: "${SB_PINPAD:=0}"

sb_note() { echo "$SB_PROG: $*" >&2; }
sb_die() {
    echo "$SB_PROG: error: $*" >&2
    exit 1
}
sb_ms() { echo $(((${EPOCHREALTIME/./} - SB_T0) / 1000)); }
sb_debug() { if [ "$SB_DEBUG" = 1 ]; then echo "$SB_PROG: [$(sb_ms) ms] $*" >&2; fi; }

# Tools the sandbox cannot work without: fail (never skip) when one is missing.
sb_require_tools() {
    local t missing=()
    for t in unshare nsenter setsid mount ip pcscd tail flock; do
        command -v "$t" >/dev/null 2>&1 || missing+=("$t")
    done
    [ -x "$SB_PY" ] || missing+=("$SB_PY")
    [ -f "$SB_VPCD_LIB" ] || missing+=("$SB_VPCD_LIB (vsmartcard-vpcd)")
    if [ ${#missing[@]} -gt 0 ]; then
        sb_die "missing: ${missing[*]} (run scripts/install-deps as root)"
    fi
    "$SB_PY" "$SB_PROBE" check 2>/dev/null ||
        sb_die "$SB_PY cannot import smartcard (python3-pyscard; run scripts/install-deps)"
}

# --- sandbox state -----------------------------------------------------------

sb_load() {
    SANDBOX=${TESSERA_SANDBOX:-}
    [ -n "$SANDBOX" ] || sb_die "TESSERA_SANDBOX is not set (run me under scripts/with-virtual-cards)"
    [ -f "$SANDBOX/ctl/env" ] || sb_die "$SANDBOX is not a live sandbox"
    SB_CTL=$SANDBOX/ctl
    # shellcheck source=/dev/null
    . "$SB_CTL/env"
}

sb_write_env() {
    {
        printf 'SB_VCARD=%q\n' "$SB_VCARD"
        printf 'SB_BUILD=%q\n' "$SB_BUILD"
        printf 'SB_USERNS=%q\n' "${SB_USERNS:-0}"
        printf 'SB_DEBUG=%q\n' "$SB_DEBUG"
        printf 'SB_PINPAD=%q\n' "$SB_PINPAD"
        printf 'SB_PINPAD_LIB=%q\n' "${SB_PINPAD_LIB:-}"
    } >"$SB_CTL/env"
}

# the PC/SC probe, talking to this sandbox's pcscd
sb_probe() { PCSCLITE_CSOCK_NAME=$SANDBOX/pcscd.comm "$SB_PY" "$SB_PROBE" "$@"; }

# (builtins only, no process per call: the teardown's wait loops call these
# often, and in a sanitizer stage every process started pays the preloaded
# runtime's start-up)
sb_pid() {
    local p
    read -r p 2>/dev/null <"$SB_CTL/$1.pid" || return 1
    echo "$p"
}

# alive PID: running and not a zombie
sb_alive() {
    local s
    [ -n "${1:-}" ] || return 1
    read -r s 2>/dev/null <"/proc/$1/stat" || return 1
    s=${s##*) }
    [ "${s%% *}" != Z ]
}

# wait PID SECONDS: until PID is gone (0) or SECONDS of wall time have passed
# (1). Bounded by the clock, not by a count of polls: on a loaded machine a
# poll can take far longer than its nominal 20 ms.
sb_wait_gone() {
    local end=$((${EPOCHREALTIME/./} + $2 * 1000000))
    while sb_alive "$1"; do
        [ "${EPOCHREALTIME/./}" -lt "$end" ] || return 1
        sleep 0.02
    done
    return 0
}

sb_holder() {
    local h
    h=$(sb_pid holder)
    sb_alive "$h" || sb_die "the sandbox's namespace holder is gone"
    echo "$h"
}

# spawn NAME LOG COMMAND...: run COMMAND inside the namespace, detached (own
# session, reparented away from us), pid in ctl/NAME.pid. setsid does not fork
# here (a background child of a non-interactive shell is no group leader) and
# nsenter without --pid execs, so the pid recorded is COMMAND's own.
sb_spawn() {
    local name=$1 log=$2 holder
    shift 2
    holder=$(sb_holder)
    local userns=()
    [ "${SB_USERNS:-0}" = 1 ] && userns=(--user --preserve-credentials)
    (setsid nsenter "${userns[@]}" --mount --net -t "$holder" -- "$@" </dev/null >>"$log" 2>&1 9>&- &
        echo $! >"$SB_CTL/$name.pid")
}

# stop NAME: SIGTERM, wait (5 s), then SIGKILL (2 s). Each stage's note is
# what a hang looks like: tests/integration/harness_signals.sh fails on it.
sb_stop() {
    local pid
    pid=$(sb_pid "$1") || return 0
    rm -f "$SB_CTL/$1.pid"
    sb_alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    sb_wait_gone "$pid" 5 && return 0
    sb_note "$1 (pid $pid) ignored SIGTERM for 5 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sb_wait_gone "$pid" 2 || sb_note "$1 (pid $pid) still there 2 s after SIGKILL"
    return 0
}

# --- readers -----------------------------------------------------------------

sb_check_reader_name() {
    case $1 in
        '' | *'"'* | *$'\t'* | *$'\n'*) sb_die "bad reader name: '$1'" ;;
    esac
}

# reader.conf from ctl/readers; each entry gets its own copy of the driver.
# With --pinpad the driver is the PIN-pad handler (tools/pinpad-ifd), whose
# DEVICENAME "CTLDIR:PORT" also says where its keypad queues are.
sb_write_reader_conf() {
    local port name lib dev
    : >"$SANDBOX/reader.conf.tmp"
    while IFS=$'\t' read -r port name; do
        if [ "$SB_PINPAD" = 1 ]; then
            lib=$SB_CTL/pinpad-$port.so dev=$SB_CTL
            [ -f "$lib" ] || cp "$SB_PINPAD_LIB" "$lib"
        else
            lib=$SB_CTL/vpcd-$port.so dev=/dev/null
            [ -f "$lib" ] || cp "$SB_VPCD_LIB" "$lib"
        fi
        printf 'FRIENDLYNAME "%s"\nDEVICENAME %s:%s\nLIBPATH %s\nCHANNELID %s\n\n' \
            "$name" "$dev" "$port" "$lib" "$port" >>"$SANDBOX/reader.conf.tmp"
    done <"$SB_CTL/readers"
    mv "$SANDBOX/reader.conf.tmp" "$SANDBOX/reader.conf"
}

# reader of a port: prints "NAME<TAB>SLOT" (vpcd: slot 0 on PORT, 1 on PORT+1)
sb_reader_of_port() {
    local want=$1 port name
    while IFS=$'\t' read -r port name; do
        if [ "$want" -eq "$port" ] || [ "$want" -eq $((port + 1)) ]; then
            printf '%s\t%s\n' "$name" $((want - port))
            return 0
        fi
    done <"$SB_CTL/readers"
    return 1
}

sb_reader_port() {
    local want=$1 port name
    while IFS=$'\t' read -r port name; do
        [ "$name" = "$want" ] && {
            echo "$port"
            return 0
        }
    done <"$SB_CTL/readers"
    return 1
}

# lowest free port pair
sb_free_port() {
    local p=$SB_BASE_PORT
    while cut -f1 "$SB_CTL/readers" | grep -qx "$p"; do p=$((p + 2)); done
    echo "$p"
}

# --- pcscd ---------------------------------------------------------------------

sb_start_pcscd() {
    local args=(-f -c "$SANDBOX/reader.conf")
    [ "$SB_DEBUG" = 1 ] && args+=(-d -a)
    # after a SIGKILL the stale socket and pid file would remain
    rm -f "$SANDBOX/pcscd.comm" "$SANDBOX/pcscd.pid"
    sb_spawn pcscd "$SANDBOX/pcscd.log" pcscd "${args[@]}"
    sb_debug "pcscd started (pid $(sb_pid pcscd))"
}

sb_wait_pcscd() {
    if ! sb_probe wait-socket "$SANDBOX/pcscd.comm" 10; then
        tail -n 20 "$SANDBOX/pcscd.log" >&2 2>/dev/null
        sb_die "pcscd did not come up"
    fi
    sb_debug "pcscd socket ready"
}

sb_restart_pcscd() {
    sb_stop pcscd
    sb_start_pcscd
    sb_wait_pcscd
}

# --- cards ---------------------------------------------------------------------

sb_card_running() { sb_alive "$(sb_pid "$1")"; }

sb_start_card() {
    local kind=$1 extra=()
    # ctl/KIND.extra: more serve arguments, one a line (--multi-app: the PIV
    # card's OpenPGP application, --openpgp-state FILE)
    [ -f "$SB_CTL/$kind.extra" ] && mapfile -t extra <"$SB_CTL/$kind.extra"
    sb_spawn "$kind" "$SANDBOX/$kind.log" "$SB_VCARD" serve --state "$SANDBOX/$kind.state" \
        --host 127.0.0.1 --port "$(cat "$SB_CTL/$kind.port")" "${extra[@]}"
    sb_debug "$kind card started (pid $(sb_pid "$kind"))"
}

# provision KIND SPEC [cache]: write $SANDBOX/KIND.state. SPEC is
# PROFILE[:FLAG[=VALUE]...], each FLAG becoming --FLAG [VALUE]. With "cache",
# a state provisioned before by the build's own card binary is copied instead
# (key generation is the slow part): TESSERA_VCARD_CACHE=0 turns that off.
sb_provision() {
    local kind=$1 spec=$2 cache=${3:-} args=() parts=() flag dir=$SB_BUILD/vcard-cache f tmp
    IFS=: read -r -a parts <<<"$spec"
    # KIND piv|openpgp, or piv-openpgp: the PIV card's own OpenPGP application
    args=(--type "${kind#*-}" --profile "${parts[0]}")
    for flag in "${parts[@]:1}"; do
        case $flag in
            *=*) args+=("--${flag%%=*}" "${flag#*=}") ;;
            *) args+=("--$flag") ;;
        esac
    done
    [ "${TESSERA_VCARD_CACHE:-1}" = 1 ] || cache=
    # the cache belongs to the build's own binary, not to a TESSERA_VCARD override
    [ "$SB_VCARD" -ef "$SB_BUILD/tools/vcard/tessera-vcard" ] || cache=
    f=$dir/$kind-${spec//[^A-Za-z0-9=._-]/_}.state
    if [ -n "$cache" ] && [ -f "$f" ] && [ "$f" -nt "$SB_VCARD" ] &&
        cp "$f" "$SANDBOX/$kind.state" 2>/dev/null; then
        return 0
    fi
    rm -f "$SANDBOX/$kind.state"
    "$SB_VCARD" provision "${args[@]}" --state "$SANDBOX/$kind.state" >>"$SANDBOX/$kind.log" 2>&1 ||
        return 1
    if [ -n "$cache" ] && mkdir -p "$dir" 2>/dev/null; then
        tmp=$(mktemp "$dir/.tmp.XXXXXX" 2>/dev/null) && cp "$SANDBOX/$kind.state" "$tmp" && mv "$tmp" "$f"
    fi
    return 0
}

# wait STATE KIND...: every KIND's reader shows STATE (present|absent);
# prints the readers' full names in order
sb_wait_cards() {
    local state=$1 kind r args=()
    shift
    for kind in "$@"; do
        r=$(sb_reader_of_port "$(cat "$SB_CTL/$kind.port")") ||
            sb_die "the $kind card's reader is not configured"
        args+=("$state" "${r%$'\t'*}" "${r##*$'\t'}")
    done
    sb_probe wait --timeout "${TESSERA_CARD_TIMEOUT:-10}" "${args[@]}"
}

# cards whose process runs
sb_running_cards() {
    local kind
    for kind in $SB_KINDS; do
        if [ -f "$SB_CTL/$kind.port" ] && sb_card_running "$kind"; then echo "$kind"; fi
    done
}

# --- teardown ------------------------------------------------------------------

# processes whose network namespace is NS (the inode of /proc/PID/ns/net);
# one stat for all of /proc: a readlink per process is slow on a busy host
sb_ns_pids() {
    stat -L -c '%i %n' /proc/[0-9]*/ns/net 2>/dev/null |
        awk -v ns="$1" '$1 == ns { split($2, a, "/"); print a[3] }'
    return 0
}

sb_teardown() {
    local holder ns='' nsfd='' kind pid left='' t0 t
    set +e # a failing step must not end the teardown
    [ -n "${SANDBOX:-}" ] && [ -d "$SANDBOX" ] || return 0
    # Nothing the teardown starts loads the module: without the sanitizer
    # runtime that a sanitizer stage preloads into the sandboxed tests, each
    # tool (sleep, stat, awk, rm) starts in about 1 ms instead of 25 ms of CPU.
    unset LD_PRELOAD
    SB_CTL=$SANDBOX/ctl
    holder=$(sb_pid holder)
    if sb_alive "$holder"; then
        # An open descriptor keeps the namespace, and so its inode number,
        # alive: once empty it could otherwise be reused by another sandbox's
        # namespace, whose processes the sweep below would then kill.
        exec {nsfd}<"/proc/$holder/ns/net" && ns=$(stat -L -c %i "/proc/$holder/ns/net")
    fi
    for kind in $SB_KINDS; do sb_stop "$kind"; done
    sb_stop pcscd
    sb_debug "cards and pcscd stopped"
    # The holder first, by SIGKILL: were its watchdog woken, it would sweep
    # and delete the sandbox under us.
    if sb_alive "$holder"; then kill -KILL "$holder" 2>/dev/null; fi
    if [ -n "$ns" ]; then
        # What is left in the namespace (the holder's tail, a process started
        # but not yet recorded when a signal cut the start-up short): SIGTERM
        # for a second, then SIGKILL, for 3 s of wall time at most.
        t0=${EPOCHREALTIME/./}
        while left=$(sb_ns_pids "$ns") && [ -n "$left" ]; do
            t=$((${EPOCHREALTIME/./} - t0))
            [ "$t" -lt 3000000 ] || break
            for pid in $left; do
                kill -s "$([ "$t" -lt 1000000 ] && echo TERM || echo KILL)" "$pid" 2>/dev/null
            done
            sleep 0.05
        done
        [ -z "$left" ] || sb_note "processes left in the sandbox: $left"
    fi
    [ -n "$nsfd" ] && exec {nsfd}<&-
    if [ "${TESSERA_KEEP_SANDBOX:-0}" = 1 ]; then
        sb_note "sandbox kept: $SANDBOX"
    else
        rm -rf "$SANDBOX"
    fi
    sb_debug "torn down"
    return 0
}
