# Command-line tools.
TOOLS_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I$(TOP)/include/uapi

tools: $(BUILD)/tools/mmfctl

$(BUILD)/tools/mmfctl: tools/mmfctl/mmfctl.c include/uapi/linux/mmf.h
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) -o $@ $< $(shell pkg-config --cflags --libs libkmod)
