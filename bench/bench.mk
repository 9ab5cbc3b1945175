# make bench: mmf against native mmap/msync, side by side in the test VM
# (bench/run.sh; K= picks one kernel, BENCH_SIZES= and BENCH_ROUNDS= the
# sizes in MiB and the rounds).  make check runs mmf_bench -S, the smoke
# form, through selftests/bench_test.
BENCH_SRCS := bench/mmf_bench.c bench/bench_map.c bench/bench_work.c bench/bench_share.c

bench-build: $(BUILD)/bench/mmf_bench

$(BUILD)/bench/mmf_bench: $(BENCH_SRCS) bench/bench.h include/uapi/linux/mmf.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(CFLAGS) -Wall -Wextra $(WERROR_FLAG) -I$(TOP)/include/uapi -o $@ $(BENCH_SRCS)

bench: all bench-build
	bench/run.sh
