# GnuPG 2.2 set up for the sandbox's OpenPGP card (the setup of
# openpgp_vcard_gpg.sh, shared): a private GNUPGHOME under $TESSERA_SANDBOX,
# gpg-agent starting scdaemon through a wrapper that brings the sandbox's
# pcscd socket along (gpg-agent cleans the environment; references.md,
# "Third-party tools"), scdaemon in shared mode on the OpenPGP card's reader,
# and a pinentry answering by prompt (admin PIN 12345678 when the text says
# "Admin", else the user PIN 123456). Sourced, not run.
#   gpg_env_setup          create $GNUPGHOME and its configuration (exports GNUPGHOME)
#   gpg_edit ARGS...       gpg --card-edit / --edit-key answering prompts from stdin
#   gpg_generate_on_card NAME EMAIL   --card-edit generate (no backup, no expiry)
#   gpg_kill               gpgconf --kill all (scdaemon releases the card)
# shellcheck shell=bash disable=SC2034

gpg_env_setup() {
    : "${PCSCLITE_CSOCK_NAME:?run me inside scripts/with-virtual-cards}"
    : "${TESSERA_OPENPGP_READER:?no OpenPGP card in this sandbox}"
    export GNUPGHOME=${GNUPGHOME_DIR:-$TESSERA_SANDBOX/gnupg}
    mkdir -p "$GNUPGHOME"
    chmod 700 "$GNUPGHOME"
    cat >"$GNUPGHOME/scdaemon-wrapper" <<EOF
#!/bin/sh
export PCSCLITE_CSOCK_NAME='$PCSCLITE_CSOCK_NAME'
exec /usr/lib/gnupg/scdaemon "\$@"
EOF
    cat >"$GNUPGHOME/pinentry" <<EOF
#!/bin/bash
echo "OK Pleased to meet you"
text=
while IFS= read -r line; do
    case \$line in
        SETDESC* | SETPROMPT* | SETTITLE*) text="\$text \${line#* }"; echo OK ;;
        GETPIN*)
            case \$text in *Admin* | *admin*) echo "D ${VCARD_ADMIN_PIN:-12345678}" ;; *) echo "D ${VCARD_PIN:-123456}" ;; esac
            text=; echo OK ;;
        BYE*) echo OK; exit 0 ;;
        *) echo OK ;;
    esac
done
EOF
    chmod 700 "$GNUPGHOME/scdaemon-wrapper" "$GNUPGHOME/pinentry"
    cat >"$GNUPGHOME/gpg-agent.conf" <<EOF
scdaemon-program $GNUPGHOME/scdaemon-wrapper
pinentry-program $GNUPGHOME/pinentry
allow-loopback-pinentry
EOF
    cat >"$GNUPGHOME/scdaemon.conf" <<EOF
disable-ccid
pcsc-shared
pcsc-driver /usr/lib/x86_64-linux-gnu/libpcsclite.so.1
reader-port $TESSERA_OPENPGP_READER
log-file $GNUPGHOME/scdaemon.log
EOF
}

gpg_edit() { gpg --no-tty --command-fd 0 --status-fd 1 "$@"; }

gpg_generate_on_card() { # NAME EMAIL
    gpg_edit --card-edit <<EOF
admin
generate
n
y
0
$1
$2

quit
EOF
}

gpg_kill() { gpgconf --kill all >/dev/null 2>&1 || true; }
