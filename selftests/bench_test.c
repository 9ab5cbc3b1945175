// SPDX-License-Identifier: GPL-2.0
/*
 * make bench's smoke run (issue 12): every workload of bench/mmf_bench at
 * its smallest size, one round, on ext4, tmpfs and a swap-backed section,
 * and bench/recdb_bench's record database, so that the benchmarks cannot
 * rot.  A benchmark checks every page it reads and every page it writes
 * (read back with pread(2), or through the mapping when there is no file)
 * and exits non-zero on any error or wrong byte; that is what fails here,
 * never a time.  Their tables go to the log as comments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define BENCH "/mmf/bench"

/* Runs argv with its output as "# " lines; returns the exit status. */
static int run(char *const argv[], int *rows)
{
	int pipefd[2], status;
	struct timespec t0, t1;
	char line[512];
	FILE *out;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &t0);

	if (pipe(pipefd))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	out = fdopen(pipefd[0], "r");
	*rows = 0;
	while (out && fgets(line, sizeof(line), out)) {
		printf("# %s", line);
		/* A result row: two spaces, then the workload's name. */
		*rows += !strncmp(line, "  ", 2) && line[2] != ' ';
	}
	if (out)
		fclose(out);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* What the smoke run costs make check, for testing.rst's budget. */
	printf("# %s took %.1f s\n", argv[0],
	       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return WEXITSTATUS(status);
}

FIXTURE(smoke) {
	int unused;
};

FIXTURE_SETUP(smoke)
{
	ASSERT_EQ(0, access(BENCH "/mmf_bench", X_OK)) TH_LOG("bench/ was not built (make)");
}

FIXTURE_TEARDOWN(smoke)
{
}

/*
 * Rows: ext4 has every workload (15, 18 rows: fault and mem two each), tmpfs
 * all but the cold-cache ones (2 fewer), swap also none that needs fsync
 * (write-durable, commit).
 */
TEST_F_TIMEOUT(smoke, mmf_bench_every_workload_on_ext4, 600)
{
	char *argv[] = { BENCH "/mmf_bench", "-S", "/mnt/ext4/bench_smoke", NULL };
	int rows;

	ASSERT_EQ(0, run(argv, &rows));
	EXPECT_EQ(18, rows);
}

TEST_F_TIMEOUT(smoke, mmf_bench_every_workload_on_tmpfs, 600)
{
	char *argv[] = { BENCH "/mmf_bench", "-S", "/tmp/bench_smoke", NULL };
	int rows;

	ASSERT_EQ(0, run(argv, &rows));
	EXPECT_EQ(16, rows);
}

TEST_F_TIMEOUT(smoke, mmf_bench_every_workload_on_a_swap_backed_section, 600)
{
	char *argv[] = { BENCH "/mmf_bench", "-S", "swap", NULL };
	int rows;

	ASSERT_EQ(0, run(argv, &rows));
	EXPECT_EQ(14, rows);
}

/* Untracked sections (-U, MMF_CREATE_UNTRACKED): every workload too. */
TEST_F_TIMEOUT(smoke, mmf_bench_every_workload_on_tmpfs_untracked, 600)
{
	char *argv[] = { BENCH "/mmf_bench", "-S", "-U", "/tmp/bench_smoke", NULL };
	int rows;

	ASSERT_EQ(0, run(argv, &rows));
	EXPECT_EQ(16, rows);
}

TEST_F_TIMEOUT(smoke, mmf_bench_every_workload_on_an_untracked_swap_backed_section, 600)
{
	char *argv[] = { BENCH "/mmf_bench", "-S", "-U", "swap", NULL };
	int rows;

	ASSERT_EQ(0, run(argv, &rows));
	EXPECT_EQ(14, rows);
}

TEST_F_TIMEOUT(smoke, recdb_bench_on_ext4, 600)
{
	char *argv[] = { BENCH "/recdb_bench", "-S", "/mnt/ext4/recdb_smoke", NULL };
	int rows;

	ASSERT_EQ(0, run(argv, &rows));
	EXPECT_EQ(1, rows);
}

TEST_HARNESS_MAIN
