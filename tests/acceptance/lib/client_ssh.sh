# Helpers of the tests/acceptance/client_ssh*.sh tests: a private sshd on a
# loopback port and real `ssh` logins with the card's keys. Sourced, not run.
#
# First, lib/client_netns.sh gives the sourcing script a loopback of its own
# (as root: private mount and network namespaces); then, in that private mount
# namespace, a tmpfs on /run holds sshd's privilege separation directory
# /run/sshd (Debian's sshd refuses to start without it; the host's /run stays
# untouched).
# shellcheck shell=bash disable=SC2034 # variables for the sourcing script
# shellcheck source=client_netns.sh
. "$(dirname "${BASH_SOURCE[0]}")/client_netns.sh"
# shellcheck source=client_keys.sh
. "$(dirname "${BASH_SOURCE[0]}")/client_keys.sh"
require ssh ssh-keygen ssh-agent ssh-add /usr/sbin/sshd pkcs11-tool openssl ip timeout

if [ "${CLIENT_NETNS:-0}" = 1 ]; then
    mount -t tmpfs -o mode=755 tmpfs /run || die "cannot mount a tmpfs on /run"
    mkdir -m 755 /run/sshd || die "cannot make /run/sshd"
else
    [ -d /run/sshd ] || die "sshd needs /run/sshd (run as root, or start the system's sshd once)"
fi
SSHD_PORT=$CLIENT_PORT
SSH_USER=$(id -un)

printf '#!/bin/sh\necho "$*" >>"%s/askpass.log"\necho "%s"\n' "$work" "$PIN" >"$work/askpass"
chmod +x "$work/askpass"
: >"$work/askpass.log"

# with_askpass COMMAND... : COMMAND with the PIN coming from SSH_ASKPASS
with_askpass() {
    (
        export SSH_ASKPASS=$work/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0
        "$@"
    ) </dev/null
}

# start_sshd : an sshd of our own on 127.0.0.1:$SSHD_PORT that accepts only
# the public keys in $work/authorized_keys, logging to $work/sshd.log
start_sshd() {
    ssh-keygen -q -t ed25519 -N '' -C tessera-test-host -f "$work/host_key" >/dev/null
    : >"$work/authorized_keys"
    cat >"$work/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $SSHD_PORT
HostKey $work/host_key
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowUsers $SSH_USER
LogLevel VERBOSE
EOF
    /usr/sbin/sshd -t -f "$work/sshd_config" >"$work/sshd.check" 2>&1 || die "sshd -t: $(cat "$work/sshd.check")"
    /usr/sbin/sshd -D -f "$work/sshd_config" -E "$work/sshd.log" &
    sshd_pid=$!
    on_exit "kill $sshd_pid 2>/dev/null; wait $sshd_pid 2>/dev/null"
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q 'Server listening' "$work/sshd.log" 2>/dev/null && break
        kill -0 "$sshd_pid" 2>/dev/null || die "sshd exited: $(cat "$work/sshd.log")"
        sleep 0.05
    done
    grep -q 'Server listening' "$work/sshd.log" || die "sshd did not start: $(cat "$work/sshd.log")"
    printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "$(cut -d' ' -f1,2 "$work/host_key.pub")" >"$work/known_hosts"
    pass "sshd listens on 127.0.0.1:$SSHD_PORT"
}

# ssh_base ARGS... : ssh to our sshd, publickey only, host key pinned, no user config
ssh_base() {
    timeout 90 ssh -F none -p "$SSHD_PORT" -o UserKnownHostsFile="$work/known_hosts" \
        -o StrictHostKeyChecking=yes -o PreferredAuthentications=publickey \
        -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o ConnectTimeout=20 \
        -o LogLevel=VERBOSE "$@"
}

# ssh_module [SSH-OPTIONS...] : log in with the module's keys (ssh -I, the
# PIN from SSH_ASKPASS) and run the marker command
ssh_module() {
    with_askpass ssh_base -I "$TESSERA_MODULE" -o IdentityAgent=none "$@" "$SSH_USER@127.0.0.1" echo tessera-login-ok
}

# ssh_agent_login [SSH-OPTIONS...] : log in with the agent's keys (no PIN asked)
ssh_agent_login() {
    ssh_base -o BatchMode=yes -o IdentityAgent="$SSH_AUTH_SOCK" "$@" "$SSH_USER@127.0.0.1" echo tessera-login-ok </dev/null
}

# try_login KEY LOGIN [only] [SSH-OPTIONS...] : authorize only $work/KEY.pub and log in with
# LOGIN (ssh_module or ssh_agent_login); with "only", ssh offers KEY alone
# (IdentitiesOnly with the public key as IdentityFile: how a user picks one
# card key when the card has more than sshd's MaxAuthTries). 0 when the
# marker came back and sshd's log names KEY's fingerprint in an "Accepted
# publickey" line
try_login() {
    local key=$1 how=$2 fp from opts=(-o IdentityFile=none)
    shift 2
    if [ "${1:-}" = only ]; then
        opts=(-o IdentitiesOnly=yes -o IdentityFile="$work/$key.pub")
        shift
    fi
    opts+=("$@")
    fp=$(ssh_fingerprint "$work/$key.pub")
    cat "$work/$key.pub" >"$work/authorized_keys"
    from=$(($(wc -l <"$work/sshd.log") + 1))
    "$how" "${opts[@]}" >"$work/login.out" 2>&1 || true
    tail -n +"$from" "$work/sshd.log" >"$work/login.sshd"
    grep -qx 'tessera-login-ok' "$work/login.out" && grep -q "Accepted publickey for $SSH_USER .* $fp" "$work/login.sshd"
}

# login_ok DESCRIPTION KEY LOGIN / login_fails DESCRIPTION KEY LOGIN
# (further arguments are passed on to try_login)
login_ok() {
    if try_login "${@:2}"; then pass "$1"; else
        fail "$1"; sed 's/^/       ssh: /' "$work/login.out"; sed 's/^/       sshd: /' "$work/login.sshd"; fi
}
login_fails() {
    if try_login "${@:2}"; then fail "$1 (it logged in)"; else
        pass "$1"; grep -hiE 'error|fail|refus|denied|pkcs11' "$work/login.out" | head -n 5 | sed 's/^/#   ssh: /'; fi
}

# start_agent / stop_agent : an ssh-agent that may load only our module
# (TESSERA_CONF, when set, reaches the module in ssh-agent's PKCS#11 helper)
start_agent() {
    SSH_AUTH_SOCK=$work/agent.sock
    rm -f "$SSH_AUTH_SOCK"
    ssh-agent -D -a "$SSH_AUTH_SOCK" -P "$TESSERA_MODULE" >"$work/agent.log" 2>&1 &
    agent_pid=$!
    on_exit "kill $agent_pid 2>/dev/null; wait $agent_pid 2>/dev/null"
    local i
    for ((i = 0; i < 100; i++)); do [ -S "$SSH_AUTH_SOCK" ] && break; sleep 0.05; done
    [ -S "$SSH_AUTH_SOCK" ] || die "ssh-agent did not start: $(cat "$work/agent.log")"
    export SSH_AUTH_SOCK
}
stop_agent() {
    kill "$agent_pid" 2>/dev/null || true
    wait "$agent_pid" 2>/dev/null || true
    unset SSH_AUTH_SOCK
}
