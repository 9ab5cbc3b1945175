// SPDX-License-Identifier: GPL-2.0
/*
 * First-touch paging (issue 3, acceptance item 1): on a cold file the first
 * touch of a page through a view is a major fault and makes the page
 * resident; a second touch costs no fault; k scattered touches read no more
 * than k read-around windows; sequential touching takes far fewer major
 * faults than pages.  Residency is measured with mincore(2) on a separate,
 * plain mapping of the file, which reports the page cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#define DIR	"/mnt/ext4"

FIXTURE(cold) {
	char path[64];
	int fd, h;
	size_t pg, size, npages;
	unsigned char *v;
	unsigned long long log_mark;
};

FIXTURE_VARIANT(cold) {
	size_t npages;
	unsigned int readaround;	/* 0: the default */
};

/* 16 MiB: several windows of the default even where read_ahead_kb is 8 MiB. */
FIXTURE_VARIANT_ADD(cold, default_window) { .npages = 4096, .readaround = 0 };
FIXTURE_VARIANT_ADD(cold, window_8) { .npages = 2048, .readaround = 8 };
FIXTURE_VARIANT_ADD(cold, window_1) { .npages = 512, .readaround = 1 };

/* Each page of the file holds its own number in every 4-byte word. */
static int fill_numbered(int fd, size_t pg, size_t npages)
{
	unsigned int *buf = malloc(pg);
	size_t p, i;

	if (!buf)
		return -ENOMEM;
	for (p = 0; p < npages; p++) {
		for (i = 0; i < pg / sizeof(*buf); i++)
			buf[i] = p;
		if (pwrite(fd, buf, pg, p * pg) != (ssize_t)pg) {
			free(buf);
			return -EIO;
		}
	}
	free(buf);
	return fsync(fd) ? -errno : 0;
}

FIXTURE_SETUP(cold)
{
	struct mmf_create c = {
		.size = sizeof(c), .prot = MMF_PROT_READ, .readaround = variant->readaround,
	};
	int ro;

	self->log_mark = kmsg_mark();
	self->pg = MMFT_PAGE;
	self->npages = variant->npages;
	self->size = self->npages * self->pg;
	self->fd = mmft_tmpfile(DIR, 0, 0, self->path, sizeof(self->path));
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fill_numbered(self->fd, self->pg, self->npages));
	/* A read-only fd and section: views only read. */
	ro = open(self->path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);
	c.fd = ro;
	self->h = mmft_handle();
	ASSERT_LE(0, self->h);
	ASSERT_EQ(0, ioctl(self->h, MMF_IOC_CREATE, &c)) TH_LOG("CREATE: %s", strerror(errno));
	close(ro);
	EXPECT_EQ(self->size, c.section_size);
	self->v = mmft_map(self->h, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, self->v);
	/* Cold: the file's pages were written back, now they are dropped. */
	ASSERT_EQ(0, mmft_drop_file_cache(self->fd, 0, self->size));
}

FIXTURE_TEARDOWN(cold)
{
	munmap(self->v, self->size);
	close(self->h);
	close(self->fd);
	unlink(self->path);
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "mmf"));
}

static unsigned int word_at(const unsigned char *v, size_t pg, size_t page)
{
	return __atomic_load_n((const unsigned int *)(v + page * pg + 8), __ATOMIC_RELAXED);
}

TEST_F(cold, first_touch_is_a_major_fault_and_a_second_touch_is_free)
{
	const size_t page = self->npages / 2 + 3;
	struct mmf_stat st, st2;

	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(0, st.faults);
	EXPECT_EQ(0, st.major_faults);
	EXPECT_EQ(0, mmft_resident(self->fd, page * self->pg, self->pg));

	EXPECT_EQ(page, word_at(self->v, self->pg, page));
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(1, st.faults);
	EXPECT_EQ(1, st.major_faults);
	EXPECT_EQ(1, mmft_resident(self->fd, page * self->pg, self->pg));

	/* Again, and the rest of that page: no fault, no I/O. */
	EXPECT_EQ(page, word_at(self->v, self->pg, page));
	EXPECT_EQ(page, __atomic_load_n((unsigned int *)(self->v + (page + 1) * self->pg - 4),
					__ATOMIC_RELAXED));
	ASSERT_EQ(0, mmft_stat(self->h, &st2));
	EXPECT_EQ(st.faults, st2.faults);
	EXPECT_EQ(st.major_faults, st2.major_faults);
	TH_LOG("readaround %u: 1 touch, %llu fault, %llu major, %ld pages resident",
	       st2.readaround, (unsigned long long)st2.faults,
	       (unsigned long long)st2.major_faults, mmft_resident(self->fd, 0, self->size));
}

TEST_F(cold, scattered_touches_read_at_most_one_window_each)
{
	struct mmf_stat st;
	size_t i, p, k, stride;
	long resident;

	ASSERT_EQ(0, mmft_stat(self->h, &st));
	ASSERT_LT(0, st.readaround);
	ASSERT_EQ(variant->readaround ? (long)variant->readaround :
		  mmft_file_readaround(self->fd), st.readaround);
	/* Far enough apart that windows cannot overlap or chain. */
	k = self->npages / (2 * st.readaround);
	if (k > 16)
		k = 16;
	ASSERT_LE(1, k) TH_LOG("window %u pages: file too small", st.readaround);
	stride = self->npages / k;
	for (i = 0; i < k; i++) {
		p = i * stride + stride / 2;
		EXPECT_EQ(p, word_at(self->v, self->pg, p));
	}
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(k, st.faults);
	EXPECT_EQ(k, st.major_faults);
	resident = mmft_resident(self->fd, 0, self->size);
	EXPECT_LE(k, resident);
	EXPECT_GE(k * st.readaround, resident);
	for (i = 0; i < k; i++) {
		p = i * stride + stride / 2;
		EXPECT_EQ(1, mmft_resident(self->fd, p * self->pg, self->pg));
	}
	TH_LOG("readaround %u: %zu touches, %llu faults, %llu major, %ld pages resident",
	       st.readaround, k, (unsigned long long)st.faults,
	       (unsigned long long)st.major_faults, resident);
}

TEST_F(cold, sequential_touching_takes_far_fewer_major_faults_than_pages)
{
	struct mmf_stat st, st2;
	size_t p;

	for (p = 0; p < self->npages; p++)
		ASSERT_EQ(p, word_at(self->v, self->pg, p));
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(self->npages, mmft_resident(self->fd, 0, self->size));
	EXPECT_LE(1, st.major_faults);
	EXPECT_GE(st.faults, st.major_faults);
	EXPECT_GE(self->npages, st.faults);
	if (st.readaround > 1)
		EXPECT_GE(self->npages / 4, st.major_faults);
	/* Everything is mapped now: a second pass costs nothing. */
	for (p = 0; p < self->npages; p++)
		ASSERT_EQ(p, word_at(self->v, self->pg, p));
	ASSERT_EQ(0, mmft_stat(self->h, &st2));
	EXPECT_EQ(st.faults, st2.faults);
	EXPECT_EQ(st.major_faults, st2.major_faults);
	TH_LOG("readaround %u: %zu pages, %llu faults, %llu major", st.readaround,
	       self->npages, (unsigned long long)st.faults,
	       (unsigned long long)st.major_faults);
}

/*
 * A page already in the page cache is mapped by fault-around (map_pages)
 * without a call to fault: counted as a fault, not a major one.
 */
TEST_F(cold, cached_pages_count_as_minor_faults)
{
	const size_t page = 100;
	unsigned char buf[64];
	struct mmf_stat st;

	ASSERT_EQ(sizeof(buf), pread(self->fd, buf, sizeof(buf), page * self->pg));
	ASSERT_EQ(1, mmft_resident(self->fd, page * self->pg, self->pg));
	EXPECT_EQ(page, word_at(self->v, self->pg, page));
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(1, st.faults);
	EXPECT_EQ(0, st.major_faults);
}

/* The bytes past the end of the file in its last page read as zero. */
TEST(tail_of_the_last_page_is_zero)
{
	char path[64];
	unsigned char *v;
	size_t pg = MMFT_PAGE, len = pg + 100;
	int fd = mmft_tmpfile(DIR, len, 0x3C, path, sizeof(path));
	int h;

	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READ, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h);
	v = mmft_map(h, 2 * pg, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_TRUE(mmft_all(v, len, 0x3C));
	EXPECT_TRUE(mmft_all(v + len, 2 * pg - len, 0));
	munmap(v, 2 * pg);
	close(h);
	close(fd);
	unlink(path);
}

/* Swap-backed: a first touch is a fault without I/O, zero-filled. */
TEST(swap_backed_first_touch_is_a_minor_fault_of_zeros)
{
	size_t pg = MMFT_PAGE, n = 64, i;
	struct mmf_stat st;
	unsigned char *v;
	int h = mmft_create_swap(n * pg, NULL, 0, NULL);

	ASSERT_LE(0, h);
	v = mmft_map(h, n * pg, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	for (i = 0; i < n; i += 8)
		EXPECT_TRUE(mmft_all(v + i * pg, pg, 0));
	ASSERT_EQ(0, mmft_stat(h, &st));
	EXPECT_EQ(n / 8, st.faults);
	EXPECT_EQ(0, st.major_faults);
	EXPECT_TRUE(mmft_all(v, pg, 0));
	ASSERT_EQ(0, mmft_stat(h, &st));
	EXPECT_EQ(n / 8, st.faults);
	munmap(v, n * pg);
	close(h);
}

/* Readaround is validated and reported. */
TEST(readaround_is_validated)
{
	struct mmf_create c = { .size = sizeof(c), .flags = MMF_CREATE_SWAP, .fd = -1,
				.prot = MMF_PROT_READWRITE, .max_size = 4096 };
	struct mmf_stat st;
	int h = mmft_handle();

	ASSERT_LE(0, h);
	c.readaround = 1U << 20;
	EXPECT_EQ(-1, ioctl(h, MMF_IOC_CREATE, &c));
	EXPECT_EQ(EINVAL, errno);
	c.readaround = 16;
	ASSERT_EQ(0, ioctl(h, MMF_IOC_CREATE, &c));
	ASSERT_EQ(0, mmft_stat(h, &st));
	EXPECT_EQ(16, st.readaround);
	close(h);
}

#define PMD_BYTES	(2UL << 20)

/* Write one byte every 16 pages of a mapping: the faults it took. */
static long sparse_write_faults(unsigned char *v, size_t len, size_t pg)
{
	long before = mmft_page_faults();
	size_t off;

	for (off = 0; off < len; off += 16 * pg)
		v[off] = 'w';
	return mmft_page_faults() - before;
}

/*
 * A view is placed as mmap(2) places the file: congruent with its offset
 * modulo 2 MiB once it is large enough, so that the core can map a large
 * folio of the page cache with one fault (7.2 on ext4).  So writing a warm
 * file through a view takes no more faults than through mmap.
 */
TEST(views_are_placed_like_mappings_of_the_file)
{
	const size_t pg = MMFT_PAGE, len = 8 * PMD_BYTES;
	long native_faults, view_faults;
	unsigned char *n, *v, byte;
	struct mmf_stat st;
	uint64_t written;
	char path[64];
	size_t off;
	int fd, h;

	fd = mmft_tmpfile(DIR, len, 'a', path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h);

	n = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, n);
	v = mmft_map(h, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ((uintptr_t)n % PMD_BYTES, (uintptr_t)v % PMD_BYTES);
	EXPECT_EQ(0, (uintptr_t)v % PMD_BYTES);
	/*
	 * Both ways, the file in the page cache as read-ahead left it (large
	 * folios where the file system has them).
	 */
	ASSERT_EQ(0, mmft_drop_file_cache(fd, 0, len));
	ASSERT_EQ(1, mmft_file_all(fd, 0, len, 'a'));
	native_faults = sparse_write_faults(n, len, pg);
	ASSERT_EQ(0, msync(n, len, MS_SYNC));
	ASSERT_EQ(0, munmap(n, len));
	ASSERT_EQ(0, mmft_flush(h, v, len, 0, NULL));
	ASSERT_EQ(0, munmap(v, len));
	/* The same folios, clean again: now through a view. */
	v = mmft_map(h, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	view_faults = sparse_write_faults(v, len, pg);
	TH_LOG("%zu writes: %ld faults through mmap, %ld through a view",
	       len / (16 * pg), native_faults, view_faults);
	EXPECT_LE(view_faults, native_faults + native_faults / 8 + 2);
	/*
	 * Every page of a folio mapped writable by one fault is recorded
	 * (mmf_dirty_mark_range()), and the flush writes what was recorded.
	 */
	ASSERT_EQ(0, mmft_stat(h, &st));
	EXPECT_LE(len / (16 * pg), st.dirty_pages);
	EXPECT_GE(len / pg, st.dirty_pages);
	ASSERT_EQ(0, mmft_flush(h, v, len, 0, &written));
	EXPECT_EQ(st.dirty_pages, written);
	ASSERT_EQ(0, munmap(v, len));
	for (off = 0; off < len; off += 16 * pg)
		ASSERT_EQ(1, pread(fd, &byte, 1, off) == 1 && byte == 'w');

	/* At an offset: the same congruence as mmap at that offset. */
	n = mmap(NULL, len / 2, PROT_READ, MAP_SHARED, fd, PMD_BYTES / 2);
	ASSERT_NE(MAP_FAILED, n);
	v = mmft_map(h, len / 2, PROT_READ, MAP_SHARED, PMD_BYTES / 2);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(PMD_BYTES / 2, (uintptr_t)v % PMD_BYTES);
	EXPECT_EQ((uintptr_t)n % PMD_BYTES, (uintptr_t)v % PMD_BYTES);
	munmap(n, len / 2);
	munmap(v, len / 2);

	close(h);
	close(fd);
	unlink(path);
}

TEST_HARNESS_MAIN
