// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures injected into the module (make check-debug, issue 9).
 *
 * On a kernel with fault injection (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC,
 * their debugfs knobs and the stack-trace filter: the debug kernel of
 * tools/debug-kernel/), failslab and fail_page_alloc are aimed at the
 * module: only allocations with one of the module's functions among the
 * innermost stacktrace-depth frames of their call stack may fail, and only
 * in this test's own process.  Every ioctl and view operation is then run
 *
 *  - systematically: once for each allocation it makes, that allocation
 *    failing (/proc/thread-self/fail-nth: the Nth eligible allocation of
 *    the thread fails), until the operation runs through with none left;
 *  - at random: a stream of operations with a share of all eligible
 *    allocations failing (probability, task-filter, make-it-fail).
 *
 * Each operation either succeeds or fails with ENOMEM (a failed page
 * fault is retried by the kernel and never seen), never with another
 * errno and never with an oops or a sanitizer report (the console check of
 * the test VM).  Afterwards, without injection, the same operations
 * succeed, the module's object counts (debugfs) are back where they
 * started, and the file holds every byte written through its views
 * (fsync, caches dropped, read(2)).  Kernel memory leaks are kmemleak's to
 * find after the module is unloaded (tools/debug-kernel/guest.sh).
 *
 * Two filters: "near" fails only allocations within a few frames of the
 * module (its own and those of the kernel calls it makes directly); "deep"
 * any allocation made beneath it (file opens, the page cache, write-back).
 * The number of faults injected is logged (the knobs' "times" counters).
 * SKIPs on kernels without fault injection (every stock kernel).
 * MMF_STRESS=1 makes the random stream ten times longer.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#define FI_SLAB		"/sys/kernel/debug/failslab"
#define FI_PAGE		"/sys/kernel/debug/fail_page_alloc"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define MAKE_IT_FAIL	"/proc/self/make-it-fail"

/* Faults a knob may still inject; what it injected is the difference. */
#define TIMES_START	1000000000LL

/* The backing file's pages and the most allocations one operation makes. */
#define PAGES		16
#define MAX_NTH		400

static const char *const fi_dirs[] = { FI_SLAB, FI_PAGE };

/* The knobs this test sets, saved and put back. */
static const char *const fi_knobs[] = {
	"probability", "interval", "times", "space", "verbose", "task-filter",
	"stacktrace-depth", "require-start", "require-end", "reject-start",
	"reject-end", "ignore-gfp-wait",
};

static const char *const fi_page_knobs[] = { "min-order", "ignore-gfp-highmem" };

#define NKNOBS	(sizeof(fi_knobs) / sizeof(fi_knobs[0]))
#define NPAGEK	(sizeof(fi_page_knobs) / sizeof(fi_page_knobs[0]))

static int knob_write(const char *dir, const char *knob, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, knob);
	return mmft_write_knob(path, val);
}

static int knob_read(const char *dir, const char *knob, char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, knob);
	return mmft_read_knob(path, buf, len);
}

static long long knob_ll(const char *dir, const char *knob)
{
	char buf[64];

	if (knob_read(dir, knob, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 0);
}

/* The module's address range: its text region and what follows it. */
static int module_range(unsigned long long *start, unsigned long long *end)
{
	char line[512], name[64], addr[64];
	unsigned long long size = 0, base = 0, text;
	FILE *f = fopen("/proc/modules", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %llu %*s %*s %*s %63s", name, &size, addr) == 3 &&
		    !strcmp(name, "mmf")) {
			base = strtoull(addr, NULL, 16);
			break;
		}
	}
	fclose(f);
	if (mmft_read_knob("/sys/module/mmf/sections/.text", line, sizeof(line)))
		return -ENOENT;
	text = strtoull(line, NULL, 16);
	if (!base || !text || !size)
		return -ENOENT;
	/*
	 * The text region starts at the module's base; the size covers all
	 * of its regions, so the range holds its text whatever the layout.
	 * The debug kernel has no other module whose code could be in it.
	 */
	*start = base < text ? base : text;
	*end = *start + size;
	return 0;
}

/* The eligible allocation that is to fail next: 0 none, 1 the next, ... */
static int fail_nth_set(unsigned int n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%u", n);
	return mmft_write_knob(FAIL_NTH, buf);
}

/* 0 once the fault set with fail_nth_set() was injected. */
static long fail_nth_left(void)
{
	char buf[32];

	if (mmft_read_knob(FAIL_NTH, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

/* A test's operations work on this. */
struct inj {
	int fd;				/* the ext4 backing file */
	char path[256];
	unsigned char shadow[PAGES * 4096];	/* what the file must hold */
	int h;				/* a handle bound to the file */
	unsigned char *v;		/* a shared writable view of all of it */
	unsigned int seq;		/* names and written values */
	size_t pg;
	uint64_t bitmap[4];
	long allowed, failed, succeeded;	/* outcomes of operations */
	int bad_errno;			/* the first errno that is not allowed */
	const char *bad_op;
};

/* Write @val into page @p of the view @v of the file, and the shadow. */
static void inj_write(struct inj *t, unsigned char *v, unsigned int p, unsigned char val)
{
	memset(v + p * t->pg + 64, val, 64);
	memset(t->shadow + p * t->pg + 64, val, 64);
}

/* open and close /dev/mmf. */
static int op_open(struct inj *t)
{
	int h = mmft_handle();

	if (h < 0)
		return h;
	close(h);
	return 0;
}

/* VERSION, STAT, QUERY and FILE_MAPPED on the stable handle and view. */
static int op_info(struct inj *t)
{
	struct mmf_version ver = { .size = sizeof(ver) };
	struct mmf_query q = { .size = sizeof(q), .addr = (uintptr_t)t->v + t->pg };
	struct mmf_file_mapped fm = { .size = sizeof(fm), .fd = t->fd };
	struct mmf_stat st;
	int ret;

	if (ioctl(t->h, MMF_IOC_VERSION, &ver))
		return -errno;
	ret = mmft_stat(t->h, &st);
	if (ret)
		return ret;
	if (ioctl(t->h, MMF_IOC_QUERY, &q))
		return -errno;
	if (ioctl(t->h, MMF_IOC_FILE_MAPPED, &fm))
		return -errno;
	return 0;
}

/* CREATE of the file, a view written, flushed, checked; unmap, close. */
static int op_create_write_flush(struct inj *t)
{
	unsigned char val = (unsigned char)++t->seq;
	unsigned char *v;
	struct mmf_stat st;
	int h, ret;

	h = mmft_create(t->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	if (h < 0)
		return h;
	v = mmft_map(h, PAGES * t->pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (v == MAP_FAILED) {
		ret = -errno;
		close(h);
		return ret;
	}
	inj_write(t, v, 0, val);
	inj_write(t, v, 5, val);
	inj_write(t, v, PAGES - 1, val);
	ret = mmft_flush(h, v, PAGES * t->pg, 0, NULL);
	/* After a flush that succeeded nothing recorded is dirty. */
	if (!ret && !mmft_stat(h, &st) && st.dirty_pages)
		ret = -EBADE;
	munmap(v, PAGES * t->pg);
	close(h);
	return ret;
}

/* A read-only section of the file and a read-only view of it. */
static int op_create_readonly(struct inj *t)
{
	volatile unsigned char *v;
	int h, ret = 0;

	h = mmft_create(t->fd, MMF_PROT_READ, 0, NULL, 0, 0, NULL);
	if (h < 0)
		return h;
	v = mmft_map(h, PAGES * t->pg, PROT_READ, MAP_SHARED, 0);
	if (v == MAP_FAILED) {
		ret = -errno;
	} else {
		if (v[3 * t->pg + 64] != t->shadow[3 * t->pg + 64])
			ret = -EBADE;
		munmap((void *)v, PAGES * t->pg);
	}
	close(h);
	return ret;
}

/* A named section of the file, opened by name, written by one, read by the other. */
static int op_named(struct inj *t)
{
	unsigned char val = (unsigned char)++t->seq;
	unsigned char *a = MAP_FAILED, *b = MAP_FAILED;
	char name[64];
	int h, h2 = -1, ret = 0;

	snprintf(name, sizeof(name), "mmf-inject-%d-%u", getpid(), t->seq);
	h = mmft_create(t->fd, MMF_PROT_READWRITE, 0, name, 0600, 0, NULL);
	if (h < 0)
		return h;
	h2 = mmft_open_named(name, MMF_ACCESS_READ, NULL);
	if (h2 < 0) {
		ret = h2;
		goto out;
	}
	a = mmft_map(h, 2 * t->pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (a == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	b = mmft_map(h2, 2 * t->pg, PROT_READ, MAP_SHARED, 0);
	if (b == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	inj_write(t, a, 1, val);
	if (b[t->pg + 64] != val)
		ret = -EBADE;
	if (!ret)
		ret = mmft_flush(h2, b, 2 * t->pg, 0, NULL);
out:
	if (b != MAP_FAILED)
		munmap(b, 2 * t->pg);
	if (a != MAP_FAILED)
		munmap(a, 2 * t->pg);
	if (h2 >= 0)
		close(h2);
	close(h);
	return ret;
}

/* A named swap-backed section: written, flushed, read through a second view. */
static int op_swap(struct inj *t)
{
	unsigned char val = (unsigned char)++t->seq;
	unsigned char *a = MAP_FAILED, *b = MAP_FAILED;
	char name[64];
	int h, ret = 0;

	snprintf(name, sizeof(name), "mmf-inject-swap-%d-%u", getpid(), t->seq);
	h = mmft_create_swap(4 * t->pg, name, 0600, NULL);
	if (h < 0)
		return h;
	a = mmft_map(h, 4 * t->pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (a == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	b = mmft_map(h, 4 * t->pg, PROT_READ, MAP_SHARED, 0);
	if (b == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	a[2 * t->pg] = val;
	a[3 * t->pg] = val;
	ret = mmft_flush(h, a, 4 * t->pg, 0, NULL);
	if (!ret && (b[2 * t->pg] != val || b[3 * t->pg] != val))
		ret = -EBADE;
out:
	if (b != MAP_FAILED)
		munmap(b, 4 * t->pg);
	if (a != MAP_FAILED)
		munmap(a, 4 * t->pg);
	close(h);
	return ret;
}

/* Writes through the stable view, then each kind of flush. */
static int op_flushes(struct inj *t)
{
	unsigned char val = (unsigned char)++t->seq;
	uint64_t written;
	int ret;

	inj_write(t, t->v, 2, val);
	ret = mmft_flush(t->h, t->v + 2 * t->pg, t->pg, MMF_FLUSH_ASYNC, &written);
	if (ret)
		return ret;
	inj_write(t, t->v, 7, val);
	inj_write(t, t->v, 8, val);
	ret = mmft_flush(t->h, t->v + 7 * t->pg, 2 * t->pg, MMF_FLUSH_DURABLE, &written);
	if (ret)
		return ret;
	inj_write(t, t->v, 9, val);
	return mmft_flush(t->h, t->v, PAGES * t->pg, 0, &written);
}

/* The write watch of the stable view: read, then read and reset. */
static int op_watch(struct inj *t)
{
	unsigned char val = (unsigned char)++t->seq;
	struct mmf_write_watch w = {
		.size = sizeof(w), .addr = (uintptr_t)t->v, .length = PAGES * t->pg,
		.bitmap = (uintptr_t)t->bitmap, .bitmap_bits = sizeof(t->bitmap) * 8,
	};

	inj_write(t, t->v, 11, val);
	inj_write(t, t->v, 12, val);
	if (ioctl(t->h, MMF_IOC_WRITE_WATCH, &w))
		return -errno;
	if ((t->bitmap[0] & (3ULL << 11)) != 3ULL << 11)
		return -EBADE;
	w.flags = MMF_WATCH_RESET;
	if (ioctl(t->h, MMF_IOC_WRITE_WATCH, &w))
		return -errno;
	return 0;
}

static int child_writes(void *arg)
{
	struct inj *t = arg;

	t->v[13 * t->pg + 64] = t->shadow[13 * t->pg + 64];
	return 0;
}

/* A fork with the view (its VMAs opened in the child), the child writes. */
static int op_fork(struct inj *t)
{
	unsigned char val = (unsigned char)++t->seq;
	int status;

	t->shadow[13 * t->pg + 64] = val;
	status = mmft_in_child(child_writes, t);
	if (status == -1)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -EBADE;
	return t->v[13 * t->pg + 64] == val ? 0 : -EBADE;
}

/* A view split by mprotect, moved by mremap and unmapped in parts. */
static int op_split(struct inj *t)
{
	unsigned char val = (unsigned char)++t->seq;
	unsigned char *v, *w;
	int h, ret = 0;

	h = mmft_create(t->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	if (h < 0)
		return h;
	v = mmft_map(h, 4 * t->pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (v == MAP_FAILED) {
		ret = -errno;
		close(h);
		return ret;
	}
	close(h);
	if (mprotect(v + t->pg, t->pg, PROT_READ)) {
		ret = -errno;
		munmap(v, 4 * t->pg);
		return ret;
	}
	/* Three VMAs now; move the last one elsewhere, then write through it. */
	w = mremap(v + 2 * t->pg, 2 * t->pg, 2 * t->pg, MREMAP_MAYMOVE);
	if (w == MAP_FAILED) {
		ret = -errno;
		munmap(v, 4 * t->pg);
		return ret;
	}
	/* w maps pages 2 and 3 of the file. */
	memset(w + t->pg + 64, val, 64);
	memset(t->shadow + 3 * t->pg + 64, val, 64);
	munmap(v, t->pg);
	munmap(v + t->pg, t->pg);
	munmap(w, 2 * t->pg);
	return ret;
}

/* The debugfs listing, read whole. */
static int op_debugfs(struct inj *t)
{
	char buf[4096];
	int fd = open(MMFT_DEBUGFS_SECTIONS, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

/* A section dropped with dirty pages: its release starts their write-back. */
static int op_release_dirty(struct inj *t)
{
	unsigned char val = (unsigned char)++t->seq;
	unsigned char *v;
	int h;

	h = mmft_create(t->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	if (h < 0)
		return h;
	v = mmft_map(h, PAGES * t->pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	close(h);
	if (v == MAP_FAILED)
		return -errno;
	inj_write(t, v, 4, val);
	inj_write(t, v, 14, val);
	munmap(v, PAGES * t->pg);
	return 0;
}

struct op {
	const char *name;
	int (*fn)(struct inj *t);
};

static const struct op ops[] = {
	{ "open", op_open },
	{ "info", op_info },
	{ "create_write_flush", op_create_write_flush },
	{ "create_readonly", op_create_readonly },
	{ "named", op_named },
	{ "swap", op_swap },
	{ "flushes", op_flushes },
	{ "watch", op_watch },
	{ "fork", op_fork },
	{ "split", op_split },
	{ "debugfs", op_debugfs },
	{ "release_dirty", op_release_dirty },
};

#define NOPS	(sizeof(ops) / sizeof(ops[0]))

/* Tally an outcome: success, ENOMEM, or a wrong errno (remembered). */
static void inj_outcome(struct inj *t, const struct op *op, int ret)
{
	if (!ret) {
		t->succeeded++;
	} else if (ret == -ENOMEM) {
		t->failed++;
	} else if (!t->bad_errno) {
		t->bad_errno = -ret;
		t->bad_op = op->name;
	}
}

FIXTURE(inject) {
	struct inj *t;
	char saved[2][NKNOBS][64];
	char saved_page[NPAGEK][64];
	int armed;
	long base_sections, base_views, base_chunks, base_cursors;
};

FIXTURE_VARIANT(inject) {
	const char *depth;	/* stacktrace-depth */
};

/* The module's own allocations and those of the calls it makes. */
FIXTURE_VARIANT_ADD(inject, near) {
	.depth = "8",
};

/* Every allocation beneath the module (the deepest trace the filter walks). */
FIXTURE_VARIANT_ADD(inject, deep) {
	.depth = "32",
};

static void knobs_restore(FIXTURE_DATA(inject) *self)
{
	unsigned int d, k;

	if (!self->armed)
		return;
	mmft_write_knob(MAKE_IT_FAIL, "0");
	fail_nth_set(0);
	for (d = 0; d < 2; d++) {
		/* Off first, then the rest as it was. */
		knob_write(fi_dirs[d], "probability", "0");
		for (k = 0; k < NKNOBS; k++)
			knob_write(fi_dirs[d], fi_knobs[k], self->saved[d][k]);
	}
	for (k = 0; k < NPAGEK; k++)
		knob_write(FI_PAGE, fi_page_knobs[k], self->saved_page[k]);
	self->armed = 0;
}

FIXTURE_SETUP(inject)
{
	unsigned long long start = 0, end = 0;
	char val[64];
	unsigned int d, k;
	int ret;

	self->armed = 0;
	self->t = NULL;
	if (access(FI_SLAB "/probability", W_OK) || access(FI_PAGE "/probability", W_OK) ||
	    access(FI_SLAB "/require-start", W_OK) || access(FAIL_NTH, W_OK))
		SKIP(return, "no fault injection with a stack-trace filter in this kernel");
	ASSERT_EQ(0, module_range(&start, &end)) TH_LOG("where is the module's text?");

	for (d = 0; d < 2; d++)
		for (k = 0; k < NKNOBS; k++)
			ASSERT_EQ(0, knob_read(fi_dirs[d], fi_knobs[k], self->saved[d][k],
					       sizeof(self->saved[d][k])))
				TH_LOG("knob %u of %s", k, d ? FI_PAGE : FI_SLAB);
	for (k = 0; k < NPAGEK; k++)
		ASSERT_EQ(0, knob_read(FI_PAGE, fi_page_knobs[k], self->saved_page[k],
				       sizeof(self->saved_page[k])));
	self->armed = 1;

	for (d = 0; d < 2; d++) {
		const char *dir = fi_dirs[d];

		ASSERT_EQ(0, knob_write(dir, "probability", "0"));
		ASSERT_EQ(0, knob_write(dir, "interval", "1"));
		snprintf(val, sizeof(val), "%lld", TIMES_START);
		ASSERT_EQ(0, knob_write(dir, "times", val));
		ASSERT_EQ(0, knob_write(dir, "space", "0"));
		/* No "FAULT_INJECTION: forcing a failure" with a stack on the console. */
		ASSERT_EQ(0, knob_write(dir, "verbose", "0"));
		ASSERT_EQ(0, knob_write(dir, "task-filter", "Y"));
		ASSERT_EQ(0, knob_write(dir, "stacktrace-depth", variant->depth));
		snprintf(val, sizeof(val), "0x%llx", start);
		ASSERT_EQ(0, knob_write(dir, "require-start", val));
		snprintf(val, sizeof(val), "0x%llx", end);
		ASSERT_EQ(0, knob_write(dir, "require-end", val));
		ASSERT_EQ(0, knob_write(dir, "reject-start", "0"));
		ASSERT_EQ(0, knob_write(dir, "reject-end", "0"));
		/* GFP_KERNEL allocations may fail too (they are all the module makes). */
		ASSERT_EQ(0, knob_write(dir, "ignore-gfp-wait", "N"));
	}
	ASSERT_EQ(0, knob_write(FI_PAGE, "min-order", "0"));
	ASSERT_EQ(0, knob_write(FI_PAGE, "ignore-gfp-highmem", "N"));
	TH_LOG("module text 0x%llx-0x%llx, stacktrace-depth %s", start, end, variant->depth);

	self->base_sections = mmft_debugfs_counter("sections");
	self->base_views = mmft_debugfs_counter("views");
	self->base_chunks = mmft_debugfs_counter("chunks");
	self->base_cursors = mmft_debugfs_counter("cursors");
	ASSERT_LE(0, self->base_sections);

	self->t = mmap(NULL, sizeof(*self->t), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->t);
	memset(self->t, 0, sizeof(*self->t));
	self->t->pg = MMFT_PAGE;
	ASSERT_EQ(4096, self->t->pg);
	ret = mmft_tmpfile("/mnt/ext4", PAGES * self->t->pg, 'i', self->t->path,
			   sizeof(self->t->path));
	ASSERT_LE(0, ret);
	self->t->fd = ret;
	memset(self->t->shadow, 'i', sizeof(self->t->shadow));
	self->t->h = mmft_create(self->t->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, self->t->h);
	self->t->v = mmft_map(self->t->h, PAGES * self->t->pg, PROT_READ | PROT_WRITE,
			      MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, self->t->v);
	/* Every page of it mapped now: later faults are the view's own business. */
	memset(self->t->bitmap, 0, sizeof(self->t->bitmap));
}

FIXTURE_TEARDOWN(inject)
{
	knobs_restore(self);
	if (self->t && self->t != MAP_FAILED) {
		if (self->t->v && self->t->v != MAP_FAILED)
			munmap(self->t->v, PAGES * self->t->pg);
		if (self->t->h > 0)
			close(self->t->h);
		if (self->t->fd > 0) {
			close(self->t->fd);
			unlink(self->t->path);
		}
		munmap(self->t, sizeof(*self->t));
	}
}

/* Faults injected so far by both knobs. */
static long long faults_injected(void)
{
	return 2 * TIMES_START - knob_ll(FI_SLAB, "times") - knob_ll(FI_PAGE, "times");
}

/*
 * Without injection: every operation succeeds, the stable section's
 * objects aside the module's counts are back, and the file holds what
 * was written (fsync, caches dropped, read(2)).
 */
static void check_after(struct __test_metadata *_metadata, FIXTURE_DATA(inject) *self)
{
	struct inj *t = self->t;
	unsigned char buf[PAGES * 4096];
	unsigned int i;

	for (i = 0; i < NOPS; i++)
		EXPECT_EQ(0, ops[i].fn(t)) TH_LOG("op %u (%s) without injection", i,
						  ops[i].name ? ops[i].name : "?");
	ASSERT_EQ(0, mmft_flush(t->h, t->v, PAGES * t->pg, MMF_FLUSH_DURABLE, NULL));
	munmap(t->v, PAGES * t->pg);
	t->v = NULL;
	close(t->h);
	t->h = -1;
	EXPECT_EQ(self->base_sections, mmft_debugfs_counter("sections"));
	EXPECT_EQ(self->base_views, mmft_debugfs_counter("views"));
	EXPECT_EQ(self->base_chunks, mmft_debugfs_counter("chunks"));
	EXPECT_EQ(self->base_cursors, mmft_debugfs_counter("cursors"));
	ASSERT_EQ(0, fsync(t->fd));
	ASSERT_EQ(0, mmft_drop_caches());
	ASSERT_EQ((ssize_t)sizeof(buf), pread(t->fd, buf, sizeof(buf), 0));
	for (i = 0; i < PAGES; i++)
		EXPECT_EQ(0, memcmp(buf + i * t->pg, t->shadow + i * t->pg, t->pg))
			TH_LOG("page %u of the file", i);
}

/*
 * Each operation, once per allocation it makes, that allocation failing:
 * it succeeds anyway or fails with ENOMEM.
 */
TEST_F_TIMEOUT(inject, every_allocation_of_every_operation_fails_once, 1200)
{
	struct inj *t = self->t;
	long long f0 = faults_injected(), per_op;
	unsigned int i, n;
	long injected = 0;

	for (i = 0; i < NOPS; i++) {
		const struct op *op = &ops[i];
		long before = injected;
		int ret;

		per_op = faults_injected();
		for (n = 1; n <= MAX_NTH; n++) {
			long left;

			ASSERT_EQ(0, fail_nth_set(n));
			ret = op->fn(t);
			left = fail_nth_left();
			ASSERT_EQ(0, fail_nth_set(0));
			if (left != 0) {
				/* Ran through with fewer than n allocations: done. */
				EXPECT_EQ(0, ret) TH_LOG("%s without a fault: %s", op->name,
							 strerror(-ret));
				break;
			}
			injected++;
			inj_outcome(t, op, ret);
			if (ret && ret != -ENOMEM) {
				EXPECT_EQ(-ENOMEM, ret)
					TH_LOG("%s with allocation %u failing: %s", op->name, n,
					       strerror(-ret));
				break;
			}
		}
		EXPECT_GE(MAX_NTH, n) TH_LOG("%s never ran through", op->name);
		TH_LOG("%-20s %3ld allocations failed one at a time (%lld faults counted)",
		       op->name, injected - before, faults_injected() - per_op);
	}
	TH_LOG("%ld faults injected, %lld counted by failslab and fail_page_alloc: %ld operations failed with ENOMEM, %ld succeeded anyway",
	       injected, faults_injected() - f0, t->failed, t->succeeded);
	EXPECT_LT(0, injected);
	knobs_restore(self);
	check_after(_metadata, self);
}

/*
 * A stream of random operations with a share of every eligible allocation
 * failing (probability, in this process only).
 */
TEST_F_TIMEOUT(inject, random_allocations_fail_under_a_stream_of_operations, 1800)
{
	unsigned int rounds = mmft_stress() ? 4000 : 400, r;
	struct inj *t = self->t;
	long long f0 = faults_injected();
	unsigned int seed = 9;
	int d;

	for (d = 0; d < 2; d++)
		ASSERT_EQ(0, knob_write(fi_dirs[d], "probability", "20"));
	ASSERT_EQ(0, mmft_write_knob(MAKE_IT_FAIL, "1"));
	for (r = 0; r < rounds && !t->bad_errno; r++) {
		const struct op *op = &ops[rand_r(&seed) % NOPS];

		inj_outcome(t, op, op->fn(t));
	}
	ASSERT_EQ(0, mmft_write_knob(MAKE_IT_FAIL, "0"));
	for (d = 0; d < 2; d++)
		ASSERT_EQ(0, knob_write(fi_dirs[d], "probability", "0"));
	EXPECT_EQ(0, t->bad_errno) TH_LOG("%s: %s", t->bad_op ? t->bad_op : "-",
					  strerror(t->bad_errno));
	TH_LOG("%u operations, %lld faults injected: %ld failed with ENOMEM, %ld succeeded",
	       r, faults_injected() - f0, t->failed, t->succeeded);
	EXPECT_LT(0, faults_injected() - f0);
	knobs_restore(self);
	check_after(_metadata, self);
}

TEST_HARNESS_MAIN
