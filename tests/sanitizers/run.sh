#!/usr/bin/env bash
# Sanitizer pass of `make check` (issue 5, hardening): builds Tessera with
# AddressSanitizer+UndefinedBehaviorSanitizer or ThreadSanitizer
# (cmake/sanitizers.cmake) in its own build tree and runs the tests that can
# find memory, undefined-behaviour and threading bugs in the module:
#
#   tests/sanitizers/run.sh asan   build-asan: every unit test binary (leaks
#                                  checked), api_tessera (leaks checked), the
#                                  module_* acceptance tests and the harness
#                                  tests (host tools with the runtime preloaded)
#   tests/sanitizers/run.sh tsan   build-tsan: the threading tests
#                                  (acceptance_module_threads, api_tessera's
#                                  Card.EightThreadsSignConcurrently and
#                                  Card.ObjectReadersDuringCertificateWrites,
#                                  events_finalize_race: C_Finalize against
#                                  every long call, events_reaper_lock_fails)
#
# Any sanitizer report fails the run, even one from a process whose failure a
# test expected or swallowed: every report is also written to
# BUILD/sanitizer-reports/ (log_path), and a non-empty directory is a failure.
# Environment: TESSERA_ASAN_BUILD_DIR, TESSERA_TSAN_BUILD_DIR (default
# build-asan, build-tsan in the repository), JOBS, CTEST_JOBS,
# TESSERA_SANITIZER_SKIP_BUILD=1 (use the build tree as it is).
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
kind=${1:?usage: $0 asan|tsan}
jobs=${JOBS:-$(nproc)}
ctest_jobs=${CTEST_JOBS:-2}
supp=$root/tests/sanitizers

case $kind in
    asan)
        build=${TESSERA_ASAN_BUILD_DIR:-$root/build-asan}
        sanitize=address,undefined
        opt=-O0 # ASan+UBSan at -O1 triples the compile time of the gtest files
        targets=(tessera-pkcs11 tessera-vcard tessera_api_tests tessera_threads_test
                 tessera_apdu_tests tessera_pcsc_tests tessera_piv_tests tessera_openpgp_tests
                 tessera_module_tests tessera_crypto_tests tessera_vcard_tests tessera_core_tests
                 tessera_common_tests tessera_pcsc_fake_tests tessera_reader_events_tests tessera_pinentry_tests)
        ;;
    tsan)
        build=${TESSERA_TSAN_BUILD_DIR:-$root/build-tsan}
        sanitize=thread
        opt=-O1
        # No unit test starts a thread (grep std::thread tests/unit): none here.
        targets=(tessera-pkcs11 tessera-vcard tessera_api_tests tessera_threads_test tessera_events_test)
        ;;
    *) echo "usage: $0 asan|tsan" >&2; exit 2 ;;
esac
reports=$build/sanitizer-reports

t0=$(date +%s)
elapsed() { echo $(($(date +%s) - t0)); }
step() { echo "== sanitizers/$kind [$(elapsed)s]: $*"; }

if [ "${TESSERA_SANITIZER_SKIP_BUILD:-0}" != 1 ]; then
    step "configure $build (TESSERA_SANITIZE=$sanitize)"
    mkdir -p "$build"
    log=$build/sanitizers-configure.log
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_C_FLAGS_DEBUG="$opt -g" -DCMAKE_CXX_FLAGS_DEBUG="$opt -g" \
        -DTESSERA_SANITIZE="$sanitize" >"$log" 2>&1 || { cat "$log"; exit 1; }
    step "build ${targets[*]}"
    cmake --build "$build" -j"$jobs" --target "${targets[@]}"
    step "built"
fi

rm -rf "$reports"
mkdir -p "$reports"
status=0

# Options for our own instrumented executables (the host tools in the
# sandboxed tests get theirs from the build's TESSERA_SANITIZER_HOST_ENVIRONMENT,
# with LD_PRELOAD; tests/sandbox.cmake). The sandbox's mount namespace sees
# the build tree, so log_path works from inside it too.
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$supp/tsan.supp"

# run_logged NAME COMMAND... : run with reports both on stderr and in $reports
run_logged() {
    local name=$1
    shift
    echo "-- $name"
    if ! "$@"; then
        echo "FAIL: $name" >&2
        status=1
    fi
}

if [ "$kind" = asan ]; then
    step "unit tests (leak checking on)"
    # Every gtest binary of tests/unit and tests/events (the fake pcsc-lite
    # ones too: CardHandle, the page cache, the reader-event thread).
    for t in apdu pcsc pcsc_fake piv openpgp module crypto vcard core common reader_events pinentry; do
        exe=$(find "$build/tests/unit" "$build/tests/events" -name "tessera_${t}_tests" -type f -perm -u+x | head -1)
        [ -n "$exe" ] || { echo "FAIL: tessera_${t}_tests not built" >&2; status=1; continue; }
        run_logged "tessera_${t}_tests" "$exe" --gtest_brief=1
    done
    step "unit tests done"
    # Sandboxed tests: api_tessera runs our instrumented tessera_api_tests
    # with the options above (leaks checked); the module_*, harness and
    # threads tests run host tools with the runtime preloaded (leaks of the
    # host tools not checked: they are not ours).
    # Not the ssh tests: ssh-agent is setgid (_ssh), so the loader strips
    # LD_PRELOAD and ssh-pkcs11-helper cannot load an ASan module. host-bin/
    # runs the few tools that break under the preloaded runtime without it.
    step "sandboxed tests: api_tessera, acceptance_module_* (but ssh), harness_*"
    PATH="$supp/host-bin:$PATH" \
        ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$reports/asan" \
        UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$reports/ubsan" \
        ctest --test-dir "$build" --output-on-failure -j"$ctest_jobs" \
        -R '^(api_tessera|acceptance_module_.*|harness_.*)$' -E '_ssh(_|$)' || status=1
else
    step "sandboxed tests: acceptance_module_threads, api_tessera (threads test only), events_finalize_race, events_reaper_lock_fails"
    TSAN_OPTIONS="$TSAN_OPTIONS:log_path=$reports/tsan" \
        GTEST_FILTER='Card.EightThreadsSignConcurrently:Card.ObjectReadersDuringCertificateWrites' \
        ctest --test-dir "$build" --output-on-failure -j"$ctest_jobs" \
        -R '^(api_tessera|acceptance_module_threads|events_finalize_race|events_reaper_lock_fails)$' || status=1
fi
step "tests done"

# Reports written by any process (also those whose failure was expected).
if [ -n "$(ls -A "$reports")" ]; then
    echo "FAIL: sanitizer reports in $reports:" >&2
    for f in "$reports"/*; do
        echo "==== $f" >&2
        cat "$f" >&2
    done
    status=1
fi
# CPU time as well as wall time: on a loaded machine the wall time says little
times >"$reports/.times" # (in this shell: a $(times) subshell would count nothing)
cpu=$(tail -1 "$reports/.times" | awk '{ for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%.0f", t }')
rm -f "$reports/.times"
step "$([ $status = 0 ] && echo passed || echo FAILED) in $(elapsed)s wall, ${cpu}s CPU (children)"
exit $status
