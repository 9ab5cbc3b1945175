// SPDX-License-Identifier: GPL-2.0
/*
 * Memory pressure (issue 9): views of more data than memory may hold.
 *
 * - A file view several times larger than a memory cgroup's limit
 *   (memory.max) is written without a flush: the kernel must write pages
 *   back by itself and nothing may be lost or OOM-killed.  Every page is
 *   read back through the view while the pressure lasts (the early pages
 *   come back from the disk), then flushed, unmapped, dropped from the
 *   cache and checked byte by byte with read(2).  A plain mmap of the same
 *   file, same pattern, same verification, is the reference.
 * - A swap-backed section larger than the limit: its pages go to swap and
 *   come back intact, also in a later view.
 * - The counters tell the truth after the kernel's own write-back:
 *   dirty_pages counts only recorded pages the page cache still holds
 *   dirty, a flush's pages_written only pages it found dirty, and a write
 *   to a page the kernel cleaned counts in pages_dirtied again.
 *
 * Sizes: 48 MiB of file under a 24 MiB limit, 24 MiB of swap section
 * under 12 MiB, no plain mmap reference (make check); with MMF_STRESS=1,
 * 200 MiB and 192 MiB under 32 MiB, with the reference.  MMF_PRESSURE_MIB overrides the
 * data size and MMF_PRESSURE_LIMIT_MIB the limit, where 0 means no cgroup:
 * the guest's own memory is the limit (tools/reliability/lowmem.sh runs the
 * file test so in a 256 MiB guest).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#define EXT4		"/mnt/ext4"
#define CG		"/tmp/mmft-pressure-cg"
#define CG_T		CG "/limited"
#define MIB		(1UL << 20)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A size in MiB from the environment, or @dflt. */
static long env_mib(const char *name, long dflt)
{
	const char *s = getenv(name);

	return s && *s ? strtol(s, NULL, 10) : dflt;
}

/*
 * The pattern: 8-byte word @w of the file holds pattern(w, round).  Every
 * word of every page differs, and from one round to the next, so a page
 * that comes back stale, zero or from elsewhere is caught.
 */
static inline uint64_t pattern(uint64_t w, unsigned int round)
{
	return (w + 1) * 0x9E3779B97F4A7C15ULL + round * 0xD1B54A32D192ED03ULL;
}

/* Write round @round into pages [@first, @first + @n) of @v. */
static void fill(unsigned char *v, size_t pg, size_t first, size_t n, unsigned int round)
{
	size_t words = pg / 8, p, i;

	for (p = first; p < first + n; p++) {
		uint64_t *q = (uint64_t *)(v + p * pg), w = p * words;

		for (i = 0; i < words; i++)
			q[i] = pattern(w + i, round);
	}
}

/* The first page in [@first, @first + @n) of @v not holding @round, or -1. */
static long check(const unsigned char *v, size_t pg, size_t first, size_t n,
		  unsigned int round)
{
	size_t words = pg / 8, p, i;

	for (p = first; p < first + n; p++) {
		const uint64_t *q = (const uint64_t *)(v + p * pg);
		uint64_t w = p * words;

		for (i = 0; i < words; i++)
			if (q[i] != pattern(w + i, round))
				return p;
	}
	return -1;
}

/*
 * read(2) the pages [@first, @first + @n) of @fd, which must hold @round:
 * the first page that does not (or cannot be read), or -1.
 */
static long check_file(int fd, size_t pg, size_t first, size_t n, unsigned int round)
{
	const size_t chunk = 256;	/* pages per read */
	unsigned char *buf = malloc(chunk * pg);
	size_t p, k;
	long bad = -1;

	if (!buf)
		return first;
	for (p = first; p < first + n && bad < 0; p += k) {
		k = first + n - p < chunk ? first + n - p : chunk;
		if (pread(fd, buf, k * pg, p * pg) != (ssize_t)(k * pg)) {
			bad = p;
			break;
		}
		/* check() indexes pages from the buffer's start. */
		bad = check(buf - p * pg, pg, p, k, round);
	}
	free(buf);
	return bad;
}

/* A "key value" line of a file such as memory.events or meminfo; -1 if absent. */
static long long key_value(const char *path, const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long long val = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && (line[klen] == ' ' || line[klen] == ':')) {
			val = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

static long long knob_ll(const char *path)
{
	char buf[64];

	if (mmft_read_knob(path, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 10);
}

#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif

/*
 * An upper bound of the dirty pages of file @fd now: cachestat(2) where
 * the kernel has it (6.5 on), else the system-wide Dirty of /proc/meminfo
 * (which holds this file's dirty pages and more).
 */
static long long dirty_bound(int fd, size_t len)
{
	struct { uint64_t off, len; } r = { 0, len };
	struct { uint64_t cache, dirty, wb, evicted, recent; } cs;

	if (fd >= 0 && !syscall(__NR_cachestat, fd, &r, &cs, 0))
		return cs.dirty;
	return key_value("/proc/meminfo", "Dirty") * 1024 / MMFT_PAGE;
}

/*
 * The limit: a cgroup v2 child with memory.max set, joined by the test
 * process (the harness forks one per test, and moves nothing else), or,
 * with MMF_PRESSURE_LIMIT_MIB=0, the whole guest.
 */
FIXTURE(limit) {
	int mounted, joined, fd;
	char path[64];
	size_t pg, limit;	/* bytes the test may hold in memory */
	long long oom_kills;	/* /proc/vmstat oom_kill at the start */
	unsigned long long log_mark;
};

static void limit_undo(FIXTURE_DATA(limit) *self)
{
	char pid[16];

	if (self->fd >= 0) {
		close(self->fd);
		unlink(self->path);
		self->fd = -1;
	}
	if (self->joined) {
		snprintf(pid, sizeof(pid), "%d", getpid());
		mmft_write_knob(CG "/cgroup.procs", pid);
		self->joined = 0;
	}
	rmdir(CG_T);
	if (self->mounted)
		umount(CG);
	self->mounted = 0;
	rmdir(CG);
}

FIXTURE_SETUP(limit)
{
	char pid[16];
	const char *why = NULL;

	self->log_mark = kmsg_mark();
	self->pg = MMFT_PAGE;
	self->fd = -1;
	self->oom_kills = key_value("/proc/vmstat", "oom_kill");
	if (!env_mib("MMF_PRESSURE_LIMIT_MIB", 1)) {
		/* The whole guest: MemTotal. */
		self->limit = key_value("/proc/meminfo", "MemTotal") * 1024;
		ASSERT_LT(0, (long long)self->limit);
		return;
	}
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (mkdir(CG, 0700) && errno != EEXIST)
		why = "cannot make " CG;
	else if (!mount("none", CG, "cgroup2", 0, NULL))
		self->mounted = 1;
	else if (access(CG "/cgroup.controllers", F_OK))	/* left by a killed test */
		why = "no cgroup2";
	/*
	 * With the io controller too, the cgroup's dirty pages are throttled
	 * against its own limit (cgroup writeback), as on a real system with
	 * memory limits: with +memory alone, writers may fill the cgroup with
	 * dirty pages faster than a starved flusher cleans them, and the OOM
	 * killer comes for plain mmap as for a view.
	 */
	if (!why && mmft_write_knob(CG "/cgroup.subtree_control", "+memory"))
		why = "no memory controller";
	else if (!why && mmft_write_knob(CG "/cgroup.subtree_control", "+io"))
		why = "no io controller (cgroup writeback)";
	else if (!why && ((mkdir(CG_T, 0700) && errno != EEXIST) ||
			  access(CG_T "/memory.max", W_OK)))
		why = "no memory.max";
	if (why) {
		limit_undo(self);
		SKIP(return, "%s (cgroup v2 with the memory controller needed)", why);
	}
	self->joined = !mmft_write_knob(CG_T "/cgroup.procs", pid);
	if (!self->joined) {
		limit_undo(self);
		ASSERT_TRUE(self->joined) TH_LOG("cannot join " CG_T);
	}
}

/*
 * The limit of this test: MMF_PRESSURE_LIMIT_MIB, or @dflt MiB, into the
 * cgroup's memory.max.  0 or -errno.
 */
static int limit_set(FIXTURE_DATA(limit) *self, long dflt)
{
	char val[32];

	if (!self->joined)
		return 0;
	self->limit = env_mib("MMF_PRESSURE_LIMIT_MIB", dflt) * MIB;
	snprintf(val, sizeof(val), "%zu", self->limit);
	return mmft_write_knob(CG_T "/memory.max", val);
}

FIXTURE_TEARDOWN(limit)
{
	limit_undo(self);
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "mmf"));
}

/*
 * Nothing was OOM-killed (in the cgroup, or in the whole guest), and the
 * cgroup did meet its limit.
 */
static void limit_report(struct __test_metadata *_metadata, FIXTURE_DATA(limit) *self)
{
	long long max, oom, kill;

	if (!self->joined) {
		kill = key_value("/proc/vmstat", "oom_kill");
		TH_LOG("OOM kills in the guest: %lld (before: %lld); MemTotal %zu MiB",
		       kill, self->oom_kills, self->limit / MIB);
		EXPECT_EQ(self->oom_kills, kill);
		return;
	}
	max = key_value(CG_T "/memory.events", "max");
	oom = key_value(CG_T "/memory.events", "oom");
	kill = key_value(CG_T "/memory.events", "oom_kill");
	TH_LOG("memory.events: max %lld oom %lld oom_kill %lld; memory.peak %lld",
	       max, oom, kill, knob_ll(CG_T "/memory.peak"));
	EXPECT_LT(0, max) TH_LOG("the cgroup never met its limit: no pressure tested");
	EXPECT_EQ(0, oom);
	EXPECT_EQ(0, kill);
}

/*
 * A file view of several times the limit, written without a flush; the
 * early pages read back through the view and written again; one flush;
 * then read(2) of every byte.  The same with a plain mmap (long form and
 * the whole guest only, for the time it takes).
 *
 * Why 24 MiB and not less: under an 8 MiB limit 7.2, whose ext4 caches
 * large folios, OOM-killed the writer in ext4's own page_mkwrite, which
 * allocates buffer heads with __GFP_NOFAIL under GFP_NOFS.
 */
TEST_F_TIMEOUT(limit, a_file_view_larger_than_memory_loses_nothing, 1800)
{
	long mib = env_mib("MMF_PRESSURE_MIB", mmft_stress() ? 200 : 48);
	bool reference = mmft_stress() || !self->joined;
	size_t size = mib * MIB, npages = size / self->pg, again = npages / 8;
	struct mmf_stat st1, st2, st3;
	double t_write, t_again, t_flush, t_read, t_mwrite, t_msync, t_mread, t;
	long long bound1, bound2;
	uint64_t written;
	unsigned char *v;
	long bad;
	int h;

	ASSERT_EQ(0, limit_set(self, mmft_stress() ? 32 : 24));
	TH_LOG("%ld MiB through a view, %zu MiB of memory", mib, self->limit / MIB);
	ASSERT_LE(2 * self->limit, size) TH_LOG("the data must be larger than the memory");
	self->fd = mmft_tmpfile(EXT4, size, 0, self->path, sizeof(self->path));
	ASSERT_LE(0, self->fd) TH_LOG("cannot make a %ld MiB file", mib);
	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);

	t = now_ms();
	fill(v, self->pg, 0, npages, 1);
	t_write = now_ms() - t;
	bound1 = dirty_bound(self->fd, size);
	ASSERT_EQ(0, mmft_stat(h, &st1));
	TH_LOG("after writing %zu pages: pages_dirtied %llu dirty_pages %llu (page cache dirty <= %lld)",
	       npages, (unsigned long long)st1.pages_dirtied,
	       (unsigned long long)st1.dirty_pages, bound1);
	/* Every page was dirtied at least once; only what memory holds is dirty. */
	EXPECT_LE(npages, st1.pages_dirtied);
	EXPECT_GE(self->limit / self->pg, st1.dirty_pages);
	EXPECT_GE(bound1 + 512, (long long)st1.dirty_pages)
		TH_LOG("dirty_pages counts pages the kernel already wrote back");

	/*
	 * The first eighth, written back and evicted long ago, comes back
	 * from the disk through the view, intact, and is written again: a
	 * first write to a page the kernel cleaned counts as dirtied again.
	 */
	t = now_ms();
	bad = check(v, self->pg, 0, again, 1);
	EXPECT_EQ(-1, bad) TH_LOG("page %ld came back wrong through the view", bad);
	fill(v, self->pg, 0, again, 2);
	t_again = now_ms() - t;
	ASSERT_EQ(0, mmft_stat(h, &st2));
	TH_LOG("after rewriting %zu early pages: pages_dirtied %llu dirty_pages %llu",
	       again, (unsigned long long)st2.pages_dirtied,
	       (unsigned long long)st2.dirty_pages);
	EXPECT_LE(st1.pages_dirtied + again / 2, st2.pages_dirtied)
		TH_LOG("writes to pages the kernel had cleaned are not counted");

	bound2 = dirty_bound(self->fd, size);
	ASSERT_EQ(0, mmft_stat(h, &st2));
	t = now_ms();
	ASSERT_EQ(0, mmft_flush(h, v, 0, 0, &written));
	t_flush = now_ms() - t;
	ASSERT_EQ(0, mmft_stat(h, &st3));
	TH_LOG("flush: pages_written %llu (dirty_pages before %llu, page cache dirty <= %lld); after: dirty_pages %llu pages_flushed %llu",
	       (unsigned long long)written, (unsigned long long)st2.dirty_pages, bound2,
	       (unsigned long long)st3.dirty_pages, (unsigned long long)st3.pages_flushed);
	/* Nothing was written in between: the flush found at most those dirty. */
	EXPECT_GE(st2.dirty_pages, written)
		TH_LOG("the flush claims pages the kernel had written back");
	EXPECT_GE(bound2 + 512, (long long)written);
	EXPECT_EQ(0, st3.dirty_pages);
	EXPECT_EQ(written, st3.pages_flushed);
	EXPECT_EQ(1, st3.flushes);

	ASSERT_EQ(0, munmap(v, size));
	close(h);
	ASSERT_EQ(0, mmft_drop_caches());
	t = now_ms();
	bad = check_file(self->fd, self->pg, 0, again, 2);
	EXPECT_EQ(-1, bad) TH_LOG("read(2): page %ld lost its second write", bad);
	bad = check_file(self->fd, self->pg, again, npages - again, 1);
	EXPECT_EQ(-1, bad) TH_LOG("read(2): page %ld lost its write", bad);
	t_read = now_ms() - t;
	TH_LOG("view: write %.0f ms, read back and rewrite %zu MiB %.0f ms, flush %.0f ms, read(2) %.0f ms",
	       t_write, again * self->pg / MIB, t_again, t_flush, t_read);
	TH_LOG("%zu bytes written and verified through the view", size + again * self->pg);
	if (!reference) {
		limit_report(_metadata, self);
		return;
	}

	/*
	 * The reference: a plain mmap of the same file, a new round, made
	 * sparse again first so that both write into holes, not over pages
	 * that must be read in first.
	 */
	ASSERT_EQ(0, ftruncate(self->fd, 0));
	ASSERT_EQ(0, ftruncate(self->fd, size));
	v = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, v);
	t = now_ms();
	fill(v, self->pg, 0, npages, 3);
	t_mwrite = now_ms() - t;
	t = now_ms();
	ASSERT_EQ(0, msync(v, size, MS_SYNC));
	t_msync = now_ms() - t;
	ASSERT_EQ(0, munmap(v, size));
	ASSERT_EQ(0, mmft_drop_caches());
	t = now_ms();
	bad = check_file(self->fd, self->pg, 0, npages, 3);
	EXPECT_EQ(-1, bad) TH_LOG("plain mmap: page %ld lost its write", bad);
	t_mread = now_ms() - t;

	TH_LOG("plain mmap: write %.0f ms, msync %.0f ms, read(2) %.0f ms; view/mmap write+flush %.2f",
	       t_mwrite, t_msync, t_mread, (t_write + t_flush) / (t_mwrite + t_msync));
	TH_LOG("%zu bytes written and verified through mmap", size);
	limit_report(_metadata, self);
}

/*
 * A swap-backed section larger than the limit: its pages go to swap and
 * come back intact.  Nothing writes a swap-backed section back, so its
 * pages never become clean: swapped out or not, they stay dirty_pages
 * until a flush, which counts them (and writes nothing).
 */
TEST_F_TIMEOUT(limit, a_swap_section_larger_than_memory_loses_nothing, 1800)
{
	long mib = env_mib("MMF_PRESSURE_MIB", mmft_stress() ? 192 : 24);
	size_t size = mib * MIB, npages = size / self->pg, again = npages / 8;
	long long swapped, swap_free0 = key_value("/proc/meminfo", "SwapFree");
	struct mmf_stat st1, st2, st3;
	double t_write, t_read, t_flush, t;
	uint64_t written;
	unsigned char *v;
	long bad;
	int h;

	if (swap_free0 <= 0)
		SKIP(return, "the guest has no swap");
	ASSERT_EQ(0, limit_set(self, mmft_stress() ? 32 : 12));
	TH_LOG("%ld MiB swap-backed section, %zu MiB of memory, %lld MiB of swap free", mib,
	       self->limit / MIB, swap_free0 / 1024);
	ASSERT_LE(2 * self->limit, size);
	ASSERT_LE(size / 1024 + 16 * 1024, swap_free0) TH_LOG("not enough swap");
	h = mmft_create_swap(size, NULL, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);

	t = now_ms();
	fill(v, self->pg, 0, npages, 1);
	t_write = now_ms() - t;
	swapped = self->joined ? knob_ll(CG_T "/memory.swap.current") :
		  (swap_free0 - key_value("/proc/meminfo", "SwapFree")) * 1024;
	ASSERT_EQ(0, mmft_stat(h, &st1));
	TH_LOG("after writing %zu pages: %lld MiB in swap, pages_dirtied %llu dirty_pages %llu",
	       npages, swapped / (long long)MIB, (unsigned long long)st1.pages_dirtied,
	       (unsigned long long)st1.dirty_pages);
	EXPECT_LE((long long)(size - self->limit) / 2, swapped)
		TH_LOG("the section did not go to swap: no pressure tested");
	EXPECT_EQ(npages, st1.pages_dirtied);
	EXPECT_EQ(npages, st1.dirty_pages);

	/* Everything comes back; the early pages written again stay one record each. */
	t = now_ms();
	bad = check(v, self->pg, 0, npages, 1);
	EXPECT_EQ(-1, bad) TH_LOG("page %ld came back wrong from swap", bad);
	fill(v, self->pg, 0, again, 2);
	t_read = now_ms() - t;
	ASSERT_EQ(0, mmft_stat(h, &st2));
	EXPECT_EQ(npages, st2.pages_dirtied);
	EXPECT_EQ(npages, st2.dirty_pages);

	t = now_ms();
	ASSERT_EQ(0, mmft_flush(h, v, 0, 0, &written));
	t_flush = now_ms() - t;
	ASSERT_EQ(0, mmft_stat(h, &st3));
	EXPECT_EQ(npages, written);
	EXPECT_EQ(0, st3.dirty_pages);

	/* A new view of the section, after the old one went: every byte. */
	ASSERT_EQ(0, munmap(v, size));
	v = mmft_map(h, size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	bad = check(v, self->pg, 0, again, 2);
	EXPECT_EQ(-1, bad) TH_LOG("new view: page %ld lost its second write", bad);
	bad = check(v, self->pg, again, npages - again, 1);
	EXPECT_EQ(-1, bad) TH_LOG("new view: page %ld lost its write", bad);
	ASSERT_EQ(0, munmap(v, size));
	close(h);
	TH_LOG("write %.0f ms, read back and rewrite %.0f ms, flush %.0f ms (%llu pages counted)",
	       t_write, t_read, t_flush, (unsigned long long)written);
	TH_LOG("%zu bytes written, %zu verified", size + again * self->pg,
	       2 * size + again * self->pg);
	limit_report(_metadata, self);
}

/*
 * The counters after the kernel's own write-back, without pressure: the
 * write-back of pages a view wrote is made by fsync(2) of another fd, as
 * the flusher thread or reclaim would make it.
 */
FIXTURE(wrote_back) {
	char path[64];
	int fd, h;
	size_t pg, size, npages;
	unsigned char *v;
	unsigned long long log_mark;
};

FIXTURE_SETUP(wrote_back)
{
	self->log_mark = kmsg_mark();
	self->pg = MMFT_PAGE;
	self->npages = 256;
	self->size = self->npages * self->pg;
	self->fd = mmft_tmpfile(EXT4, self->size, 0x11, self->path, sizeof(self->path));
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fsync(self->fd));
	self->h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, self->h) TH_LOG("CREATE: %s", strerror(-self->h));
	self->v = mmft_map(self->h, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, self->v);
}

FIXTURE_TEARDOWN(wrote_back)
{
	munmap(self->v, self->size);
	close(self->h);
	close(self->fd);
	unlink(self->path);
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "mmf"));
}

TEST_F(wrote_back, a_flush_after_the_kernel_wrote_back_claims_nothing)
{
	const size_t n = 64;
	struct mmf_stat st;
	uint64_t written;

	fill(self->v, self->pg, 0, n, 1);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(n, st.pages_dirtied);
	EXPECT_EQ(n, st.dirty_pages);
	/* Written back by someone else: clean, still cached. */
	ASSERT_EQ(0, fsync(self->fd));
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(0, st.dirty_pages) TH_LOG("counts pages the kernel already wrote");
	ASSERT_EQ(0, mmft_flush(self->h, self->v, 0, 0, &written));
	EXPECT_EQ(0, written) TH_LOG("the flush claims pages it did not write");
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(0, st.pages_flushed);
	EXPECT_EQ(n, st.pages_dirtied);

	/* Half of them written again: dirtied again, and this flush writes them. */
	fill(self->v, self->pg, 0, n / 2, 2);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(n + n / 2, st.pages_dirtied);
	EXPECT_EQ(n / 2, st.dirty_pages);
	ASSERT_EQ(0, mmft_flush(self->h, self->v, 0, 0, &written));
	EXPECT_EQ(n / 2, written);
	EXPECT_EQ(-1, check_file(self->fd, self->pg, 0, n / 2, 2));
	EXPECT_EQ(-1, check_file(self->fd, self->pg, n / 2, n / 2, 1));
}

TEST_F(wrote_back, pages_written_back_without_a_flush_count_as_dirtied_again)
{
	const size_t n = 32;
	struct mmf_stat st;
	uint64_t written;
	int round;

	/* Written, written back by the kernel, written again: three times. */
	for (round = 1; round <= 3; round++) {
		fill(self->v, self->pg, 0, n, round);
		ASSERT_EQ(0, mmft_stat(self->h, &st));
		EXPECT_EQ(round * n, st.pages_dirtied);
		EXPECT_EQ(n, st.dirty_pages);
		ASSERT_EQ(0, fsync(self->fd));
	}
	/* Written back and evicted: gone from the page cache. */
	fill(self->v, self->pg, 0, n, 4);
	ASSERT_EQ(0, fsync(self->fd));
	ASSERT_EQ(0, munmap(self->v, self->size));
	ASSERT_EQ(0, mmft_drop_caches());
	ASSERT_EQ(0, mmft_resident(self->fd, 0, n * self->pg));
	self->v = mmft_map(self->h, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, self->v);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(4 * n, st.pages_dirtied);
	EXPECT_EQ(0, st.dirty_pages);
	EXPECT_EQ(-1, check(self->v, self->pg, 0, n, 4));
	fill(self->v, self->pg, 0, n, 5);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(5 * n, st.pages_dirtied);
	EXPECT_EQ(n, st.dirty_pages);
	ASSERT_EQ(0, mmft_flush(self->h, self->v, 0, 0, &written));
	EXPECT_EQ(n, written);
	ASSERT_EQ(0, mmft_stat(self->h, &st));
	EXPECT_EQ(n, st.pages_flushed);
	EXPECT_EQ(0, st.dirty_pages);
	ASSERT_EQ(0, munmap(self->v, self->size));
	self->v = MAP_FAILED;
	ASSERT_EQ(0, mmft_drop_caches());
	EXPECT_EQ(-1, check_file(self->fd, self->pg, 0, n, 5));
}

TEST_HARNESS_MAIN
