// SPDX-License-Identifier: GPL-2.0
/*
 * Durability (issue 3, acceptance item 4): what a view wrote is in the file
 * after a flush and after a plain close with no flush, proven without the
 * module's help: by unmounting and mounting the ext4 test disk again, by
 * reading the disk blocks of the file straight from the block device, and
 * by re-reading the file after the page cache was dropped.  A flush writes
 * whatever is dirty in its range, whoever dirtied it; a process killed with
 * its views in place loses nothing.  A swap-backed section keeps its bytes
 * when its pages go out to swap and come back.
 *
 * Periodic write-back is switched off while a test runs (and restored), so
 * that only the module's flush, the close or the unmount can write.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#define MNT		"/mnt/ext4"
#define NPAGES		8
#define FILL		0x11
#define WB_KNOB		"/proc/sys/vm/dirty_writeback_centisecs"

/* Page i of the test pattern. */
static int pat(int i)
{
	return 0x40 + i;
}

static int is_ext4_mounted(void)
{
	struct statfs sf;

	return !statfs(MNT, &sf) && sf.f_type == EXT4_SUPER_MAGIC;
}

FIXTURE(dur) {
	char path[64];
	char dev[256];
	char wb_old[32];
	int fd;
	size_t pg, size;
	unsigned long long log_mark;
};

FIXTURE_SETUP(dur)
{
	self->log_mark = kmsg_mark();
	self->pg = MMFT_PAGE;
	self->size = NPAGES * self->pg;
	self->fd = -1;
	ASSERT_TRUE(is_ext4_mounted()) TH_LOG(MNT " is not an ext4 mount");
	ASSERT_EQ(0, mmft_mount_source(MNT, self->dev, sizeof(self->dev)));
	ASSERT_EQ(0, mmft_read_knob(WB_KNOB, self->wb_old, sizeof(self->wb_old)));
	ASSERT_EQ(0, mmft_write_knob(WB_KNOB, "0"));
	/* The starting bytes are on the disk before the test writes. */
	self->fd = mmft_tmpfile(MNT, self->size, FILL, self->path, sizeof(self->path));
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fsync(self->fd));
}

FIXTURE_TEARDOWN(dur)
{
	if (!is_ext4_mounted())
		EXPECT_EQ(0, mount(self->dev, MNT, "ext4", 0, NULL))
			TH_LOG("remount: %s", strerror(errno));
	if (self->fd >= 0)
		close(self->fd);
	unlink(self->path);
	EXPECT_EQ(0, mmft_write_knob(WB_KNOB, self->wb_old));
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "mmf"));
}

/* Map the whole file READWRITE and write the pattern into @mask's pages. */
static unsigned char *write_pages(FIXTURE_DATA(dur) *self, int *h, unsigned int mask)
{
	unsigned char *v;
	int i;

	*h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	if (*h < 0)
		return MAP_FAILED;
	v = mmft_map(*h, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (v == MAP_FAILED) {
		close(*h);
		return v;
	}
	for (i = 0; i < NPAGES; i++)
		if (mask & (1U << i))
			memset(v + i * self->pg, pat(i), self->pg);
	return v;
}

/* Whether the file at self->path holds the pattern in @mask's pages, FILL elsewhere. */
static int file_has(FIXTURE_DATA(dur) *self, unsigned int mask)
{
	int i, ok = 1, fd = open(self->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	for (i = 0; i < NPAGES; i++)
		ok &= mmft_file_all(fd, i * self->pg, self->pg, mask & (1U << i) ? pat(i) : FILL);
	close(fd);
	return ok;
}

/* Close everything, unmount, mount again: only what is on the disk is left. */
static int remount(FIXTURE_DATA(dur) *self)
{
	close(self->fd);
	self->fd = -1;
	if (umount(MNT))
		return -errno;
	if (mount(self->dev, MNT, "ext4", 0, NULL))
		return -errno;
	return 0;
}

TEST_F(dur, flushed_bytes_survive_a_remount)
{
	unsigned int mask = (1U << 1) | (1U << 4) | (1U << 7);
	uint64_t written = 0;
	unsigned char *v;
	int h, ret;

	v = write_pages(self, &h, mask);
	ASSERT_NE(MAP_FAILED, v) TH_LOG("CREATE/mmap failed: %s", strerror(errno));
	ret = mmft_flush(h, v, self->size, MMF_FLUSH_DURABLE, &written);
	EXPECT_EQ(0, ret) TH_LOG("FLUSH: %s", strerror(-ret));
	EXPECT_EQ(3, written);
	munmap(v, self->size);
	close(h);
	ret = remount(self);
	ASSERT_EQ(0, ret) TH_LOG("umount/mount: %s", strerror(-ret));
	EXPECT_TRUE(file_has(self, mask));
}

TEST_F(dur, unflushed_bytes_survive_close_and_remount)
{
	unsigned int mask = (1U << 0) | (1U << 2) | (1U << 3) | (1U << 6);
	unsigned char *v;
	int h, ret;

	v = write_pages(self, &h, mask);
	ASSERT_NE(MAP_FAILED, v) TH_LOG("CREATE/mmap failed: %s", strerror(errno));
	munmap(v, self->size);
	close(h);
	ret = remount(self);
	ASSERT_EQ(0, ret) TH_LOG("umount/mount: %s", strerror(-ret));
	EXPECT_TRUE(file_has(self, mask));
}

/* A view that outlives its handle still reaches the disk. */
TEST_F(dur, view_closed_last_without_flush_survives_remount)
{
	unsigned int mask = 1U << 5;
	unsigned char *v;
	int h, ret;

	v = write_pages(self, &h, 0);
	ASSERT_NE(MAP_FAILED, v);
	close(h);
	memset(v + 5 * self->pg, pat(5), self->pg);
	munmap(v, self->size);
	ret = remount(self);
	ASSERT_EQ(0, ret) TH_LOG("umount/mount: %s", strerror(-ret));
	EXPECT_TRUE(file_has(self, mask));
}

static int killed_writer(void *arg)
{
	FIXTURE_DATA(dur) *self = arg;
	unsigned char *v;
	int h;

	v = write_pages(self, &h, 1U << 4);
	if (v == MAP_FAILED)
		return 1;
	/* No munmap, no close: the process dies with the view in place. */
	raise(SIGKILL);
	return 2;
}

TEST_F(dur, bytes_of_a_killed_process_survive_remount)
{
	int status, ret;

	status = mmft_in_child(killed_writer, self);
	ASSERT_TRUE(WIFSIGNALED(status)) TH_LOG("the writer exited with %d", WEXITSTATUS(status));
	ASSERT_EQ(SIGKILL, WTERMSIG(status));
	ret = remount(self);
	ASSERT_EQ(0, ret) TH_LOG("umount/mount: %s", strerror(-ret));
	EXPECT_TRUE(file_has(self, 1U << 4));
}

/*
 * Read [@off, @off + @len) of the file from the block device itself,
 * following the file's extents (FIEMAP, without syncing).  0 or -errno.
 */
static int read_from_disk(int fd, const char *dev, off_t off, size_t len, unsigned char *out)
{
	struct fiemap *fm;
	unsigned char *bounce;
	unsigned int i;
	size_t done = 0;
	int dfd, ret = -ENODATA;

	fm = calloc(1, sizeof(*fm) + 64 * sizeof(struct fiemap_extent));
	if (!fm || posix_memalign((void **)&bounce, 4096, len))
		return -ENOMEM;
	fm->fm_start = off;
	fm->fm_length = len;
	fm->fm_extent_count = 64;
	dfd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (dfd < 0 || ioctl(fd, FS_IOC_FIEMAP, fm)) {
		ret = -errno;
		goto out;
	}
	for (i = 0; i < fm->fm_mapped_extents; i++) {
		struct fiemap_extent *e = &fm->fm_extents[i];
		off_t from = off + done;
		size_t n;

		if (e->fe_flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC |
				   FIEMAP_EXTENT_UNWRITTEN | FIEMAP_EXTENT_ENCODED))
			break;
		if ((off_t)e->fe_logical > from || (off_t)(e->fe_logical + e->fe_length) <= from)
			break;
		n = e->fe_logical + e->fe_length - from;
		if (n > len - done)
			n = len - done;
		if (pread(dfd, bounce, n, e->fe_physical + (from - e->fe_logical)) != (ssize_t)n) {
			ret = -EIO;
			goto out;
		}
		memcpy(out + done, bounce, n);
		done += n;
		if (done == len) {
			ret = 0;
			break;
		}
	}
out:
	if (dfd >= 0)
		close(dfd);
	free(bounce);
	free(fm);
	return ret;
}

TEST_F(dur, flush_writes_the_disk_blocks)
{
	unsigned char *v, *disk;
	struct stat st, dst;
	uint64_t written = 0;
	int h, ret;

	ASSERT_EQ(0, fstat(self->fd, &st));
	ASSERT_EQ(0, stat(self->dev, &dst));
	ASSERT_EQ(st.st_dev, dst.st_rdev) TH_LOG("%s is not the disk of " MNT, self->dev);
	disk = malloc(self->size);
	ASSERT_NE(NULL, disk);

	v = write_pages(self, &h, (1U << 2) | (1U << 3));
	ASSERT_NE(MAP_FAILED, v);
	/* Not flushed yet (periodic write-back is off): the disk has the old bytes. */
	ret = read_from_disk(self->fd, self->dev, 0, self->size, disk);
	ASSERT_EQ(0, ret) TH_LOG("reading the extents: %s", strerror(-ret));
	EXPECT_TRUE(mmft_all(disk, self->size, FILL));

	ret = mmft_flush(h, v + 2 * self->pg, 2 * self->pg, 0, &written);
	EXPECT_EQ(0, ret) TH_LOG("FLUSH: %s", strerror(-ret));
	EXPECT_EQ(2, written);
	ret = read_from_disk(self->fd, self->dev, 0, self->size, disk);
	ASSERT_EQ(0, ret) TH_LOG("reading the extents: %s", strerror(-ret));
	EXPECT_TRUE(mmft_all(disk, 2 * self->pg, FILL));
	EXPECT_TRUE(mmft_all(disk + 2 * self->pg, self->pg, pat(2)));
	EXPECT_TRUE(mmft_all(disk + 3 * self->pg, self->pg, pat(3)));
	EXPECT_TRUE(mmft_all(disk + 4 * self->pg, 4 * self->pg, FILL));

	/* A flush of a range without those pages writes nothing of them. */
	memset(v + 6 * self->pg, pat(6), self->pg);
	ret = mmft_flush(h, v, 2 * self->pg, 0, &written);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, written);
	ASSERT_EQ(0, read_from_disk(self->fd, self->dev, 0, self->size, disk));
	EXPECT_TRUE(mmft_all(disk + 6 * self->pg, self->pg, FILL));
	munmap(v, self->size);
	close(h);
	free(disk);
}

/*
 * One page cache: a flush of a view's range writes what is dirty there,
 * whoever dirtied it (FlushViewOfFile, msync), here a write(2).
 */
TEST_F(dur, flush_writes_pages_dirtied_by_write_syscall)
{
	unsigned char buf[64], *v, *disk;
	int h, ret;

	disk = malloc(self->size);
	ASSERT_NE(NULL, disk);
	v = write_pages(self, &h, 0);
	ASSERT_NE(MAP_FAILED, v);
	memset(buf, 0x5F, sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf), pwrite(self->fd, buf, sizeof(buf), 3 * self->pg + 8));
	EXPECT_TRUE(mmft_all(v + 3 * self->pg + 8, sizeof(buf), 0x5F));
	ret = mmft_flush(h, v, self->size, 0, NULL);
	EXPECT_EQ(0, ret) TH_LOG("FLUSH: %s", strerror(-ret));
	ret = read_from_disk(self->fd, self->dev, 0, self->size, disk);
	ASSERT_EQ(0, ret) TH_LOG("reading the extents: %s", strerror(-ret));
	EXPECT_TRUE(mmft_all(disk + 3 * self->pg + 8, sizeof(buf), 0x5F))
		TH_LOG("the flush left a write(2) in the view's range unwritten");
	munmap(v, self->size);
	close(h);
	free(disk);
}

TEST_F(dur, flushed_bytes_reread_after_dropping_caches)
{
	unsigned int mask = (1U << 0) | (1U << 5);
	unsigned char *v;
	long resident;
	int h, ret;

	v = write_pages(self, &h, mask);
	ASSERT_NE(MAP_FAILED, v);
	ret = mmft_flush(h, v, 0, 0, NULL);	/* length 0: the whole view */
	EXPECT_EQ(0, ret) TH_LOG("FLUSH: %s", strerror(-ret));
	/* The handle stays: its last close would write back what is left. */
	munmap(v, self->size);
	ASSERT_EQ(0, mmft_drop_caches());
	/* Clean pages went: what is read next comes from the disk. */
	resident = mmft_resident(self->fd, 0, self->size);
	EXPECT_EQ(0, resident) TH_LOG("%ld pages still cached (dirty?)", resident);
	EXPECT_TRUE(file_has(self, mask));
	close(h);
}

#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif

struct cs_range {
	__u64 off, len;
};

struct cs {
	__u64 nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

#define KPF_DIRTY	4
#define KPF_WRITEBACK	8

/*
 * Pages of the file at @fd that are dirty or under write-back: cachestat(2)
 * where the kernel has it (6.5+), else the page flags of the cached pages
 * as /proc/kpageflags shows them to root (mapping only what is cached, so
 * that looking reads nothing in).  -1 on error.
 */
static long unwritten_pages(int fd, size_t size)
{
	struct cs_range r = { 0, 0 };
	size_t pg = MMFT_PAGE, n = size / pg, i;
	unsigned char vec[NPAGES];
	int pagemap, kflags;
	long count = 0;
	struct cs c;
	void *p;

	if (!syscall(__NR_cachestat, fd, &r, &c, 0))
		return c.nr_dirty + c.nr_writeback;
	if (errno != ENOSYS || n > NPAGES)
		return -1;
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	kflags = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (pagemap < 0 || kflags < 0 || mincore(p, size, vec))
		count = -1;
	for (i = 0; i < n && count >= 0; i++) {
		uint64_t entry, flags;

		if (!(vec[i] & 1))
			continue;	/* not cached: neither dirty nor under write-back */
		*(volatile char *)((char *)p + i * pg);
		if (pread(pagemap, &entry, 8, ((uintptr_t)p / pg + i) * 8) != 8 ||
		    !(entry >> 63) ||
		    pread(kflags, &flags, 8, (entry & ((1ULL << 55) - 1)) * 8) != 8)
			count = -1;
		else if (flags & ((1ULL << KPF_DIRTY) | (1ULL << KPF_WRITEBACK)))
			count++;
	}
	if (pagemap >= 0)
		close(pagemap);
	if (kflags >= 0)
		close(kflags);
	munmap(p, size);
	return count;
}

/* The last reference to a section starts write-back of what is left. */
TEST_F_TIMEOUT(dur, last_close_starts_write_back, 60)
{
	unsigned char *v;
	long unwritten;
	int h, i;

	v = write_pages(self, &h, 0xff);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(NPAGES, unwritten_pages(self->fd, self->size));
	munmap(v, self->size);
	close(h);
	/* Periodic write-back is off: only the module can start it. */
	for (i = 0; i < 300; i++) {
		unwritten = unwritten_pages(self->fd, self->size);
		ASSERT_LE(0, unwritten);
		if (!unwritten)
			break;
		usleep(100000);
	}
	EXPECT_EQ(0, unwritten) TH_LOG("still dirty 30 s after the last close");
	EXPECT_TRUE(file_has(self, 0xff));
}

static long swap_used_kb(void)
{
	char line[128];
	long total = -1, free_kb = -1, v;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "SwapTotal: %ld kB", &v) == 1)
			total = v;
		else if (sscanf(line, "SwapFree: %ld kB", &v) == 1)
			free_kb = v;
	}
	fclose(f);
	return total <= 0 || free_kb < 0 ? -1 : total - free_kb;
}

TEST_F_TIMEOUT(dur, swap_section_survives_swap_out, 120)
{
	size_t len = 8 << 20, pg = self->pg, i, bad = 0;
	unsigned char *v, *vec;
	long before, after, resident = 0;
	int h;

	before = swap_used_kb();
	if (before < 0)
		SKIP(return, "no swap in this VM (run-vm.sh --swap MIB)");
	h = mmft_create_swap(len, NULL, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE swap: %s", strerror(-h));
	v = mmft_map(h, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	for (i = 0; i < len / pg; i++)
		memset(v + i * pg, (int)(i * 7 + 1), pg);
	/* Push the pages out (memory pressure aimed at this range). */
	ASSERT_EQ(0, madvise(v, len, MADV_PAGEOUT));
	vec = malloc(len / pg);
	ASSERT_NE(NULL, vec);
	ASSERT_EQ(0, mincore(v, len, vec));
	for (i = 0; i < len / pg; i++)
		resident += vec[i] & 1;
	after = swap_used_kb();
	EXPECT_GT(after, before) TH_LOG("nothing went to swap");
	TH_LOG("%ld of %zu pages resident, %ld kB more swap", resident, len / pg, after - before);
	for (i = 0; i < len / pg; i++)
		bad += !mmft_all(v + i * pg, pg, (unsigned char)(i * 7 + 1));
	EXPECT_EQ(0, bad);
	free(vec);
	munmap(v, len);
	close(h);
}

TEST_HARNESS_MAIN
