// SPDX-License-Identifier: GPL-2.0
/*
 * MMF_CREATE_PAST_EOF under attack (issue 10): a read-only section larger
 * than its file.  Nothing may write through it or grow the file, sizes up
 * to MAX_LFS_FILESIZE must not confuse the size checks (pages past the end
 * fault SIGBUS, a flush over them writes nothing), and a handle that does
 * not hold the file never sees a byte past the section, neither when the
 * file grows past it nor after it shrank and grew again (no stale bytes).
 * Accesses that must fault run in a forked child; the file is read back
 * with pread(2) after each attack.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#define DIR_EXT4	"/mnt/ext4"
#define NOBODY		65534
#define FILL		'a'

FIXTURE(peof) {
	char path[64];
	int fd;
	size_t pg;
	unsigned long long log_mark;
};

FIXTURE_SETUP(peof)
{
	self->log_mark = kmsg_mark();
	self->pg = MMFT_PAGE;
	self->fd = mmft_tmpfile(DIR_EXT4, self->pg, FILL, self->path, sizeof(self->path));
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fchmod(self->fd, 0600));
}

FIXTURE_TEARDOWN(peof)
{
	close(self->fd);
	unlink(self->path);
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "mmf"));
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "WARNING"));
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "BUG"));
}

static off_t file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_size;
}

/*
 * Every flag combination that could write, or that has no file, is EINVAL;
 * sizes past MAX_LFS_FILESIZE are EFBIG; the file never grows.
 */
TEST_F(peof, create_refuses_every_combination_that_could_write)
{
	static const unsigned int prots[] = { MMF_PROT_READWRITE, MMF_PROT_WRITECOPY };
	static const unsigned int extra[] = {
		0, MMF_CREATE_EXCL, MMF_CREATE_SAME_BACKING,
		MMF_CREATE_EXCL | MMF_CREATE_SAME_BACKING,
	};
	uint64_t big = 8 * self->pg;
	unsigned int i, j;
	int h;

	for (i = 0; i < sizeof(prots) / sizeof(prots[0]); i++)
		for (j = 0; j < sizeof(extra) / sizeof(extra[0]); j++) {
			EXPECT_EQ(-EINVAL, mmft_create(self->fd, prots[i], big, NULL, 0,
						       MMF_CREATE_PAST_EOF | extra[j], NULL));
			/* Within the file too: the flag itself is refused. */
			EXPECT_EQ(-EINVAL, mmft_create(self->fd, prots[i], self->pg, NULL, 0,
						       MMF_CREATE_PAST_EOF | extra[j], NULL));
		}
	EXPECT_EQ(-EINVAL, mmft_create(-1, MMF_PROT_READ, big, NULL, 0,
				       MMF_CREATE_PAST_EOF | MMF_CREATE_SWAP, NULL));
	EXPECT_EQ(-EINVAL, mmft_create(-1, MMF_PROT_READWRITE, big, NULL, 0,
				       MMF_CREATE_PAST_EOF | MMF_CREATE_SWAP, NULL));
	/* Past MAX_LFS_FILESIZE (INT64_MAX here): EFBIG; at it: a section. */
	EXPECT_EQ(-EFBIG, mmft_create(self->fd, MMF_PROT_READ, (uint64_t)INT64_MAX + 1, NULL, 0,
				      MMF_CREATE_PAST_EOF, NULL));
	EXPECT_EQ(-EFBIG, mmft_create(self->fd, MMF_PROT_READ, UINT64_MAX, NULL, 0,
				      MMF_CREATE_PAST_EOF, NULL));
	h = mmft_create(self->fd, MMF_PROT_READ, INT64_MAX, NULL, 0, MMF_CREATE_PAST_EOF, NULL);
	EXPECT_LE(0, h);
	if (h >= 0)
		close(h);
	/* Size 0 means the file's size, as without the flag. */
	h = mmft_create(self->fd, MMF_PROT_READ, 0, NULL, 0, MMF_CREATE_PAST_EOF, NULL);
	EXPECT_LE(0, h);
	if (h >= 0) {
		struct mmf_stat st;

		EXPECT_EQ(0, mmft_stat(h, &st));
		EXPECT_EQ(self->pg, st.section_size);
		close(h);
	}
	EXPECT_EQ((off_t)self->pg, file_size(self->fd));
	EXPECT_EQ(1, mmft_file_all(self->fd, 0, self->pg, FILL));
}

/*
 * A section of MAX_LFS_FILESIZE bytes over a one-page file: a view of its
 * very last (partial) page and of the first two pages.  Past the end every
 * access is SIGBUS, writable shared views and mprotect are refused, a
 * private view's writes stay private, populate and flush write nothing,
 * the file keeps its size and bytes.
 */
TEST_F(peof, the_largest_section_writes_nothing_and_grows_nothing)
{
	uint64_t pages = ((uint64_t)INT64_MAX + self->pg - 1) / self->pg;
	off_t top = (off_t)((pages - 1) * self->pg);
	struct mmf_create c = { 0 };
	uint64_t written = 1;
	char *v, *p;
	int h;

	h = mmft_create(self->fd, MMF_PROT_READ, INT64_MAX, NULL, 0, MMF_CREATE_PAST_EOF, &c);
	ASSERT_LE(0, h);
	EXPECT_EQ((uint64_t)INT64_MAX, c.section_size);
	EXPECT_EQ(0, c.access & MMF_ACCESS_WRITE);
	EXPECT_NE(0, c.access & MMF_ACCESS_READ);

	/* Past the section: refused. */
	EXPECT_EQ(MAP_FAILED, mmft_map(h, self->pg, PROT_READ, MAP_SHARED, top + self->pg));
	v = mmft_map(h, self->pg, PROT_READ, MAP_SHARED, top);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(SIGBUS, mmft_access_signal(v, 0));
	EXPECT_EQ(SIGBUS, mmft_access_signal(v + self->pg - 1, 0));
	EXPECT_EQ(0, mmft_flush(h, v, self->pg, 0, &written));
	EXPECT_EQ(0, written);
	EXPECT_EQ(0, mmft_flush(h, v, self->pg, MMF_FLUSH_DURABLE, &written));
	EXPECT_NE(0, madvise(v, self->pg, MADV_POPULATE_READ));
	EXPECT_EQ(0, madvise(v, self->pg, MADV_WILLNEED));
	EXPECT_NE(0, mprotect(v, self->pg, PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, munmap(v, self->pg));

	/* A writable shared view, or one made writable: refused. */
	EXPECT_EQ(MAP_FAILED, mmft_map(h, 2 * self->pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	v = mmft_map(h, 2 * self->pg, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(1, mmft_all(v, self->pg, FILL));
	EXPECT_EQ(SIGBUS, mmft_access_signal(v + self->pg, 0));
	EXPECT_EQ(SIGSEGV, mmft_access_signal(v, 1));
	EXPECT_NE(0, mprotect(v, 2 * self->pg, PROT_READ | PROT_WRITE));
	EXPECT_NE(0, madvise(v, 2 * self->pg, MADV_REMOVE));
	EXPECT_NE(0, madvise(v + self->pg, self->pg, MADV_POPULATE_READ));
	EXPECT_EQ(0, mmft_flush(h, v, 2 * self->pg, MMF_FLUSH_DURABLE, &written));
	EXPECT_EQ(0, written);

	/* A private view: its writes are its own; past the end, SIGBUS. */
	p = mmft_map(h, 2 * self->pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 'x', self->pg);
	EXPECT_EQ(SIGBUS, mmft_access_signal(p + self->pg, 1));
	EXPECT_NE(0, madvise(p + self->pg, self->pg, MADV_POPULATE_WRITE));
	EXPECT_EQ(1, mmft_all(v, self->pg, FILL));
	EXPECT_EQ(0, munmap(p, 2 * self->pg));
	EXPECT_EQ(0, munmap(v, 2 * self->pg));
	close(h);

	EXPECT_EQ((off_t)self->pg, file_size(self->fd));
	EXPECT_EQ(1, mmft_file_all(self->fd, 0, self->pg, FILL));
}

struct joiner {
	const char *name;
	size_t pg;
	char seen[2 * 4096];
	int sig;
};

/*
 * As uid 65534, which cannot open the 0600 file: OPEN with WRITE is
 * refused, the view of the partial last page too, and the two whole pages
 * are read with faults caught (the bytes up to the fault are kept).
 */
static int joiner_look(void *arg)
{
	struct joiner *j = arg;
	char *v;
	int h;

	if (mmft_become(NOBODY, NOBODY))
		return 10;
	if (mmft_open_named(j->name, MMF_ACCESS_READ | MMF_ACCESS_WRITE, NULL) != -EACCES)
		return 11;
	h = mmft_open_named(j->name, MMF_ACCESS_READ, NULL);
	if (h < 0)
		return 12;
	v = mmft_map(h, 3 * j->pg, PROT_READ, MAP_SHARED, 0);
	if (v != MAP_FAILED || errno != EACCES)
		return 13;
	v = mmft_map(h, j->pg, PROT_READ, MAP_SHARED, 2 * j->pg);
	if (v != MAP_FAILED || errno != EACCES)
		return 14;
	v = mmft_map(h, 2 * j->pg, PROT_READ, MAP_SHARED, 0);
	if (v == MAP_FAILED)
		return 15;
	/* Grown past the section: refused (VM_DONTEXPAND). */
	if (mremap(v, 2 * j->pg, 3 * j->pg, 0) != MAP_FAILED)
		return 16;
	memset(j->seen, '?', sizeof(j->seen));
	j->sig = mmft_probe_copy(j->seen, v, 2 * j->pg);
	munmap(v, 2 * j->pg);
	close(h);
	return 0;
}

/* Run joiner_look() in a child and bring back what it saw. */
static int joiner_run(struct joiner *j)
{
	struct joiner *shared = mmap(NULL, sizeof(*j), PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status;

	if (shared == MAP_FAILED)
		return -1;
	*shared = *j;
	status = mmft_in_child(joiner_look, shared);
	*j = *shared;
	munmap(shared, sizeof(*j));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

/* How many of @len bytes at @p equal @c. */
static size_t count_of(const char *p, size_t len, int c)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += p[i] == c;
	return n;
}

/*
 * Root's 0600 file of 100 bytes, a named PAST_EOF section of 2 pages + 100
 * bytes (mode 0666).  uid 65534 opens it by name: the partial last page is
 * hidden from it while the file is short, once the file grows past the
 * section with secret bytes, and after the file shrank and grew again; the
 * pages it may see show exactly the file's bytes there (zero past the end
 * of a page, SIGBUS past the last page), never stale ones.
 */
TEST_F(peof, a_joiner_sees_no_byte_past_the_section_as_the_file_grows_and_shrinks)
{
	size_t pg = self->pg, sec_size = 2 * pg + 100;
	char name[64], buf[4 * 4096];
	struct joiner j = { .name = name, .pg = pg };
	int h, ret;

	ASSERT_EQ(4096, pg);
	snprintf(name, sizeof(name), "mmft-peof-%d", getpid());
	ASSERT_EQ(0, ftruncate(self->fd, 100));
	h = mmft_create(self->fd, MMF_PROT_READ, sec_size, name, 0666, MMF_CREATE_PAST_EOF, NULL);
	ASSERT_LE(0, h);

	/* Short file: page 0 holds the 100 bytes then zeros, page 1 SIGBUS. */
	ret = joiner_run(&j);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(SIGBUS, j.sig);
	EXPECT_EQ(100, count_of(j.seen, 100, FILL));
	EXPECT_EQ(pg - 100, count_of(j.seen + 100, pg - 100, 0));
	EXPECT_EQ(pg, count_of(j.seen + pg, pg, '?'));

	/* Grown past the section with secret bytes after it. */
	memset(buf, 'S', sizeof(buf));
	memset(buf + 100, 'g', sec_size - 100);
	ASSERT_EQ((ssize_t)sizeof(buf) - 100, pwrite(self->fd, buf + 100, sizeof(buf) - 100, 100));
	ret = joiner_run(&j);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(0, j.sig);
	EXPECT_EQ(100, count_of(j.seen, 100, FILL));
	EXPECT_EQ(2 * pg - 100, count_of(j.seen + 100, 2 * pg - 100, 'g'));
	EXPECT_EQ(0, count_of(j.seen, 2 * pg, 'S'));

	/* Shrunk to 50 bytes, then grown to 4 pages of zeros: no stale byte. */
	ASSERT_EQ(0, ftruncate(self->fd, 50));
	ret = joiner_run(&j);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(SIGBUS, j.sig);
	EXPECT_EQ(50, count_of(j.seen, 50, FILL));
	EXPECT_EQ(pg - 50, count_of(j.seen + 50, pg - 50, 0));
	ASSERT_EQ(0, ftruncate(self->fd, 4 * pg));
	ret = joiner_run(&j);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(0, j.sig);
	EXPECT_EQ(50, count_of(j.seen, 50, FILL));
	EXPECT_EQ(2 * pg - 50, count_of(j.seen + 50, 2 * pg - 50, 0));
	close(h);
	EXPECT_EQ((off_t)(4 * pg), file_size(self->fd));
}

TEST_HARNESS_MAIN
