#!/usr/bin/env bash
# Acceptance: the OpenPGP ride test (module_openpgp_ride.sh) on a virtual
# OpenPGP 2.1 card, which refuses VERIFY P1=FF: the module ends each
# private-key transaction with a card reset instead, and the intruder
# (reconnecting after each SCARD_W_RESET_CARD) must still never find the PIN
# verified nor get a PSO:CDS, INTERNAL AUTHENTICATE or PSO:DECIPHER (command
# chaining) answered. Runs inside scripts/with-virtual-cards.
# sandbox-args: --piv=none --openpgp=v21
# sandbox-timeout: 600
exec /bin/bash "$(dirname "$(readlink -f "$0")")/module_openpgp_ride.sh" "$@"
