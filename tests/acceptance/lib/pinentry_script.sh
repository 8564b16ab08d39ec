#!/usr/bin/env bash
# A scripted pinentry for the tests of pin_source = pinentry: speaks the
# server side of the Assuan protocol on stdin/stdout as pinentry does
# (greeting, OK to every SET*/OPTION, D line + OK to GETPIN, OK or ERR to
# CONFIRM, OK to BYE). Driven by the environment the module passes on:
#   PINENTRY_PIN      the PIN GETPIN answers (default 123456; digits only)
#   PINENTRY_PIN_FILE or a file holding it (so the PIN is not in the
#                     environment of the process that runs the module)
#   PINENTRY_MODE     answer (default) | cancel (ERR as when the user cancels)
#                     | hang (never answers GETPIN) | exit (dies at GETPIN)
#   PINENTRY_CONFIRM  yes | no (default): the answer to CONFIRM
#   PINENTRY_LOG      a file that gets every request line (never the PIN:
#                     the module sends none) and "pid PID" at start
set -u
log=${PINENTRY_LOG:-/dev/null}
echo "pid $$" >>"$log"
echo "OK Pleased to meet you (Tessera's scripted pinentry)"
while IFS= read -r line; do
    printf '%s\n' "$line" >>"$log"
    case ${line%% *} in
        GETPIN)
            case ${PINENTRY_MODE:-answer} in
                cancel) echo "ERR 83886179 Operation cancelled <Pinentry>" ;;
                hang) exec sleep 3600 ;;
                exit) exit 3 ;;
                *)
                    pin=${PINENTRY_PIN:-123456}
                    [ -n "${PINENTRY_PIN_FILE:-}" ] && pin=$(cat "$PINENTRY_PIN_FILE")
                    printf 'D %s\nOK\n' "$pin"
                    ;;
            esac
            ;;
        CONFIRM)
            if [ "${PINENTRY_CONFIRM:-no}" = yes ]; then echo OK; else echo "ERR 83886194 Not confirmed <Pinentry>"; fi
            ;;
        BYE)
            echo "OK closing connection"
            exit 0
            ;;
        *) echo OK ;;
    esac
done
