#!/usr/bin/env bash
# Acceptance: module_openpgp_ssh.sh on a virtual OpenPGP 3.4 card with NIST
# P-256 keys: ssh-keygen -D prints the authentication key 03 as
# ecdsa-sha2-nistp256, ssh-agent signs with it and ssh-keygen -Y verify
# accepts the signature. (OpenSSH 9.2 has no EdDSA over PKCS#11.)
# Runs inside scripts/with-virtual-cards.
# sandbox-args: --piv=none --openpgp=v34-p256
# sandbox-timeout: 300
exec /bin/bash "$(dirname "$(readlink -f "$0")")/module_openpgp_ssh.sh" "$@"
