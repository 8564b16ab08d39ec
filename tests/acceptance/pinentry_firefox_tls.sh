#!/usr/bin/env bash
# Acceptance (issue 10): headless Firefox ESR, with tessera-pkcs11.so loaded by
# the SecurityDevices policy and pin_source = pinentry (the scripted pinentry
# of lib/pinentry_script.sh answering 123456), completes a TLS
# client-certificate handshake with the PIN-protected 9A key of the virtual
# PIV card against `openssl s_server -Verify 1 -www` on loopback, choosing the
# certificate by itself (security.default_personal_cert = "Select
# Automatically"; the server's test CA trusted in the profile), and exits
# within seconds: the token announces CKF_PROTECTED_AUTHENTICATION_PATH, so
# Firefox logs in with C_Login(NULL) and the module asks pinentry once.
# The s_server log, Firefox's screenshot of the page, the pinentry requests
# and the module's debug log (TESSERA_DEBUG=1) stay in
# artifacts/pinentry_firefox_tls/ of the test's working directory.
# Runs inside scripts/with-virtual-cards.
# sandbox-args: --openpgp=none
# sandbox-timeout: 300
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
# shellcheck source=lib/client_keys.sh
. "$here/lib/client_keys.sh"
# shellcheck source=lib/client_netns.sh
. "$here/lib/client_netns.sh"
# shellcheck source=lib/firefox.sh
. "$here/lib/firefox.sh"
require firefox-esr certutil openssl timeout pkcs11-tool
artifacts=${TESSERA_ARTIFACTS:-$PWD/artifacts}/$TEST_NAME
rm -rf "$artifacts"
mkdir -p "$artifacts"

slot=$(slot_for_module "$TESSERA_MODULE") || die "no slot for the PIV reader"
pkcs11-tool --module "$TESSERA_MODULE" --slot "$slot" --read-object --type cert --id 01 -o "$work/card01.der" \
    >/dev/null 2>&1 || die "cannot read the 9A certificate"

# A test CA and a server certificate for 127.0.0.1 (Firefox checks the name)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" \
    -subj "/CN=Tessera test CA" -days 2 -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign >/dev/null 2>&1 || die "test CA"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/server.key" \
    -out "$work/server.csr" -subj /CN=127.0.0.1 >/dev/null 2>&1 || die "server request"
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$work/ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
    -extfile "$work/ext" -out "$work/server.pem" >/dev/null 2>&1 || die "server certificate"
openssl s_server -accept "127.0.0.1:$CLIENT_PORT" -cert "$work/server.pem" -key "$work/server.key" \
    -Verify 1 -www >"$artifacts/s_server.log" 2>&1 </dev/null &
server_pid=$!
on_exit "kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null"
for ((i = 0; i < 100; i++)); do grep -q '^ACCEPT' "$artifacts/s_server.log" 2>/dev/null && break; sleep 0.05; done
grep -q '^ACCEPT' "$artifacts/s_server.log" || die "openssl s_server did not start"

cat >"$work/policies.json" <<JSON
{"policies": {"SecurityDevices": {"Tessera": "$TESSERA_MODULE"}}}
JSON
firefox_app "$work/app" "$work/policies.json"
firefox_profile "$work/profile" 'user_pref("security.default_personal_cert", "Select Automatically");'
certutil -A -d "sql:$work/profile" -n "Tessera test CA" -t "C,," -a -i "$work/ca.pem" || die "certutil -A the test CA"
printf 'pin_source = pinentry\npinentry_program = %s\n' "$here/lib/pinentry_script.sh" >"$work/pe.conf"
export TESSERA_CONF=$work/pe.conf PINENTRY_LOG=$artifacts/pinentry.log
export TESSERA_DEBUG=1 TESSERA_LOG_FILE=$artifacts/tessera.log # the module's call log, kept too (never a PIN)

start=$(date +%s%N)
if firefox_run "$work/app" "$work/profile" 60 "https://127.0.0.1:$CLIENT_PORT/" "$artifacts/screenshot.png" \
    "$artifacts/firefox.log"; then
    ms=$((($(date +%s%N) - start) / 1000000))
    pass "headless Firefox exited by itself (${ms} ms)"
else
    fail "headless Firefox exit status $? (124 = still running after 60 s)"; tail -n 20 "$artifacts/firefox.log"
    ms=60000
fi
if [ "$ms" -lt 20000 ]; then pass "within 20 s"; else fail "took $ms ms"; fi
if [ -s "$artifacts/screenshot.png" ]; then pass "screenshot kept: $artifacts/screenshot.png"; else fail "no screenshot"; fi
n=$(grep -c '^GETPIN' "$artifacts/pinentry.log" 2>/dev/null || true)
if [ "$n" = 1 ]; then pass "the module asked pinentry once"; else fail "pinentry asked $n times, want 1"; fi

# The server verified the 9A certificate (its CN names the PIV slot; the
# other three certificates of the card have other names)
cn=$(openssl x509 -inform DER -in "$work/card01.der" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= *//p')
if grep -qxF "depth=0 CN = $cn" "$artifacts/s_server.log"; then
    pass "s_server verified the card's 9A client certificate ($cn)"
else fail "the s_server log shows no 9A client certificate ($cn)"; sed 's/^/#   /' "$artifacts/s_server.log"; fi
if grep -q 'SSL_ERROR\|Secure Connection Failed' "$artifacts/firefox.log"; then fail "Firefox reports a TLS error"; fi
echo "# artifacts: $artifacts"
if [ "$failures" -gt 0 ]; then
    echo "# pinentry.log:"; sed 's/^/#   /' "$artifacts/pinentry.log" 2>/dev/null || true
    echo "# tessera.log (last 40 lines):"; tail -n 40 "$artifacts/tessera.log" 2>/dev/null | sed 's/^/#   /' || true
fi
finish
