#!/usr/bin/env bash
# Acceptance (issue 11): `cmake --install` with DESTDIR stages exactly the
# module (multiarch PKCS#11 directory), the p11-kit module file naming the
# installed path, the default config and the `tessera` command; the staged
# module works; it links libpcsclite dynamically and exports only the
# PKCS#11 entry points; --strip makes it smaller and still working; the
# uninstall script removes everything, except a config file the user edited.
# Runs inside scripts/with-virtual-cards (the staged module is tried on the cards).
# sandbox-args: --openpgp=none
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require pkcs11-tool readelf nm cmake
SRC=$(cd "$RIDE_DIR/../../.." && pwd)
B=$TESSERA_BUILD_DIR

stage() { # DIR [cmake --install options]: stage an install into DIR
    local d=$1
    shift
    DESTDIR=$d cmake --install "$B" "$@" >"$work/install.log" 2>&1 || { cat "$work/install.log"; die "cmake --install failed"; }
}
unstage() { DESTDIR=$1 cmake -P "$B/cmake_uninstall.cmake" >"$work/uninstall.log" 2>&1 || die "uninstall failed"; }
files() { (cd "$1" && find . -type f -o -type l | sort); }

# The paths follow the build's install prefix: /usr by default (what the
# issue asks for); a build directory configured with another prefix (an old
# cache saying /usr/local) is checked against that prefix instead of failing.
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$B/CMakeCache.txt")
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$B/CMakeCache.txt")
if [ "$prefix" = /usr ]; then etc=/etc; else etc=$prefix/etc; fi
# GNUInstallDirs uses the multiarch directory for /usr only.
[ "$prefix" != /usr ] || [ "$libdir" = lib/x86_64-linux-gnu ] || die "prefix /usr but libdir $libdir"
echo "# install prefix: $prefix"
D=$work/stage
stage "$D"
files "$D" | sed 's/^/# staged: /'
module=$(cd "$D" && find . -path '*/pkcs11/tessera-pkcs11.so' | sed 's/^\.//')
check "the module is in $prefix/$libdir/pkcs11 (multiarch for /usr)" test "$module" = "$prefix/$libdir/pkcs11/tessera-pkcs11.so"
check "the p11-kit module file is in p11-kit's directory" test -f "$D$prefix/share/p11-kit/modules/tessera.module"
check "... and names the installed module" grep -qx "module: $module" "$D$prefix/share/p11-kit/modules/tessera.module"
check "the config is $etc/tessera/tessera.conf, as shipped" cmp "$D$etc/tessera/tessera.conf" "$SRC/conf/tessera.conf"
check "the tessera command is in $prefix/bin" test -x "$D$prefix/bin/tessera"
check "exactly those four files" test "$(files "$D" | wc -l)" = 4

check "the staged module lists the token" pkcs11-tool --module "$D$module" -L
check "the staged tessera command sees it" "$D$prefix/bin/tessera" --module "$D$module" status
check "libpcsclite is linked dynamically" sh -c "readelf -d '$D$module' | grep -q 'NEEDED.*libpcsclite.so.1'"
nm -D --defined-only "$D$module" | awk '$2 ~ /^[TtWDdBbRr]$/ {print $3}' | sort >"$work/exports"
sed 's/^/# export: /' "$work/exports"
check "only C_* entry points are exported" test -z "$(grep -v '^C_' "$work/exports" || true)"
check "C_GetFunctionList and C_GetInterface are exported" sh -c "grep -qx C_GetFunctionList '$work/exports' && grep -qx C_GetInterface '$work/exports'"

unstage "$D"
check "uninstall leaves no file" test "$(files "$D" | wc -l)" = 0
ancestors() { # PATH...: the path and its parents, one per line, as ./a/b
    local p
    for p in "$@"; do while [ "$p" != / ] && [ -n "$p" ]; do echo ".$p"; p=$(dirname "$p"); done; done | sort -u
}
leftover=$(cd "$D" && find . -mindepth 1 -type d | sort | comm -23 - <(ancestors "$prefix" "$etc"))
check "... and no directory of ours (only $prefix and $etc themselves may stay)" test -z "$leftover"

# a reinstall keeps an edited config; the uninstall keeps it too
stage "$D"
echo "debug = 1" >>"$D$etc/tessera/tessera.conf"
stage "$D"
check "a reinstall keeps the user's config" grep -qx "debug = 1" "$D$etc/tessera/tessera.conf"
check "... and says so" grep -q "Keeping: .*tessera.conf" "$work/install.log"
unstage "$D"
check "uninstall keeps the edited config" grep -qx "debug = 1" "$D$etc/tessera/tessera.conf"
check "... and nothing else" test "$(files "$D" | wc -l)" = 1
rm -f "$D$etc/tessera/tessera.conf"
stage "$D"
echo "debug = 2" >>"$D$etc/tessera/tessera.conf"
unstage "$D"
check "an edited config from this install is kept" grep -q "Keeping: .*edited" "$work/uninstall.log"

S=$work/stripped
stage "$S" --strip
check "--strip makes the module smaller" test "$(stat -c %s "$S$module")" -lt "$(stat -c %s "$D$module" 2>/dev/null || stat -c %s "$B/src/pkcs11/tessera-pkcs11.so")"
echo "# module: $(stat -c %s "$B/src/pkcs11/tessera-pkcs11.so") bytes built, $(stat -c %s "$S$module") stripped"
check "the stripped module works" pkcs11-tool --module "$S$module" -L
unstage "$S"

finish
