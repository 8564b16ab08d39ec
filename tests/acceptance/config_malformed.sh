#!/usr/bin/env bash
# Acceptance (issue 11, "a malformed config gives one clear log line and safe
# defaults, never a crash at C_Initialize"): pkcs11-tool -L under a bad
# TESSERA_CONF (pointing nowhere, at a directory, at a binary file, at a file
# with an unknown key, a bad value and a garbage line) still lists both
# tokens, and stderr (or the configured log file) has exactly one "config:"
# line per problem, with the debug log off. Runs inside scripts/with-virtual-cards.
set -euo pipefail
# shellcheck source=ride/lib.sh
. "$(dirname "$(readlink -f "$0")")/ride/lib.sh"
require pkcs11-tool

# list NAME CONF [ENV...]: pkcs11-tool -L with TESSERA_CONF=CONF; output in
# $work/NAME.out, stderr in $work/NAME.err, exit code in $work/NAME.rc
list() {
    local name=$1 conf=$2 rc=0
    shift 2
    env -u TESSERA_DEBUG -u TESSERA_LOG_FILE TESSERA_CONF="$conf" "$@" \
        pkcs11-tool --module "$TESSERA_MODULE" -L >"$work/$name.out" 2>"$work/$name.err" || rc=$?
    echo "$rc" >"$work/$name.rc"
    sed "s/^/# $name: /" "$work/$name.err"
}
config_lines() { grep -c 'config: ' "$1" || true; }
tokens() { grep -c 'token label' "$work/$1.out" || true; }

expect_listed() { # NAME WHAT: pkcs11-tool succeeded and saw both cards
    check "$2: pkcs11-tool -L succeeds" test "$(cat "$work/$1.rc")" = 0
    check "$2: both tokens listed" test "$(tokens "$1")" = 2
}

# a control: a good file gives no line at all
printf 'debug = 0\ncache = on   # a comment after a value\n' >"$work/good.conf"
list good "$work/good.conf"
expect_listed good "a good config"
check "a good config: no config line" test "$(config_lines "$work/good.err")" = 0

list nowhere "$work/no-such.conf"
expect_listed nowhere "TESSERA_CONF pointing nowhere"
check "TESSERA_CONF pointing nowhere: one line" test "$(config_lines "$work/nowhere.err")" = 1
check "... naming the file and the cause" grep -q "TESSERA_CONF '$work/no-such.conf' cannot be read (No such file" "$work/nowhere.err"
check "... and the outcome" grep -q 'using the defaults' "$work/nowhere.err"
check "... with the log's pid/tid and timestamp prefix" grep -qE '^tessera\[[0-9]+/[0-9]+\] [0-9T:.-]+Z: config: ' "$work/nowhere.err"

list dir "$work"
expect_listed dir "TESSERA_CONF naming a directory"
check "TESSERA_CONF naming a directory: one line" test "$(config_lines "$work/dir.err")" = 1

cat >"$work/bad.conf" <<'EOF'
# three problems, one line each
debug = loud
cache_dri = /tmp
this is not a setting
idle_disconnect_ms = 0
EOF
list bad "$work/bad.conf"
expect_listed bad "unknown key, bad value, garbage line"
check "three problems: three lines" test "$(config_lines "$work/bad.err")" = 3
check "... the bad value, with its line" grep -q "bad.conf line 2: debug = 'loud' is not a whole number from 0 to 2; ignored" "$work/bad.err"
check "... the unknown key" grep -q "line 3: unknown key 'cache_dri'; ignored" "$work/bad.err"
check "... the garbage line" grep -q 'line 4: not a "key = value" line; ignored' "$work/bad.err"
check "... and the debug log stays off (no other tessera line)" test "$(grep -c '^tessera\[' "$work/bad.err")" = 3

cp "$TESSERA_MODULE" "$work/binary.conf"
list binary "$work/binary.conf"
expect_listed binary "a binary file as config"
n=$(config_lines "$work/binary.err")
check "a binary file: at most 11 lines ($n)" test "$n" -ge 1 -a "$n" -le 11

# with log_file set, the lines go there and not to stderr
printf 'log_file = %s\nbogus = 1\n' "$work/module.log" >"$work/logged.conf"
list logged "$work/logged.conf"
expect_listed logged "a problem with log_file set"
check "... the line is in the log file" test "$(config_lines "$work/module.log")" = 1
check "... not on stderr" test "$(config_lines "$work/logged.err")" = 0

# a log file that cannot be opened: said once, on stderr
printf 'log_file = %s\n' "$work/no-such-dir/module.log" >"$work/nolog.conf"
list nolog "$work/nolog.conf"
expect_listed nolog "an unwritable log_file"
check "... one line on stderr naming it" grep -q "config: log_file '$work/no-such-dir/module.log' cannot be opened" "$work/nolog.err"
check "... only that one" test "$(config_lines "$work/nolog.err")" = 1

# a bad environment override is a problem too
list env "$work/good.conf" TESSERA_IDLE_DISCONNECT_MS=soon
expect_listed env "a bad TESSERA_IDLE_DISCONNECT_MS"
check "... one line" test "$(config_lines "$work/env.err")" = 1
finish
