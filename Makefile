# Entry points (design.md): `make` builds, `make check` runs every test,
# `make demo` shows the module at work against virtual cards, from a fresh
# Debian 12 machine (scripts/install-deps installs what is missing, as root).
# `make check` = the test suite on the normal build, then check-sanitizers
# (ASan+UBSan and TSan builds, tests/sanitizers/run.sh) and check-valgrind
# (memcheck of pkcs11-tool through the module, tests/sanitizers/valgrind.sh).
BUILD_DIR := $(or $(BUILD_DIR),$(TESSERA_BUILD_DIR),build)
ASAN_BUILD_DIR ?= build-asan
TSAN_BUILD_DIR ?= build-tsan
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CTEST_JOBS ?= 2
export TESSERA_BUILD_DIR := $(abspath $(BUILD_DIR))
export JOBS CTEST_JOBS

.PHONY: all build configure deps check check-tests check-sanitizers check-asan check-tsan \
        check-valgrind demo clean fuzz fuzz-regress bench install uninstall

all: build

deps:
	scripts/install-deps

# TESTS=OFF builds the module, the virtual cards and the tessera command only
# (make demo); check-tests turns the tests back on in the same build tree.
TESTS ?= ON
configure:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DTESSERA_BUILD_TESTS=$(TESTS)

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

# README, "Installing": DESTDIR=/tmp/stage make install stages the install;
# `make uninstall` (same DESTDIR) removes what the last install put there.
install: build
	cmake --install $(BUILD_DIR) $(if $(STRIP),--strip)

uninstall:
	cmake -P $(BUILD_DIR)/cmake_uninstall.cmake

# each stage prints how long it took
check: deps
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory check-tests && t1=$$(date +%s) && \
	$(MAKE) --no-print-directory check-sanitizers && t2=$$(date +%s) && \
	$(MAKE) --no-print-directory check-valgrind && t3=$$(date +%s) && \
	echo "check: build+ctest $$((t1 - start))s, sanitizers $$((t2 - t1))s, valgrind $$((t3 - t2))s, total $$((t3 - start))s"

check-tests:
	$(MAKE) --no-print-directory build TESTS=ON
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(CTEST_JOBS)

check-sanitizers: check-asan check-tsan

check-asan:
	TESSERA_ASAN_BUILD_DIR=$(abspath $(ASAN_BUILD_DIR)) tests/sanitizers/run.sh asan

check-tsan:
	TESSERA_TSAN_BUILD_DIR=$(abspath $(TSAN_BUILD_DIR)) tests/sanitizers/run.sh tsan

check-valgrind:
	$(MAKE) --no-print-directory build
	@start=$$(date +%s); \
	TESSERA_NO_BUILD=1 scripts/with-virtual-cards -- tests/sanitizers/valgrind.sh && \
	echo "check-valgrind: passed in $$(($$(date +%s) - start))s"

# Long libFuzzer runs (clang, ASan+UBSan) from the committed corpus; any finding
# fails (tests/fuzz/README.md). `make check` replays the corpus as ctest tests.
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 300
fuzz:
	TESSERA_FUZZ_BUILD_DIR=$(abspath $(FUZZ_BUILD_DIR)) tests/fuzz/run-fuzzers --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-regress: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -L fuzz

# APDUs, bytes, wall and CPU time of Tessera, OpenSC and ykcs11 on the same
# virtual cards with a USB-token latency model (bench/README.md); writes
# bench/results.md and bench/results.png. BENCH_RUNS runs (default 5), medians.
bench: build
	@/usr/bin/python3 -c 'import matplotlib' 2>/dev/null || { \
	    as_root=; [ "$$(id -u)" = 0 ] || as_root="sudo -n"; \
	    $$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-matplotlib </dev/null; }
	bench/run

# The demo installs only what it runs (scripts/install-deps --demo): no test
# tools, no SoftHSM or other modules registering themselves with p11-kit.
demo:
	scripts/install-deps --demo
	$(MAKE) --no-print-directory build TESTS=OFF
	scripts/with-virtual-cards -- scripts/demo.sh

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(TSAN_BUILD_DIR)
