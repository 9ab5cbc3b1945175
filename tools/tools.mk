# Command-line tools.  mmfctl links the static libmmf, so that it needs no
# shared library at run time (the test VM runs it before anything else).
TOOLS_CFLAGS := -std=gnu11 -Wall -Wextra $(WERROR_FLAG) -I$(TOP)/include -I$(TOP)/include/uapi \
	-DMMF_VERSION='"$(MMF_VERSION)"' $(CPPFLAGS) $(CFLAGS)
MMFCTL_SRCS := $(wildcard $(TOP)/tools/mmfctl/*.c)

tools: $(BUILD)/tools/mmfctl

$(BUILD)/tools/mmfctl: $(MMFCTL_SRCS) $(TOP)/include/uapi/linux/mmf.h $(TOP)/include/mmf.h \
		$(BUILD)/lib/libmmf.a $(TOP)/VERSION
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) $(LDFLAGS) -o $@ $(MMFCTL_SRCS) $(BUILD)/lib/libmmf.a -lpthread \
		$(shell pkg-config --cflags --libs libkmod)
