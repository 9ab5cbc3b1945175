// SPDX-License-Identifier: GPL-2.0
/*
 * One copy of every page (issue 3, acceptance item 2): views of a section in
 * any number of processes, read(2) and write(2) on the backing file all see
 * the same bytes at once, with no flush in between.  Copy-on-write views
 * (MAP_PRIVATE) keep Linux's semantics: a page the view wrote is its own and
 * never reaches the file or other views; a page it did not write still shows
 * the shared page, so later writes by others are seen there.
 *
 * Every case runs on an ext4 file, a tmpfs file, a file on a huge=always
 * tmpfs (large folios) and a swap-backed section (the cases that need a
 * file skip the last one).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#define NPAGES	4
#define FILL	0x11

/* One test's section, and the file behind it when there is one. */
struct share {
	char path[64];
	char name[64];
	int fd;		/* backing file, -1 for a swap-backed section */
	int h;		/* the creating handle */
	size_t pg, size;
	unsigned long long log_mark;
};

/* Every kind of section: files on ext4, tmpfs, huge-page tmpfs, and swap. */
FIXTURE(share) {
	struct share s;
};

struct share_where {
	const char *dir;	/* NULL: swap-backed */
	const char *huge;	/* tmpfs options: a tmpfs of its own at dir */
};

FIXTURE_VARIANT(share) {
	struct share_where w;
};

FIXTURE_VARIANT_ADD(share, ext4) { .w = { .dir = "/mnt/ext4" } };
FIXTURE_VARIANT_ADD(share, tmpfs) { .w = { .dir = "/tmp" } };
FIXTURE_VARIANT_ADD(share, tmpfs_huge) {
	.w = { .dir = "/tmp/mmft-share-huge", .huge = "huge=always" }
};
FIXTURE_VARIANT_ADD(share, swap) { .w = { .dir = NULL } };

/* Sections of a file, for tests that read or write the file itself. */
FIXTURE(share_file) {
	struct share s;
};

FIXTURE_VARIANT(share_file) {
	struct share_where w;
};

FIXTURE_VARIANT_ADD(share_file, ext4) { .w = { .dir = "/mnt/ext4" } };
FIXTURE_VARIANT_ADD(share_file, tmpfs) { .w = { .dir = "/tmp" } };
FIXTURE_VARIANT_ADD(share_file, tmpfs_huge) {
	.w = { .dir = "/tmp/mmft-share-huge", .huge = "huge=always" }
};

static void share_prepare(struct __test_metadata *_metadata, struct share *self,
			const struct share_where *variant)
{
	self->log_mark = kmsg_mark();
	self->pg = MMFT_PAGE;
	self->size = NPAGES * self->pg;
	self->fd = -1;
	self->h = -1;
	snprintf(self->name, sizeof(self->name), "mmft-share-%d", getpid());
	if (variant->huge)
		ASSERT_EQ(0, mmft_mount_tmpfs(variant->dir, variant->huge));
	if (variant->dir) {
		self->fd = mmft_tmpfile(variant->dir, self->size, FILL, self->path,
					sizeof(self->path));
		ASSERT_LE(0, self->fd);
		self->h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, self->name, 0600, 0,
				      NULL);
	} else {
		self->h = mmft_create_swap(self->size, self->name, 0600, NULL);
	}
	ASSERT_LE(0, self->h) TH_LOG("CREATE: %s", strerror(-self->h));
	if (!variant->dir) {
		/* Give the swap-backed section the same starting bytes. */
		unsigned char *v = mmft_map(self->h, self->size, PROT_READ | PROT_WRITE,
					    MAP_SHARED, 0);

		ASSERT_NE(MAP_FAILED, v);
		memset(v, FILL, self->size);
		munmap(v, self->size);
	}
}

static void share_cleanup(struct __test_metadata *_metadata, struct share *self,
			   const struct share_where *variant)
{
	if (self->h >= 0)
		close(self->h);
	if (self->fd >= 0) {
		close(self->fd);
		unlink(self->path);
	}
	if (variant->huge)
		EXPECT_EQ(0, mmft_umount_tmpfs(variant->dir));
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "mmf"));
}

FIXTURE_SETUP(share)
{
	share_prepare(_metadata, &self->s, &variant->w);
}

FIXTURE_TEARDOWN(share)
{
	share_cleanup(_metadata, &self->s, &variant->w);
}

FIXTURE_SETUP(share_file)
{
	share_prepare(_metadata, &self->s, &variant->w);
}

FIXTURE_TEARDOWN(share_file)
{
	share_cleanup(_metadata, &self->s, &variant->w);
}

/* A second open of the backing file, independent of the section. */
static int reopen(struct share *self, int flags)
{
	return open(self->path, flags | O_CLOEXEC);
}

/*
 * The child opens the section by name, maps its own view (it drops the one
 * fork gave it), checks the parent's write, writes page 1 and then checks
 * the parent's write to page 2.  Exit codes say which step failed.
 */
static int share_child(const char *name, size_t pg, size_t size, void *inherited,
		       int to_parent, int from_parent)
{
	unsigned char *v;
	char tok;
	int h;

	munmap(inherited, size);
	h = mmft_open_named(name, MMF_ACCESS_READ | MMF_ACCESS_WRITE, NULL);
	if (h < 0)
		return 10;
	v = mmft_map(h, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (v == MAP_FAILED)
		return 11;
	if (!mmft_all(v, pg, 0xA1))
		return 12;
	memset(v + pg, 0xB2, pg);
	if (write(to_parent, "x", 1) != 1 || read(from_parent, &tok, 1) != 1)
		return 13;
	if (!mmft_all(v + 2 * pg, pg, 0xC3))
		return 14;
	if (!mmft_all(v + 3 * pg, pg, FILL))
		return 15;
	return 0;
}

TEST_F(share, two_processes_see_each_others_writes)
{
	int c2p[2], p2c[2], status;
	unsigned char *v;
	pid_t pid;
	char tok;

	v = mmft_map(self->s.h, self->s.size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	memset(v, 0xA1, self->s.pg);
	ASSERT_EQ(0, pipe(c2p));
	ASSERT_EQ(0, pipe(p2c));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(c2p[0]);
		close(p2c[1]);
		_exit(share_child(self->s.name, self->s.pg, self->s.size, v, c2p[1], p2c[0]));
	}
	close(c2p[1]);
	close(p2c[0]);
	ASSERT_EQ(1, read(c2p[0], &tok, 1)) TH_LOG("the child died before writing");
	/* The child's write is visible here at once, and in the file. */
	EXPECT_TRUE(mmft_all(v + self->s.pg, self->s.pg, 0xB2));
	if (self->s.fd >= 0) {
		int rfd = reopen(&self->s, O_RDONLY);

		ASSERT_LE(0, rfd);
		EXPECT_TRUE(mmft_file_all(rfd, self->s.pg, self->s.pg, 0xB2));
		close(rfd);
	}
	memset(v + 2 * self->s.pg, 0xC3, self->s.pg);
	ASSERT_EQ(1, write(p2c[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("child failed at step %d", WEXITSTATUS(status));
	close(c2p[0]);
	close(p2c[1]);
	munmap(v, self->s.size);
}

TEST_F(share_file, read_sees_view_write_before_flush)
{
	unsigned char *v, expect[4096], got[4096];
	struct mmf_stat st;
	int rfd;

	ASSERT_GE(sizeof(expect), self->s.pg);
	v = mmft_map(self->s.h, self->s.size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	memset(v + self->s.pg + 100, 0x5C, 200);
	memset(expect, FILL, self->s.pg);
	memset(expect + 100, 0x5C, 200);
	rfd = reopen(&self->s, O_RDONLY);
	ASSERT_LE(0, rfd);
	ASSERT_EQ((ssize_t)self->s.pg, pread(rfd, got, self->s.pg, self->s.pg));
	EXPECT_EQ(0, memcmp(expect, got, self->s.pg));
	/* Nobody flushed: the read saw the one shared copy, not a write-back. */
	ASSERT_EQ(0, mmft_stat(self->s.h, &st));
	EXPECT_EQ(0, st.flushes);
	EXPECT_EQ(0, st.pages_flushed);
	close(rfd);
	munmap(v, self->s.size);
}

TEST_F(share_file, view_sees_write_syscall)
{
	unsigned char *v, buf[64];
	volatile unsigned char sink;
	int wfd;

	v = mmft_map(self->s.h, self->s.size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	sink = v[0];		/* page 0 is mapped before the write(2) */
	(void)sink;
	wfd = reopen(&self->s, O_WRONLY);
	ASSERT_LE(0, wfd);
	memset(buf, 0x77, sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf), pwrite(wfd, buf, sizeof(buf), 10));
	ASSERT_EQ((ssize_t)sizeof(buf), pwrite(wfd, buf, sizeof(buf), 3 * self->s.pg + 5));
	EXPECT_TRUE(mmft_all(v + 10, sizeof(buf), 0x77));
	EXPECT_EQ(FILL, v[9]);
	EXPECT_EQ(FILL, v[10 + sizeof(buf)]);
	EXPECT_TRUE(mmft_all(v + 3 * self->s.pg + 5, sizeof(buf), 0x77));
	EXPECT_EQ(FILL, v[3 * self->s.pg + 4]);
	close(wfd);
	munmap(v, self->s.size);
}

TEST_F(share, several_views_in_one_process)
{
	unsigned char *a, *b, *c;
	int h2;

	a = mmft_map(self->s.h, self->s.size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, a);
	/* b is pages 1-2 of the same handle, c all of a second handle. */
	b = mmft_map(self->s.h, 2 * self->s.pg, PROT_READ | PROT_WRITE, MAP_SHARED, self->s.pg);
	ASSERT_NE(MAP_FAILED, b);
	h2 = mmft_open_named(self->s.name, MMF_ACCESS_READ | MMF_ACCESS_WRITE, NULL);
	ASSERT_LE(0, h2) TH_LOG("OPEN: %s", strerror(-h2));
	c = mmft_map(h2, self->s.size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, c);

	memset(b, 0x42, 16);
	EXPECT_TRUE(mmft_all(a + self->s.pg, 16, 0x42));
	EXPECT_TRUE(mmft_all(c + self->s.pg, 16, 0x42));
	memset(c + 2 * self->s.pg + 8, 0x43, 8);
	EXPECT_TRUE(mmft_all(b + self->s.pg + 8, 8, 0x43));
	EXPECT_TRUE(mmft_all(a + 2 * self->s.pg + 8, 8, 0x43));
	a[0] = 0x44;
	EXPECT_EQ(0x44, c[0]);
	EXPECT_TRUE(mmft_all(a + 3 * self->s.pg, self->s.pg, FILL));

	munmap(a, self->s.size);
	munmap(b, 2 * self->s.pg);
	munmap(c, self->s.size);
	close(h2);
}

TEST_F(share, private_view_is_copy_on_write)
{
	unsigned char *s, *p, *fresh;
	volatile unsigned char sink;
	int ret;

	s = mmft_map(self->s.h, self->s.size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, s);
	p = mmft_map(self->s.h, self->s.size, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, p);
	sink = p[0] + p[self->s.pg];	/* both pages read through the private view */
	(void)sink;

	memset(p, 0xEE, self->s.pg);
	EXPECT_TRUE(mmft_all(p, self->s.pg, 0xEE));
	EXPECT_TRUE(mmft_all(s, self->s.pg, FILL)) TH_LOG("a private write reached the section");

	/*
	 * Shared writes after the copy: the copied page keeps its own bytes,
	 * the page the private view never wrote still shows the section.
	 */
	memset(s, 0x33, self->s.pg);
	memset(s + self->s.pg, 0x44, self->s.pg);
	EXPECT_TRUE(mmft_all(p, self->s.pg, 0xEE));
	EXPECT_TRUE(mmft_all(p + self->s.pg, self->s.pg, 0x44));

	/* Flushing a private view never writes its copies. */
	ret = mmft_flush(self->s.h, p, self->s.size, 0, NULL);
	EXPECT_EQ(0, ret) TH_LOG("FLUSH of a private view: %s", strerror(-ret));
	munmap(p, self->s.size);

	if (self->s.fd >= 0) {
		int rfd = reopen(&self->s, O_RDONLY);

		ASSERT_LE(0, rfd);
		EXPECT_TRUE(mmft_file_all(rfd, 0, self->s.pg, 0x33));
		EXPECT_TRUE(mmft_file_all(rfd, self->s.pg, self->s.pg, 0x44));
		close(rfd);
	}
	fresh = mmft_map(self->s.h, self->s.size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, fresh);
	EXPECT_TRUE(mmft_all(fresh, self->s.pg, 0x33));
	munmap(fresh, self->s.size);
	munmap(s, self->s.size);
}

/* Two sections of one file are two ways into the same pages. */
TEST_F(share_file, two_sections_of_one_file_share_pages)
{
	unsigned char *a, *b;
	int h2;

	h2 = mmft_create(self->s.fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h2) TH_LOG("second CREATE: %s", strerror(-h2));
	a = mmft_map(self->s.h, self->s.size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, a);
	b = mmft_map(h2, self->s.size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, b);
	memset(a + self->s.pg, 0x2D, 32);
	EXPECT_TRUE(mmft_all(b + self->s.pg, 32, 0x2D));
	memset(b + 3 * self->s.pg + 100, 0x2E, 32);
	EXPECT_TRUE(mmft_all(a + 3 * self->s.pg + 100, 32, 0x2E));
	munmap(a, self->s.size);
	munmap(b, self->s.size);
	close(h2);
}

/* The kernel reads and writes views for system calls, as user code does. */
TEST_F(share, system_calls_read_and_write_views)
{
	unsigned char *v, buf[256];
	int p[2], rfd;

	v = mmft_map(self->s.h, self->s.size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	ASSERT_EQ(0, pipe(p));
	/* read(2) into a page never touched before: the kernel's write faults it in. */
	memset(buf, 0x6A, sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf), write(p[1], buf, sizeof(buf)));
	ASSERT_EQ((ssize_t)sizeof(buf), read(p[0], v + 2 * self->s.pg + 10, sizeof(buf)));
	EXPECT_TRUE(mmft_all(v + 2 * self->s.pg + 10, sizeof(buf), 0x6A));
	if (self->s.fd >= 0) {
		rfd = reopen(&self->s, O_RDONLY);
		ASSERT_LE(0, rfd);
		EXPECT_TRUE(mmft_file_all(rfd, 2 * self->s.pg + 10, sizeof(buf), 0x6A));
		close(rfd);
	}
	/* write(2) from a view: the kernel reads the section's bytes. */
	memset(v + 3 * self->s.pg, 0x6B, 64);
	ASSERT_EQ(64, write(p[1], v + 3 * self->s.pg, 64));
	ASSERT_EQ(64, read(p[0], buf, 64));
	EXPECT_TRUE(mmft_all(buf, 64, 0x6B));
	close(p[0]);
	close(p[1]);
	munmap(v, self->s.size);
}

/* WRITECOPY needs only read access: private writes to a read-only file. */
TEST_F(share_file, writecopy_on_readonly_fd_never_changes_file)
{
	unsigned char *p, *s;
	int rfd, h;

	rfd = reopen(&self->s, O_RDONLY);
	ASSERT_LE(0, rfd);
	h = mmft_create(rfd, MMF_PROT_WRITECOPY, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE WRITECOPY on O_RDONLY: %s", strerror(-h));
	p = mmft_map(h, self->s.size, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, p);
	s = mmft_map(h, self->s.size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, s);

	memset(p, 0x99, 2 * self->s.pg);
	EXPECT_TRUE(mmft_all(s, 2 * self->s.pg, FILL));
	EXPECT_TRUE(mmft_file_all(rfd, 0, self->s.size, FILL));
	/* The shared read-only view follows the file; the copies do not. */
	EXPECT_EQ(0, mmft_flush(h, p, self->s.size, 0, NULL));
	munmap(p, self->s.size);
	close(h);
	EXPECT_TRUE(mmft_file_all(rfd, 0, self->s.size, FILL));
	ASSERT_EQ(1, pwrite(self->s.fd, "\x21", 1, 0));
	EXPECT_EQ(0x21, s[0]);
	munmap(s, self->s.size);
	close(rfd);
}

TEST_HARNESS_MAIN
