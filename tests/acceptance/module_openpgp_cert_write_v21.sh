#!/usr/bin/env bash
# Issue 9: module_openpgp_cert_write.sh against a virtual OpenPGP 2.1 card:
# short APDUs, so the certificate goes with command chaining; one 7F21, the
# authentication key's (no SELECT DATA), so ID 01 is refused with
# CKR_ATTRIBUTE_VALUE_INVALID before anything is written.
# sandbox-args: --piv=none --openpgp=v21
# sandbox-timeout: 300
OPENPGP_CERT_PROFILE=v21 exec bash "$(dirname "$0")/module_openpgp_cert_write.sh"
