#!/usr/bin/env bash
# Acceptance (issue 11, Firefox): an enterprise policy (policies.json,
# "SecurityDevices") loads tessera-pkcs11.so into a fresh profile of headless
# Firefox ESR, which writes it to the profile's pkcs11.txt; NSS's certutil on
# that profile then lists the four certificates of the PIV card, as
# Firefox's certificate manager does (the OpenPGP card carries none). Without the policy the
# module is not there (the check can fail). Runs inside scripts/with-virtual-cards.
# sandbox-timeout: 300
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=lib/client_keys.sh
. "$here/lib/client_keys.sh"
# shellcheck source=lib/firefox.sh
. "$here/lib/firefox.sh"
require firefox-esr certutil timeout pkcs11-tool

cat >"$work/policies.json" <<JSON
{"policies": {"SecurityDevices": {"Tessera": "$TESSERA_MODULE"}}}
JSON
firefox_app "$work/app" "$work/policies.json"
firefox_profile "$work/profile"
start=$(date +%s)
if firefox_run "$work/app" "$work/profile" 60 about:blank "$work/blank.png" "$work/firefox.log"; then
    pass "headless Firefox with the policy started and exited ($(($(date +%s) - start)) s)"
else fail "headless Firefox exit status $?"; sed 's/^/#   /' "$work/firefox.log" | tail -n 20; fi
if grep -qxF "library=$TESSERA_MODULE" "$work/profile/pkcs11.txt" 2>/dev/null; then
    pass "the profile's pkcs11.txt has the module (from SecurityDevices)"
else fail "the profile's pkcs11.txt lacks the module"; sed 's/^/#   /' "$work/profile/pkcs11.txt" 2>/dev/null || true; fi

certutil -L -d "sql:$work/profile" -h all </dev/null >"$work/certs" 2>&1 || true
sed 's/^/#   /' "$work/certs"
piv_label=$(pkcs11-tool --module "$TESSERA_MODULE" -L 2>/dev/null | grep -m1 -o 'token label *: .*PIV.*' |
    sed 's/token label *: //; s/ *$//')
n=$(grep -cF "$piv_label:" "$work/certs" || true)
if [ "$n" = 4 ]; then pass "certutil on the profile lists the 4 certificates of '$piv_label'"; else
    fail "certutil on the profile lists $n certificates of '$piv_label', want 4"; fi
for what in "PIV Authentication" "Digital Signature" "Key Management" "Card Authentication"; do
    if grep -qF "$piv_label:X.509 Certificate for $what" "$work/certs"; then pass "listed: $what"; else
        fail "not listed: $what"; fi
done

# Control: the same profile setup without the policy has no module
firefox_profile "$work/profile-plain"
mkdir -p "$work/app-plain/distribution"
echo '{"policies": {}}' >"$work/none.json"
firefox_app "$work/app-plain" "$work/none.json"
firefox_run "$work/app-plain" "$work/profile-plain" 60 about:blank "$work/plain.png" "$work/firefox-plain.log" || true
if grep -qF "$TESSERA_MODULE" "$work/profile-plain/pkcs11.txt" 2>/dev/null; then
    fail "without the policy the module is in pkcs11.txt"
else pass "without the policy the module is not loaded"; fi
finish
