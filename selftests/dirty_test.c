// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty tracking and flush (issue 3, acceptance item 3): writing n distinct
 * pages gives n dirty pages in STAT and exactly those bits in WRITE_WATCH,
 * a flush writes exactly n pages, and a page written again after a flush
 * is recorded again and written by the next flush.  On ext4 write-back
 * write-protects flushed pages; on tmpfs and swap-backed sections nothing
 * is written back, so these cases prove the module re-arms tracking there
 * itself.  Also: write-watch reset, flush flags, length 0, STAT, QUERY and
 * FILE_MAPPED.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#define NPAGES	1024	/* 4 MiB: room for 2 MiB folios */
#define FILL	0x22

FIXTURE(dirty) {
	char path[64];
	int fd;		/* backing file, -1 for a swap-backed section */
	int h;
	size_t pg, size;
	unsigned char *v;
	unsigned long long log_mark;
};

FIXTURE_VARIANT(dirty) {
	const char *dir;	/* NULL: swap-backed */
	const char *huge;	/* tmpfs mount options, mounted at dir */
};

FIXTURE_VARIANT_ADD(dirty, ext4) { .dir = "/mnt/ext4" };
FIXTURE_VARIANT_ADD(dirty, tmpfs) { .dir = "/tmp" };
FIXTURE_VARIANT_ADD(dirty, swap) { .dir = NULL };
/* Large folios: the record is per page (vmf->pgoff), not per folio. */
FIXTURE_VARIANT_ADD(dirty, tmpfs_huge) { .dir = "/mnt/mmft-huge", .huge = "huge=always" };

/* A /proc/meminfo value in kB, -1 if missing. */
static long meminfo_kb(const char *key)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			kb = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return kb;
}

/*
 * A shared view at a 2 MiB-aligned address plus @skew bytes: with skew 0
 * one PMD (or on 7.2 the PTEs of a whole 2 MiB folio, after one write
 * fault) could map a huge folio at once, with a skew of a page never.
 */
static unsigned char *map_aligned(int h, size_t size, size_t skew)
{
	const size_t align = 2UL << 20;
	unsigned char *r = mmap(NULL, size + 2 * align, PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	unsigned char *a;

	if (r == MAP_FAILED)
		return MAP_FAILED;
	a = (unsigned char *)(((uintptr_t)r + align - 1) & ~(align - 1));
	a += skew;	/* still inside the reservation: skew < align */
	return mmap(a, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, h, 0);
}

FIXTURE_SETUP(dirty)
{
	self->log_mark = kmsg_mark();
	self->pg = MMFT_PAGE;
	self->size = NPAGES * self->pg;
	self->fd = -1;
	if (variant->huge) {
		mkdir(variant->dir, 0755);
		if (mount("tmpfs", variant->dir, "tmpfs", 0, variant->huge))
			SKIP(return, "cannot mount tmpfs -o %s: %s", variant->huge,
			     strerror(errno));
	}
	if (variant->dir) {
		self->fd = mmft_tmpfile(variant->dir, self->size, FILL, self->path,
					sizeof(self->path));
		ASSERT_LE(0, self->fd);
		ASSERT_EQ(0, fsync(self->fd));
		self->h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	} else {
		self->h = mmft_create_swap(self->size, NULL, 0, NULL);
	}
	ASSERT_LE(0, self->h) TH_LOG("CREATE: %s", strerror(-self->h));
	if (variant->huge)
		ASSERT_LE(2048, meminfo_kb("ShmemHugePages:")) TH_LOG("no large folio");
	/* Per-page tracking, also of large folios mapped by PTEs. */
	self->v = map_aligned(self->h, self->size, self->pg);
	ASSERT_NE(MAP_FAILED, self->v);
}

FIXTURE_TEARDOWN(dirty)
{
	if (self->v != MAP_FAILED)
		munmap(self->v, self->size);
	close(self->h);
	if (self->fd >= 0) {
		close(self->fd);
		unlink(self->path);
	}
	if (variant->huge)
		umount(variant->dir);
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "mmf"));
}

/* WRITE_WATCH of [addr, addr + len): 0 or -errno; bits into @bm. */
static int watch(int h, const void *addr, size_t len, unsigned int flags, uint64_t *bm,
		 uint64_t bits, uint64_t *dirty)
{
	struct mmf_write_watch w = {
		.size = sizeof(w), .flags = flags, .addr = (uintptr_t)addr, .length = len,
		.bitmap = (uintptr_t)bm, .bitmap_bits = bits,
	};

	/* Poison what the kernel must overwrite (not a read-only bitmap). */
	if (dirty)
		memset(bm, 0xA5, (len / MMFT_PAGE + 63) / 64 * 8);
	if (ioctl(h, MMF_IOC_WRITE_WATCH, &w))
		return -errno;
	if (dirty)
		*dirty = w.dirty_pages;
	return 0;
}

/* Whether bitmap @bm of @n bits has exactly the pages in @want[nw]. */
static int bits_are(const uint64_t *bm, unsigned int n, const unsigned int *want,
		    unsigned int nw)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		int set = (bm[i / 64] >> (i % 64)) & 1, wanted = 0;

		for (j = 0; j < nw; j++)
			wanted |= want[j] == i;
		if (set != wanted)
			return 0;
	}
	/* Bits past the range in the last word are zero. */
	if (n % 64 && (bm[n / 64] >> (n % 64)))
		return 0;
	return 1;
}

static void touch(unsigned char *v, size_t pg, const unsigned int *pages, unsigned int n,
		  int c)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		memset(v + pages[i] * pg, c, pg);
}

TEST_F(dirty, n_written_pages_are_n_dirty_and_one_flush_writes_them)
{
	static const unsigned int pages[] = { 0, 1, 5, 17, 40, 41, 42, 63, 511, 512, 700, 1023 };
	const unsigned int n = ARRAY_SIZE(pages);
	uint64_t bm[NPAGES / 64], dirty = 0, written = 0;
	struct mmf_stat st;
	unsigned int i;

	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(0, st.dirty_pages);
	EXPECT_EQ(0, st.pages_dirtied);
	/* Reading does not dirty. */
	for (i = 0; i < NPAGES; i++)
		(void)__atomic_load_n(self->v + i * self->pg, __ATOMIC_RELAXED);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(0, st.dirty_pages);

	/* Each page written several times: still one record per page. */
	touch(self->v, self->pg, pages, n, 0x31);
	touch(self->v, self->pg, pages, n, 0x32);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(n, st.dirty_pages);
	EXPECT_EQ(n, st.pages_dirtied);
	ASSERT_EQ(0, watch(self->h, self->v, self->size, 0, bm, NPAGES, &dirty));
	EXPECT_EQ(n, dirty);
	EXPECT_TRUE(bits_are(bm, NPAGES, pages, n));
	/* The file sees the writes before any flush (one copy). */
	if (self->fd >= 0)
		EXPECT_TRUE(mmft_file_all(self->fd, 17 * self->pg, self->pg, 0x32));

	ASSERT_EQ(0, mmft_flush(self->h, self->v, self->size, 0, &written));
	EXPECT_EQ(n, written);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(0, st.dirty_pages);
	EXPECT_EQ(n, st.pages_flushed);
	EXPECT_EQ(1, st.flushes);
	EXPECT_EQ(0, st.writeback_errors);
	ASSERT_EQ(0, watch(self->h, self->v, self->size, 0, bm, NPAGES, &dirty));
	EXPECT_EQ(0, dirty);
	EXPECT_TRUE(bits_are(bm, NPAGES, NULL, 0));
	/* Nothing left: a second flush writes nothing. */
	ASSERT_EQ(0, mmft_flush(self->h, self->v, self->size, 0, &written));
	EXPECT_EQ(0, written);
}

TEST_F(dirty, a_rewrite_after_a_flush_is_recorded_and_flushed_again)
{
	static const unsigned int first[] = { 3, 9, 10 }, again[] = { 9 };
	uint64_t bm[NPAGES / 64], dirty = 0, written = 0;
	struct mmf_stat st;
	int round;

	touch(self->v, self->pg, first, 3, 0x41);
	ASSERT_EQ(0, mmft_flush(self->h, self->v, self->size, 0, &written));
	EXPECT_EQ(3, written);
	/* Several rounds: tracking must never silently stop. */
	for (round = 0; round < 3; round++) {
		touch(self->v, self->pg, again, 1, 0x50 + round);
		ASSERT_EQ(0, mmft_stat(self->h, &st));
		EXPECT_EQ(1, st.dirty_pages) TH_LOG("round %d", round);
		EXPECT_EQ(3 + 1 + round, st.pages_dirtied) TH_LOG("round %d", round);
		ASSERT_EQ(0, watch(self->h, self->v, self->size, 0, bm, NPAGES, &dirty));
		EXPECT_EQ(1, dirty);
		EXPECT_TRUE(bits_are(bm, NPAGES, again, 1));
		ASSERT_EQ(0, mmft_flush(self->h, self->v, self->size, 0, &written));
		EXPECT_EQ(1, written) TH_LOG("round %d", round);
		if (self->fd >= 0)
			EXPECT_TRUE(mmft_file_all(self->fd, 9 * self->pg, self->pg, 0x50 + round));
	}
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(6, st.pages_flushed);
	EXPECT_EQ(4, st.flushes);
}

TEST_F(dirty, flush_covers_only_its_range_and_length_zero_means_the_view)
{
	static const unsigned int pages[] = { 2, 30, 50 };
	uint64_t written = 0;
	struct mmf_stat st;

	touch(self->v, self->pg, pages, 3, 0x61);
	/* Pages 0..31 only: 2 and 30. addr is rounded down to a page. */
	ASSERT_EQ(0, mmft_flush(self->h, self->v + 5, 32 * self->pg - 5, 0, &written));
	EXPECT_EQ(2, written);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(1, st.dirty_pages);
	/* Length 0 from inside the view: to the end of that view. */
	touch(self->v, self->pg, pages, 1, 0x62);
	ASSERT_EQ(0, mmft_flush(self->h, self->v + 10 * self->pg, 0, 0, &written));
	EXPECT_EQ(1, written);	/* page 50 only, page 2 is before addr */
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(1, st.dirty_pages);
	ASSERT_EQ(0, mmft_flush(self->h, self->v, 0, 0, &written));
	EXPECT_EQ(1, written);
}

TEST_F(dirty, flush_async_and_durable)
{
	static const unsigned int pages[] = { 7, 8 };
	uint64_t written = 0;
	struct mmf_stat st;

	touch(self->v, self->pg, pages, 2, 0x71);
	EXPECT_EQ(-EINVAL, mmft_flush(self->h, self->v, self->size,
				      MMF_FLUSH_ASYNC | MMF_FLUSH_DURABLE, NULL));
	EXPECT_EQ(-EINVAL, mmft_flush(self->h, self->v, self->size, 1U << 7, NULL));
	ASSERT_EQ(0, mmft_flush(self->h, self->v, self->size, MMF_FLUSH_ASYNC, &written));
	EXPECT_EQ(2, written);
	touch(self->v, self->pg, pages, 1, 0x72);
	ASSERT_EQ(0, mmft_flush(self->h, self->v, self->size, MMF_FLUSH_DURABLE, &written));
	EXPECT_EQ(1, written);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(0, st.dirty_pages);
	EXPECT_EQ(3, st.pages_flushed);
	if (self->fd >= 0) {
		EXPECT_TRUE(mmft_file_all(self->fd, 7 * self->pg, self->pg, 0x72));
		EXPECT_TRUE(mmft_file_all(self->fd, 8 * self->pg, self->pg, 0x71));
	}
}

TEST_F(dirty, write_watch_reset_rearms_and_keeps_the_flush_set)
{
	static const unsigned int pages[] = { 4, 12, 20 }, again[] = { 12 };
	uint64_t bm[NPAGES / 64], dirty = 0, written = 0;
	struct mmf_stat st;

	touch(self->v, self->pg, pages, 3, 0x81);
	ASSERT_EQ(0, watch(self->h, self->v, self->size, MMF_WATCH_RESET, bm, NPAGES, &dirty));
	EXPECT_EQ(3, dirty);
	EXPECT_TRUE(bits_are(bm, NPAGES, pages, 3));
	ASSERT_EQ(0, watch(self->h, self->v, self->size, 0, bm, NPAGES, &dirty));
	EXPECT_EQ(0, dirty);
	/* A write after the reset is seen again. */
	touch(self->v, self->pg, again, 1, 0x82);
	ASSERT_EQ(0, watch(self->h, self->v, self->size, 0, bm, NPAGES, &dirty));
	EXPECT_EQ(1, dirty);
	EXPECT_TRUE(bits_are(bm, NPAGES, again, 1));
	/* The reset forgot nothing that must be written. */
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(3, st.dirty_pages);
	ASSERT_EQ(0, mmft_flush(self->h, self->v, self->size, 0, &written));
	EXPECT_EQ(3, written);
	if (self->fd >= 0) {
		EXPECT_TRUE(mmft_file_all(self->fd, 4 * self->pg, self->pg, 0x81));
		EXPECT_TRUE(mmft_file_all(self->fd, 12 * self->pg, self->pg, 0x82));
	}
}

TEST_F(dirty, write_watch_of_a_sub_range_is_relative_to_its_address)
{
	static const unsigned int pages[] = { 33, 35, 63 }, rel[] = { 1, 3, 31 };
	uint64_t bm[1], dirty;

	touch(self->v, self->pg, pages, 3, 0x91);
	ASSERT_EQ(0, watch(self->h, self->v + 32 * self->pg, 32 * self->pg, 0, bm, 32, &dirty));
	EXPECT_EQ(3, dirty);
	EXPECT_TRUE(bits_are(bm, 32, rel, 3));
}

TEST_F(dirty, write_watch_validation)
{
	uint64_t bm[4];
	void *anon = mmap(NULL, self->pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, anon);
	EXPECT_EQ(-EINVAL, watch(self->h, self->v + 1, self->pg, 0, bm, NPAGES, NULL));
	EXPECT_EQ(-EINVAL, watch(self->h, self->v, self->pg + 1, 0, bm, NPAGES, NULL));
	EXPECT_EQ(-EINVAL, watch(self->h, self->v, self->size + self->pg, 0, bm, NPAGES + 1,
				 NULL));
	EXPECT_EQ(-EINVAL, watch(self->h, self->v, self->size, 0, bm, NPAGES - 1, NULL));
	EXPECT_EQ(-EINVAL, watch(self->h, self->v, self->size, 1U << 5, bm, NPAGES, NULL));
	EXPECT_EQ(-EINVAL, watch(self->h, anon, self->pg, 0, bm, NPAGES, NULL));
	EXPECT_EQ(-EFAULT, watch(self->h, self->v, self->size, 0, (uint64_t *)anon, NPAGES,
				 NULL));
	munmap(anon, self->pg);
	EXPECT_EQ(-ENOMEM, watch(self->h, anon, self->pg, 0, bm, NPAGES, NULL));
}

TEST_F(dirty, flush_validation)
{
	void *anon = mmap(NULL, self->pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int other = mmft_handle();

	ASSERT_NE(MAP_FAILED, anon);
	ASSERT_LE(0, other);
	EXPECT_EQ(-EINVAL, mmft_flush(self->h, anon, self->pg, 0, NULL));
	EXPECT_EQ(-EINVAL, mmft_flush(self->h, self->v, UINT64_MAX, 0, NULL));
	munmap(anon, self->pg);
	EXPECT_EQ(-ENOMEM, mmft_flush(self->h, anon, self->pg, 0, NULL));
	/* A range running past the view into a hole. */
	munmap(self->v + (NPAGES - 1) * self->pg, self->pg);
	EXPECT_EQ(-ENOMEM, mmft_flush(self->h, self->v, self->size, 0, NULL));
	/* Any open of the device flushes, bound or not. */
	self->v[0] = 1;
	EXPECT_EQ(0, mmft_flush(other, self->v, self->pg, 0, NULL));
	close(other);
}

TEST_F(dirty, stat_query_and_file_mapped)
{
	struct mmf_file_mapped fm = { .size = sizeof(fm) };
	struct mmf_query q = { .size = sizeof(q) };
	struct mmf_stat st;
	unsigned char *ro;
	int unbound = mmft_handle();

	ASSERT_LE(0, unbound);
	EXPECT_EQ(-EBADFD, mmft_stat(unbound, &st));
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(1, st.views);
	EXPECT_EQ(self->size, st.section_size);
	EXPECT_EQ(MMF_PROT_READWRITE, st.prot);
	/* The default window is the one open(2) gives the file. */
	EXPECT_EQ(mmft_file_readaround(self->fd), st.readaround);
	st.flags = 1;
	EXPECT_EQ(-1, ioctl(self->h, MMF_IOC_STAT, &st));
	EXPECT_EQ(EINVAL, errno);

	/* A second, read-only and private view, 4 pages in. */
	ro = mmft_map(self->h, 8 * self->pg, PROT_READ, MAP_PRIVATE, 4 * self->pg);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(2, st.views);
	q.addr = (uintptr_t)(ro + 3 * self->pg + 17);
	ASSERT_EQ(0, ioctl(unbound, MMF_IOC_QUERY, &q));
	EXPECT_EQ((uintptr_t)ro, q.view_start);
	EXPECT_EQ(8 * self->pg, q.view_length);
	EXPECT_EQ(4 * self->pg, q.offset);
	EXPECT_EQ(st.section_id, q.section_id);
	EXPECT_EQ(self->size, q.section_size);
	EXPECT_EQ(MMF_ACCESS_READ | MMF_ACCESS_COPY, q.access);
	EXPECT_EQ(MMF_PROT_READWRITE, q.prot);
	q.addr = (uintptr_t)self->v;
	ASSERT_EQ(0, ioctl(self->h, MMF_IOC_QUERY, &q));
	EXPECT_EQ(MMF_ACCESS_READ | MMF_ACCESS_WRITE, q.access);
	EXPECT_EQ(0, q.offset);
	q.addr = (uintptr_t)&q;
	EXPECT_EQ(-1, ioctl(self->h, MMF_IOC_QUERY, &q));
	EXPECT_EQ(EINVAL, errno);
	q.addr = 0;
	EXPECT_EQ(-1, ioctl(self->h, MMF_IOC_QUERY, &q));
	EXPECT_EQ(ENOMEM, errno);

	if (self->fd >= 0) {
		fm.fd = self->fd;
		ASSERT_EQ(0, ioctl(unbound, MMF_IOC_FILE_MAPPED, &fm));
		EXPECT_EQ(1, fm.sections);
		EXPECT_EQ(2, fm.views);
	}
	munmap(ro, 8 * self->pg);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(1, st.views);
	if (self->fd >= 0) {
		munmap(self->v, self->size);
		self->v = MAP_FAILED;
		ASSERT_EQ(0, ioctl(unbound, MMF_IOC_FILE_MAPPED, &fm));
		EXPECT_EQ(1, fm.sections);
		EXPECT_EQ(0, fm.views);
	}
	/* A file no section uses. */
	fm.fd = unbound;
	ASSERT_EQ(0, ioctl(unbound, MMF_IOC_FILE_MAPPED, &fm));
	EXPECT_EQ(0, fm.sections);
	EXPECT_EQ(0, fm.views);
	fm.flags = 1;
	EXPECT_EQ(-1, ioctl(unbound, MMF_IOC_FILE_MAPPED, &fm));
	EXPECT_EQ(EINVAL, errno);
	close(unbound);
}

TEST_F(dirty, copy_on_write_views_are_never_recorded)
{
	unsigned char *p = mmft_map(self->h, self->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	uint64_t bm[NPAGES / 64], dirty = 0, written = 0;
	struct mmf_stat st;

	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0xC0, 4 * self->pg);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(0, st.dirty_pages);
	ASSERT_EQ(0, watch(self->h, p, self->size, 0, bm, NPAGES, &dirty));
	EXPECT_EQ(0, dirty);
	ASSERT_EQ(0, mmft_flush(self->h, p, self->size, 0, &written));
	EXPECT_EQ(0, written);
	EXPECT_TRUE(mmft_all(self->v, 4 * self->pg, variant->dir ? FILL : 0));
	munmap(p, self->size);
}

#define WRITERS	4
#define ROUNDS	2000

struct race {
	unsigned char *v;
	size_t pg;
	int h, id;
	int *stop;
	unsigned int last[NPAGES];	/* last value written per page, 0 none */
};

/* Writer @id owns the pages p with p % WRITERS == id. */
static void *race_writer(void *arg)
{
	struct race *r = arg;
	unsigned int seed = r->id + 1, i;

	for (i = 1; i <= ROUNDS; i++) {
		unsigned int p = (rand_r(&seed) % (NPAGES / WRITERS)) * WRITERS + r->id;

		__atomic_store_n((unsigned int *)(r->v + p * r->pg), i, __ATOMIC_RELAXED);
		r->last[p] = i;
	}
	return NULL;
}

static void *race_flusher(void *arg)
{
	struct race *r = arg;

	while (!__atomic_load_n(r->stop, __ATOMIC_RELAXED))
		mmft_flush(r->h, r->v, 0, 0, NULL);
	return NULL;
}

/*
 * Writers and a flusher racing: when all is done and one last flush ran,
 * the file holds every last write, nothing is recorded any more, and on
 * ext4 no page of the file is left dirty in the page cache (a write that
 * was never recorded would be: drop_caches cannot drop it).
 */
TEST_F(dirty, racing_writes_and_flushes_lose_nothing)
{
	static struct race r[WRITERS + 1];
	pthread_t t[WRITERS + 1];
	int stop = 0;
	struct mmf_stat st;
	uint64_t written;
	unsigned int p, i;

	for (i = 0; i <= WRITERS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].v = self->v;
		r[i].pg = self->pg;
		r[i].h = self->h;
		r[i].id = i;
		r[i].stop = &stop;
	}
	ASSERT_EQ(0, pthread_create(&t[WRITERS], NULL, race_flusher, &r[WRITERS]));
	for (i = 0; i < WRITERS; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, race_writer, &r[i]));
	for (i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(t[WRITERS], NULL);
	ASSERT_EQ(0, mmft_flush(self->h, self->v, 0, 0, &written));
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(0, st.dirty_pages);
	EXPECT_LE(1, st.flushes);
	for (p = 0; p < NPAGES; p++) {
		unsigned int want = r[p % WRITERS].last[p], got;

		if (!want)
			continue;
		ASSERT_EQ(want, *(unsigned int *)(self->v + p * self->pg)) TH_LOG("page %u", p);
		if (self->fd >= 0) {
			ASSERT_EQ(sizeof(got), pread(self->fd, &got, sizeof(got), p * self->pg));
			ASSERT_EQ(want, got) TH_LOG("page %u", p);
		}
	}
	if (self->fd >= 0 && !variant->huge && !strcmp(variant->dir, "/mnt/ext4")) {
		munmap(self->v, self->size);
		self->v = MAP_FAILED;
		ASSERT_EQ(0, mmft_drop_caches());
		EXPECT_EQ(0, mmft_resident(self->fd, 0, self->size));
	}
}

/* debugfs mmf/sections: module-wide counts and this section's line. */
TEST_F(dirty, debugfs_lists_the_section_and_its_counters)
{
	static const unsigned int pages[] = { 1, 2 };
	char line[1024], want[64], *found = NULL;
	unsigned long long sections = 0, views = 0;
	struct mmf_stat st;
	FILE *f;

	touch(self->v, self->pg, pages, 2, 0xF1);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	f = fopen("/sys/kernel/debug/mmf/sections", "r");
	if (!f)
		SKIP(return, "no debugfs: %s", strerror(errno));
	snprintf(want, sizeof(want), "%llu ", (unsigned long long)st.section_id);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "sections %llu", &sections) == 1)
			continue;
		if (sscanf(line, "views %llu", &views) == 1)
			continue;
		if (!strncmp(line, want, strlen(want)) && !found)
			found = strdup(line);
	}
	fclose(f);
	EXPECT_LE(1, sections);
	EXPECT_LE(1, views);
	ASSERT_NE(NULL, found);
	TH_LOG("%s", found);
	EXPECT_NE(NULL, strstr(found, self->fd >= 0 ? self->path : "[swap]"));
	EXPECT_NE(NULL, strstr(found, " views=1 "));
	EXPECT_NE(NULL, strstr(found, " dirtied=2 dirty=2 "));
	free(found);
}

/*
 * Even when the user asks for huge pages on a view (which would let the
 * core map a whole large folio writable with one PMD after a single
 * page_mkwrite), no written page is ever missing from the record.
 */
TEST_F(dirty, madv_hugepage_never_hides_a_write)
{
	static const unsigned int pages[] = { 3, 5, 600 }, again[] = { 5 };
	uint64_t bm[NPAGES / 64], dirty = 0, written = 0;
	struct mmf_stat st;
	unsigned int i;

	munmap(self->v, self->size);
	self->v = map_aligned(self->h, self->size, 0);
	ASSERT_NE(MAP_FAILED, self->v);
	madvise(self->v, self->size, MADV_HUGEPAGE);	/* may be refused */
	touch(self->v, self->pg, pages, 3, 0xE1);
	ASSERT_EQ(0, watch(self->h, self->v, self->size, 0, bm, NPAGES, &dirty));
	for (i = 0; i < 3; i++)
		EXPECT_TRUE((bm[pages[i] / 64] >> (pages[i] % 64)) & 1) TH_LOG("page %u", pages[i]);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_LE(3, st.dirty_pages);
	EXPECT_EQ(dirty, st.dirty_pages);
	ASSERT_EQ(0, mmft_flush(self->h, self->v, 0, 0, &written));
	EXPECT_EQ(dirty, written);
	touch(self->v, self->pg, again, 1, 0xE2);
	ASSERT_EQ(0, watch(self->h, self->v, self->size, 0, bm, NPAGES, &dirty));
	EXPECT_TRUE((bm[0] >> 5) & 1);
	TH_LOG("3 pages written: %llu recorded", (unsigned long long)st.dirty_pages);
	if (self->fd >= 0) {
		ASSERT_EQ(0, mmft_flush(self->h, self->v, 0, 0, &written));
		EXPECT_TRUE(mmft_file_all(self->fd, 5 * self->pg, self->pg, 0xE2));
	}
}

/*
 * 6.12's shmem maps unlinked files with other vm_operations: a view made
 * after the unlink uses a second wrapped copy and is tracked just the same.
 */
TEST_F(dirty, a_view_made_after_unlink_is_tracked_too)
{
	static const unsigned int a[] = { 2 }, b[] = { 9 };
	uint64_t written = 0;
	struct mmf_stat st;
	unsigned char *w;

	/* A swap-backed section's shmem file is unlinked from birth. */
	if (self->fd >= 0)
		ASSERT_EQ(0, unlink(self->path));
	/* Skewed as the fixture's view, so that counts are exact (see above). */
	w = map_aligned(self->h, self->size, self->pg);
	ASSERT_NE(MAP_FAILED, w);
	touch(self->v, self->pg, a, 1, 0xD1);
	touch(w, self->pg, b, 1, 0xD2);
	EXPECT_EQ(0xD2, self->v[9 * self->pg]);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(2, st.dirty_pages);
	EXPECT_EQ(2, st.views);
	ASSERT_EQ(0, mmft_flush(self->h, w, 0, 0, &written));
	EXPECT_EQ(2, written);
	touch(w, self->pg, a, 1, 0xD3);
	ASSERT_EQ(0, mmft_flush(self->h, self->v, 0, 0, &written));
	EXPECT_EQ(1, written);
	if (self->fd >= 0)
		EXPECT_TRUE(mmft_file_all(self->fd, 2 * self->pg, self->pg, 0xD3));
	EXPECT_EQ(0xD3, self->v[2 * self->pg]);
	munmap(w, self->size);
}

/*
 * Views are never merged with each other or with plain mappings of the
 * file, and never grow (VM_DONTEXPAND): a merge would free a VMA without
 * close and leak its pin on the section and the module.
 */
TEST_F(dirty, adjacent_views_stay_apart_and_never_grow)
{
	struct mmf_query q = { .size = sizeof(q) };
	size_t half = self->size / 2;
	struct mmf_stat st;
	unsigned char *p;

	munmap(self->v + half, half);
	/* The second half of the section right after the first: mergeable. */
	p = mmap(self->v + half, half, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, self->h,
		 half);
	ASSERT_EQ(self->v + half, p);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(2, st.views);
	q.addr = (uintptr_t)self->v;
	ASSERT_EQ(0, ioctl(self->h, MMF_IOC_QUERY, &q));
	EXPECT_EQ(half, q.view_length);
	/* A plain mapping of the same file, right after a view. */
	if (self->fd >= 0) {
		munmap(p, half);
		p = mmap(self->v + half, half, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 self->fd, half);
		ASSERT_EQ(self->v + half, p);
		ASSERT_EQ(0, ioctl(self->h, MMF_IOC_QUERY, &q));
		EXPECT_EQ(half, q.view_length);
		q.addr = (uintptr_t)p;
		EXPECT_EQ(-1, ioctl(self->h, MMF_IOC_QUERY, &q));
		EXPECT_EQ(EINVAL, errno);
	}
	munmap(p, half);
	/* mremap may not grow a view, even into free space. */
	EXPECT_EQ(MAP_FAILED, mremap(self->v, half, self->size, 0));
	EXPECT_EQ(MAP_FAILED, mremap(self->v, half, self->size, MREMAP_MAYMOVE));
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(1, st.views);
	munmap(self->v, half);
	self->v = MAP_FAILED;
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(0, st.views);
}

TEST_HARNESS_MAIN
