# Entry points (design.md): `make` builds, `make check` runs every test,
# `make demo` shows the module at work against virtual cards, from a fresh
# Debian 12 machine (scripts/install-deps installs what is missing, as root).
BUILD_DIR := $(or $(BUILD_DIR),$(TESSERA_BUILD_DIR),build)
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CTEST_JOBS ?= 2
export TESSERA_BUILD_DIR := $(abspath $(BUILD_DIR))

.PHONY: all build configure deps check demo clean

all: build

deps:
	scripts/install-deps

configure:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

check: deps
	$(MAKE) build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(CTEST_JOBS)

demo: deps
	$(MAKE) build
	scripts/with-virtual-cards -- scripts/demo.sh

clean:
	rm -rf $(BUILD_DIR)
