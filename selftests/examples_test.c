// SPDX-License-Identifier: GPL-2.0
/*
 * The examples, run as a user would run them (they are built the way users
 * build: cc prog.c $(pkg-config --cflags --libs mmf)): win32demo, written
 * only against <mmf/win32.h>, win32port (Windows mapping code as porters
 * meet it, issue 11), and recdb, the record database of the source
 * document.  Their output is checked, and the files they wrote are read
 * back with read(2).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

/*
 * A UNICODE build with the generic names, GetFileSizeEx, VirtualQuery on a
 * size-0 view, a reduced DuplicateHandle and a section handed to a child.
 */
TEST(win32port_runs_windows_mapping_code_unchanged)
{
	char *argv[] = { EXAMPLES "/win32port", "/mnt/ext4/win32port.dat", NULL };
	static char out[4096];
	char buf[17];
	size_t region;
	int fd;

	if (access(argv[0], X_OK))
		SKIP(return, "%s was not built", argv[0]);
	ASSERT_EQ(0, run(argv, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "win32port: GetFileSizeEx: 100000 bytes\n"));
	/* The size-0 view covers the file's pages. */
	ASSERT_NE(NULL, strstr(out, "win32port: VirtualQuery: a view of "));
	ASSERT_EQ(1, sscanf(strstr(out, "a view of "), "a view of %zu", &region));
	EXPECT_EQ((100000 + sysconf(_SC_PAGESIZE) - 1) / sysconf(_SC_PAGESIZE) *
		  sysconf(_SC_PAGESIZE), region);
	EXPECT_NE(NULL, strstr(out, "a write view is refused (5)"));
	EXPECT_NE(NULL, strstr(out, "the child wrote \"written by the child\""));
	EXPECT_NE(NULL, strstr(out, "win32port: ok"));
	/* What the view wrote is in the file. */
	fd = open(argv[1], O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(17, pread(fd, buf, 17, 0));
	EXPECT_EQ(0, memcmp(buf, "through the view", 17));
	EXPECT_EQ(100000, lseek(fd, 0, SEEK_END));
	close(fd);
	unlink(argv[1]);
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
