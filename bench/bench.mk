# make bench: mmf against native mmap/msync, side by side in the test VM.
bench-build: $(BUILD)/bench/mmf_bench

$(BUILD)/bench/mmf_bench: bench/mmf_bench.c include/uapi/linux/mmf.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -I$(TOP)/include/uapi -o $@ $<

bench: all bench-build
	bench/run.sh
