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
#   make bench   mmf against native mmap/msync in the test VM, as ratios, a
#                CSV and plots in build/bench/ (Documentation/performance.rst)
#   make install PREFIX=/usr/local DESTDIR=   library, headers, pkg-config
#                file, mmfctl, man pages (no module: see modules_install)
#   make modules_install KDIR=/lib/modules/<version>/build   the module
#                into /lib/modules/<version>/updates (DESTDIR=), then depmod
#   make deb     Debian packages (mmf-dkms, libmmf1, libmmf-dev, mmf-utils)
#                under build/deb/, checked with lintian (tools/deb.sh)
#   make check-packages  builds and installs those packages in a fresh
#                Debian 12 chroot and tests the installed files in the VM
#                on 6.1 and 6.12 (tools/check-packages.sh, as root)
#
# Build products go under build/ (BUILD=).  The C code is built with the
# caller's CFLAGS, CPPFLAGS and LDFLAGS (default CFLAGS: -O2 -g); warnings
# are errors (-Werror, and any module build warning) unless WERROR=0, which
# package builds set.  VERSION holds the one version number of the module
# (MODULE_VERSION), the library (mmf.pc) and the packages.

TOP := $(CURDIR)
BUILD ?= $(TOP)/build
KSRC := $(BUILD)/ksrc
KSFT_INC := $(KSRC)/tools/testing/selftests
CC ?= cc
CFLAGS ?= -O2 -g
WERROR ?= 1
WERROR_FLAG := $(if $(filter 1,$(WERROR)),-Werror)
MMF_VERSION := $(shell cat $(TOP)/VERSION)
export BUILD

# Target kernels as "series version" pairs; the versions alone (a series
# name has no "-").  KDIR= names one kernel's build tree: one of the target
# kernels, or any other kernel whose headers are installed (built as for the
# Debian ones, on the host), or the build stops saying why.
KERNELS := $(shell KDIR=$(KDIR) $(TOP)/tools/kernels.sh)
KVERS := $(foreach k,$(KERNELS),$(if $(findstring -,$(k)),$(k)))
ifneq ($(KDIR),)
ifeq ($(KVERS),)
ifeq ($(wildcard $(KDIR)/Makefile),)
KDIR_ERROR := KDIR=$(KDIR) is not a kernel build tree (no Makefile there): install that kernel's headers (on Debian: linux-headers-<version>) or point KDIR at them
else
KVERS := $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null || \
	$(MAKE) -s --no-print-directory -C $(KDIR) kernelrelease 2>/dev/null)
KDIR_ERROR := $(if $(KVERS),,KDIR=$(KDIR) has no include/config/kernel.release: run "make modules_prepare" in that kernel tree first)
endif
endif
endif

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

# Debian packages, built from a copy of the sources (tools/deb.sh).
deb:
	tools/deb.sh

check-packages:
	tools/check-packages.sh

clean:
	rm -rf $(BUILD)

.PHONY: all deps deb check-packages check demo stress do-check do-demo do-stress check-debug do-check-debug vm clean modules lib selftests tools \
	bench bench-build
