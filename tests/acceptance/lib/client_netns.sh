# A loopback of our own for the client_* tests that run servers (sshd,
# openssl s_server). Sourced first, before anything else: as root it re-runs
# the sourcing script in new mount and network namespaces, so the server's
# fixed port cannot clash with another test running in parallel (the command
# of scripts/with-virtual-cards runs in the host's network namespace; the
# sandbox's pcscd is reached through its socket file, which works across
# network namespaces). Not root: the host's loopback and a free port.
# Afterwards: CLIENT_PORT (a port to listen on) and CLIENT_NETNS (1 = private).
# shellcheck shell=bash disable=SC2034 # variables for the sourcing script
if [ "$(id -u)" = 0 ] && [ "${CLIENT_NETNS:-0}" != 1 ]; then
    exec env CLIENT_NETNS=1 unshare --mount --propagation private --net -- /bin/bash "$0" "$@"
fi
if [ "${CLIENT_NETNS:-0}" = 1 ]; then
    ip link set lo up || { echo "FAIL - cannot bring up the loopback of the private network namespace"; exit 1; }
    CLIENT_PORT=4433
else
    CLIENT_PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
ip -o link show lo | grep -q 'LOOPBACK,UP' || { echo "FAIL - the loopback interface is down"; exit 1; }
