# SPDX-License-Identifier: GPL-2.0
# mmf: Win32-style memory-mapped file sections for Linux.
#
#   make deps    install what the build and the tests need (apt, as root)
#   make         build the module for every installed target kernel, the
#                library, the selftests and the tools (KDIR= picks a kernel)
#   make check   every test: static checks, host tests, selftests in a VM on
#                each kernel series, the test harness's own tests
#   make check-debug  the selftests on a debug kernel (KASAN, lockdep, kmemleak,
#                ...) built once from linux-source-6.12 (tools/debug-kernel.sh)
#   make stress  the long variants on every kernel: fuzzer, races, crashes,
#                low memory, failing disks, ... (tools/stress.sh)
#   make demo    boot the test VM and run the example
#   make vm K=6.12   a shell in the test VM with everything inside
#   make bench   mmf against native mmap/msync in the test VM, as ratios
#
# Build products go under build/ (BUILD=).

TOP := $(CURDIR)
BUILD ?= $(TOP)/build
KSRC := $(BUILD)/ksrc
KSFT_INC := $(KSRC)/tools/testing/selftests
CC ?= cc
export BUILD

# Target kernels as "series version" pairs; the versions alone (a series
# name has no "-").
KERNELS := $(shell KDIR=$(KDIR) $(TOP)/tools/kernels.sh)
KVERS := $(foreach k,$(KERNELS),$(if $(findstring -,$(k)),$(k)))

all: modules lib selftests tools

include kmod/kmod.mk
-include lib/lib.mk
include selftests/selftests.mk
include tools/tools.mk
include bench/bench.mk

# Files extracted from Debian's linux-source-6.12 (never committed).
$(KSRC)/.stamp:
	tools/ksrc.sh $(KSRC)

deps:
	tools/deps.sh

# check and demo first install what is missing, then start over so that the
# kernel list and the extracted sources are seen afresh.
check demo stress:
	@tools/deps.sh --check 2>/dev/null || tools/deps.sh
	@$(MAKE) --no-print-directory do-$@

do-check: all
	tools/check.sh

do-stress: all
	tools/stress.sh

do-demo: all
	tools/demo.sh

# The debug kernel is built on first use and cached under $(BUILD).
check-debug:
	@tools/deps.sh --check 2>/dev/null || tools/deps.sh
	@$(MAKE) --no-print-directory do-check-debug

do-check-debug: lib selftests tools
	tools/check-debug.sh

vm: all
	tools/run-tests.sh -k $(or $(K),6.12) --shell

clean:
	rm -rf $(BUILD)

.PHONY: all deps check demo stress do-check do-demo do-stress check-debug do-check-debug vm clean modules lib selftests tools \
	bench bench-build
