# The module, built out of tree once per target kernel into
# $(BUILD)/kmod/<version>/ (sources are symlinked there; W=1 always).
# Debian 12's kernels build on the host; sid's in its build root
# (tools/sid.sh kbuild), which sees the repository and the build folder at
# their own paths.
KMOD_SRCS := $(wildcard $(TOP)/kmod/*.c $(TOP)/kmod/*.h) $(TOP)/kmod/Kbuild \
	$(TOP)/include/uapi/linux/mmf.h $(TOP)/VERSION
KMODS := $(foreach v,$(KVERS),$(BUILD)/kmod/$(v)/mmf.ko)

# A kernel build tree given by KDIR= that is not one of the target kernels
# is used as it is; otherwise each kernel's own /lib/modules/<version>/build.
kmod_kdir = $(if $(KDIR),$(KDIR),/lib/modules/$(1)/build)

modules: $(if $(KDIR_ERROR),kdir-error) $(KMODS)
	$(if $(KVERS),,@echo "modules: no target kernel has its headers installed: nothing built (make deps, or KDIR=/lib/modules/<version>/build)" >&2)

kdir-error:
	@echo "modules: $(KDIR_ERROR)" >&2; exit 1

# Installs the built module of each kernel (or KDIR's) as
# /lib/modules/<version>/updates/mmf.ko under DESTDIR (kbuild's own
# modules_install, unsigned: a distribution's signing key is not in its
# headers), then "depmod VERSION" when DESTDIR is empty, so that
# "modprobe mmf" and "mmfctl load" find it.  Sid's is built in its build
# root and not installed on this machine.
modules_install: modules
	@set -e; for v in $(KVERS); do \
		if [ -n "$$($(TOP)/tools/kernels.sh --root $$v)" ]; then \
			echo "  SKIP    $$v: built in the sid build root, not a kernel of this machine"; \
			continue; \
		fi; \
		kdir=$(if $(KDIR),$(KDIR),/lib/modules/$$v/build); \
		echo "  INSTALL $$v: $(DESTDIR)/lib/modules/$$v/updates/mmf.ko"; \
		$(MAKE) --no-print-directory -C $$kdir M=$(BUILD)/kmod/$$v \
			INSTALL_MOD_DIR=updates CONFIG_MODULE_SIG_ALL= DEPMOD=true \
			$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install; \
		$(if $(DESTDIR),:,depmod $$v); \
	done

$(BUILD)/kmod/%/mmf.ko: $(KMOD_SRCS)
	@mkdir -p $(@D)
	@find $(@D) -maxdepth 1 -type l -delete
	@ln -s $(TOP)/kmod/Kbuild $(TOP)/kmod/*.[ch] $(@D)/
	@echo "  KMOD    $*"
	@if [ -n "$$($(TOP)/tools/kernels.sh --root $*)" ]; then \
		$(TOP)/tools/sid.sh kbuild $* $(@D) MMF_INCLUDE=$(TOP)/include \
			MMF_VERSION=$(MMF_VERSION) W=1 modules; \
	else \
		$(MAKE) -C $(call kmod_kdir,$*) M=$(@D) MMF_INCLUDE=$(TOP)/include \
			MMF_VERSION=$(MMF_VERSION) W=1 modules; \
	fi > $(@D)/build.log 2>&1 || { cat $(@D)/build.log; exit 1; }
	@$(if $(WERROR_FLAG),! grep -E 'warning:|error:' $(@D)/build.log,grep -E 'warning:' $(@D)/build.log || true)

.PHONY: modules_install kdir-error
