// SPDX-License-Identifier: GPL-2.0
/*
 * Attacks on PMD-congruent view placement (thp_get_unmapped_area) and on
 * recording a whole large folio with one lock per chunk
 * (mmf_dirty_mark_range(), mmf_dirty_any(), mmf_dirty_record_many(), the
 * flush's one lookup per folio).  The rule under attack: every page a view
 * can write is recorded, so after a flush every page written faults again
 * and shows in WRITE_WATCH; the file holds every byte written; the index
 * chunks go when the section goes.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#define NPAGES	2048	/* 8 MiB: four 2 MiB folios */
#define FILL	0x5A
#define PMD_SZ	((size_t)2 << 20)

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

FIXTURE(placement) {
	char path[64];
	int fd, h;
	size_t pg, size;
	long chunks0;
	unsigned long long log_mark;
};

FIXTURE_VARIANT(placement) {
	const char *dir;
	const char *huge;	/* tmpfs mount options, mounted at dir */
};

FIXTURE_VARIANT_ADD(placement, tmpfs_huge) {
	.dir = "/mnt/mmft-pa-huge", .huge = "huge=always",
};
FIXTURE_VARIANT_ADD(placement, tmpfs) { .dir = "/tmp" };
FIXTURE_VARIANT_ADD(placement, ext4) { .dir = "/mnt/ext4" };

FIXTURE_SETUP(placement)
{
	self->log_mark = kmsg_mark();
	self->pg = MMFT_PAGE;
	self->size = NPAGES * self->pg;
	self->fd = -1;
	self->h = -1;
	self->chunks0 = mmft_debugfs_counter("chunks");
	if (variant->huge && mmft_mount_tmpfs(variant->dir, variant->huge))
		SKIP(return, "cannot mount tmpfs -o %s", variant->huge);
	self->fd = mmft_tmpfile(variant->dir, self->size, FILL, self->path, sizeof(self->path));
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fsync(self->fd));
	self->h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, self->h) TH_LOG("CREATE: %s", strerror(-self->h));
}

FIXTURE_TEARDOWN(placement)
{
	if (self->h >= 0)
		close(self->h);
	if (self->fd >= 0) {
		close(self->fd);
		unlink(self->path);
	}
	if (variant->huge)
		mmft_umount_tmpfs(variant->dir);
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "mmf"));
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "WARNING"));
}

static int watch(int h, const void *addr, size_t len, unsigned int flags, uint64_t *bm,
		 uint64_t *dirty)
{
	struct mmf_write_watch w = {
		.size = sizeof(w), .flags = flags, .addr = (uintptr_t)addr, .length = len,
		.bitmap = (uintptr_t)bm, .bitmap_bits = NPAGES,
	};

	if (ioctl(h, MMF_IOC_WRITE_WATCH, &w))
		return -errno;
	if (dirty)
		*dirty = w.dirty_pages;
	return 0;
}

/*
 * After a flush, write one byte of each of the @n pages at @v (section
 * page @first on): each must fault and be recorded (WRITE_WATCH bit,
 * dirty_pages), and after a flush the file must hold the byte.  A page a
 * view could write while not recorded would skip the fault and be missing.
 */
static void all_recorded(struct __test_metadata *_metadata, FIXTURE_DATA(placement) *self,
			 unsigned char *v, size_t first, size_t n, unsigned char c)
{
	static uint64_t bm[NPAGES / 64];
	uint64_t dirty = 0, written = 0;
	struct mmf_stat st;
	size_t i, missing = 0;
	struct timespec a, b;
	unsigned char c1;

	ASSERT_EQ(0, mmft_flush(self->h, v, n * self->pg, 0, NULL));
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(0, st.dirty_pages);
	ASSERT_EQ(0, watch(self->h, v, n * self->pg, MMF_WATCH_RESET, bm, NULL));
	for (i = 0; i < n; i++)
		v[i * self->pg + i % self->pg] = c;
	memset(bm, 0, sizeof(bm));
	ASSERT_EQ(0, watch(self->h, v, n * self->pg, 0, bm, &dirty));
	for (i = 0; i < n; i++)
		if (!((bm[i / 64] >> (i % 64)) & 1) && missing++ < 4)
			TH_LOG("page %zu written, not in the watch", first + i);
	EXPECT_EQ(0, missing);
	EXPECT_EQ(n, dirty);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_LE(n, st.dirty_pages);
	if (n == NPAGES)
		EXPECT_EQ(n, st.dirty_pages);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ASSERT_EQ(0, mmft_flush(self->h, v, n * self->pg, 0, &written));
	clock_gettime(CLOCK_MONOTONIC, &b);
	EXPECT_LE(n, written);
	if (n == NPAGES)
		TH_LOG("flush of %zu pages written one by one: %llu written, %.1f ms", n,
		       (unsigned long long)written,
		       (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(0, st.dirty_pages);
	for (i = 0, missing = 0; i < n; i++) {
		off_t off = (first + i) * self->pg + i % self->pg;

		ASSERT_EQ(1, pread(self->fd, &c1, 1, off));
		if (c1 != c && missing++ < 4)
			TH_LOG("page %zu reads %#x, not %#x", first + i, c1, c);
	}
	EXPECT_EQ(0, missing);
}

/* Views are placed as mmap places the file: congruent modulo 2 MiB. */
TEST_F(placement, views_are_congruent_with_their_offset)
{
	static const size_t offs[] = { 0, 1 << 20, 64 << 10, 4 << 20 };
	unsigned int i;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		size_t len = self->size - offs[i];
		unsigned char *v = mmft_map(self->h, len, PROT_READ | PROT_WRITE, MAP_SHARED,
					    offs[i]);

		ASSERT_NE(MAP_FAILED, v);
		EXPECT_EQ(offs[i] % PMD_SZ, (uintptr_t)v % PMD_SZ) TH_LOG("offset %zu", offs[i]);
		all_recorded(_metadata, self, v, offs[i] / self->pg, len / self->pg, 0x10 + i);
		munmap(v, len);
	}
}

/*
 * An aligned view written (a whole folio may be mapped writable at once),
 * moved to an address a page off 2 MiB, written, moved back, written; and
 * a page unmapped out of the middle of a folio's mapping: never a write
 * missing from the record nor from the file.
 */
TEST_F(placement, mremap_and_partial_unmap_never_hide_a_write)
{
	unsigned char *r, *v, *w;

	r = mmap(NULL, 4 * self->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	v = mmft_map(self->h, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	ASSERT_EQ(0, (uintptr_t)v % PMD_SZ);
	madvise(v, self->size, MADV_HUGEPAGE);	/* may be refused */
	v[5] = 1;	/* maybe one writable PMD */
	all_recorded(_metadata, self, v, 0, NPAGES, 0x21);
	/* Somewhere a page past a 2 MiB boundary. */
	w = (unsigned char *)(((uintptr_t)r + PMD_SZ - 1) & ~(PMD_SZ - 1)) + self->pg;
	w = mremap(v, self->size, self->size, MREMAP_MAYMOVE | MREMAP_FIXED, w);
	ASSERT_NE(MAP_FAILED, w);
	v = w;
	all_recorded(_metadata, self, v, 0, NPAGES, 0x22);
	/* And back to a 2 MiB boundary. */
	w = (unsigned char *)(((uintptr_t)r + 2 * self->size + PMD_SZ - 1) & ~(PMD_SZ - 1));
	w = mremap(v, self->size, self->size, MREMAP_MAYMOVE | MREMAP_FIXED, w);
	ASSERT_NE(MAP_FAILED, w);
	v = w;
	v[7 * self->pg] = 2;
	all_recorded(_metadata, self, v, 0, NPAGES, 0x23);
	/* A hole in the first folio's mapping, then the two halves. */
	v[3] = 3;
	ASSERT_EQ(0, munmap(v + 100 * self->pg, self->pg));
	all_recorded(_metadata, self, v, 0, 100, 0x24);
	all_recorded(_metadata, self, v + 101 * self->pg, 101, NPAGES - 101, 0x25);
	munmap(v, 100 * self->pg);
	munmap(v + 101 * self->pg, self->size - 101 * self->pg);
	/* MAP_FIXED at an odd address, of an offset inside a folio. */
	w = mmap(r + 3 * self->pg, self->size - PMD_SZ, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, self->h, PMD_SZ / 2);
	ASSERT_NE(MAP_FAILED, w);
	madvise(w, self->size - PMD_SZ, MADV_HUGEPAGE);
	w[0] = 4;
	all_recorded(_metadata, self, w, PMD_SZ / 2 / self->pg, NPAGES - PMD_SZ / self->pg, 0x26);
	munmap(r, 4 * self->size);
}

/*
 * MADV_COLLAPSE (and khugepaged's own collapse) of the file under an
 * aligned view: the new huge folio may then be mapped whole by one PMD.
 */
TEST_F(placement, collapse_never_hides_a_write)
{
	unsigned char *v, *m;
	int i, ret;

	v = mmft_map(self->h, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	all_recorded(_metadata, self, v, 0, NPAGES, 0x31);
	ret = madvise(v, self->size, MADV_HUGEPAGE);
	TH_LOG("MADV_HUGEPAGE: %s", ret ? strerror(errno) : "ok");
	/* Views are not shmem VMAs to the core: it refuses to collapse them. */
	ret = madvise(v, self->size, MADV_COLLAPSE);
	TH_LOG("MADV_COLLAPSE of the view: %s", ret ? strerror(errno) : "ok");
	v[PMD_SZ + 9] = 5;
	all_recorded(_metadata, self, v, 0, NPAGES, 0x32);
	/* But a plain mapping of the file collapses its page cache under the view. */
	m = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	madvise(m, self->size, MADV_HUGEPAGE);
	for (i = 0; i < 2; i++) {
		v[i * self->pg] = 6;	/* dirty, and recorded, before the collapse */
		ret = madvise(m, self->size, MADV_COLLAPSE);
		TH_LOG("MADV_COLLAPSE of a plain mapping: %s", ret ? strerror(errno) : "ok");
		v[PMD_SZ + 9] = 7;	/* first write to a maybe new huge folio */
		v[3 * PMD_SZ + 11] = 7;
		EXPECT_EQ(7, m[PMD_SZ + 9]);
		all_recorded(_metadata, self, v, 0, NPAGES, 0x33 + i);
	}
	munmap(m, self->size);
	munmap(v, self->size);
}

/*
 * A section shorter than its file, ending inside a 2 MiB folio: a view of
 * all of it, placed congruent, records only the section's pages (a whole
 * folio is recorded up to the section's end), and nothing past the
 * section's last page is written.
 */
TEST_F(placement, a_section_ending_inside_a_folio_records_only_its_pages)
{
	size_t ssize = 3 * (PMD_SZ / 2) + 100, spages = (ssize + self->pg - 1) / self->pg, i;
	static uint64_t bm[NPAGES / 64];
	uint64_t dirty = 0, written = 0;
	struct mmf_stat st;
	unsigned char *v;
	int h;

	h = mmft_create(self->fd, MMF_PROT_READWRITE, ssize, NULL, 0, 0, NULL);
	ASSERT_LE(0, h);
	v = mmft_map(h, ssize, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(0, (uintptr_t)v % PMD_SZ);
	madvise(v, ssize, MADV_HUGEPAGE);
	for (i = 0; i < spages; i++)
		v[i * self->pg] = 0x51;
	ASSERT_EQ(0, watch(h, v, spages * self->pg, 0, bm, &dirty));
	EXPECT_EQ(spages, dirty);
	ASSERT_EQ(0, mmft_stat(h, &st));
	EXPECT_EQ(spages, st.dirty_pages);
	EXPECT_EQ(spages, st.pages_dirtied);
	ASSERT_EQ(0, mmft_flush(h, v, 0, 0, &written));
	EXPECT_EQ(spages, written);
	for (i = 0; i < spages; i++)
		EXPECT_TRUE(mmft_file_all(self->fd, i * self->pg, 1, 0x51));
	EXPECT_TRUE(mmft_file_all(self->fd, ssize, spages * self->pg - ssize, FILL));
	EXPECT_TRUE(mmft_file_all(self->fd, spages * self->pg, self->size - spages * self->pg,
				  FILL));
	munmap(v, ssize);
	close(h);
}

/* The stress: writers, a flusher, a watch resetter and the kernel's own write-back. */
struct stress {
	int h, fd;
	unsigned char *v;
	size_t pg;
	volatile int stop;
	uint64_t expect[NPAGES];	/* the last value written at each page's start */
	unsigned long writes, flushes, resets, syncs;
	double max_flush_ms;
	int err;
};

struct writer {
	struct stress *s;
	unsigned int id, seed;
};

/* The last writer writes through a view of its own, made and unmapped per burst. */
#define WRITERS	3

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	struct stress *s = w->s;
	uint64_t seq = 0;

	while (!s->stop) {
		/* Bursts into one 2 MiB folio, so whole folios are first written. */
		unsigned int base = (rand_r(&w->seed) % (NPAGES / 512)) * 512;
		unsigned char *v = s->v;
		int k;

		if (w->id == WRITERS - 1) {
			/* Placed congruent: its folio may be mapped whole. */
			v = mmap(NULL, 512 * s->pg, PROT_READ | PROT_WRITE, MAP_SHARED, s->h,
				 (off_t)base * s->pg);
			if (v == MAP_FAILED) {
				s->err = -errno;
				break;
			}
			v -= (size_t)base * s->pg;
		}
		for (k = 0; k < 64; k++) {
			unsigned int p = base + (rand_r(&w->seed) % (512 / WRITERS)) * WRITERS + w->id;
			uint64_t val = ((uint64_t)(w->id + 1) << 56) | ++seq;

			memcpy(v + (size_t)p * s->pg, &val, sizeof(val));
			s->expect[p] = val;
		}
		if (v != s->v)
			munmap(v + (size_t)base * s->pg, 512 * s->pg);
		__atomic_fetch_add(&s->writes, 64, __ATOMIC_RELAXED);
		usleep(20);	/* let the flusher run on 2 CPUs */
	}
	return NULL;
}

static void *flusher_fn(void *arg)
{
	struct stress *s = arg;

	while (!s->stop) {
		struct timespec a, b;
		double ms;
		int ret;

		clock_gettime(CLOCK_MONOTONIC, &a);
		ret = mmft_flush(s->h, s->v, 0, s->flushes % 3 == 2 ? MMF_FLUSH_ASYNC : 0,
				     NULL);

		clock_gettime(CLOCK_MONOTONIC, &b);
		ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
		if (ms > s->max_flush_ms)
			s->max_flush_ms = ms;
		if (ret)
			s->err = ret;
		s->flushes++;
	}
	return NULL;
}

static void *resetter_fn(void *arg)
{
	static uint64_t bm[NPAGES / 64];
	struct stress *s = arg;

	while (!s->stop) {
		if (watch(s->h, s->v, NPAGES * s->pg, MMF_WATCH_RESET, bm, NULL))
			s->err = -EIO;
		s->resets++;
		/* The kernel's write-back behind the module's back. */
		if (s->resets % 4 == 0) {
			sync_file_range(s->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
			s->syncs++;
		}
		sched_yield();
	}
	return NULL;
}

TEST_F_TIMEOUT(placement, concurrent_writes_flushes_and_resets_lose_nothing, 120)
{
	static struct stress s;
	struct writer w[WRITERS];
	pthread_t tw[WRITERS], tf, tr;
	unsigned int secs = mmft_stress() ? 20 : 3, i;
	uint64_t written = 0, val, fill;
	size_t bad = 0;
	struct mmf_stat st;
	long chunks;

	memset(&s, 0, sizeof(s));
	memset(&fill, FILL, sizeof(fill));
	for (i = 0; i < NPAGES; i++)
		s.expect[i] = fill;
	s.h = self->h;
	s.fd = self->fd;
	s.pg = self->pg;
	s.v = mmft_map(self->h, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, s.v);
	EXPECT_EQ(0, (uintptr_t)s.v % PMD_SZ);
	for (i = 0; i < WRITERS; i++) {
		w[i].s = &s;
		w[i].id = i;
		w[i].seed = 7 + i;
		ASSERT_EQ(0, pthread_create(&tw[i], NULL, writer_fn, &w[i]));
	}
	ASSERT_EQ(0, pthread_create(&tf, NULL, flusher_fn, &s));
	ASSERT_EQ(0, pthread_create(&tr, NULL, resetter_fn, &s));
	sleep(secs);
	s.stop = 1;
	for (i = 0; i < WRITERS; i++)
		pthread_join(tw[i], NULL);
	pthread_join(tf, NULL);
	pthread_join(tr, NULL);
	EXPECT_EQ(0, s.err);
	TH_LOG("%lu writes, %lu flushes (longest %.0f ms), %lu resets, %lu syncs in %u s",
	       s.writes, s.flushes, s.max_flush_ms, s.resets, s.syncs, secs);
	ASSERT_EQ(0, mmft_flush(self->h, s.v, 0, 0, &written));
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(0, st.dirty_pages);
	/*
	 * Every first write to a clean page is counted once, and every such
	 * page is written by one flush; on ext4 the kernel's own write-back
	 * takes some uncounted (mmf_written_back()).
	 */
	TH_LOG("pages_dirtied %llu, pages_flushed %llu", (unsigned long long)st.pages_dirtied,
	       (unsigned long long)st.pages_flushed);
	if (strcmp(variant->dir, "/mnt/ext4"))
		EXPECT_EQ(st.pages_dirtied, st.pages_flushed);
	EXPECT_LE(st.pages_flushed, st.pages_dirtied);
	for (i = 0; i < NPAGES; i++) {
		ASSERT_EQ(sizeof(val), pread(self->fd, &val, sizeof(val), (off_t)i * self->pg));
		if (val != s.expect[i] && bad++ < 4)
			TH_LOG("page %u: %#llx, not %#llx", i, (unsigned long long)val,
			       (unsigned long long)s.expect[i]);
	}
	EXPECT_EQ(0, bad);
	/* A record lost in the race leaves its page writable: no fault now. */
	all_recorded(_metadata, self, s.v, 0, NPAGES, 0x41);
	munmap(s.v, self->size);
	close(self->h);
	self->h = -1;
	chunks = mmft_debugfs_counter("chunks");
	if (self->chunks0 >= 0)
		EXPECT_EQ(self->chunks0, chunks);
}

TEST_HARNESS_MAIN
