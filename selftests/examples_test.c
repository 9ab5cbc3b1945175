// SPDX-License-Identifier: GPL-2.0
/*
 * The examples, run as a user would run them (they are built the way users
 * build: cc prog.c $(pkg-config --cflags --libs mmf)): win32demo, written
 * only against <mmf/win32.h>, win32port (Windows mapping code as porters
 * meet it, issue 11, built from a "make install DESTDIR=" tree), and recdb, the record database of the source
 * document.  Their output is checked, and the files they wrote are read
 * back with read(2).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define EXAMPLES "/mmf/examples"

/* Runs argv, its stdout into @out (NUL-terminated); returns the exit status. */
static int run(char *const argv[], char *out, size_t size)
{
	int pipefd[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	while (len < size - 1 && (n = read(pipefd[0], out + len, size - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST(win32demo_writes_through_a_view_and_reads_back_with_readfile)
{
	static const char msg[] = "Hello from a Win32 view";
	char *argv[] = { EXAMPLES "/win32demo", "/mnt/ext4/win32demo.dat", NULL };
	char out[1024], fmt[256], buf[sizeof(msg)];
	unsigned int size, offset;
	int fd;

	if (access(argv[0], X_OK))
		SKIP(return, "%s was not built", argv[0]);
	ASSERT_EQ(0, run(argv, out, sizeof(out)));
	snprintf(fmt, sizeof(fmt), "win32demo: %s: %%u bytes, read back \"%%*[^\"]\" at offset %%u",
		 argv[1]);
	ASSERT_EQ(2, sscanf(out, fmt, &size, &offset));
	/* The bytes are in the file, seen without the module. */
	fd = open(argv[1], O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(size, lseek(fd, 0, SEEK_END));
	ASSERT_EQ(sizeof(msg) - 1, pread(fd, buf, sizeof(msg) - 1, offset));
	EXPECT_EQ(0, memcmp(buf, msg, sizeof(msg) - 1));
	close(fd);
	unlink(argv[1]);
}

/* win32port's layout (examples/win32port/win32port.c), recomputed here. */
#define W32P_FILE_BYTES 100000
#define W32P_DATA_AT 4096
#define W32P_DATA_BYTES 90000
#define W32P_ANSWER_AT 96000

static uint32_t fnv1a(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

/*
 * Runs win32port (@prog) on a file whose UTF-8 name CreateFileW receives
 * as UTF-16, checks each step's line, and reads the file back with read(2):
 * the parent's request and data, the child's answer (the data's FNV-1a,
 * computed here from the expected bytes), zeros everywhere else.
 */
static void check_win32port(struct __test_metadata *_metadata, const char *prog)
{
	char *argv[] = { (char *)prog, "/mnt/ext4/win32port-\xc3\xbc\xe2\x82\xac.dat", NULL };
	long page = sysconf(_SC_PAGESIZE);
	unsigned long region = (W32P_FILE_BYTES + page - 1) / page * page;
	static unsigned char want[W32P_FILE_BYTES], got[W32P_FILE_BYTES + 1];
	static char out[4096];
	char line[256];
	struct timespec t0, t1;
	struct stat st;
	int fd, len;
	size_t i;

	if (access(prog, X_OK))
		SKIP(return, "%s was not built", prog);
	unlink(argv[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, run(argv, out, sizeof(out)));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("%s: %ld ms", prog, (long)((t1.tv_sec - t0.tv_sec) * 1000 +
					  (t1.tv_nsec - t0.tv_nsec) / 1000000));

	/* The file win32port should have left. */
	memset(want, 0, sizeof(want));
	len = snprintf((char *)want, W32P_DATA_AT,
		       "request: fnv1a of %u bytes at %u, answer at %u\n",
		       W32P_DATA_BYTES, W32P_DATA_AT, W32P_ANSWER_AT);
	ASSERT_LT(0, len);
	for (i = 0; i < W32P_DATA_BYTES; i++)
		want[W32P_DATA_AT + i] = (unsigned char)((i * 2654435761u) >> 24);
	snprintf((char *)want + W32P_ANSWER_AT, 64, "answer: %08x from the child\n",
		 fnv1a(want + W32P_DATA_AT, W32P_DATA_BYTES));

	EXPECT_NE(NULL, strstr(out, "win32port: GetFileSizeEx: 100000 bytes\n"));
	snprintf(line, sizeof(line),
		 "win32port: VirtualQuery: a size-0 view of %lu bytes, PAGE_READWRITE\n", region);
	EXPECT_NE(NULL, strstr(out, line)) TH_LOG("no \"%s\" in:\n%s", line, out);
	EXPECT_NE(NULL, strstr(out, "DuplicateHandle(FILE_MAP_READ): a write view is refused (5)\n"));
	snprintf(line, sizeof(line),
		 "win32port: the duplicate's view: %lu bytes, PAGE_READONLY, the same bytes\n",
		 region);
	EXPECT_NE(NULL, strstr(out, line)) TH_LOG("no \"%s\" in:\n%s", line, out);
	/*
	 * The child's handle did not open the file: its view ends at the last
	 * whole page (win32.rst; win32_named_view_test).
	 */
	snprintf(line, sizeof(line), "win32port: child: a view of %lu bytes, answered at %u\n",
		 W32P_FILE_BYTES / page * page, W32P_ANSWER_AT);
	EXPECT_NE(NULL, strstr(out, line)) TH_LOG("no \"%s\" in:\n%s", line, out);
	snprintf(line, sizeof(line), "win32port: the child's %.64s", (char *)want + W32P_ANSWER_AT);
	EXPECT_NE(NULL, strstr(out, line)) TH_LOG("no \"%s\" in:\n%s", line, out);
	EXPECT_NE(NULL, strstr(out, "win32port: ok\n"));

	/* Under its UTF-8 name, with exactly those bytes, read without the module. */
	fd = open(argv[1], O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(W32P_FILE_BYTES, st.st_size);
	ASSERT_EQ(W32P_FILE_BYTES, read(fd, got, sizeof(got)));
	close(fd);
	for (i = 0; i < W32P_FILE_BYTES && got[i] == want[i]; i++)
		;
	EXPECT_EQ(W32P_FILE_BYTES, i) TH_LOG("byte %zu is %#x, not %#x", i, got[i], want[i]);
	unlink(argv[1]);
}

/*
 * Windows mapping code compiled unchanged against the installed
 * <mmf/win32.h> (issue 11, acceptance 3): a UNICODE build with the generic
 * names and TEXT(), GetFileSizeEx, VirtualQuery on a size-0 view, a
 * DuplicateHandle(FILE_MAP_READ) refused a write view, and a named section
 * of the file opened by a child process that reads the parent's request
 * and writes its answer; TEXT() as u"..." here, as L"..." in the next.
 */
TEST(win32port_runs_windows_mapping_code_unchanged)
{
	check_win32port(_metadata, EXAMPLES "/win32port");
}

TEST(win32port_built_with_short_wchar_runs_the_same)
{
	check_win32port(_metadata, EXAMPLES "/win32port-short-wchar");
}

TEST(recdb_reads_only_touched_pages_and_writes_only_dirtied_ones)
{
	char *argv[] = { EXAMPLES "/recdb", "demo", "/mnt/ext4/records.db", NULL };
	unsigned long read_pages, touched, written, dirtied;
	static char out[16384];
	const char *p;

	if (access(argv[0], X_OK))
		SKIP(return, "%s was not built", argv[0]);
	ASSERT_EQ(0, run(argv, out, sizeof(out)));
	p = strstr(out, "pages read = pages touched: ");
	ASSERT_NE(NULL, p);
	ASSERT_EQ(2, sscanf(p, "pages read = pages touched: %lu = %lu", &read_pages, &touched));
	EXPECT_EQ(touched, read_pages);
	EXPECT_LT(0, touched);
	p = strstr(out, "pages written = pages dirtied: ");
	ASSERT_NE(NULL, p);
	ASSERT_EQ(2, sscanf(p, "pages written = pages dirtied: %lu = %lu", &written, &dirtied));
	EXPECT_EQ(dirtied, written);
	EXPECT_LT(0, dirtied);
	unlink(argv[2]);
}

TEST_HARNESS_MAIN
