# Shared helper of the tests/acceptance/client_*.sh tests that go through
# p11-kit's module registration: a HOME with Tessera registered in
# ~/.config/pkcs11/modules (pkcs11.conf(5)), and as_user to run a client
# there. p11-kit 0.24 reads no user configuration when it runs as root
# (measured: not even ~/.config/pkcs11/pkcs11.conf is opened), so under root
# the client runs as the unprivileged user nobody, which the sandbox's pcscd
# serves like any user. Sourced after ride/lib.sh ($work, $TESSERA_MODULE).
# shellcheck shell=bash disable=SC2034 # variables for the sourcing script
P11_HOME=$work/p11home
P11_PROXY=/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so
P11_USER_MODULES=$P11_HOME/.config/pkcs11/modules

# p11kit_register : the test HOME, with Tessera registered for its user
p11kit_register() {
    mkdir -p "$P11_USER_MODULES"
    printf 'module: %s\n' "$TESSERA_MODULE" >"$P11_USER_MODULES/tessera.module"
    if [ "$(id -u)" = 0 ]; then
        chmod a+x "$work"
        chown -R nobody: "$P11_HOME"
    fi
}

# as_user CMD... : CMD with HOME=$P11_HOME, as nobody when we are root
as_user() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u nobody -- env HOME="$P11_HOME" PCSCLITE_CSOCK_NAME="$PCSCLITE_CSOCK_NAME" "$@"
    else
        env HOME="$P11_HOME" "$@"
    fi
}
