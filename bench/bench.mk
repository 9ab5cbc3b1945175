# make bench: mmf against native mmap/msync, side by side in the test VM
# (bench/run.sh; K= picks one kernel, BENCH_SIZES= and BENCH_ROUNDS= the
# sizes in MiB and the rounds).  make check runs mmf_bench -S, the smoke
# form, through selftests/bench_test.
BENCH_SRCS := bench/mmf_bench.c bench/bench_map.c bench/bench_work.c bench/bench_share.c \
	bench/bench_report.c

bench-build: $(BUILD)/bench/mmf_bench $(BUILD)/bench/recdb_bench

# make check's selftests run the smoke form (selftests/bench_test).
selftests: bench-build

$(BUILD)/bench/mmf_bench: $(BENCH_SRCS) bench/bench.h bench/bench_report.h include/uapi/linux/mmf.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(CFLAGS) -Wall -Wextra $(WERROR_FLAG) -I$(TOP)/include/uapi -o $@ $(BENCH_SRCS)

# recdb_bench links libmmf statically: nothing to find at run time.
$(BUILD)/bench/recdb_bench: bench/recdb_bench.c bench/bench_report.c bench/bench_report.h examples/recdb/record.h \
	$(LIB_DIR)/libmmf.a include/mmf.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(CFLAGS) -Wall -Wextra $(WERROR_FLAG) -I$(TOP)/include -o $@ \
		bench/recdb_bench.c bench/bench_report.c $(LIB_DIR)/libmmf.a -lpthread

bench: all bench-build
	bench/run.sh
