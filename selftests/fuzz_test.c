// SPDX-License-Identifier: GPL-2.0
/*
 * A fuzzer for the ioctl interface and the view operations.
 *
 * Several threads each run a seeded sequence of random calls: every ioctl
 * of the UAPI (with random struct sizes, flags, offsets, names, and
 * pointers to unmapped, read-only, kernel and half-mapped memory), mmap,
 * munmap, mprotect, mremap, madvise and msync of views, touches of view
 * pages, truncation and write(2) of the backing files, fork (a child runs a
 * few calls, some as an unprivileged user) and close and dup of handles.
 * A control thread meanwhile writes a file through a view, flushes it and
 * reads it back with read(2), round after round.  When everything is
 * closed the module's object counts (debugfs) must be back where they
 * started, and the kernel log must hold no warning.
 *
 * Where /sys/kernel/debug/kcov exists (the debug kernel), each thread
 * collects the module's PCs its calls reach (KCOV_TRACE_PC) and keeps the
 * calls that reached new ones in a corpus that later calls mutate.
 *
 * Bounds: MMF_FUZZ_SECONDS and MMF_FUZZ_CALLS (defaults: 8 s and 2 * 10^6
 * calls; under MMF_STRESS=1, 10^7 calls and 4800 s), MMF_FUZZ_THREADS
 * (default 4), MMF_FUZZ_SEED (default: from the clock; printed, and a seed
 * reproduces each thread's sequence of calls when KCOV is absent).
 * MMF_FUZZ_COVER=1 prints the PCs reached as '# kcov:' lines
 * (tools/fuzz-coverage.sh).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#ifndef KCOV_INIT_TRACE
#define KCOV_INIT_TRACE		_IOR('c', 1, unsigned long)
#define KCOV_ENABLE		_IO('c', 100)
#define KCOV_DISABLE		_IO('c', 101)
#endif
#define FZ_KCOV_TRACE_PC	0
#define FZ_KCOV_PATH		"/sys/kernel/debug/kcov"
#define FZ_KCOV_WORDS		(1UL << 16)

#define FZ_HANDLES	12
#define FZ_VIEWS	16
#define FZ_NAMES	12
#define FZ_CORPUS	2048
#define FZ_THREADS_MAX	16
#define FZ_ARGPAGES	3
/* Pages of a thread's own backing files when made and at most by truncate. */
#define FZ_FILEPAGES	16
#define FZ_FILEMAX	(64 * 4096)
#define FZ_PCSET	(1U << 15)
/* Address space per view slot (32 MiB with 4 KiB pages). */
#define FZ_SLOT_PAGES	8192
/* Pages one chunk of the module's dirty index covers (4 KiB pages). */
#define FZ_CHUNK_PAGES	32256

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
/* <linux/fs.h> would clash with <sys/mount.h>. */
#define FZ_IOC_GETFLAGS		_IOR('f', 1, long)
#define FZ_IOC_SETFLAGS		_IOW('f', 2, long)
#define FZ_IMMUTABLE_FL		0x00000010
#define FZ_APPEND_FL		0x00000020
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

/* The calls; weights below. */
enum {
	OP_HOPEN, OP_CLOSE, OP_DUP, OP_CREATE, OP_OPEN, OP_FLUSH, OP_WATCH, OP_STAT,
	OP_QUERY, OP_FMAPPED, OP_VERSION, OP_BADCMD, OP_MMAP, OP_MUNMAP, OP_MPROTECT,
	OP_MREMAP, OP_TOUCH, OP_MADVISE, OP_MSYNC, OP_TRUNCATE, OP_RW, OP_FORK,
	OP_DEBUGFS, OP_CHATTR, OP_NR
};

/*
 * Per mille.  The cheap ioctls dominate, so that a run makes many calls on
 * a TCG guest; the VMA calls, file I/O and forks (tens of milliseconds
 * each under TCG) come often enough to change what the ioctls meet.
 */
static const unsigned int fz_weight[OP_NR] = {
	[OP_HOPEN] = 10, [OP_CLOSE] = 20, [OP_DUP] = 10, [OP_CREATE] = 90, [OP_OPEN] = 40,
	[OP_FLUSH] = 140, [OP_WATCH] = 120, [OP_STAT] = 70, [OP_QUERY] = 120,
	[OP_FMAPPED] = 50, [OP_VERSION] = 30, [OP_BADCMD] = 20, [OP_MMAP] = 60,
	[OP_MUNMAP] = 20, [OP_MPROTECT] = 20, [OP_MREMAP] = 20, [OP_TOUCH] = 120,
	[OP_MADVISE] = 10, [OP_MSYNC] = 8, [OP_TRUNCATE] = 5, [OP_RW] = 5, [OP_FORK] = 1,
	[OP_DEBUGFS] = 1, [OP_CHATTR] = 2,
};

static const char *const fz_opname[OP_NR] = {
	"hopen", "close", "dup", "create", "open", "flush", "watch", "stat",
	"query", "fmapped", "version", "badcmd", "mmap", "munmap", "mprotect",
	"mremap", "touch", "madvise", "msync", "truncate", "rw", "fork", "debugfs",
	"chattr",
};

/* One call: the operation and raw random words its arguments derive from. */
struct fz_call {
	uint32_t op;
	uint64_t a[6];
};

struct fz_view {
	char *addr;
	size_t len;
};

struct fz_thread {
	int idx;
	pthread_t tid;
	uint64_t rng;
	int in_child;
	int h[FZ_HANDLES];
	unsigned char bound[FZ_HANDLES];
	struct fz_view v[FZ_VIEWS];
	unsigned char lost[FZ_VIEWS];	/* slot's space taken by another thread */
	char *arena;			/* FZ_VIEWS slots of FZ_SLOT_PAGES */
	int file;		/* own file on ext4 (or /tmp), O_RDWR */
	int rofile;		/* the same, O_RDONLY */
	int wofile;		/* the same, O_WRONLY */
	int pathfd;		/* the same, O_PATH */
	int tmp;		/* own file on tmpfs, O_RDWR */
	int memfd;		/* a sealed memfd */
	char path[2][256];
	unsigned char *arg, *arg_ro;	/* argument pages, RW and RO aliases, guard after */
	unsigned char *namepg;		/* one page, guard after */
	unsigned char *bitmap;		/* two pages, guard after */
	char *hole;			/* 16 pages with nothing mapped (at first) */
	char *noaccess;			/* 16 pages reserved PROT_NONE */
	/* KCOV */
	int kcov_fd;
	uint64_t *kcov;
	uint64_t *pcs;			/* this thread's PC set */
	unsigned int npcs;
	struct fz_call *corpus;
	unsigned int ncorpus;
	uint64_t *child_pcs;		/* shared with forked children: [0] = count */
	int child_fresh;		/* a child reached new PCs */
	/* counters */
	uint64_t calls, ioctls, mm, touches, forks, faults, children_bad, corpus_adds;
	uint64_t reclaims;		/* ranges failed calls had left unmapped */
	uint64_t op_ns[OP_NR], op_n[OP_NR];
	char fail[256];
};

static struct {
	uint64_t seed;
	unsigned int threads;
	uint64_t max_calls;
	double seconds;
	int cover;
	int profile;
	unsigned int weight[OP_NR];
	unsigned int total_weight;
	int have_kcov;
	double t0;
	atomic_uint_fast64_t calls;
	atomic_int stop;
	char dir[64];		/* disk file system for the backing files */
	int shared;		/* a file every thread uses */
	int dirfd;
	int devnull;
	int procfd;
	int empty;		/* a file of size 0 */
	int swapfd;		/* an active swap file, or -1 */
	int ovlfd;		/* a file on overlayfs, or -1 */
	int devnull_mmf;	/* a handle for the fuzzer's own checks */
	char names[FZ_NAMES][300];
	uint32_t name_len[FZ_NAMES];
	uint64_t *pcs;		/* the union of every thread's PCs */
	atomic_uint npcs;
	size_t page;
	/* control thread */
	uint64_t ctl_rounds, ctl_bytes;
	char ctl_fail[256];
	char ctl_path[256];
	unsigned char ctl_last;
	struct fz_thread *th;	/* the fuzz threads, for the control's report */
} fz;

static __thread sigjmp_buf *fz_jb;
static __thread volatile int fz_probing;

static double fz_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t fz_splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(struct fz_thread *t)
{
	return fz_splitmix(&t->rng);
}

/* Faults of touches are expected; anything else is fatal as usual. */
static void fz_signal(int sig, siginfo_t *si, void *uc)
{
	if (fz_probing && fz_jb)
		siglongjmp(*fz_jb, sig);
	signal(sig, SIG_DFL);
}

/* ---- coverage ---- */

/* Insert @pc into a set of FZ_PCSET slots; true when it was new. */
static int fz_pcset_add(uint64_t *set, uint64_t pc)
{
	uint32_t i = (uint32_t)((pc * 0x9e3779b97f4a7c15ULL) >> 49) & (FZ_PCSET - 1);
	unsigned int probes;

	for (probes = 0; probes < FZ_PCSET; probes++, i = (i + 1) & (FZ_PCSET - 1)) {
		uint64_t cur = __atomic_load_n(&set[i], __ATOMIC_RELAXED);

		if (cur == pc)
			return 0;
		if (!cur) {
			if (__atomic_compare_exchange_n(&set[i], &cur, pc, 0, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED))
				return 1;
			if (cur == pc)
				return 0;
		}
	}
	return 0;
}

static void fz_kcov_start(struct fz_thread *t)
{
	int fd = open(FZ_KCOV_PATH, O_RDWR | O_CLOEXEC);
	void *p;

	t->kcov_fd = -1;
	if (fd < 0)
		return;
	if (ioctl(fd, KCOV_INIT_TRACE, FZ_KCOV_WORDS))
		goto fail;
	p = mmap(NULL, FZ_KCOV_WORDS * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	if (ioctl(fd, KCOV_ENABLE, FZ_KCOV_TRACE_PC)) {
		munmap(p, FZ_KCOV_WORDS * sizeof(uint64_t));
		goto fail;
	}
	t->kcov = p;
	t->kcov_fd = fd;
	t->pcs = calloc(FZ_PCSET, sizeof(uint64_t));
	t->corpus = calloc(FZ_CORPUS, sizeof(*t->corpus));
	return;
fail:
	close(fd);
}

static void fz_kcov_stop(struct fz_thread *t)
{
	if (t->kcov_fd < 0)
		return;
	ioctl(t->kcov_fd, KCOV_DISABLE, 0);
	munmap(t->kcov, FZ_KCOV_WORDS * sizeof(uint64_t));
	close(t->kcov_fd);
	t->kcov_fd = -1;
}

/* Add PCs to the thread's set and the union; true if any was new. */
static int fz_merge(struct fz_thread *t, const uint64_t *pcs, uint64_t n)
{
	int fresh = 0;
	uint64_t i;

	for (i = 0; i < n; i++) {
		if (fz_pcset_add(t->pcs, pcs[i])) {
			fresh = 1;
			t->npcs++;
			if (fz_pcset_add(fz.pcs, pcs[i]))
				atomic_fetch_add(&fz.npcs, 1);
		}
	}
	return fresh;
}

/*
 * In a forked child: trace its calls into a KCOV of its own (a task's
 * KCOV is not inherited) and hand the PCs to the parent at exit.
 */
static uint64_t *fz_child_kcov(void)
{
	int fd = open(FZ_KCOV_PATH, O_RDWR | O_CLOEXEC);
	uint64_t *p;

	if (fd < 0)
		return NULL;
	if (ioctl(fd, KCOV_INIT_TRACE, FZ_KCOV_WORDS))
		return NULL;
	p = mmap(NULL, FZ_KCOV_WORDS * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (p == MAP_FAILED || ioctl(fd, KCOV_ENABLE, FZ_KCOV_TRACE_PC))
		return NULL;
	__atomic_store_n(&p[0], 0, __ATOMIC_RELAXED);
	return p;
}

/* ---- argument helpers ---- */

static void fz_count(struct fz_thread *t, int ioctls)
{
	t->calls++;
	if (ioctls)
		t->ioctls++;
	else
		t->mm++;
}

/* A handle slot's fd, opening one there when empty. */
static int fz_handle(struct fz_thread *t, uint64_t a)
{
	int s = a % FZ_HANDLES;

	if (t->h[s] < 0) {
		t->h[s] = open(MMF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		t->bound[s] = 0;
		fz_count(t, 0);
	}
	return t->h[s];
}

/* Any fd of ours: mostly handles, sometimes something else. */
static int fz_any_fd(struct fz_thread *t, uint64_t a)
{
	switch ((a >> 8) % 24) {
	case 0: return t->file;
	case 1: return fz.dirfd;
	case 2: return -1;
	case 3: return fz.devnull;
	case 4: return 1000 + (int)(a >> 16) % 100;
	default: return fz_handle(t, a);
	}
}

/* A backing fd for CREATE or FILE_MAPPED; @valid picks a good one. */
static int fz_backing(struct fz_thread *t, uint64_t a, int valid)
{
	unsigned int k = valid ? a % 10 : a % 23;

	switch (k) {
	case 0 ... 4: return t->file;
	case 5 ... 7: return t->tmp;
	case 8: return fz.shared;
	case 9: return t->memfd;
	case 10: return t->rofile;
	case 11: return t->pathfd;
	case 12: return fz.dirfd;
	case 13: return -1;
	case 14: return fz_handle(t, a >> 8);
	case 15: return fz.devnull;
	case 16: return fz.procfd;
	case 17: return fz.empty;
	/* Never one of ours by chance (the control file's): none or negative. */
	case 18: return 1000 + (int)(a >> 8) % 1000;
	case 19: return t->wofile;
	case 20: return fz.swapfd;
	case 21: return fz.ovlfd;
	default: return (int)((a >> 8) | 0x80000000U);
	}
}

/* A size in bytes around @base (a file or view size); @valid: 0 < n <= base. */
static uint64_t fz_len(uint64_t a, uint64_t base, int valid)
{
	uint64_t pg = fz.page, r = a >> 8;

	if (!base)
		base = pg;
	if (valid) {
		switch (a % 6) {
		case 0: return base;
		case 1: return 1 + r % base;
		default:
			r = pg * (1 + r % ((base + pg - 1) / pg));
			return r > base ? base : r;
		}
	}
	switch (a % 16) {
	case 0: return 0;
	case 1 ... 5: return pg * (1 + r % 16);
	case 6: return base;
	case 7: return base + 1;
	case 8: return base - 1;
	case 9: return r % (base + pg);
	case 10: return 1ULL << 40;
	case 11: return ~0ULL;
	case 12: return 0x7fffffffffffffffULL;
	case 13: return (1ULL << 47) - pg;
	case 14: return ~0ULL - pg + 1;
	default: return r;
	}
}

/*
 * A pointer that is not a good one: unmapped, kernel, non-canonical.  The
 * kernel may write through @out pointers, so those never point at an
 * address that is merely free (another thread's mapping may take it):
 * they get the thread's PROT_NONE reservation instead.
 */
static uint64_t fz_bad_ptr(struct fz_thread *t, uint64_t a, int out)
{
	char *hole = out ? t->noaccess : t->hole;

	switch (a % 8) {
	case 0: return 0;
	case 1: return (uintptr_t)hole;
	case 2: return 0xffffffff81000000ULL;
	case 3: return 0xffff888000000000ULL;
	case 4: return 0x0000800000000000ULL;
	case 5: return ~0ULL - 7;
	case 6: return 0x1000;
	default: return (uintptr_t)hole + (a >> 8) % (16 * fz.page);
	}
}

/*
 * Which argument of a call to corrupt: -1 none (most calls are valid, so
 * that they get deep), -2 all of them, else one field.
 */
static int fz_bad(uint64_t a, int nfields)
{
	switch (a % 8) {
	case 0 ... 3: return -1;
	case 4: return -2;
	default: return (a >> 3) % nfields;
	}
}

/*
 * Place an ioctl struct of @usize bytes (its first @ksize in @s, the rest
 * zero or, when @dirty_tail, not) as the call's argument, somewhere good
 * or bad; returns the pointer to pass.
 */
static void *fz_place(struct fz_thread *t, uint64_t a, const void *s, size_t ksize,
		      uint32_t usize, int good, int dirty_tail)
{
	size_t area = FZ_ARGPAGES * fz.page, n = usize, off = 0;
	unsigned int k = good ? 0 : (a >> 16) % 16;
	unsigned char *dst;

	if (n > area)
		n = area;
	switch (k) {
	case 0 ... 6:
		off = 0;
		break;
	case 7 ... 9:		/* read-only alias: copy in works, copy out fails */
		off = (a >> 24) % 64;
		break;
	case 10 ... 11:	/* runs into the guard page */
		off = area - (n > 1 ? 1 + (a >> 24) % (n - 1) : 0);
		break;
	case 12:
		off = 1 + (a >> 24) % 7;
		break;
	default:
		return (void *)(uintptr_t)fz_bad_ptr(t, a >> 24, 1);
	}
	if (n > area - off)
		n = area - off;
	dst = t->arg + off;
	memset(dst, 0, n);
	memcpy(dst, s, n < ksize ? n : ksize);
	if (n >= 4)
		memcpy(dst, &usize, 4);
	if (dirty_tail && n > ksize)
		dst[ksize + (a >> 32) % (n - ksize)] = 0x5a;
	return (k >= 7 && k <= 9 ? t->arg_ro : t->arg) + off;
}

/* The size field of an ioctl struct, mostly right. */
static uint32_t fz_usize(uint64_t a, size_t ksize, int good, int *dirty_tail)
{
	*dirty_tail = 0;
	if (good)
		return ksize;
	switch (a % 12) {
	case 0 ... 3: return ksize;
	case 4: return ksize - 4;
	case 5: return 0;
	case 6: return ksize + 8 * (1 + (a >> 8) % 8);
	case 7: *dirty_tail = 1; return ksize + 8 * (1 + (a >> 8) % 8);
	case 8: return 4096;
	case 9: return 4097;
	case 10: return (a >> 8) % 8192;
	default: return (uint32_t)(a >> 8);
	}
}

/* A name: pointer and length, mostly one of the shared pool. */
static void fz_name(struct fz_thread *t, uint64_t a, int good, __u64 *ptr, __u32 *len)
{
	unsigned int k = (a >> 8) % FZ_NAMES;

	*ptr = (uintptr_t)fz.names[k];
	*len = fz.name_len[k];
	if (good)
		return;
	switch (a % 12) {
	case 0 ... 5:
		return;
	case 6:
		*len = MMF_NAME_MAX + 1 + (a >> 16) % 4;
		return;
	case 7:
		*len = (a >> 16) % 300;
		return;
	case 8:		/* runs into the guard page */
		*len = 1 + (a >> 16) % 64;
		memset(t->namepg, 'n', fz.page);
		*ptr = (uintptr_t)t->namepg + fz.page - *len / 2;
		return;
	case 9:
		*ptr = 0;
		return;
	case 10:
		*len = 0;
		return;
	default:
		*ptr = fz_bad_ptr(t, a >> 16, 0);
		return;
	}
}

/* An address inside one of our views (or, when bad, anywhere). */
static char *fz_addr(struct fz_thread *t, uint64_t a, int good, size_t *room)
{
	struct fz_view *v = &t->v[(a >> 4) % FZ_VIEWS];
	size_t off;

	*room = 0;
	if (!good) {
		switch (a % 8) {
		case 0: *room = fz.page; return (char *)t->arg;
		case 1: return (char *)(uintptr_t)fz_bad_ptr(t, a >> 8, 0);
		case 2: *room = fz.page; return (char *)t->arg_ro;
		default: break;
		}
	}
	if (!v->addr) {
		int i;

		for (i = 0; i < FZ_VIEWS && !t->v[i].addr; i++)
			;
		if (i == FZ_VIEWS)
			return t->hole;
		v = &t->v[i];
	}
	off = (a >> 12) % v->len;
	*room = v->len - off;
	return v->addr + off;
}

/* ---- the calls ---- */

static long fz_ioctl(struct fz_thread *t, int fd, unsigned long cmd, void *arg)
{
	fz_count(t, 1);
	return ioctl(fd, cmd, arg);
}

static void fz_op_create(struct fz_thread *t, const struct fz_call *c)
{
	int bad = fz_bad(c->a[0], 10), dt, s = c->a[1] % FZ_HANDLES, h;
	struct mmf_create cr = { 0 };
	struct stat st;
	uint32_t usize;
	void *p;
	uint64_t r = c->a[2];
	int swap = (r & 7) == 0;

	if (t->h[s] >= 0 && t->bound[s] && (c->a[1] >> 8) % 4) {
		close(t->h[s]);
		t->h[s] = -1;
		fz_count(t, 0);
	}
	h = fz_handle(t, s);
	usize = fz_usize(c->a[3], sizeof(cr), bad != 0 && bad != -2 ? 1 : 0, &dt);
	cr.flags = swap ? MMF_CREATE_SWAP : 0;
	if ((r >> 3) % 4 == 0)
		cr.flags |= MMF_CREATE_EXCL;
	if ((r >> 5) % 4 == 0)
		cr.flags |= MMF_CREATE_SAME_BACKING;
	/* Refused on ext4 (EOPNOTSUPP): mostly on tmpfs and swap. */
	if ((r >> 60) % 4 == 0)
		cr.flags |= MMF_CREATE_UNTRACKED;
	if (bad == 1 || bad == -2)
		cr.flags = (uint32_t)(r >> 8) & 0x3f;
	cr.fd = swap ? -1 : fz_backing(t, c->a[4], !(bad == 2 || bad == -2));
	cr.prot = 1 + (r >> 16) % 3;
	if (!swap && (cr.fd == t->file || cr.fd == t->tmp) && (r >> 18) % 2)
		cr.prot = MMF_PROT_READWRITE;
	if (bad == 3 || bad == -2)
		cr.prot = (r >> 20) % 6;
	if (swap) {
		cr.max_size = fz_len(c->a[5], 16 * fz.page, !(bad == 4 || bad == -2));
		/* Sparse and large: views across the dirty index's chunks. */
		if (c->a[5] % 8 == 7)
			cr.max_size = (FZ_CHUNK_PAGES + 64) * fz.page;
	} else if (bad == 4 || bad == -2) {
		cr.max_size = fz_len(c->a[5], 16 * fz.page, 0);
	} else if ((c->a[5] & 3) == 0) {
		cr.max_size = 0;
	} else {
		fz_count(t, 0);
		if (fstat(cr.fd, &st))
			st.st_size = 0;
		cr.max_size = st.st_size ? fz_len(c->a[5] >> 2, st.st_size, 1) : 0;
	}
	if ((c->a[0] >> 8) % 2 || bad == 5 || bad == -2)
		fz_name(t, c->a[0] >> 12, !(bad == 5 || bad == -2), &cr.name, &cr.name_len);
	cr.mode = (const unsigned int[]){ 0600, 0644, 0666, 0400, 0, 0777, 0755, 0640 }
		[(r >> 24) % 8];
	if (bad == 6 || bad == -2)
		cr.mode = (uint32_t)(r >> 28) & 07777;
	cr.readaround = (r >> 32) % 8 ? 0 : (r >> 35) % 1025;
	if (bad == 7 || bad == -2)
		cr.readaround = (uint32_t)(r >> 35);
	if (bad == 8 || bad == -2)
		cr.reserved = (r >> 40) & 1;
	cr.result = (uint32_t)(r >> 41);
	p = fz_place(t, c->a[3] >> 8, &cr, sizeof(cr), usize, !(bad == 9 || bad == -2), dt);
	if (!fz_ioctl(t, h, MMF_IOC_CREATE, p))
		t->bound[s] = 1;
}

static void fz_op_open(struct fz_thread *t, const struct fz_call *c)
{
	int bad = fz_bad(c->a[0], 6), dt, s = c->a[1] % FZ_HANDLES, h;
	struct mmf_open o = { 0 };
	uint32_t usize;
	void *p;

	if (t->h[s] >= 0 && t->bound[s] && (c->a[1] >> 8) % 4) {
		close(t->h[s]);
		t->h[s] = -1;
		fz_count(t, 0);
	}
	h = fz_handle(t, s);
	usize = fz_usize(c->a[2], sizeof(o), !(bad == 0 || bad == -2), &dt);
	fz_name(t, c->a[3], !(bad == 1 || bad == -2), &o.name, &o.name_len);
	o.access = 1 + c->a[4] % 15;
	if (bad == 2 || bad == -2)
		o.access = (uint32_t)(c->a[4] >> 8) % 64;
	if (bad == 3 || bad == -2)
		o.flags = 1U << ((c->a[4] >> 16) % 32);
	if (bad == 4 || bad == -2)
		o.reserved = 1;
	p = fz_place(t, c->a[5], &o, sizeof(o), usize, !(bad == 5 || bad == -2), dt);
	if (!fz_ioctl(t, h, MMF_IOC_OPEN, p))
		t->bound[s] = 1;
}

static void fz_op_flush(struct fz_thread *t, const struct fz_call *c)
{
	int bad = fz_bad(c->a[0], 5), dt;
	struct mmf_flush f = { 0 };
	size_t room;
	uint32_t usize;
	char *addr;
	void *p;

	usize = fz_usize(c->a[1], sizeof(f), !(bad == 0 || bad == -2), &dt);
	addr = fz_addr(t, c->a[2], !(bad == 1 || bad == -2), &room);
	f.addr = (uintptr_t)addr;
	if (room && c->a[2] % 3 == 0)
		f.addr &= ~(uint64_t)(fz.page - 1);
	f.length = room && c->a[3] % 4 ? fz_len(c->a[3] >> 2, room, 1) : 0;
	if (bad == 2 || bad == -2)
		f.length = fz_len(c->a[3] >> 2, room, 0);
	f.flags = (const uint32_t[]){ 0, 0, MMF_FLUSH_ASYNC, MMF_FLUSH_DURABLE }[c->a[4] % 4];
	if (bad == 3 || bad == -2)
		f.flags = (uint32_t)(c->a[4] >> 2) % 16;
	f.pages_written = c->a[4] >> 8;
	p = fz_place(t, c->a[5], &f, sizeof(f), usize, !(bad == 4 || bad == -2), dt);
	fz_ioctl(t, fz_any_fd(t, c->a[1] >> 16), MMF_IOC_FLUSH, p);
}

static void fz_op_watch(struct fz_thread *t, const struct fz_call *c)
{
	int bad = fz_bad(c->a[0], 7), dt;
	struct mmf_write_watch w = { 0 };
	size_t room, pages;
	uint32_t usize;
	char *addr;
	void *p;

	usize = fz_usize(c->a[1], sizeof(w), !(bad == 0 || bad == -2), &dt);
	addr = fz_addr(t, c->a[2], !(bad == 1 || bad == -2), &room);
	w.addr = (uintptr_t)addr & ~(uint64_t)(fz.page - 1);
	if (bad == 1 && c->a[2] % 2)
		w.addr = (uintptr_t)addr;
	room += (uintptr_t)addr - w.addr;
	pages = room / fz.page;
	w.length = pages ? fz.page * (1 + (c->a[3] >> 4) % pages) : fz.page;
	if (bad == 2 || bad == -2)
		w.length = fz_len(c->a[3] >> 4, room, 0);
	w.bitmap_bits = w.length / fz.page + (c->a[3] % 4 ? 0 : (c->a[3] >> 40) % 128);
	if (bad == 3 || bad == -2)
		w.bitmap_bits = (c->a[3] % 2) ? w.length / fz.page - 1 : c->a[3] >> 8;
	w.bitmap = (uintptr_t)t->bitmap;
	if (bad == 4 || bad == -2) {
		switch ((c->a[4] >> 8) % 4) {
		case 0: w.bitmap = (uintptr_t)t->arg_ro; break;
		case 1: w.bitmap = (uintptr_t)t->bitmap + 2 * fz.page - 8; break;
		default: w.bitmap = fz_bad_ptr(t, c->a[4] >> 16, 1); break;
		}
	}
	w.flags = c->a[4] % 3 ? 0 : MMF_WATCH_RESET;
	if (bad == 5 || bad == -2)
		w.flags = (uint32_t)(c->a[4] >> 2) % 8;
	w.dirty_pages = c->a[4];
	p = fz_place(t, c->a[5], &w, sizeof(w), usize, !(bad == 6 || bad == -2), dt);
	fz_ioctl(t, fz_any_fd(t, c->a[1] >> 16), MMF_IOC_WRITE_WATCH, p);
}

static void fz_op_stat(struct fz_thread *t, const struct fz_call *c)
{
	int bad = fz_bad(c->a[0], 3), dt;
	struct mmf_stat st = { 0 };
	uint32_t usize = fz_usize(c->a[1], sizeof(st), !(bad == 0 || bad == -2), &dt);
	void *p;

	if (bad == 1 || bad == -2)
		st.flags = 1U << (c->a[2] % 32);
	p = fz_place(t, c->a[3], &st, sizeof(st), usize, !(bad == 2 || bad == -2), dt);
	fz_ioctl(t, fz_any_fd(t, c->a[4]), MMF_IOC_STAT, p);
}

static void fz_op_query(struct fz_thread *t, const struct fz_call *c)
{
	int bad = fz_bad(c->a[0], 4), dt;
	struct mmf_query q = { 0 };
	uint32_t usize = fz_usize(c->a[1], sizeof(q), !(bad == 0 || bad == -2), &dt);
	size_t room;
	void *p;

	q.addr = (uintptr_t)fz_addr(t, c->a[2], !(bad == 1 || bad == -2), &room);
	if (bad == 2 || bad == -2)
		q.flags = 1U << (c->a[3] % 32);
	q.view_start = c->a[3];
	p = fz_place(t, c->a[4], &q, sizeof(q), usize, !(bad == 3 || bad == -2), dt);
	fz_ioctl(t, fz_any_fd(t, c->a[5]), MMF_IOC_QUERY, p);
}

static void fz_op_fmapped(struct fz_thread *t, const struct fz_call *c)
{
	int bad = fz_bad(c->a[0], 5), dt;
	struct mmf_file_mapped fm = { 0 };
	uint32_t usize = fz_usize(c->a[1], sizeof(fm), !(bad == 0 || bad == -2), &dt);
	void *p;

	fm.fd = fz_backing(t, c->a[2], !(bad == 1 || bad == -2));
	if (bad == 2 || bad == -2)
		fm.flags = 1U << (c->a[3] % 32);
	if (bad == 3 || bad == -2)
		fm.reserved = 1;
	p = fz_place(t, c->a[4], &fm, sizeof(fm), usize, !(bad == 4 || bad == -2), dt);
	fz_ioctl(t, fz_any_fd(t, c->a[5]), MMF_IOC_FILE_MAPPED, p);
}

static void fz_op_version(struct fz_thread *t, const struct fz_call *c)
{
	int bad = fz_bad(c->a[0], 3), dt;
	struct mmf_version v = { 0 };
	uint32_t usize = fz_usize(c->a[1], sizeof(v), !(bad == 0 || bad == -2), &dt);
	void *p;

	if (bad == 1 || bad == -2)
		v.reserved = 1;
	p = fz_place(t, c->a[2], &v, sizeof(v), usize, !(bad == 2 || bad == -2), dt);
	fz_ioctl(t, fz_any_fd(t, c->a[3]), MMF_IOC_VERSION, p);
}

/* Commands that are not ours, or ours with the wrong direction. */
static void fz_op_badcmd(struct fz_thread *t, const struct fz_call *c)
{
	unsigned int dir = c->a[0] % 4, type = c->a[0] % 5 ? MMF_IOC_MAGIC : (c->a[0] >> 8) & 0xff;
	unsigned int nr = (c->a[1] % 3) ? c->a[1] % 10 : (c->a[1] >> 8) & 0xff;
	unsigned int size = (c->a[2] % 2) ? 64 : (c->a[2] >> 8) & 0x3fff;

	memset(t->arg, 0, 256);
	*(uint32_t *)t->arg = 64;
	fz_ioctl(t, fz_handle(t, c->a[3]), _IOC(dir, type, nr, size), t->arg);
}

/*
 * Views live in slots of a per-thread arena of address space reserved
 * PROT_NONE, so that no call of one thread ever unmaps another's memory:
 * a range a view leaves is reserved again at once (MAP_FIXED_NOREPLACE;
 * if another thread's mapping took it meanwhile, the slot is given up).
 */
static char *fz_slot(struct fz_thread *t, int s)
{
	return t->arena + (size_t)s * FZ_SLOT_PAGES * fz.page;
}

static void fz_rereserve(struct fz_thread *t, int s, char *addr, size_t len)
{
	void *p = mmap(addr, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);

	fz_count(t, 0);
	if (p == MAP_FAILED || p != addr) {
		if (p != MAP_FAILED)
			munmap(p, len);
		t->lost[s] = 1;
		t->v[s].addr = NULL;
	}
}

/*
 * After a call that failed and may have unmapped [addr, addr + len) of
 * slot @s on its way (mmap_region(), so a MAP_FIXED mmap and the mmap
 * that remap_file_pages(2) makes, may unmap the old range before the
 * file's mmap refuses - 6.1 always does; mremap(MREMAP_FIXED) unmaps its
 * target before it checks the source; the summary line counts these, on
 * 6.12 as well): reserve the range again if any of it is unmapped.  Else
 * the slot (and a view recorded there) would point at space that another
 * thread's mmap may take (the control file's view, say), which
 * fz_op_touch() would then write to, or the next MAP_FIXED into the slot
 * replace.  If some of it is taken already, the slot is lost.
 */
static void fz_reclaim(struct fz_thread *t, int s, char *addr, size_t len)
{
	if (!msync(addr, len, MS_ASYNC) || errno != ENOMEM)
		return;
	t->reclaims++;
	fz_rereserve(t, s, addr, len);
}

/* Replace [addr, addr + len) of slot @s, ours, with reserved space. */
static void fz_replace(struct fz_thread *t, int s, char *addr, size_t len)
{
	void *p = mmap(addr, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);

	fz_count(t, 0);
	if (p == MAP_FAILED)
		fz_reclaim(t, s, addr, len);
}

static void fz_unmap_slot(struct fz_thread *t, int s)
{
	if (!t->v[s].addr)
		return;
	if (rnd(t) % 2) {
		munmap(t->v[s].addr, t->v[s].len);
		fz_count(t, 0);
		t->v[s].addr = NULL;
		fz_rereserve(t, s, fz_slot(t, s), t->v[s].len);
	} else {
		fz_replace(t, s, t->v[s].addr, t->v[s].len);
		t->v[s].addr = NULL;
	}
}

static void fz_op_mmap(struct fz_thread *t, const struct fz_call *c)
{
	int s = c->a[0] % FZ_VIEWS, h = fz_handle(t, c->a[1]), k;
	size_t pages = 1 + (c->a[2] >> 4) % 20, len;

	/* An empty slot if there is one: a failed mmap leaves the slot empty. */
	for (k = 0; k < FZ_VIEWS && (t->v[s].addr || t->lost[s]); k++)
		s = (s + 1) % FZ_VIEWS;
	off_t off = fz.page * ((c->a[3] >> 4) % 20);
	int prot = PROT_READ | PROT_WRITE, flags = MAP_SHARED;
	int persona = 0;
	void *p;

	switch (c->a[2] % 16) {
	case 0: pages = 0; break;
	case 1: pages = 1 << 20; break;
	case 2: pages = (c->a[2] >> 20) % 4096; break;
	default: break;
	}
	len = pages * fz.page;
	if (c->a[3] % 4 == 0)
		off = 0;
	else if (c->a[3] % 16 == 1)
		off = (off_t)((c->a[3] >> 32) & 0xffffff) * (off_t)fz.page;
	else if (c->a[3] % 32 == 2)
		off = 1 + (c->a[3] >> 8) % 4095;
	else if (c->a[3] % 8 == 3)
		off = (off_t)(FZ_CHUNK_PAGES - 1 - (c->a[3] >> 8) % 8) * (off_t)fz.page;
	switch (c->a[4] % 8) {
	case 0: prot = PROT_READ; break;
	case 1: prot = PROT_READ | PROT_EXEC; break;
	case 2: prot = (c->a[4] >> 3) % 8; break;
	default: break;
	}
	if (c->a[5] % 4 == 0)
		flags = MAP_PRIVATE;
	if (c->a[5] % 16 == 1 && pages <= 64)
		flags |= MAP_POPULATE;
	if (c->a[5] % 32 == 2)
		flags |= MAP_NORESERVE;
	if (c->a[5] % 64 == 3)
		persona = 1;
	if (persona)
		personality(READ_IMPLIES_EXEC);
	if (pages > FZ_SLOT_PAGES || !pages || t->lost[s]) {
		/* Larger than a slot: made and unmapped at once. */
		p = mmap(NULL, len, prot, flags, h, off);
		fz_count(t, 0);
		if (p != MAP_FAILED) {
			munmap(p, len);
			fz_count(t, 0);
		}
	} else {
		fz_unmap_slot(t, s);
		if (!t->lost[s]) {
			p = mmap(fz_slot(t, s), len, prot, flags | MAP_FIXED, h, off);
			fz_count(t, 0);
			if (p != MAP_FAILED) {
				t->v[s].addr = p;
				t->v[s].len = len;
			} else {
				/* A failed MAP_FIXED may have unmapped the range. */
				fz_reclaim(t, s, fz_slot(t, s), len);
			}
		}
	}
	if (persona)
		personality(0);
}

/* The view in slot @a, or the next live one: views are scarce. */
static struct fz_view *fz_view_of(struct fz_thread *t, uint64_t a)
{
	unsigned int k;

	for (k = 0; k < FZ_VIEWS; k++) {
		struct fz_view *v = &t->v[(a + k) % FZ_VIEWS];

		if (v->addr)
			return v;
	}
	return NULL;
}

/* A page-aligned sub-range of view @v. */
static void fz_subrange(const struct fz_view *v, uint64_t a, char **addr, size_t *len)
{
	size_t pages = v->len / fz.page, first = (a % 3) ? (a >> 8) % pages : 0;

	*addr = v->addr + first * fz.page;
	*len = (a % 5) ? fz.page * (1 + (a >> 32) % (pages - first)) :
		(pages - first) * fz.page;
}

static void fz_op_munmap(struct fz_thread *t, const struct fz_call *c)
{
	struct fz_view *v = fz_view_of(t, c->a[0]);
	int s = v ? v - t->v : 0;
	size_t len;
	char *addr;

	if (!v)
		return;
	if (c->a[1] % 2) {
		fz_unmap_slot(t, s);
		return;
	}
	fz_subrange(v, c->a[2], &addr, &len);
	if (c->a[1] % 4 == 2) {
		fz_replace(t, s, addr, len);
		return;
	}
	munmap(addr, len);
	fz_count(t, 0);
	fz_rereserve(t, s, addr, len);
}

static void fz_op_mprotect(struct fz_thread *t, const struct fz_call *c)
{
	struct fz_view *v = fz_view_of(t, c->a[0]);
	size_t len;
	char *addr;

	if (!v)
		return;
	fz_subrange(v, c->a[1], &addr, &len);
	mprotect(addr, len, (c->a[2] % 4) ? PROT_READ | PROT_WRITE : (int)(c->a[2] >> 2) % 8);
	fz_count(t, 0);
}

static void fz_op_mremap(struct fz_thread *t, const struct fz_call *c)
{
	struct fz_view *v = fz_view_of(t, c->a[0]);
	int s = v ? v - t->v : 0, s2 = c->a[3] % FZ_VIEWS;
	size_t len;
	char *addr;
	void *p;

	if (!v)
		return;
	fz_subrange(v, c->a[1], &addr, &len);
	switch (c->a[2] % 5) {
	case 4:		/* remap_file_pages: the guarded file refuses another mmap */
		p = (void *)(uintptr_t)syscall(SYS_remap_file_pages, addr, len, 0,
					       (c->a[2] >> 8) % 16, 0);
		fz_count(t, 0);
		if (p == (void *)0 && !t->fail[0])
			snprintf(t->fail, sizeof(t->fail), "remap_file_pages remapped a view");
		/* Refused, after 6.1 unmapped the range: v still points there. */
		fz_reclaim(t, s, addr, len);
		break;
	case 0:		/* grow in place: refused (VM_DONTEXPAND) */
		p = mremap(addr, len, len + fz.page * (1 + (c->a[2] >> 8) % 4), 0);
		fz_count(t, 0);
		/*
		 * What grew may be a reservation that replaced part of the
		 * view (fz_replace()); a view itself must not grow.
		 */
		if (p != MAP_FAILED && !t->fail[0]) {
			struct mmf_query q = { .size = sizeof(q), .addr = (uintptr_t)addr };

			if (!ioctl(fz.devnull_mmf, MMF_IOC_QUERY, &q) &&
			    q.view_start + q.view_length > (uintptr_t)addr + len)
				snprintf(t->fail, sizeof(t->fail), "mremap grew a view in place");
		}
		break;
	case 1:		/* shrink: the tail is reserved again */
		if (len > fz.page) {
			p = mremap(addr, len, len - fz.page, 0);
			fz_count(t, 0);
			if (p != MAP_FAILED)
				fz_rereserve(t, s, addr + len - fz.page, fz.page);
		}
		break;
	default:	/* move into another slot */
		if (s2 == s || t->lost[s2])
			break;
		fz_unmap_slot(t, s2);
		if (t->lost[s2])
			break;
		p = mremap(addr, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, fz_slot(t, s2));
		fz_count(t, 0);
		if (p == MAP_FAILED) {
			/* 6.1 unmapped the target before it failed. */
			fz_reclaim(t, s2, fz_slot(t, s2), len);
			break;
		}
		t->v[s2].addr = p;
		t->v[s2].len = len;
		if (addr == v->addr && len == v->len)
			v->addr = NULL;
		fz_rereserve(t, s, addr, len);
		break;
	}
}

static void fz_op_touch(struct fz_thread *t, const struct fz_call *c)
{
	struct fz_view *v = fz_view_of(t, c->a[0]);
	volatile unsigned char *b;
	sigjmp_buf jb;
	size_t off, n;

	if (!v)
		return;
	off = (c->a[1] % 4) ? (c->a[1] >> 8) % v->len : fz.page * ((c->a[1] >> 8) % 4);
	if (off >= v->len)
		off = 0;
	b = (volatile unsigned char *)v->addr + off;
	n = (c->a[2] % 8) ? 1 : v->len - off < fz.page ? v->len - off : fz.page;
	t->touches++;
	fz_jb = &jb;
	if (sigsetjmp(jb, 1)) {
		fz_probing = 0;
		t->faults++;
		return;
	}
	fz_probing = 1;
	if (c->a[2] % 3 == 0) {
		size_t i;
		unsigned char sum = 0;

		for (i = 0; i < n; i++)
			sum += b[i];
		(void)sum;
	} else {
		size_t i;

		for (i = 0; i < n; i++)
			b[i] = (unsigned char)(c->a[3] + i);
	}
	fz_probing = 0;
}

static void fz_op_madvise(struct fz_thread *t, const struct fz_call *c)
{
	static const int advice[] = {
		MADV_DONTNEED, MADV_WILLNEED, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_REMOVE,
		MADV_COLD, MADV_PAGEOUT, MADV_POPULATE_READ, MADV_POPULATE_WRITE,
		MADV_DONTFORK, MADV_DOFORK, MADV_FREE, MADV_SEQUENTIAL, MADV_RANDOM,
		MADV_COLLAPSE, MADV_NORMAL,
	};
	struct fz_view *v = fz_view_of(t, c->a[0]);
	size_t len;
	char *addr;

	if (!v)
		return;
	fz_subrange(v, c->a[1], &addr, &len);
	if (len > 64 * fz.page)
		len = 64 * fz.page;
	madvise(addr, len, advice[c->a[2] % (sizeof(advice) / sizeof(advice[0]))]);
	fz_count(t, 0);
}

static void fz_op_msync(struct fz_thread *t, const struct fz_call *c)
{
	static const int flags[] = { MS_SYNC, MS_ASYNC, MS_INVALIDATE, MS_SYNC | MS_INVALIDATE };
	struct fz_view *v = fz_view_of(t, c->a[0]);
	size_t len;
	char *addr;

	if (!v)
		return;
	fz_subrange(v, c->a[1], &addr, &len);
	msync(addr, len, flags[c->a[2] % 4]);
	fz_count(t, 0);
}

static void fz_op_truncate(struct fz_thread *t, const struct fz_call *c)
{
	int fd = c->a[0] % 3 ? t->file : t->tmp;
	off_t size;

	switch (c->a[1] % 6) {
	case 0: size = 0; break;
	case 1: size = FZ_FILEPAGES * fz.page; break;
	case 2: size = FZ_FILEPAGES * fz.page + 123; break;
	default: size = (c->a[1] >> 8) % FZ_FILEMAX; break;
	}
	if (ftruncate(fd, size))
		t->mm += 0;
	fz_count(t, 0);
}

static void fz_op_rw(struct fz_thread *t, const struct fz_call *c)
{
	int fd = c->a[0] % 3 ? t->file : t->tmp;
	off_t off = (c->a[1] >> 8) % FZ_FILEMAX;
	size_t n = 1 + c->a[2] % 256;

	if (c->a[1] % 2) {
		memset(t->namepg, (int)c->a[3], n);
		if (pwrite(fd, t->namepg, n, off) < 0)
			t->mm += 0;
	} else if (pread(fd, t->namepg, n, off) < 0) {
		t->mm += 0;
	}
	fz_count(t, 0);
}

static void fz_op_debugfs(struct fz_thread *t, const struct fz_call *c)
{
	int fd = open(MMFT_DEBUGFS_SECTIONS, O_RDONLY | O_CLOEXEC);
	char buf[4096];

	fz_count(t, 0);
	if (fd < 0)
		return;
	while (read(fd, buf, sizeof(buf)) > 0)
		fz_count(t, 0);
	close(fd);
}

/* The thread's ext4 file becomes append-only, immutable, or neither. */
static void fz_op_chattr(struct fz_thread *t, const struct fz_call *c)
{
	int flags = 0;

	fz_count(t, 0);
	if (ioctl(t->file, FZ_IOC_GETFLAGS, &flags))
		return;
	flags &= ~(FZ_APPEND_FL | FZ_IMMUTABLE_FL);
	if (c->a[0] % 4 == 0)
		flags |= FZ_APPEND_FL;
	else if (c->a[0] % 4 == 1)
		flags |= FZ_IMMUTABLE_FL;
	ioctl(t->file, FZ_IOC_SETFLAGS, &flags);
	fz_count(t, 0);
}

static void fz_exec(struct fz_thread *t, const struct fz_call *c);

/*
 * Fork: the child runs a few calls of its own (some as an unprivileged
 * user: the permission checks of names and views), then exits.  Only
 * system calls in the child: other threads may hold libc locks.
 */
static void fz_op_fork(struct fz_thread *t, const struct fz_call *c)
{
	int status, n = 1 + c->a[0] % 8, i;
	pid_t pid;

	t->forks++;
	fz_count(t, 0);
	if (t->kcov_fd >= 0 && !t->child_pcs) {
		t->child_pcs = mmap(NULL, FZ_KCOV_WORDS * sizeof(uint64_t), PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (t->child_pcs == MAP_FAILED)
			t->child_pcs = NULL;
	}
	if (t->child_pcs)
		t->child_pcs[0] = 0;
	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		uint64_t *kc = t->child_pcs ? fz_child_kcov() : NULL;
		struct fz_call cc;

		t->in_child = 1;
		t->rng ^= c->a[1];
		if (c->a[2] % 3 == 0) {
			gid_t none[1] = { 0 };

			if (syscall(SYS_setgroups, 0, none) ||
			    syscall(SYS_setresgid, 1000, 1000, 1000) ||
			    syscall(SYS_setresuid, 1000, 1000, 1000))
				_exit(3);
		}
		for (i = 0; i < n; i++) {
			unsigned int k;

			do
				cc.op = rnd(t) % OP_NR;
			while (cc.op == OP_FORK || cc.op == OP_DEBUGFS);
			for (k = 0; k < 6; k++)
				cc.a[k] = rnd(t);
			fz_exec(t, &cc);
		}
		if (kc) {
			uint64_t n = __atomic_load_n(&kc[0], __ATOMIC_RELAXED);

			if (n >= FZ_KCOV_WORDS)
				n = FZ_KCOV_WORDS - 1;
			memcpy(t->child_pcs + 1, kc + 1, n * sizeof(uint64_t));
			t->child_pcs[0] = n;
		}
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		t->children_bad++;
	if (t->child_pcs && t->child_pcs[0] < FZ_KCOV_WORDS)
		t->child_fresh = fz_merge(t, t->child_pcs + 1, t->child_pcs[0]);
}

static void fz_exec(struct fz_thread *t, const struct fz_call *c)
{
	int s, s2;

	switch (c->op) {
	case OP_HOPEN:
		s = c->a[0] % FZ_HANDLES;
		if (t->h[s] >= 0)
			close(t->h[s]);
		t->h[s] = -1;
		fz_handle(t, s);
		break;
	case OP_CLOSE:
		s = c->a[0] % FZ_HANDLES;
		if (t->h[s] >= 0) {
			close(t->h[s]);
			fz_count(t, 0);
		}
		t->h[s] = -1;
		break;
	case OP_DUP:
		s = c->a[0] % FZ_HANDLES;
		s2 = c->a[1] % FZ_HANDLES;
		if (s == s2 || t->h[s] < 0)
			break;
		if (t->h[s2] >= 0)
			close(t->h[s2]);
		t->h[s2] = fcntl(t->h[s], F_DUPFD_CLOEXEC, 0);
		t->bound[s2] = t->bound[s];
		fz_count(t, 0);
		break;
	case OP_CREATE: fz_op_create(t, c); break;
	case OP_OPEN: fz_op_open(t, c); break;
	case OP_FLUSH: fz_op_flush(t, c); break;
	case OP_WATCH: fz_op_watch(t, c); break;
	case OP_STAT: fz_op_stat(t, c); break;
	case OP_QUERY: fz_op_query(t, c); break;
	case OP_FMAPPED: fz_op_fmapped(t, c); break;
	case OP_VERSION: fz_op_version(t, c); break;
	case OP_BADCMD: fz_op_badcmd(t, c); break;
	case OP_MMAP: fz_op_mmap(t, c); break;
	case OP_MUNMAP: fz_op_munmap(t, c); break;
	case OP_MPROTECT: fz_op_mprotect(t, c); break;
	case OP_MREMAP: fz_op_mremap(t, c); break;
	case OP_TOUCH: fz_op_touch(t, c); break;
	case OP_MADVISE: fz_op_madvise(t, c); break;
	case OP_MSYNC: fz_op_msync(t, c); break;
	case OP_TRUNCATE: fz_op_truncate(t, c); break;
	case OP_RW: fz_op_rw(t, c); break;
	case OP_FORK: fz_op_fork(t, c); break;
	case OP_DEBUGFS: fz_op_debugfs(t, c); break;
	case OP_CHATTR: fz_op_chattr(t, c); break;
	}
}

/* A new call: fresh, or (with a corpus) a mutation of a kept one. */
static void fz_gen(struct fz_thread *t, struct fz_call *c)
{
	unsigned int i, k, w;

	if (t->ncorpus && rnd(t) % 2) {
		*c = t->corpus[rnd(t) % t->ncorpus];
		for (k = 1 + rnd(t) % 3; k; k--) {
			uint64_t r = rnd(t);

			i = r % 8;
			if (i == 6) {
				if (fz.weight[(r >> 8) % OP_NR])
					c->op = (r >> 8) % OP_NR;
				continue;
			}
			i %= 6;
			switch ((r >> 3) % 4) {
			case 0: c->a[i] = rnd(t); break;
			case 1: c->a[i] ^= 1ULL << ((r >> 8) % 64); break;
			case 2: c->a[i] += (r >> 8) % 16; break;
			default: c->a[i] -= (r >> 8) % 16; break;
			}
		}
		return;
	}
	w = rnd(t) % fz.total_weight;
	for (i = 0; i < OP_NR - 1 && w >= fz.weight[i]; i++)
		w -= fz.weight[i];
	c->op = i;
	for (i = 0; i < 6; i++)
		c->a[i] = rnd(t);
}

/* Run @c; with KCOV, keep it in the corpus if it reached new PCs. */
static void fz_run(struct fz_thread *t, const struct fz_call *c)
{
	uint64_t n;
	int fresh;

	if (t->kcov_fd < 0) {
		fz_exec(t, c);
		return;
	}
	t->child_fresh = 0;
	__atomic_store_n(&t->kcov[0], 0, __ATOMIC_RELAXED);
	fz_exec(t, c);
	n = __atomic_load_n(&t->kcov[0], __ATOMIC_RELAXED);
	if (n >= FZ_KCOV_WORDS)
		n = FZ_KCOV_WORDS - 1;
	fresh = fz_merge(t, t->kcov + 1, n) | t->child_fresh;
	if (fresh) {
		t->corpus[t->ncorpus < FZ_CORPUS ? t->ncorpus++ : rnd(t) % FZ_CORPUS] = *c;
		t->corpus_adds++;
	}
}

static void *fz_thread_main(void *arg)
{
	struct fz_thread *t = arg;
	uint64_t flushed = 0, i;
	double now, next = 60;
	struct fz_call c;
	int s;

	if (fz.have_kcov)
		fz_kcov_start(t);
	else
		t->kcov_fd = -1;
	for (i = 0; !atomic_load(&fz.stop); i++) {
		double t1 = 0;

		fz_gen(t, &c);
		if (fz.profile)
			t1 = fz_now();
		fz_run(t, &c);
		if (fz.profile) {
			t->op_ns[c.op] += (fz_now() - t1) * 1e9;
			t->op_n[c.op]++;
		}
		if ((i & 63) == 63) {
			atomic_fetch_add(&fz.calls, t->calls - flushed);
			flushed = t->calls;
			now = fz_now() - fz.t0;
			if (atomic_load(&fz.calls) >= fz.max_calls || now >= fz.seconds)
				atomic_store(&fz.stop, 1);
			/* Progress, for long runs: once a minute. */
			if (!t->idx && now >= next) {
				printf("# fuzz: %" PRIu64 " calls after %.0f s\n",
				       (uint64_t)atomic_load(&fz.calls), now);
				fflush(stdout);
				next += 60;
			}
		}
	}
	atomic_fetch_add(&fz.calls, t->calls - flushed);
	fz_kcov_stop(t);
	for (s = 0; s < FZ_VIEWS; s++)
		if (t->v[s].addr)
			munmap(t->v[s].addr, t->v[s].len);
	for (s = 0; s < FZ_VIEWS; s++)
		if (!t->lost[s])
			munmap(fz_slot(t, s), (size_t)FZ_SLOT_PAGES * fz.page);
	for (s = 0; s < FZ_HANDLES; s++)
		if (t->h[s] >= 0) {
			close(t->h[s]);
			t->h[s] = -1;
		}
	return NULL;
}

/* ---- the control file ---- */

/* Whose is @p: a fuzz thread's arena, hole or recorded view (racy: a hint). */
static void fz_owner(const char *p, char *out, size_t n)
{
	size_t arena = (size_t)FZ_VIEWS * FZ_SLOT_PAGES * fz.page;
	unsigned int k, s;

	snprintf(out, n, "no fuzz thread's");
	for (k = 0; fz.th && k < fz.threads; k++) {
		const struct fz_thread *t = &fz.th[k];

		for (s = 0; s < FZ_VIEWS; s++) {
			const char *a = t->v[s].addr;

			if (a && p >= a && p < a + t->v[s].len) {
				snprintf(out, n, "thread %u's view in slot %u", k, s);
				return;
			}
		}
		if (t->arena && p >= t->arena && p < t->arena + arena) {
			snprintf(out, n, "thread %u's arena, slot %zu%s", k,
				 (size_t)(p - t->arena) / (FZ_SLOT_PAGES * fz.page),
				 t->lost[(p - t->arena) / (FZ_SLOT_PAGES * fz.page)] ? " (lost)" : "");
			return;
		}
		if (t->hole && p >= t->hole && p < t->hole + 17 * fz.page) {
			snprintf(out, n, "thread %u's hole", k);
			return;
		}
	}
}

/*
 * Round after round: a section on a file of its own, a view, every byte
 * written, a flush, then read(2) must give every byte back.  The view is
 * mapped at a fixed place inside a PROT_NONE reservation of the control
 * thread's own, and MADV_DONTFORK: no address a fuzz thread (or a child
 * it forks) may hold, stale or not, can ever be the control view.
 */
static void *fz_control(void *arg)
{
	size_t size = 8 * fz.page + 321, span = 9 * fz.page, i;
	unsigned char *buf = malloc(size);
	char *resv;
	int fd, h;

	fd = mmft_tmpfile(fz.dir, size, 0x11, fz.ctl_path, sizeof(fz.ctl_path));
	if (fd < 0 || !buf) {
		snprintf(fz.ctl_fail, sizeof(fz.ctl_fail), "control file: %d", fd);
		free(buf);
		return NULL;
	}
	resv = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (resv == MAP_FAILED) {
		snprintf(fz.ctl_fail, sizeof(fz.ctl_fail), "control reservation: %d", errno);
		close(fd);
		free(buf);
		return NULL;
	}
	while (!atomic_load(&fz.stop)) {
		unsigned char pat = (unsigned char)(fz.seed + fz.ctl_rounds * 7 + 1);
		uint64_t written;
		char *v;

		h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
		if (h < 0) {
			snprintf(fz.ctl_fail, sizeof(fz.ctl_fail), "control CREATE: %d", h);
			break;
		}
		v = mmap(resv, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, h, 0);
		if (v == MAP_FAILED) {
			/* On 6.1 the reservation may be gone: leave the range alone. */
			snprintf(fz.ctl_fail, sizeof(fz.ctl_fail), "control mmap: %d", errno);
			close(h);
			resv = MAP_FAILED;
			break;
		}
		if (madvise(v, span, MADV_DONTFORK)) {
			snprintf(fz.ctl_fail, sizeof(fz.ctl_fail), "control MADV_DONTFORK: %d", errno);
			munmap(v, span);
			close(h);
			resv = MAP_FAILED;
			break;
		}
		for (i = 0; i < size; i++)
			v[i] = pat ^ (unsigned char)(i * 31);
		if (fz.ctl_rounds % 3 == 1)
			mmft_flush(h, v, 0, MMF_FLUSH_ASYNC, &written);
		if (mmft_flush(h, v, 0, fz.ctl_rounds % 2 ? MMF_FLUSH_DURABLE : 0, &written)) {
			snprintf(fz.ctl_fail, sizeof(fz.ctl_fail), "control FLUSH: %d", errno);
			munmap(v, span);
			close(h);
			resv = MAP_FAILED;
			break;
		}
		/* The view goes; the reservation comes back in its place. */
		if (mmap(resv, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			 MAP_FIXED, -1, 0) == MAP_FAILED) {
			snprintf(fz.ctl_fail, sizeof(fz.ctl_fail), "control re-reserve: %d", errno);
			munmap(v, span);
			close(h);
			resv = MAP_FAILED;
			break;
		}
		close(h);
		if (pread(fd, buf, size, 0) != (ssize_t)size) {
			snprintf(fz.ctl_fail, sizeof(fz.ctl_fail), "control read: %d", errno);
			break;
		}
		for (i = 0; i < size; i++)
			if (buf[i] != (unsigned char)(pat ^ (unsigned char)(i * 31)))
				break;
		if (i < size) {
			size_t k, from = i & ~(size_t)15;
			char near[3 * 16 + 1] = "", who[64];

			for (k = from; k < from + 16 && k < size; k++)
				snprintf(near + 3 * (k - from), 4, "%02x ", buf[k]);
			fz_owner(v + i, who, sizeof(who));
			snprintf(fz.ctl_fail, sizeof(fz.ctl_fail),
				 "control round %" PRIu64 ": byte %zu reads %#x, wrote %#x; "
				 "bytes %zu..: %s(pattern %#x); view %p: %s",
				 fz.ctl_rounds, i, buf[i], (unsigned char)(pat ^ (i * 31)),
				 from, near, pat, (void *)v, who);
			break;
		}
		fz.ctl_last = pat;
		fz.ctl_rounds++;
		fz.ctl_bytes += size;
	}
	if (resv != MAP_FAILED)
		munmap(resv, span);
	close(fd);
	free(buf);
	return NULL;
}

/* ---- set-up ---- */

static void *fz_map_guarded(size_t pages)
{
	char *p = mmap(NULL, (pages + 1) * fz.page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p, pages * fz.page, PROT_READ | PROT_WRITE))
		return NULL;
	return p;
}

static int fz_thread_init(struct fz_thread *t, int idx)
{
	char name[64];
	int mfd, k;
	void *ro;

	memset(t, 0, sizeof(*t));
	t->idx = idx;
	t->rng = fz.seed ^ (0x5851f42d4c957f2dULL * (idx + 1));
	for (k = 0; k < FZ_HANDLES; k++)
		t->h[k] = -1;
	t->kcov_fd = -1;
	t->file = mmft_tmpfile(fz.dir, FZ_FILEPAGES * fz.page + 123, 0x33, t->path[0],
			       sizeof(t->path[0]));
	t->tmp = mmft_tmpfile("/tmp", FZ_FILEPAGES * fz.page, 0x44, t->path[1],
			      sizeof(t->path[1]));
	if (t->file < 0 || t->tmp < 0)
		return -1;
	t->rofile = open(t->path[0], O_RDONLY | O_CLOEXEC);
	t->wofile = open(t->path[0], O_WRONLY | O_CLOEXEC);
	t->pathfd = open(t->path[0], O_PATH | O_CLOEXEC);
	snprintf(name, sizeof(name), "fz%d", idx);
	t->memfd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (t->memfd < 0 || ftruncate(t->memfd, 4 * fz.page) ||
	    fcntl(t->memfd, F_ADD_SEALS, idx % 2 ? F_SEAL_WRITE : F_SEAL_SHRINK))
		return -1;
	/* The argument pages: one memfd mapped read-write and read-only. */
	mfd = memfd_create("fzarg", MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, FZ_ARGPAGES * fz.page))
		return -1;
	t->arg = fz_map_guarded(FZ_ARGPAGES);
	t->arg_ro = fz_map_guarded(FZ_ARGPAGES);
	if (!t->arg || !t->arg_ro)
		return -1;
	if (mmap(t->arg, FZ_ARGPAGES * fz.page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 mfd, 0) == MAP_FAILED)
		return -1;
	ro = mmap(t->arg_ro, FZ_ARGPAGES * fz.page, PROT_READ, MAP_SHARED | MAP_FIXED, mfd, 0);
	close(mfd);
	if (ro == MAP_FAILED)
		return -1;
	t->namepg = fz_map_guarded(1);
	t->bitmap = fz_map_guarded(2);
	t->hole = fz_map_guarded(16);
	t->noaccess = mmap(NULL, 16 * fz.page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!t->namepg || !t->bitmap || !t->hole || t->noaccess == MAP_FAILED)
		return -1;
	munmap(t->hole, 17 * fz.page);
	t->arena = mmap(NULL, (size_t)FZ_VIEWS * FZ_SLOT_PAGES * fz.page, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (t->arena == MAP_FAILED)
		return -1;
	return 0;
}

static void fz_thread_fini(struct fz_thread *t)
{
	int flags = 0;

	/* An immutable file cannot be removed. */
	ioctl(t->file, FZ_IOC_SETFLAGS, &flags);
	close(t->file);
	close(t->wofile);
	close(t->tmp);
	close(t->rofile);
	close(t->pathfd);
	close(t->memfd);
	unlink(t->path[0]);
	unlink(t->path[1]);
	free(t->pcs);
	free(t->corpus);
	if (t->child_pcs)
		munmap(t->child_pcs, FZ_KCOV_WORDS * sizeof(uint64_t));
}

static void fz_names_init(void)
{
	unsigned int k;

	for (k = 0; k < FZ_NAMES; k++) {
		char *n = fz.names[k];

		switch (k) {
		case 8:		/* a NUL inside */
			memcpy(n, "mmf-fuzz\0x", 10);
			fz.name_len[k] = 10;
			break;
		case 9:		/* the longest */
			memset(n, 'L', MMF_NAME_MAX);
			fz.name_len[k] = MMF_NAME_MAX;
			break;
		case 10:	/* what debugfs escapes */
			fz.name_len[k] = snprintf(n, 64, "mmf fuzz\t\\%u\n", k);
			break;
		case 11:
			n[0] = (char)0xff;
			fz.name_len[k] = 1;
			break;
		default:
			fz.name_len[k] = snprintf(n, 64, "mmf-fuzz-%u", k);
			break;
		}
	}
}

/*
 * The weights of the calls; MMF_FUZZ_OPS=name,name keeps only those.  The
 * long form (@cheap) makes the ioctls that do no I/O four times as
 * frequent: 10^7 calls in well under an hour of TCG guest.
 */
static void fz_weights(const char *only, int cheap)
{
	unsigned int k;

	fz.total_weight = 0;
	for (k = 0; k < OP_NR; k++) {
		const char *p = only ? strstr(only, fz_opname[k]) : NULL;
		size_t n = strlen(fz_opname[k]);

		fz.weight[k] = fz_weight[k];
		if (cheap && (k == OP_STAT || k == OP_QUERY || k == OP_FMAPPED ||
			      k == OP_VERSION || k == OP_BADCMD || k == OP_WATCH || k == OP_OPEN))
			fz.weight[k] *= 4;
		if (only && !(p && (p == only || p[-1] == ',') && (!p[n] || p[n] == ',')))
			fz.weight[k] = 0;
		fz.total_weight += fz.weight[k];
	}
	if (!fz.total_weight)
		fz_weights(NULL, cheap);
}

#define FZ_SWAPFILE	"/mnt/ext4/mmf-fuzz.swap"
#define FZ_OVL		"/tmp/mmf-fuzz-ovl"
#define FZ_USER_LIMIT	"/sys/module/mmf/parameters/max_sections_per_user"

/*
 * Backing files CREATE must refuse or restrict: an active swap file (16
 * pages, made here: the header is one page) and a file on overlayfs.
 * Either is -1 where it cannot be had.
 */
static void fz_odd_files(void)
{
	char buf[4096 * 4] = { 0 };
	uint32_t hdr[3] = { 1, 15, 0 };	/* version, last page, bad pages */
	int fd;

	fz.swapfd = -1;
	fz.ovlfd = -1;
	fd = open(FZ_SWAPFILE, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0 && fz.page == 4096) {
		memcpy(buf + 1024, hdr, sizeof(hdr));
		memcpy(buf + fz.page - 10, "SWAPSPACE2", 10);
		if (pwrite(fd, buf, sizeof(buf), 0) == sizeof(buf)) {
			memset(buf, 0, sizeof(buf));
			if (pwrite(fd, buf, sizeof(buf), sizeof(buf)) == sizeof(buf) &&
			    pwrite(fd, buf, sizeof(buf), 2 * sizeof(buf)) == sizeof(buf) &&
			    pwrite(fd, buf, sizeof(buf), 3 * sizeof(buf)) == sizeof(buf) &&
			    !fsync(fd) && !swapon(FZ_SWAPFILE, 0))
				fz.swapfd = fd;
		}
	}
	if (fz.swapfd < 0) {
		if (fd >= 0)
			close(fd);
		unlink(FZ_SWAPFILE);
	}
	if (mkdir(FZ_OVL, 0700) || mkdir(FZ_OVL "/l", 0700) || mkdir(FZ_OVL "/u", 0700) ||
	    mkdir(FZ_OVL "/w", 0700) || mkdir(FZ_OVL "/m", 0700) ||
	    mount("overlay", FZ_OVL "/m", "overlay", 0,
		  "lowerdir=" FZ_OVL "/l,upperdir=" FZ_OVL "/u,workdir=" FZ_OVL "/w"))
		return;
	fz.ovlfd = open(FZ_OVL "/m/f", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fz.ovlfd >= 0 && pwrite(fz.ovlfd, buf, fz.page, 0) != (ssize_t)fz.page) {
		close(fz.ovlfd);
		fz.ovlfd = -1;
	}
}

static void fz_odd_files_fini(void)
{
	if (fz.swapfd >= 0) {
		swapoff(FZ_SWAPFILE);
		close(fz.swapfd);
		unlink(FZ_SWAPFILE);
	}
	if (fz.ovlfd >= 0)
		close(fz.ovlfd);
	umount(FZ_OVL "/m");
	unlink(FZ_OVL "/u/f");
	rmdir(FZ_OVL "/u");
	rmdir(FZ_OVL "/w/work");
	rmdir(FZ_OVL "/w");
	rmdir(FZ_OVL "/l");
	rmdir(FZ_OVL "/m");
	rmdir(FZ_OVL);
}

static uint64_t fz_env(const char *name, uint64_t def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

/* The PCs reached, as absolute hex, and the module's text sections. */
static void fz_print_cover(void)
{
	DIR *d = opendir("/sys/module/mmf/sections");
	struct dirent *e;
	unsigned int i, n = 0;
	char line[160];
	int len = 0;

	while (d && (e = readdir(d))) {
		char path[300], val[64];

		if (strncmp(e->d_name, ".text", 5) && strncmp(e->d_name, ".init.text", 10) &&
		    strncmp(e->d_name, ".exit.text", 10))
			continue;
		snprintf(path, sizeof(path), "/sys/module/mmf/sections/%s", e->d_name);
		if (!mmft_read_knob(path, val, sizeof(val)))
			printf("# kcov-section: %s %s\n", e->d_name, val);
	}
	if (d)
		closedir(d);
	for (i = 0; i < FZ_PCSET; i++) {
		if (!fz.pcs[i])
			continue;
		len += snprintf(line + len, sizeof(line) - len, " %" PRIx64, fz.pcs[i]);
		if (++n % 8 == 0) {
			printf("# kcov:%s\n", line);
			len = 0;
		}
	}
	if (len)
		printf("# kcov:%s\n", line);
	fflush(stdout);
}

static int fz_wait_counter(const char *key, long want)
{
	long val = -1;
	int i;

	for (i = 0; i < 100; i++) {
		val = mmft_debugfs_counter(key);
		if (val == want)
			break;
		usleep(100000);
	}
	return val;
}

FIXTURE(fuzz) {
	int dummy;
};

FIXTURE_SETUP(fuzz)
{
	struct stat st;

	if (access(MMF_DEVICE_PATH, R_OK | W_OK))
		SKIP(return, "no %s", MMF_DEVICE_PATH);
	memset(&fz, 0, sizeof(fz));
	fz.page = MMFT_PAGE;
	snprintf(fz.dir, sizeof(fz.dir), "%s",
		 stat("/mnt/ext4", &st) == 0 && S_ISDIR(st.st_mode) ? "/mnt/ext4" : "/tmp");
}

FIXTURE_TEARDOWN(fuzz)
{
}

/*
 * The fuzz run.  Its long form (MMF_STRESS=1) makes 10^7 calls; on a
 * TCG guest that takes tens of minutes, hence the time limit.
 */
TEST_F_TIMEOUT(fuzz, random_calls_break_nothing, 7200)
{
	struct fz_thread *th;
	pthread_t ctl;
	struct sigaction sa = { .sa_sigaction = fz_signal, .sa_flags = SA_SIGINFO | SA_NODEFER };
	unsigned long long mark = kmsg_mark();
	long sections0 = mmft_debugfs_counter("sections");
	long views0 = mmft_debugfs_counter("views");
	long chunks0 = mmft_debugfs_counter("chunks");
	long cursors0 = mmft_debugfs_counter("cursors");
	int stress = mmft_stress();
	uint64_t calls = 0, ioctls = 0, mm = 0, touches = 0, faults = 0, forks = 0, bad = 0;
	uint64_t corpus = 0, reclaims = 0;
	unsigned int i;
	double took;
	int made = 0, limit_ok;
	char limit[32];

	ASSERT_EQ(0, sections0) TH_LOG("sections left by earlier tests");
	ASSERT_EQ(0, views0);
	fz.seed = fz_env("MMF_FUZZ_SEED", (uint64_t)time(NULL) * 2654435761ULL ^ getpid());
	fz.threads = fz_env("MMF_FUZZ_THREADS", 4);
	if (fz.threads < 1 || fz.threads > FZ_THREADS_MAX)
		fz.threads = 4;
	fz.max_calls = fz_env("MMF_FUZZ_CALLS", stress ? 10000000 : 2000000);
	fz.seconds = fz_env("MMF_FUZZ_SECONDS", stress ? 4800 : 8);
	fz.cover = fz_env("MMF_FUZZ_COVER", 0);
	fz.have_kcov = access(FZ_KCOV_PATH, R_OK | W_OK) == 0;
	fz.profile = fz_env("MMF_FUZZ_PROFILE", 0);
	fz_weights(getenv("MMF_FUZZ_OPS"), stress);
	printf("# fuzz: seed %#" PRIx64 " (MMF_FUZZ_SEED=%#" PRIx64 " repeats it), %u threads, "
	       "at most %" PRIu64 " calls or %.0f s, KCOV %s\n", fz.seed, fz.seed, fz.threads,
	       fz.max_calls, fz.seconds, fz.have_kcov ? "on" : "absent");
	fflush(stdout);
	fz_names_init();
	if (fz.have_kcov)
		fz.pcs = calloc(FZ_PCSET, sizeof(uint64_t));
	fz.shared = mmft_tmpfile(fz.dir, 32 * fz.page, 0x55, fz.ctl_path, sizeof(fz.ctl_path));
	ASSERT_LE(0, fz.shared);
	unlink(fz.ctl_path);
	fz.empty = mmft_tmpfile("/tmp", 0, 0, fz.ctl_path, sizeof(fz.ctl_path));
	ASSERT_LE(0, fz.empty);
	unlink(fz.ctl_path);
	fz.dirfd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fz.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	fz.procfd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	fz_odd_files();
	fz.devnull_mmf = mmft_handle();
	printf("# fuzz: an active swap file: %s; a file on overlayfs: %s\n",
	       fz.swapfd >= 0 ? "yes" : "no", fz.ovlfd >= 0 ? "yes" : "no");
	/* Children that become an unprivileged user meet the per-user limit. */
	limit_ok = !mmft_read_knob(FZ_USER_LIMIT, limit, sizeof(limit)) &&
		   !mmft_write_knob(FZ_USER_LIMIT, "4");
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, NULL));
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));

	th = calloc(fz.threads, sizeof(*th));
	ASSERT_NE(NULL, th);
	for (i = 0; i < fz.threads; i++)
		ASSERT_EQ(0, fz_thread_init(&th[i], i)) TH_LOG("thread %u set-up: %s", i,
							       strerror(errno));
	fz.th = th;
	fz.t0 = fz_now();
	ASSERT_EQ(0, pthread_create(&ctl, NULL, fz_control, NULL));
	for (i = 0; i < fz.threads; i++)
		if (!pthread_create(&th[i].tid, NULL, fz_thread_main, &th[i]))
			made++;
	if (made < (int)fz.threads)
		atomic_store(&fz.stop, 1);
	for (i = 0; i < (unsigned int)made; i++)
		pthread_join(th[i].tid, NULL);
	atomic_store(&fz.stop, 1);
	pthread_join(ctl, NULL);
	took = fz_now() - fz.t0;
	ASSERT_EQ((int)fz.threads, made);

	for (i = 0; i < fz.threads; i++) {
		calls += th[i].calls;
		ioctls += th[i].ioctls;
		mm += th[i].mm;
		touches += th[i].touches;
		faults += th[i].faults;
		forks += th[i].forks;
		bad += th[i].children_bad;
		corpus += th[i].corpus_adds;
		reclaims += th[i].reclaims;
		EXPECT_STREQ("", th[i].fail) TH_LOG("thread %u", i);
		fz_thread_fini(&th[i]);
	}
	close(fz.shared);
	close(fz.empty);
	close(fz.dirfd);
	close(fz.devnull);
	close(fz.procfd);
	fz_odd_files_fini();
	close(fz.devnull_mmf);
	if (limit_ok)
		mmft_write_knob(FZ_USER_LIMIT, limit);
	printf("# fuzz: %" PRIu64 " calls (%" PRIu64 " ioctls, %" PRIu64 " other) in %.1f s, "
	       "%" PRIu64 " view accesses (%" PRIu64 " faulted), %" PRIu64 " forks; "
	       "control file: %" PRIu64 " rounds, %" PRIu64 " bytes verified\n",
	       calls, ioctls, mm, took, touches, faults, forks, fz.ctl_rounds, fz.ctl_bytes);
	printf("# fuzz: %" PRIu64 " view ranges a failed call had left unmapped, "
	       "reserved again\n", reclaims);
	if (fz.have_kcov)
		printf("# fuzz: KCOV: %u module PCs reached, %" PRIu64 " calls kept in corpora\n",
		       atomic_load(&fz.npcs), corpus);
	if (stress && calls < fz.max_calls)
		printf("# fuzz: the time limit came before %" PRIu64 " calls\n", fz.max_calls);
	fflush(stdout);
	if (fz.profile) {
		unsigned int k;

		for (k = 0; k < OP_NR; k++) {
			uint64_t ns = 0, n = 0;

			for (i = 0; i < fz.threads; i++) {
				ns += th[i].op_ns[k];
				n += th[i].op_n[k];
			}
			printf("# fuzz: %-9s %8" PRIu64 " ops %8.3f s %6.1f us/op\n", fz_opname[k], n,
			       ns / 1e9, n ? ns / 1e3 / n : 0.0);
		}
	}
	if (fz.cover && fz.pcs)
		fz_print_cover();
	free(fz.pcs);

	EXPECT_EQ(0, bad) TH_LOG("forked children that did not exit cleanly");
	EXPECT_STREQ("", fz.ctl_fail);
	EXPECT_LT(0, fz.ctl_rounds);
	EXPECT_LT(0, calls);
	/* Everything is closed: the module's objects are gone. */
	EXPECT_EQ(sections0, fz_wait_counter("sections", sections0));
	EXPECT_EQ(views0, fz_wait_counter("views", views0));
	EXPECT_EQ(chunks0, fz_wait_counter("chunks", chunks0));
	EXPECT_EQ(cursors0, fz_wait_counter("cursors", cursors0));
	/* The control file, from the disk this time. */
	if (fz.ctl_rounds && !fz.ctl_fail[0]) {
		int fd = open(fz.ctl_path, O_RDONLY | O_CLOEXEC);
		size_t size = 8 * fz.page + 321, k;
		unsigned char *buf = malloc(size);

		ASSERT_LE(0, fd);
		ASSERT_NE(NULL, buf);
		ASSERT_EQ(0, mmft_drop_caches());
		ASSERT_EQ((ssize_t)size, pread(fd, buf, size, 0));
		for (k = 0; k < size; k++)
			if (buf[k] != (unsigned char)(fz.ctl_last ^ (unsigned char)(k * 31)))
				break;
		EXPECT_EQ(size, k) TH_LOG("control file byte %zu", k);
		close(fd);
		free(buf);
	}
	unlink(fz.ctl_path);
	EXPECT_EQ(0, kmsg_count_since(mark, "WARNING"));
	EXPECT_EQ(0, kmsg_count_since(mark, "BUG:"));
	EXPECT_EQ(0, kmsg_count_since(mark, "KASAN"));
}

TEST_HARNESS_MAIN
