// SPDX-License-Identifier: GPL-2.0
/*
 * MMF_CREATE_UNTRACKED: sections on shmem (swap-backed, or a tmpfs file)
 * whose views do not record writes.  Shared views are writable at once,
 * as a plain shared mmap() is: a write after a read takes no fault, where a
 * tracked view takes one per page.  The writes still reach the file and
 * every other view; the section reports that it records nothing (no dirty
 * pages, no write watch), and keeps that choice for those who join it by
 * name.  Files that the kernel writes back refuse the flag.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#define NPAGES	64

FIXTURE(untracked) {
	char path[64];
	int fd;			/* the tmpfs file, -1 for swap */
	int h;
	size_t pg, size;
	unsigned long long log_mark;
};

FIXTURE_VARIANT(untracked) {
	const char *dir;	/* NULL: swap-backed */
};

FIXTURE_VARIANT_ADD(untracked, tmpfs) { .dir = "/tmp" };
FIXTURE_VARIANT_ADD(untracked, swap) { .dir = NULL };

static int create(FIXTURE_DATA(untracked) *self, unsigned int flags)
{
	if (self->fd >= 0)
		return mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, flags, NULL);
	return mmft_create(-1, MMF_PROT_READWRITE, self->size, NULL, 0,
			   flags | MMF_CREATE_SWAP, NULL);
}

FIXTURE_SETUP(untracked)
{
	self->log_mark = kmsg_mark();
	self->pg = MMFT_PAGE;
	self->size = NPAGES * self->pg;
	self->fd = -1;
	if (variant->dir) {
		self->fd = mmft_tmpfile(variant->dir, self->size, 'a', self->path,
					sizeof(self->path));
		ASSERT_LE(0, self->fd);
	}
	self->h = create(self, MMF_CREATE_UNTRACKED);
	ASSERT_LE(0, self->h) TH_LOG("CREATE: %s", strerror(-self->h));
}

FIXTURE_TEARDOWN(untracked)
{
	close(self->h);
	if (self->fd >= 0) {
		close(self->fd);
		unlink(self->path);
	}
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "mmf"));
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "WARNING"));
}

/* Read every page of a view of @h, then write every page: the faults the writes took. */
static long write_faults(int h, size_t pg, size_t npages, int stamp)
{
	volatile unsigned char *v = mmft_map(h, npages * pg, PROT_READ | PROT_WRITE,
					     MAP_SHARED, 0);
	unsigned int sum = 0;
	long before;
	size_t p;

	if (v == MAP_FAILED)
		return -errno;
	for (p = 0; p < npages; p++)
		sum += v[p * pg];
	before = mmft_page_faults();
	for (p = 0; p < npages; p++)
		v[p * pg] = stamp + sum * 0;
	before = mmft_page_faults() - before;
	munmap((void *)v, npages * pg);
	return before;
}

TEST_F(untracked, writes_after_reads_take_no_fault_and_reach_the_section)
{
	struct mmf_stat st;
	unsigned char *v;
	long tracked_faults, faults;
	size_t p;
	int tracked = create(self, 0);

	ASSERT_LE(0, tracked);
	/* The measurement can tell: a tracked view faults on each first write. */
	tracked_faults = write_faults(tracked, self->pg, NPAGES, 'b');
	EXPECT_LE(NPAGES, tracked_faults);
	close(tracked);

	faults = write_faults(self->h, self->pg, NPAGES, 'c');
	EXPECT_LE(0, faults);
	EXPECT_GT(NPAGES / 8, faults) TH_LOG("%ld faults for %d writes", faults, NPAGES);

	/* Every write is in the section: a second view, and the file. */
	v = mmft_map(self->h, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	for (p = 0; p < NPAGES; p++)
		ASSERT_EQ('c', v[p * self->pg]);
	munmap(v, self->size);
	if (self->fd >= 0)
		for (p = 0; p < NPAGES; p++)
			ASSERT_EQ(1, mmft_file_all(self->fd, p * self->pg, 1, 'c'));

	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(MMF_CREATE_UNTRACKED, st.section_flags);
	EXPECT_EQ(0, st.pages_dirtied);
	EXPECT_EQ(0, st.dirty_pages);
}

TEST_F(untracked, flush_writes_nothing_and_there_is_no_write_watch)
{
	uint64_t bits[2], written = 1;
	struct mmf_write_watch w = { .size = sizeof(w) };
	struct mmf_stat st;
	unsigned char *v;

	v = mmft_map(self->h, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	memset(v, 'd', self->size);
	EXPECT_EQ(0, mmft_flush(self->h, v, self->size, 0, &written));
	EXPECT_EQ(0, written);
	written = 1;
	EXPECT_EQ(0, mmft_flush(self->h, v, 0, MMF_FLUSH_DURABLE, &written));
	EXPECT_EQ(0, written);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(2, st.flushes);
	EXPECT_EQ(0, st.pages_flushed);
	EXPECT_EQ(0, st.dirty_pages);

	w.addr = (uintptr_t)v;
	w.length = self->size;
	w.bitmap = (uintptr_t)bits;
	w.bitmap_bits = 128;
	EXPECT_EQ(-1, ioctl(self->h, MMF_IOC_WRITE_WATCH, &w));
	EXPECT_EQ(EOPNOTSUPP, errno);
	w.flags = MMF_WATCH_RESET;
	EXPECT_EQ(-1, ioctl(self->h, MMF_IOC_WRITE_WATCH, &w));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(1, mmft_all(v, self->size, 'd'));
	munmap(v, self->size);
	if (self->fd >= 0)
		EXPECT_EQ(1, mmft_file_all(self->fd, 0, self->size, 'd'));
}

/* A stat of the size ABI 1 first published gets that much, and no more. */
TEST_F(untracked, stat_of_the_first_size_works_and_writes_no_further)
{
	union {
		struct mmf_stat st;
		unsigned char b[sizeof(struct mmf_stat) + 16];
	} u;
	size_t i, tail = 0;

	memset(&u, 0xff, sizeof(u));
	u.st.size = MMF_STAT_SIZE_VER0;
	u.st.flags = 0;
	ASSERT_EQ(0, ioctl(self->h, MMF_IOC_STAT, &u.st));
	EXPECT_EQ(self->size, u.st.section_size);
	EXPECT_EQ(MMF_PROT_READWRITE, u.st.prot);
	for (i = MMF_STAT_SIZE_VER0; i < sizeof(u); i++)
		tail += u.b[i] != 0xff;
	EXPECT_EQ(0, tail);

	memset(&u, 0, sizeof(u));
	u.st.size = MMF_STAT_SIZE_VER0 - 4;
	EXPECT_EQ(-1, ioctl(self->h, MMF_IOC_STAT, &u.st));
	EXPECT_EQ(EINVAL, errno);
	/* Larger than the module knows: the unknown bytes must be zero. */
	u.st.size = sizeof(u);
	ASSERT_EQ(0, ioctl(self->h, MMF_IOC_STAT, &u.st));
	EXPECT_EQ(MMF_CREATE_UNTRACKED, u.st.section_flags);
	EXPECT_EQ(0, u.st.reserved);
	u.b[sizeof(u) - 1] = 1;
	EXPECT_EQ(-1, ioctl(self->h, MMF_IOC_STAT, &u.st));
	EXPECT_EQ(E2BIG, errno);
}

/* A name keeps its creator's choice, both ways. */
TEST_F(untracked, a_named_section_keeps_its_creators_choice)
{
	const char *name = self->fd >= 0 ? "mmft-untracked-tmpfs" : "mmft-untracked-swap";
	unsigned int swap = self->fd >= 0 ? 0 : MMF_CREATE_SWAP;
	struct mmf_create out = { 0 };
	struct mmf_stat st;
	int a, b;

	a = mmft_create(self->fd, MMF_PROT_READWRITE, self->size, name, 0600,
			swap | MMF_CREATE_UNTRACKED, NULL);
	ASSERT_LE(0, a);
	b = mmft_create(self->fd, MMF_PROT_READWRITE, self->size, name, 0600, swap, &out);
	ASSERT_LE(0, b);
	EXPECT_EQ(MMF_RESULT_EXISTED, out.result & MMF_RESULT_EXISTED);
	ASSERT_EQ(0, mmft_stat(b, &st));
	EXPECT_EQ(MMF_CREATE_UNTRACKED, st.section_flags);
	/* The joiner's views are untracked too. */
	EXPECT_GT(NPAGES / 8, write_faults(b, self->pg, NPAGES, 'e'));
	close(a);
	close(b);

	a = mmft_create(self->fd, MMF_PROT_READWRITE, self->size, name, 0600, swap, NULL);
	ASSERT_LE(0, a);
	b = mmft_create(self->fd, MMF_PROT_READWRITE, self->size, name, 0600,
			swap | MMF_CREATE_UNTRACKED, &out);
	ASSERT_LE(0, b);
	EXPECT_EQ(MMF_RESULT_EXISTED, out.result & MMF_RESULT_EXISTED);
	ASSERT_EQ(0, mmft_stat(b, &st));
	EXPECT_EQ(0, st.section_flags);
	EXPECT_LE(NPAGES, write_faults(b, self->pg, NPAGES, 'f'));
	ASSERT_EQ(0, mmft_stat(b, &st));
	EXPECT_EQ(NPAGES, st.dirty_pages);
	close(a);
	close(b);
}

/* Untracked is no way around the handle's rights. */
TEST_F(untracked, a_reader_still_cannot_write)
{
	const char *name = self->fd >= 0 ? "mmft-untracked-ro-tmpfs" : "mmft-untracked-ro-swap";
	unsigned int swap = self->fd >= 0 ? 0 : MMF_CREATE_SWAP;
	unsigned char *v;
	int a, r;

	a = mmft_create(self->fd, MMF_PROT_READWRITE, self->size, name, 0600,
			swap | MMF_CREATE_UNTRACKED, NULL);
	ASSERT_LE(0, a);
	r = mmft_open_named(name, MMF_ACCESS_READ, NULL);
	ASSERT_LE(0, r);
	EXPECT_EQ(MAP_FAILED, mmft_map(r, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	v = mmft_map(r, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(-1, mprotect(v, self->size, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(SIGSEGV, mmft_access_signal(v, 1));
	munmap(v, self->size);
	close(r);
	close(a);
}

/* Another process's writes through its own view are seen at once. */
TEST_F(untracked, views_in_two_processes_share_every_write)
{
	const char *name = self->fd >= 0 ? "mmft-untracked-2p-tmpfs" : "mmft-untracked-2p-swap";
	unsigned int swap = self->fd >= 0 ? 0 : MMF_CREATE_SWAP;
	volatile unsigned char *v;
	int a, status;
	pid_t pid;

	a = mmft_create(self->fd, MMF_PROT_READWRITE, self->size, name, 0600,
			swap | MMF_CREATE_UNTRACKED, NULL);
	ASSERT_LE(0, a);
	v = mmft_map(a, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(self->fd >= 0 ? 'a' : 0, v[0]);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int b = mmft_open_named(name, MMF_ACCESS_READ | MMF_ACCESS_WRITE, NULL);
		unsigned char *w;

		if (b < 0)
			_exit(2);
		w = mmft_map(b, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		if (w == MAP_FAILED)
			_exit(3);
		memset(w, 'g', self->size);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	EXPECT_EQ(1, mmft_all((const void *)v, self->size, 'g'));
	munmap((void *)v, self->size);
	close(a);
}

/* Files that are written back need the record: refused. */
TEST(untracked_is_refused_on_a_file_that_is_written_back)
{
	struct mmf_version ver = { .size = sizeof(ver) };
	char path[64];
	int fd, h;

	h = mmft_handle();
	ASSERT_LE(0, h);
	ASSERT_EQ(0, ioctl(h, MMF_IOC_VERSION, &ver));
	EXPECT_EQ(MMF_FEATURE_UNTRACKED, ver.features & MMF_FEATURE_UNTRACKED);
	close(h);
	fd = mmft_tmpfile("/mnt/ext4", 4 * MMFT_PAGE, 'a', path, sizeof(path));
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EOPNOTSUPP, mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0,
					   MMF_CREATE_UNTRACKED, NULL));
	EXPECT_EQ(-EOPNOTSUPP, mmft_create(fd, MMF_PROT_READ, 0, NULL, 0,
					   MMF_CREATE_UNTRACKED, NULL));
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	EXPECT_LE(0, h);
	close(h);
	close(fd);
	unlink(path);
}

TEST_HARNESS_MAIN
