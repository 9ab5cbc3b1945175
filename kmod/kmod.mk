# The module, built out of tree once per target kernel into
# $(BUILD)/kmod/<version>/ (sources are symlinked there; W=1 always).
# Debian 12's kernels build on the host; sid's in its build root
# (tools/sid.sh kbuild), which sees the repository and the build folder at
# their own paths.
KMOD_SRCS := $(wildcard $(TOP)/kmod/*.c $(TOP)/kmod/*.h) $(TOP)/kmod/Kbuild \
	$(TOP)/include/uapi/linux/mmf.h
KMODS := $(foreach v,$(KVERS),$(BUILD)/kmod/$(v)/mmf.ko)

modules: $(KMODS)

$(BUILD)/kmod/%/mmf.ko: $(KMOD_SRCS)
	@mkdir -p $(@D)
	@find $(@D) -maxdepth 1 -type l -delete
	@ln -s $(TOP)/kmod/Kbuild $(TOP)/kmod/*.[ch] $(@D)/
	@echo "  KMOD    $*"
	@if [ -n "$$($(TOP)/tools/kernels.sh --root $*)" ]; then \
		$(TOP)/tools/sid.sh kbuild $* $(@D) MMF_INCLUDE=$(TOP)/include W=1 modules; \
	else \
		$(MAKE) -C /lib/modules/$*/build M=$(@D) MMF_INCLUDE=$(TOP)/include W=1 modules; \
	fi > $(@D)/build.log 2>&1 || { cat $(@D)/build.log; exit 1; }
	@! grep -E 'warning:|error:' $(@D)/build.log
