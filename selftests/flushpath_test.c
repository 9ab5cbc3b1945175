// SPDX-License-Identifier: GPL-2.0
/*
 * The flush, release and dirty-index paths (issue 7, "correctness and
 * cost"): each test asserts or measures one behaviour, named with its
 * item number in its comment.  Page states are read with cachestat(2)
 * where the kernel has it (6.5+) and from /proc/kpageflags elsewhere.
 * Periodic write-back is switched off while a test that counts dirty
 * pages runs (and restored).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#define EXT4		"/mnt/ext4"
#define WB_KNOB		"/proc/sys/vm/dirty_writeback_centisecs"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif

struct fp_cs_range {
	uint64_t off, len;
};

struct fp_cs {
	uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

#define KPF_DIRTY	4
#define KPF_WRITEBACK	8

/* Dirty and under-write-back pages of a file range. */
struct pstate {
	long dirty, writeback;
};

/*
 * The page states of [@off, @off + @len) of file @fd: cachestat(2), else
 * the flags of the cached pages in /proc/kpageflags (mapping only what is
 * cached, so that looking reads nothing in).  0 or -errno.
 */
static int file_state(int fd, off_t off, size_t len, struct pstate *st)
{
	struct fp_cs_range r = { off, len };
	size_t pg = MMFT_PAGE, n = len / pg, i;
	int pagemap, kflags, ret = 0;
	unsigned char *vec;
	struct fp_cs c;
	char *p;

	st->dirty = st->writeback = 0;
	if (!syscall(__NR_cachestat, fd, &r, &c, 0)) {
		st->dirty = c.nr_dirty;
		st->writeback = c.nr_writeback;
		return 0;
	}
	if (errno != ENOSYS)
		return -errno;
	vec = malloc(n);
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off);
	pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	kflags = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (!vec || p == MAP_FAILED || pagemap < 0 || kflags < 0 || mincore(p, len, vec))
		ret = -EIO;
	for (i = 0; i < n && !ret; i++) {
		uint64_t entry, flags;

		if (!(vec[i] & 1))
			continue;	/* not cached: neither dirty nor under write-back */
		*(volatile char *)(p + i * pg);
		if (pread(pagemap, &entry, 8, ((uintptr_t)p / pg + i) * 8) != 8 ||
		    !(entry >> 63) ||
		    pread(kflags, &flags, 8, (entry & ((1ULL << 55) - 1)) * 8) != 8) {
			ret = -EIO;
			break;
		}
		st->dirty += !!(flags & (1ULL << KPF_DIRTY));
		st->writeback += !!(flags & (1ULL << KPF_WRITEBACK));
	}
	if (kflags >= 0)
		close(kflags);
	if (pagemap >= 0)
		close(pagemap);
	if (p != MAP_FAILED)
		munmap(p, len);
	free(vec);
	return ret;
}

/* WRITE_WATCH of up to 64 pages: the bits, or -errno. */
static int64_t watch_bits(int h, const void *addr, size_t len, unsigned int flags)
{
	uint64_t bits = 0;
	struct mmf_write_watch w = {
		.size = sizeof(w), .flags = flags, .addr = (uintptr_t)addr, .length = len,
		.bitmap = (uintptr_t)&bits, .bitmap_bits = 64,
	};

	if (ioctl(h, MMF_IOC_WRITE_WATCH, &w))
		return -errno;
	if (w.dirty_pages != (uint64_t)__builtin_popcountll(bits))
		return -EPROTO;
	return bits;
}

/* WRITE_WATCH of a whole range: the pages written, or -errno. */
static long watch_count(int h, const void *addr, size_t len)
{
	size_t words = (len / MMFT_PAGE + 63) / 64;
	uint64_t *bits = calloc(words, 8);
	struct mmf_write_watch w = {
		.size = sizeof(w), .addr = (uintptr_t)addr, .length = len,
		.bitmap = (uintptr_t)bits, .bitmap_bits = words * 64,
	};
	long ret;

	if (!bits)
		return -ENOMEM;
	ret = ioctl(h, MMF_IOC_WRITE_WATCH, &w) ? -errno : (long)w.dirty_pages;
	free(bits);
	return ret;
}

/*
 * Item 2: a writer's write watch survives a reader's flush.  Root makes a
 * named READWRITE section (mode 0644) and writes three pages; uid 65534
 * opens it READ, maps a read-only shared view and flushes through it.
 */
FIXTURE(watch) {
	char path[64], name[64];
	int fd;		/* -1: swap-backed */
	size_t pg, size;
};

FIXTURE_VARIANT(watch) {
	const char *dir;	/* NULL: swap-backed */
};

FIXTURE_VARIANT_ADD(watch, ext4) { .dir = EXT4 };
FIXTURE_VARIANT_ADD(watch, tmpfs) { .dir = "/tmp" };
FIXTURE_VARIANT_ADD(watch, swap) { .dir = NULL };

FIXTURE_SETUP(watch)
{
	self->pg = MMFT_PAGE;
	self->size = 8 * self->pg;
	self->fd = -1;
	snprintf(self->name, sizeof(self->name), "mmft-fp-watch-%d", getpid());
	if (variant->dir) {
		/* Root's own file: the reader may not open it. */
		self->fd = mmft_tmpfile(variant->dir, self->size, 0x11, self->path,
					sizeof(self->path));
		ASSERT_LE(0, self->fd);
		ASSERT_EQ(0, fchmod(self->fd, 0600));
		ASSERT_EQ(0, fsync(self->fd));
	}
}

FIXTURE_TEARDOWN(watch)
{
	if (self->fd >= 0) {
		close(self->fd);
		unlink(self->path);
	}
}

struct reader {
	const char *name;
	size_t size;
};

/* Exit code: pages_written of the reader's flush, or 200 + the failed step. */
static int reader_flushes(void *arg)
{
	struct reader *r = arg;
	uint64_t written = 0;
	void *v;
	int o;

	if (mmft_become(65534, 65534))
		return 201;
	o = mmft_open_named(r->name, MMF_ACCESS_READ, NULL);
	if (o < 0)
		return 202;
	v = mmft_map(o, r->size, PROT_READ, MAP_SHARED, 0);
	if (v == MAP_FAILED)
		return 203;
	/* Refused: a reader may not reset the writers' watch ... */
	if (watch_bits(o, v, r->size, MMF_WATCH_RESET) != -EACCES)
		return 204;
	/* ... and its flush, which still writes back, must not clear it. */
	if (mmft_flush(o, v, 0, 0, &written))
		return 205;
	return written > 199 ? 199 : (int)written;
}

TEST_F(watch, a_readers_flush_leaves_the_writers_write_watch)
{
	const int64_t want = (1 << 1) | (1 << 3) | (1 << 6);
	struct reader r = { self->name, self->size };
	struct pstate ps;
	unsigned char *v;
	int h, status;

	if (self->fd >= 0)
		h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, self->name, 0644, 0, NULL);
	else
		h = mmft_create_swap(self->size, self->name, 0644, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	memset(v + 1 * self->pg, 0xA1, self->pg);
	memset(v + 3 * self->pg, 0xA3, self->pg);
	memset(v + 6 * self->pg, 0xA6, self->pg);
	ASSERT_EQ(want, watch_bits(h, v, self->size, 0));

	status = mmft_in_child(reader_flushes, &r);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_GT(200, WEXITSTATUS(status)) TH_LOG("reader step %d failed",
						  WEXITSTATUS(status) - 200);
	/* The reader's flush wrote the three pages ... */
	EXPECT_EQ(3, WEXITSTATUS(status));
	if (self->fd >= 0 && !strcmp(variant->dir, EXT4)) {
		ASSERT_EQ(0, file_state(self->fd, 0, self->size, &ps));
		EXPECT_EQ(0, ps.dirty) TH_LOG("the reader's flush wrote nothing back");
	}
	/* ... and the writer's watch still has them, bit for bit. */
	EXPECT_EQ(want, watch_bits(h, v, self->size, 0))
		TH_LOG("the reader's flush cleared the writer's write watch");

	/* The writer's own flush clears it, and a new write is seen again. */
	ASSERT_EQ(0, mmft_flush(h, v, 0, 0, NULL));
	EXPECT_EQ(0, watch_bits(h, v, self->size, 0));
	v[3 * self->pg] = 0xB3;
	EXPECT_EQ(1 << 3, watch_bits(h, v, self->size, 0));
	if (self->fd >= 0)
		EXPECT_TRUE(mmft_file_all(self->fd, 6 * self->pg, self->pg, 0xA6));
	munmap(v, self->size);
	close(h);
}

/*
 * Item 9: the last reference to a section starts write-back of the pages
 * the section dirtied, and only of those; it waits for nothing.  The file
 * has 32 MiB that write(2) left dirty (someone else's data) and a clean
 * tail of 8 pages.
 */
#define BIG	(32UL << 20)
#define TAIL	8

FIXTURE(release) {
	char path[64], wb_old[32];
	int fd;
	size_t pg, big_pages, size;
};

FIXTURE_SETUP(release)
{
	static char buf[65536];
	struct pstate ps;
	size_t off;

	self->pg = MMFT_PAGE;
	self->big_pages = BIG / self->pg;
	self->size = BIG + TAIL * self->pg;
	self->fd = -1;
	ASSERT_EQ(0, mmft_read_knob(WB_KNOB, self->wb_old, sizeof(self->wb_old)));
	ASSERT_EQ(0, mmft_write_knob(WB_KNOB, "0"));
	self->fd = mmft_tmpfile(EXT4, self->size, 0x11, self->path, sizeof(self->path));
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fsync(self->fd));
	/* Other users' data: dirty in the page cache, written with write(2). */
	memset(buf, 0x22, sizeof(buf));
	for (off = 0; off < BIG; off += sizeof(buf))
		ASSERT_EQ((ssize_t)sizeof(buf), pwrite(self->fd, buf, sizeof(buf), off));
	ASSERT_EQ(0, file_state(self->fd, 0, self->size, &ps));
	ASSERT_EQ(self->big_pages, ps.dirty) TH_LOG("write(2) data already written back");
}

FIXTURE_TEARDOWN(release)
{
	if (self->fd >= 0)
		close(self->fd);
	unlink(self->path);
	EXPECT_EQ(0, mmft_write_knob(WB_KNOB, self->wb_old));
}

/*
 * Sections whose views did not write the file (READ; WRITECOPY with a
 * private view written; READWRITE with a view that only read) start no
 * write-back at all when they go.
 */
TEST_F(release, closing_a_section_that_wrote_nothing_starts_no_write_back)
{
	static const struct {
		const char *what;
		unsigned int prot;
		int mprot, mflags;
	} kinds[] = {
		{ "READ", MMF_PROT_READ, PROT_READ, MAP_SHARED },
		{ "WRITECOPY", MMF_PROT_WRITECOPY, PROT_READ | PROT_WRITE, MAP_PRIVATE },
		{ "READWRITE, read only", MMF_PROT_READWRITE, PROT_READ, MAP_SHARED },
	};
	unsigned int k;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct pstate ps;
		unsigned char *v;
		double t;
		int h;

		h = mmft_create(self->fd, kinds[k].prot, 0, NULL, 0, 0, NULL);
		ASSERT_LE(0, h) TH_LOG("%s: CREATE: %s", kinds[k].what, strerror(-h));
		v = mmft_map(h, 4 * self->pg, kinds[k].mprot, kinds[k].mflags, 0);
		ASSERT_NE(MAP_FAILED, v);
		EXPECT_EQ(0x22, v[self->pg]);
		if (kinds[k].mprot & PROT_WRITE)
			v[2 * self->pg] = 0x5C;
		munmap(v, 4 * self->pg);
		t = now_ms();
		close(h);	/* the last reference: released before close returns */
		t = now_ms() - t;
		ASSERT_EQ(0, file_state(self->fd, 0, self->size, &ps));
		TH_LOG("%s: last close %.3f ms, %ld dirty, %ld under write-back",
		       kinds[k].what, t, ps.dirty, ps.writeback);
		EXPECT_EQ(self->big_pages, ps.dirty)
			TH_LOG("%s: the close wrote others' pages", kinds[k].what);
		EXPECT_EQ(0, ps.writeback);
	}
	EXPECT_TRUE(mmft_file_all(self->fd, 2 * self->pg, self->pg, 0x22));
}

/*
 * A READWRITE section's own pages are written when it goes, without a
 * flush, and only they: the others' 32 MiB stay dirty.
 */
TEST_F(release, closing_a_written_section_writes_its_pages_and_only_them)
{
	size_t tail = BIG, pg = self->pg;
	unsigned char *v;
	struct pstate ps;
	double t;
	int h, i;

	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	memset(v + tail + 1 * pg, 0x61, pg);
	memset(v + tail + 2 * pg, 0x62, pg);
	memset(v + tail + 6 * pg, 0x66, pg);
	munmap(v, self->size);
	t = now_ms();
	close(h);
	t = now_ms() - t;
	/* Periodic write-back is off: only the release can have started it. */
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, file_state(self->fd, tail, TAIL * pg, &ps));
		if (!ps.dirty && !ps.writeback)
			break;
		usleep(100000);
	}
	EXPECT_EQ(0, ps.dirty) TH_LOG("the section's own pages were not written");
	EXPECT_EQ(0, ps.writeback);
	ASSERT_EQ(0, file_state(self->fd, 0, BIG, &ps));
	TH_LOG("last close %.3f ms; others' pages: %ld dirty, %ld under write-back", t,
	       ps.dirty, ps.writeback);
	EXPECT_EQ(self->big_pages, ps.dirty) TH_LOG("the close wrote others' pages");
	/* From the disk: the clean tail can be dropped and read again. */
	ASSERT_EQ(0, mmft_drop_caches());
	EXPECT_EQ(0, mmft_resident(self->fd, tail, TAIL * pg));
	EXPECT_TRUE(mmft_file_all(self->fd, tail + 1 * pg, pg, 0x61));
	EXPECT_TRUE(mmft_file_all(self->fd, tail + 2 * pg, pg, 0x62));
	EXPECT_TRUE(mmft_file_all(self->fd, tail + 6 * pg, pg, 0x66));
	EXPECT_TRUE(mmft_file_all(self->fd, tail + 3 * pg, pg, 0x11));
}

/*
 * Item 11: the library flushes every section through one process-wide
 * open of /dev/mmf.  The error cursor it keeps per section it flushed must
 * die with the section, or it grows for the life of the process.  And a
 * handle that goes first takes its cursors with it.
 */
TEST(error_cursors_die_with_their_sections)
{
	char path[64];
	long base, now, most;
	unsigned char *v;
	int fd, c, c2, h, i;

	base = mmft_debugfs_counter("cursors");
	ASSERT_LE(0, base) TH_LOG("no cursors counter in " MMFT_DEBUGFS_SECTIONS);
	most = base;
	fd = mmft_tmpfile(EXT4, MMFT_PAGE, 0x11, path, sizeof(path));
	ASSERT_LE(0, fd);
	c = mmft_handle();
	ASSERT_LE(0, c);
	for (i = 0; i < 10000; i++) {
		h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
		ASSERT_LE(0, h) TH_LOG("CREATE %d: %s", i, strerror(-h));
		v = mmft_map(h, MMFT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		ASSERT_NE(MAP_FAILED, v);
		if (i % 100 == 0)
			v[0] = (unsigned char)i;
		ASSERT_EQ(0, mmft_flush(c, v, 0, 0, NULL));
		munmap(v, MMFT_PAGE);
		close(h);
		if (i % 500 == 499) {
			now = mmft_debugfs_counter("cursors");
			if (now > most)
				most = now;
		}
	}
	TH_LOG("cursors: %ld before, at most %ld during 10000 sections", base, most);
	EXPECT_EQ(base, most) TH_LOG("cursors of dead sections are kept");
	EXPECT_EQ(base, mmft_debugfs_counter("cursors"));

	/* Both handles flush a live section; the handles go first. */
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h);
	v = mmft_map(h, MMFT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	c2 = mmft_handle();
	ASSERT_LE(0, c2);
	ASSERT_EQ(0, mmft_flush(c, v, 0, 0, NULL));
	ASSERT_EQ(0, mmft_flush(c2, v, 0, 0, NULL));
	EXPECT_EQ(base + 2, mmft_debugfs_counter("cursors"));
	close(c2);
	EXPECT_EQ(base + 1, mmft_debugfs_counter("cursors"));
	close(c);
	EXPECT_EQ(base, mmft_debugfs_counter("cursors"));
	/* The section lives on, and a new handle is told what it must be. */
	c = mmft_handle();
	ASSERT_LE(0, c);
	v[0] = 0x77;
	ASSERT_EQ(0, mmft_flush(c, v, 0, 0, NULL));
	EXPECT_TRUE(mmft_file_all(fd, 0, 1, 0x77));
	munmap(v, MMFT_PAGE);
	close(h);
	close(c);
	EXPECT_EQ(base, mmft_debugfs_counter("cursors"));
	close(fd);
	unlink(path);
}

/*
 * Item 12: after a huge sparse section was written once everywhere (a
 * page every 64 MiB of 512 GiB, which is at least one page in every chunk
 * of the dirty index) and flushed, a flush of the whole view with one page
 * dirty costs about what it costs on a fresh section of the same size, and
 * the chunks are freed.  Best of many tries each, compared with a
 * generous bound: the old index read every chunk ever allocated
 * (megabytes) on every flush.
 */
#define HUGE_SIZE	(512ULL << 30)
#define STRIDE		(64ULL << 20)
#define TRIES		50

static double best_flush_ms(int h, unsigned char *v, size_t page)
{
	double best = 1e9, t;
	uint64_t written;
	int i;

	for (i = 0; i < TRIES; i++) {
		v[page * MMFT_PAGE] = (unsigned char)i;
		t = now_ms();
		if (mmft_flush(h, v, 0, 0, &written) || written != 1)
			return -1;
		t = now_ms() - t;
		if (t < best)
			best = t;
	}
	return best;
}

static int huge_section(char *path, unsigned char **v)
{
	int fd = mmft_tmpfile("/tmp", 0, 0, path, 64), h;

	if (fd < 0)
		return fd;
	unlink(path);
	if (ftruncate(fd, HUGE_SIZE)) {
		close(fd);
		return -errno;
	}
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	close(fd);
	if (h < 0)
		return h;
	*v = mmft_map(h, HUGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (*v == MAP_FAILED) {
		close(h);
		return -errno;
	}
	return h;
}

TEST(a_flush_costs_what_is_dirty_not_what_was_ever_written)
{
	const size_t mid = HUGE_SIZE / 2 / MMFT_PAGE + 3;
	const uint64_t writes = HUGE_SIZE / STRIDE;
	long chunks0, chunks1, chunks2;
	unsigned char *fv, *bv;
	double fresh, after;
	uint64_t off, written;
	char path[64];
	int fh, bh;

	/* Without the counter, the timing still tells. */
	chunks0 = mmft_debugfs_counter("chunks");
	EXPECT_LE(0, chunks0) TH_LOG("no chunks counter in " MMFT_DEBUGFS_SECTIONS);
	fh = huge_section(path, &fv);
	ASSERT_LE(0, fh) TH_LOG("fresh section: %s", strerror(-fh));
	bh = huge_section(path, &bv);
	ASSERT_LE(0, bh) TH_LOG("big section: %s", strerror(-bh));

	fresh = best_flush_ms(fh, fv, mid);
	ASSERT_LT(0, fresh);

	for (off = 0; off < HUGE_SIZE; off += STRIDE)
		bv[off] = 1;
	chunks1 = mmft_debugfs_counter("chunks");
	/* A chunk spans less than 128 MiB: every other write needs a new one. */
	EXPECT_LE(chunks0 + (long)writes, chunks1);
	ASSERT_EQ(0, mmft_flush(bh, bv, 0, 0, &written));
	EXPECT_EQ(writes, written);
	chunks2 = mmft_debugfs_counter("chunks");
	EXPECT_EQ(chunks0, chunks2) TH_LOG("emptied chunks are not freed");

	after = best_flush_ms(bh, bv, mid);
	ASSERT_LT(0, after);
	TH_LOG("flush of one dirty page in %llu GiB: fresh %.4f ms, after %llu sparse writes %.4f ms; chunks %ld -> %ld -> %ld",
	       HUGE_SIZE >> 30, fresh, (unsigned long long)writes, after, chunks0, chunks1,
	       chunks2);
	EXPECT_GT(5 * fresh + 0.02, after) TH_LOG("the flush still pays for what was written once");
	EXPECT_EQ(chunks0, mmft_debugfs_counter("chunks"));
	munmap(bv, HUGE_SIZE);
	munmap(fv, HUGE_SIZE);
	close(bh);
	close(fh);
}

/*
 * Item 13: MMF_FLUSH_ASYNC starts write-back and returns; it never waits
 * for a folio already under write-back.  The write-back is held back by a
 * cgroup v2 io.max limit of 1 MiB/s on the ext4 disk for the cgroup that
 * dirtied the file (cgroup write-back charges the inode's cgroup): 2 MiB
 * written, flushed asynchronously (2 s of write-back in flight), written
 * again.  A second asynchronous flush returns at once and leaves the
 * folios still under write-back dirty, in the flush set and
 * write-protected (a write after it is watched); a waiting flush writes
 * them all.
 */
#define CG		"/tmp/mmft-fp-cg"
#define CG_T		CG "/slow"

FIXTURE(slow) {
	char path[64], wb_old[32], dev[32];
	int fd, joined, mounted;
	size_t pg, size;
};

/* Undo what the set-up did (also when it skips: no teardown then). */
static void slow_undo(FIXTURE_DATA(slow) *self)
{
	char rule[64], pid[16];

	if (self->joined) {
		snprintf(rule, sizeof(rule), "%s wbps=max", self->dev);
		mmft_write_knob(CG_T "/io.max", rule);
		snprintf(pid, sizeof(pid), "%d", getpid());
		mmft_write_knob(CG "/cgroup.procs", pid);
		self->joined = 0;
	}
	if (self->fd >= 0) {
		fsync(self->fd);
		close(self->fd);
		unlink(self->path);
		self->fd = -1;
	}
	rmdir(CG_T);
	if (self->mounted)
		umount(CG);
	self->mounted = 0;
	rmdir(CG);
}

FIXTURE_SETUP(slow)
{
	char rule[64], pid[16];
	struct stat st;
	const char *why = NULL;

	self->pg = MMFT_PAGE;
	self->size = 2 << 20;
	self->fd = -1;
	ASSERT_EQ(0, stat(EXT4, &st));
	snprintf(self->dev, sizeof(self->dev), "%u:%u", major(st.st_dev), minor(st.st_dev));
	snprintf(rule, sizeof(rule), "%s wbps=1048576", self->dev);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (mkdir(CG, 0700) && errno != EEXIST)
		why = "cannot make " CG;
	else if (mount("none", CG, "cgroup2", 0, NULL))
		why = "no cgroup2";
	else
		self->mounted = 1;
	if (!why && mmft_write_knob(CG "/cgroup.subtree_control", "+io +memory"))
		why = "no io or memory controller";
	else if (!why && (mkdir(CG_T, 0700) || mmft_write_knob(CG_T "/io.max", rule)))
		why = "no io.max throttling";
	if (why) {
		slow_undo(self);
		SKIP(return, "%s (cgroup v2 with io and memory controllers needed)", why);
	}
	self->joined = !mmft_write_knob(CG_T "/cgroup.procs", pid);
	/* Made, and dirtied, from inside the cgroup. */
	if (self->joined)
		self->fd = mmft_tmpfile(EXT4, self->size, 0, self->path, sizeof(self->path));
	if (self->fd < 0) {
		slow_undo(self);
		ASSERT_LE(0, self->fd) TH_LOG("joining the cgroup or making the file failed");
	}
	ASSERT_EQ(0, mmft_read_knob(WB_KNOB, self->wb_old, sizeof(self->wb_old)));
	ASSERT_EQ(0, mmft_write_knob(WB_KNOB, "0"));
}

FIXTURE_TEARDOWN(slow)
{
	slow_undo(self);
	EXPECT_EQ(0, mmft_write_knob(WB_KNOB, self->wb_old));
}

TEST_F_TIMEOUT(slow, an_async_flush_never_waits_for_write_back_in_flight, 120)
{
	size_t pages = self->size / self->pg;
	struct pstate ps, left;
	double t1, t2, t3;
	struct mmf_stat st;
	uint64_t written;
	unsigned char *v;
	int h;

	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	memset(v, 0x31, self->size);
	t1 = now_ms();
	ASSERT_EQ(0, mmft_flush(h, v, 0, MMF_FLUSH_ASYNC, NULL));
	t1 = now_ms() - t1;
	ASSERT_EQ(0, file_state(self->fd, 0, self->size, &ps));
	ASSERT_LT(pages / 2, ps.writeback) TH_LOG("write-back not held back (%ld pages)",
						  ps.writeback);

	/* Written again while under write-back: dirty and under write-back. */
	memset(v, 0x32, self->size);
	t2 = now_ms();
	ASSERT_EQ(0, mmft_flush(h, v, 0, MMF_FLUSH_ASYNC, &written));
	t2 = now_ms() - t2;
	ASSERT_EQ(0, file_state(self->fd, 0, self->size, &left));
	/* What it skipped is still to be flushed ... */
	ASSERT_EQ(0, mmft_stat(h, &st));
	EXPECT_EQ(pages, st.dirty_pages + written);
	EXPECT_LE(left.dirty, (long)st.dirty_pages);
	/* ... and write-protected: a write after the flush is recorded. */
	memset(v, 0x33, self->size);
	EXPECT_EQ((long)pages, watch_count(h, v, self->size))
		TH_LOG("writes after the flush the write watch never saw");

	t3 = now_ms();
	ASSERT_EQ(0, mmft_flush(h, v, 0, 0, NULL));
	t3 = now_ms() - t3;
	ASSERT_EQ(0, file_state(self->fd, 0, self->size, &ps));
	TH_LOG("async %.1f ms, async again %.1f ms (left %ld dirty, %ld under write-back), then waiting %.1f ms",
	       t1, t2, left.dirty, left.writeback, t3);
	/* The folios under write-back were skipped, not waited for. */
	EXPECT_LT(pages / 2, left.dirty) TH_LOG("the async flush waited for write-back");
	EXPECT_LT(pages / 2, left.writeback);
	EXPECT_GT(t3 / 4, t2);
	/* The waiting flush wrote everything. */
	EXPECT_EQ(0, ps.dirty);
	EXPECT_EQ(0, ps.writeback);
	EXPECT_TRUE(mmft_file_all(self->fd, 0, self->size, 0x33));
	munmap(v, self->size);
	close(h);
}

TEST_HARNESS_MAIN
