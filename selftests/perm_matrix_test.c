// SPDX-License-Identifier: GPL-2.0
/*
 * The permission matrix (issue 7): for every cell (section protection x
 * handle access x view kind) and every operation a user can apply to a
 * view or a handle, the outcome the threat model of
 * Documentation/security.rst promises: allowed iff the handle's access
 * allows it and the range is in the section; the file's bytes, read back
 * by root with pread after each operation, unchanged unless the operation
 * was an allowed write; the bytes outside the section never read.
 *
 * Root makes a 4-page 0600 file on ext4 into a named section of 2.5 pages
 * (mode 0777), so that the last page is partial and page 3 lies outside.
 * The attacker is uid 65534 in a forked child, which opens the section by
 * name and runs the operations one by one on fresh views of the section's
 * two full pages (its partial page, which shows bytes past the section,
 * is not the attacker's to map), in lockstep with the test, which restores the file and the
 * write watch before each operation and checks them after it.  It runs as
 * another uid, in a new user and IPC namespace (with a handle opened
 * before, the name must be invisible there) and under Landlock.
 *
 * A cell is one FIXTURE_VARIANT, a place one TEST_F: KTAP says
 * "matrix.<protection>_<access>_<view>.<place>" and the log names the
 * operation that broke the promise.  A new operation is one row of ops[].
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/landlock.h>
#include <linux/mmf.h>
#include <linux/userfaultfd.h>

#include "kselftest_harness.h"
#include "mmf_test.h"
#include "mmf_attack.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif

#define NAME		"mmf-matrix"
#define PG		MMFT_PAGE
#define FILE_PAGES	4
#define SEC		(2 * PG + PG / 2)	/* section size: page 2 is partial */
#define VIEW		(2 * PG)		/* the attacker's views: its full pages */
#define ROOT_VIEW	(3 * PG)		/* root holds the file: all of it */
#define MARK		'Z'			/* what writes write, at offset MARK_AT */
#define MARK_AT		16

/* The file: 'A', 'B', 'C' in the section, 'c' and 'D' past it. */
#define MAX_PG		65536
static unsigned char orig[FILE_PAGES * MAX_PG];
static char path[64];

static void fill_orig(void)
{
	size_t i;

	for (i = 0; i < FILE_PAGES * PG; i++)
		orig[i] = i < SEC ? 'A' + i / PG : i < 3 * PG ? 'c' : 'D';
}

static int outside_byte(unsigned char b)
{
	return b == 'c' || b == 'D';
}

enum kind { SHARED_RO, SHARED_RW, PRIVATE };
enum place { OTHER_UID, USER_NS, LANDLOCK };

struct cell {
	unsigned int prot;	/* MMF_PROT_* */
	unsigned int access;	/* OPEN asks for this */
	enum kind kind;
	int tmpfs;		/* the file on tmpfs (shmem), not ext4 */
};

#define R	MMF_ACCESS_READ
#define W	MMF_ACCESS_WRITE
#define C	MMF_ACCESS_COPY
#define X	MMF_ACCESS_EXEC

static int shared(const struct cell *c)
{
	return c->kind != PRIVATE;
}

static int handle_writes(const struct cell *c)
{
	return !!(c->access & W);
}

/* ---- the operations, run by the attacker ------------------------------ */

struct result {
	int ran;		/* the attacker got to run it */
	int setup;		/* the view could not be made: -errno */
	int ret;		/* 0 allowed, -errno refused, a signal if it faulted */
	int wrote;		/* the write it attempted went through */
	int saw_outside;	/* bytes past the section were read */
	long info, info2;	/* per operation, see the checks */
	long watch;		/* filled by the test: root's write watch after */
};

struct ctx {
	const struct cell *cell;
	int h;			/* the attacker's handle */
	int mem;		/* /proc/self/mem, opened before any restriction */
	int opath;		/* O_PATH fd of the backing file */
	unsigned char *v;	/* the view the operation left */
	size_t len;
	unsigned char *extra;	/* a second range it may have made */
	size_t extra_len;
};

static int view_prot(const struct cell *c)
{
	return c->kind == SHARED_RO ? PROT_READ : PROT_READ | PROT_WRITE;
}

static int view_flags(const struct cell *c)
{
	return c->kind == PRIVATE ? MAP_PRIVATE : MAP_SHARED;
}

/* Write MARK through @v (may fault). */
static void mark(struct result *r, unsigned char *v)
{
	static const unsigned char m = MARK;

	r->wrote = !mmft_probe_copy(v + MARK_AT, &m, 1);
}

static int ret_of(int sysret)
{
	return sysret < 0 ? -errno : 0;
}

static void op_mmap(struct ctx *c, struct result *r, int prot, int flags)
{
	void *p = mmap(NULL, VIEW, prot, flags, c->h, 0);

	if (p == MAP_FAILED) {
		r->ret = -errno;
		return;
	}
	c->v = p;
	c->len = VIEW;
	if (prot & PROT_WRITE)
		mark(r, c->v);
}

static void mmap_shared_read(struct ctx *c, struct result *r)
{
	op_mmap(c, r, PROT_READ, MAP_SHARED);
}

static void mmap_shared_write(struct ctx *c, struct result *r)
{
	op_mmap(c, r, PROT_READ | PROT_WRITE, MAP_SHARED);
}

static void mmap_shared_exec(struct ctx *c, struct result *r)
{
	op_mmap(c, r, PROT_READ | PROT_EXEC, MAP_SHARED);
}

static void mmap_shared_write_exec(struct ctx *c, struct result *r)
{
	op_mmap(c, r, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED);
}

static void mmap_private_write(struct ctx *c, struct result *r)
{
	op_mmap(c, r, PROT_READ | PROT_WRITE, MAP_PRIVATE);
}

static void mmap_private_exec(struct ctx *c, struct result *r)
{
	op_mmap(c, r, PROT_READ | PROT_EXEC, MAP_PRIVATE);
}

/* Page 3 alone, and four pages from 0: both past the section. */
static void mmap_past_the_section(struct ctx *c, struct result *r)
{
	void *p = mmap(NULL, PG, PROT_READ, MAP_SHARED, c->h, 3 * PG);

	if (p != MAP_FAILED) {
		c->extra = p;
		c->extra_len = PG;
		return;
	}
	r->ret = -errno;
	p = mmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, c->h, 0);
	if (p != MAP_FAILED) {
		c->v = p;
		c->len = 4 * PG;
		r->ret = 0;
	}
}

/* The partial last page, alone and with the rest: it shows bytes past the section. */
static void mmap_the_partial_page(struct ctx *c, struct result *r)
{
	void *p = mmap(NULL, PG, PROT_READ, MAP_SHARED, c->h, 2 * PG);

	if (p != MAP_FAILED) {
		c->extra = p;
		c->extra_len = PG;
		return;
	}
	r->ret = -errno;
	p = mmap(NULL, 3 * PG, PROT_READ, MAP_SHARED, c->h, 0);
	if (p != MAP_FAILED) {
		c->v = p;
		c->len = 3 * PG;
		r->ret = 0;
	}
}

static void store(struct ctx *c, struct result *r)
{
	mark(r, c->v);
	r->ret = r->wrote ? 0 : SIGSEGV;
}

static void mprotect_write(struct ctx *c, struct result *r)
{
	r->ret = ret_of(mprotect(c->v, c->len, PROT_READ | PROT_WRITE));
	mark(r, c->v);
}

static void mprotect_exec(struct ctx *c, struct result *r)
{
	r->ret = ret_of(mprotect(c->v, c->len, PROT_READ | PROT_EXEC));
}

static void mprotect_write_exec(struct ctx *c, struct result *r)
{
	r->ret = ret_of(mprotect(c->v, c->len, PROT_READ | PROT_WRITE | PROT_EXEC));
	mark(r, c->v);
}

/* Down to read-only (a write faults), then to nothing (a read faults). */
static void mprotect_down(struct ctx *c, struct result *r)
{
	unsigned char b;

	r->ret = ret_of(mprotect(c->v, c->len, PROT_READ));
	mark(r, c->v);
	if (!mprotect(c->v, c->len, PROT_NONE))
		r->info = mmft_probe_copy(&b, c->v, 1) != 0;
}

static void remap_outside(struct ctx *c, struct result *r)
{
	r->ret = ret_of(remap_file_pages(c->v, PG, 0, 3, 0));
}

static void remap_the_partial_page(struct ctx *c, struct result *r)
{
	r->ret = ret_of(remap_file_pages(c->v, PG, 0, 2, 0));
}

static void remap_then_write(struct ctx *c, struct result *r)
{
	r->ret = ret_of(remap_file_pages(c->v, PG, 0, 0, 0));
	mprotect(c->v, PG, PROT_READ | PROT_WRITE);
	mark(r, c->v);
}

/* Over the partial page, and past the section. */
static void mremap_grow(struct ctx *c, struct result *r)
{
	size_t len = 3 * PG;
	void *p = mremap(c->v, c->len, len, MREMAP_MAYMOVE);

	if (p == MAP_FAILED) {
		len = 4 * PG;
		p = mremap(c->v, c->len, len, MREMAP_MAYMOVE);
	}
	r->ret = p == MAP_FAILED ? -errno : 0;
	if (p != MAP_FAILED) {
		c->v = p;
		c->len = len;
	}
}

static long query_access(const void *addr, long *geometry)
{
	struct mmf_query q = { .size = sizeof(q), .addr = (uintptr_t)addr };
	int h = mmft_handle();
	long ret;

	if (h < 0)
		return h;
	ret = ioctl(h, MMF_IOC_QUERY, &q) ? -errno : q.access;
	close(h);
	if (geometry)
		*geometry = ret >= 0 && q.view_start == (uintptr_t)addr &&
			    q.view_length == VIEW && q.offset == 0 && q.section_size == SEC;
	return ret;
}

/* Move the view elsewhere: still a view of the section, same rights. */
static void mremap_move(struct ctx *c, struct result *r)
{
	void *dst = mmap(NULL, c->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *p;

	if (dst == MAP_FAILED) {
		r->setup = -errno;
		return;
	}
	p = mremap(c->v, c->len, c->len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (p == MAP_FAILED) {
		r->ret = -errno;
		munmap(dst, c->len);
		return;
	}
	c->v = p;
	r->info = query_access(p, &r->info2);
	mark(r, c->v);
}

static void mremap_dontunmap(struct ctx *c, struct result *r)
{
	void *p = mremap(c->v, c->len, c->len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);

	r->ret = p == MAP_FAILED ? -errno : 0;
	if (p != MAP_FAILED) {
		c->extra = p;
		c->extra_len = c->len;
	}
}

/* old_len 0: a second mapping of the same pages. */
static void mremap_duplicate(struct ctx *c, struct result *r)
{
	void *p = mremap(c->v, 0, 4 * PG, MREMAP_MAYMOVE);

	r->ret = p == MAP_FAILED ? -errno : 0;
	if (p != MAP_FAILED) {
		c->extra = p;
		c->extra_len = 4 * PG;
	}
}

static void fork_write(struct ctx *c, struct result *r)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		c->v[MARK_AT] = MARK;
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		r->setup = -ECHILD;
		return;
	}
	r->ret = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	r->wrote = !r->ret;
}

static void madvise_dontneed(struct ctx *c, struct result *r)
{
	unsigned char b = 0;

	/* A private view's copy goes, and the file shows through again. */
	if (c->cell->kind == PRIVATE)
		mark(r, c->v);
	r->ret = ret_of(madvise(c->v, c->len, MADV_DONTNEED));
	mmft_probe_copy(&b, c->v + MARK_AT, 1);
	r->info = b;
	r->wrote = 0;
}

static void madvise_remove(struct ctx *c, struct result *r)
{
	r->ret = ret_of(madvise(c->v, c->len, MADV_REMOVE));
	r->wrote = !r->ret;
}

static void madvise_willneed(struct ctx *c, struct result *r)
{
	r->ret = ret_of(madvise(c->v, c->len, MADV_WILLNEED));
}

static void madvise_pageout(struct ctx *c, struct result *r)
{
	r->ret = ret_of(madvise(c->v, c->len, MADV_PAGEOUT));
}

static void madvise_populate_write(struct ctx *c, struct result *r)
{
	r->ret = ret_of(madvise(c->v, c->len, MADV_POPULATE_WRITE));
}

/* Another process of the same user writes into the view. */
static void process_vm_write(struct ctx *c, struct result *r)
{
	int status;
	pid_t pid, target = getpid();

	pid = fork();
	if (pid == 0) {
		unsigned char m = MARK;
		struct iovec local = { &m, 1 }, remote = { c->v + MARK_AT, 1 };

		_exit(process_vm_writev(target, &local, 1, &remote, 1, 0) == 1 ? 0 : errno);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		r->setup = -ECHILD;
		return;
	}
	r->ret = -WEXITSTATUS(status);
	r->wrote = !r->ret;
}

/* FOLL_FORCE: as ptrace(PTRACE_POKEDATA) writes. */
static void proc_mem_write(struct ctx *c, struct result *r)
{
	unsigned char m = MARK;

	r->ret = pwrite(c->mem, &m, 1, (off_t)(uintptr_t)(c->v + MARK_AT)) == 1 ? 0 :
		 -errno;
	r->wrote = !r->ret;
}

/* Whether @len bytes at @buf hold any byte from past the section. */
static int any_outside(const unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (outside_byte(buf[i]))
			return 1;
	return 0;
}

/* The whole view into a pipe: its pages, up to the first that faults. */
static void vmsplice_read(struct ctx *c, struct result *r)
{
	struct iovec iov = { c->v, c->len };
	unsigned char *buf = malloc(c->len);
	ssize_t n;
	int p[2];

	if (!buf || pipe(p)) {
		r->setup = -ENOMEM;
		free(buf);
		return;
	}
	n = vmsplice(p[1], &iov, 1, SPLICE_F_NONBLOCK);
	r->ret = n < 0 ? -errno : 0;
	if (n > 0 && read(p[0], buf, n) == n)
		r->saw_outside |= any_outside(buf, n);
	r->info = n;
	close(p[0]);
	close(p[1]);
	free(buf);
}

/* Another process of the user reads the whole view. */
static void process_vm_read(struct ctx *c, struct result *r)
{
	int status;
	pid_t pid, target = getpid();

	pid = fork();
	if (pid == 0) {
		unsigned char *buf = malloc(c->len);
		struct iovec local = { buf, c->len }, remote = { c->v, c->len };
		ssize_t n = buf ? process_vm_readv(target, &local, 1, &remote, 1, 0) : -1;

		if (n > 0)
			r->saw_outside |= any_outside(buf, n);
		r->info = n;
		_exit(n < 0 ? errno : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		r->setup = -ECHILD;
		return;
	}
	r->ret = -WEXITSTATUS(status);
}

/* FOLL_FORCE reads, as ptrace(PTRACE_PEEKDATA). */
static void proc_mem_read(struct ctx *c, struct result *r)
{
	unsigned char *buf = malloc(c->len);
	ssize_t n = buf ? pread(c->mem, buf, c->len, (off_t)(uintptr_t)c->v) : -1;

	r->ret = n < 0 ? -errno : 0;
	if (n > 0)
		r->saw_outside |= any_outside(buf, n);
	r->info = n;
	free(buf);
}

/* Missing-page faults of a view handed to the user (UFFDIO_COPY). */
static void userfaultfd_register(struct ctx *c, struct result *r)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { (uintptr_t)c->v, c->len }, .mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int u = syscall(__NR_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);

	if (u < 0) {
		r->ret = -errno;
		return;
	}
	r->ret = ioctl(u, UFFDIO_API, &api) ? -errno : 0;
	if (!r->ret)
		r->ret = ioctl(u, UFFDIO_REGISTER, &reg) ? -errno : 0;
	close(u);
}

static void flush(struct ctx *c, struct result *r)
{
	r->ret = mmft_flush(c->h, c->v, 0, 0, NULL);
}

static void write_watch(struct ctx *c, struct result *r)
{
	uint64_t bits;
	int n = watch(c->h, c->v, c->len, 0, &bits, 64);

	r->ret = n < 0 ? n : 0;
	r->info = n;
}

static void write_watch_reset(struct ctx *c, struct result *r)
{
	uint64_t bits;
	int n = watch(c->h, c->v, c->len, MMF_WATCH_RESET, &bits, 64);

	r->ret = n < 0 ? n : 0;
}

static void query(struct ctx *c, struct result *r)
{
	r->info = query_access(c->v, &r->info2);
	r->ret = r->info < 0 ? (int)r->info : 0;
}

static void stat_section(struct ctx *c, struct result *r)
{
	struct mmf_stat st;

	r->ret = mmft_stat(c->h, &st);
	r->info = st.section_size;
}

/* Who may only look the file up does not learn about its views. */
static void file_mapped(struct ctx *c, struct result *r)
{
	struct mmf_file_mapped fm = { .size = sizeof(fm), .fd = c->opath };

	r->ret = ret_of(ioctl(c->h, MMF_IOC_FILE_MAPPED, &fm));
}

static void open_by_name(struct ctx *c, struct result *r)
{
	int h = mmft_open_named(NAME, R, NULL);

	r->ret = h < 0 ? h : 0;
	if (h >= 0)
		close(h);
}

/* A CREATE of the name: joins it, or (another namespace) makes its own. */
static void create_same_name(struct ctx *c, struct result *r)
{
	struct mmf_create cr = { 0 };
	int h = mmft_create_swap(PG, NAME, 0600, &cr);

	r->ret = h < 0 ? h : 0;
	r->info = cr.result & MMF_RESULT_EXISTED;
	if (h >= 0)
		close(h);
}

/* ---- what the threat model promises ----------------------------------- */

enum { NO, YES, EITHER };

/* Predicates over a cell and a place; the names say when they hold. */
enum rule {
	ALWAYS, NEVER,
	IF_HANDLE_WRITES,	/* the handle has WRITE */
	IF_HANDLE_EXECS,	/* the handle has EXEC */
	IF_VIEW_WRITES,		/* the view is mapped writable */
	IF_VIEW_MAY_WRITE,	/* ... or the handle may make it so */
	IF_MAY_WRITE_AND_EXEC,
	IF_SHARED_RW_VIEW,
	IF_SHARED_AND_HANDLE_WRITES,
	EITHER_IF_SHARED_AND_HANDLE_WRITES,
	IF_PRIVATE_OR_HANDLE_WRITES,
	IF_NAME_VISIBLE,	/* not from another IPC namespace */
	FOLL_FORCE_WRITE,	/* /proc/pid/mem, ptrace */
};

static int rule(enum rule rl, const struct cell *c, enum place where)
{
	int vw = c->kind != SHARED_RO, hw = handle_writes(c);

	switch (rl) {
	case ALWAYS:
		return YES;
	case NEVER:
		return NO;
	case IF_HANDLE_WRITES:
		return hw;
	case IF_HANDLE_EXECS:
		return !!(c->access & X);
	case IF_VIEW_WRITES:
		return vw;
	case IF_VIEW_MAY_WRITE:
		return vw || hw;
	case IF_MAY_WRITE_AND_EXEC:
		return (vw || hw) && (c->access & X);
	case IF_SHARED_RW_VIEW:
		return c->kind == SHARED_RW;
	case IF_SHARED_AND_HANDLE_WRITES:
		return shared(c) && hw;
	case EITHER_IF_SHARED_AND_HANDLE_WRITES:
		return shared(c) && hw ? EITHER : NO;
	case IF_PRIVATE_OR_HANDLE_WRITES:
		return !shared(c) || hw;
	case IF_NAME_VISIBLE:
		return where != USER_NS;
	case FOLL_FORCE_WRITE:
		/* The core refuses forced writes to shared read-only VMAs. */
		return vw ? YES : hw ? EITHER : NO;
	}
	return NO;
}

/* What an allowed write leaves in the file. */
enum effect { MARKS, PUNCHES };

struct op;
typedef const char *(*check_fn)(const struct op *op, const struct cell *c,
				enum place where, const struct result *r);

struct op {
	const char *name;
	void (*run)(struct ctx *c, struct result *r);
	int premap;		/* runs on a fresh view of the cell's kind */
	enum rule allowed;	/* the call succeeds */
	enum rule may_write;	/* its write may reach the file */
	enum effect effect;
	check_fn check;		/* more, or NULL */
};

static char why[256];

static const char *expect_errno(int want, const struct result *r)
{
	if (r->ret == want)
		return NULL;
	snprintf(why, sizeof(why), "refused with %d, expected %d", r->ret, want);
	return why;
}

static const char *check_past(const struct op *op, const struct cell *c, enum place where,
			      const struct result *r)
{
	return expect_errno(-EINVAL, r);
}

/* Who may not read the file has no view of the partial page. */
static const char *check_partial(const struct op *op, const struct cell *c, enum place where,
				 const struct result *r)
{
	return expect_errno(-EACCES, r);
}

static const char *check_remap(const struct op *op, const struct cell *c, enum place where,
			       const struct result *r)
{
	/* A private view has nothing to remap; a shared one is refused. */
	return expect_errno(shared(c) ? -EPERM : -EINVAL, r);
}

static const char *check_down(const struct op *op, const struct cell *c, enum place where,
			      const struct result *r)
{
	if (r->wrote)
		return "a write went through after mprotect(PROT_READ)";
	if (!r->info)
		return "a read went through after mprotect(PROT_NONE)";
	return NULL;
}

static long view_access(const struct cell *c)
{
	return c->kind == SHARED_RO ? R : c->kind == SHARED_RW ? R | W : R | C;
}

static const char *check_query(const struct op *op, const struct cell *c, enum place where,
			       const struct result *r)
{
	if (r->info != view_access(c)) {
		snprintf(why, sizeof(why), "QUERY says access %#lx, expected %#lx", r->info,
			 view_access(c));
		return why;
	}
	return r->info2 ? NULL : "QUERY reports another start, length, offset or size";
}

static const char *check_dontneed(const struct op *op, const struct cell *c,
				  enum place where, const struct result *r)
{
	return r->info == 'A' ? NULL : "the view does not show the file after MADV_DONTNEED";
}

static int rw_section(const struct cell *c)
{
	return c->prot == MMF_PROT_READWRITE;
}

/* Root wrote pages 0 and 1 before; who may write the section may clear them. */
static long watch_after(const struct cell *c)
{
	if (!rw_section(c))
		return 0;
	return shared(c) && handle_writes(c) ? 0 : 2;
}

static const char *check_watch_kept(const struct op *op, const struct cell *c,
				    enum place where, const struct result *r)
{
	if (r->watch == watch_after(c))
		return NULL;
	snprintf(why, sizeof(why), "root's write watch shows %ld pages, expected %ld",
		 r->watch, watch_after(c));
	return why;
}

static const char *check_watch(const struct op *op, const struct cell *c, enum place where,
			       const struct result *r)
{
	long want = shared(c) && rw_section(c) ? 2 : 0;

	if (r->info == want)
		return NULL;
	snprintf(why, sizeof(why), "WRITE_WATCH reports %ld pages, expected %ld", r->info, want);
	return why;
}

/* A read of the whole view gets all of it. */
static const char *check_read_some(const struct op *op, const struct cell *c,
				   enum place where, const struct result *r)
{
	if (r->info == (long)VIEW)
		return NULL;
	snprintf(why, sizeof(why), "read %ld bytes of the view", r->info);
	return why;
}

static const char *check_stat(const struct op *op, const struct cell *c, enum place where,
			      const struct result *r)
{
	return r->info == SEC ? NULL : "STAT reports another size";
}

static const char *check_file_mapped(const struct op *op, const struct cell *c,
				     enum place where, const struct result *r)
{
	return expect_errno(-EBADF, r);
}

static const char *check_name(const struct op *op, const struct cell *c, enum place where,
			      const struct result *r)
{
	return where == USER_NS ? expect_errno(-ENOENT, r) : NULL;
}

static const char *check_create(const struct op *op, const struct cell *c, enum place where,
				const struct result *r)
{
	long want = where == USER_NS ? 0 : MMF_RESULT_EXISTED;

	return r->info == want ? NULL : where == USER_NS ?
	       "a CREATE in another IPC namespace joined the section" :
	       "a CREATE of the name did not join the section";
}

#define OP(fn, premap, allowed, may_write, effect, check) \
	{ #fn, fn, premap, allowed, may_write, effect, check }

static const struct op ops[] = {
	OP(mmap_shared_read, 0, ALWAYS, NEVER, MARKS, NULL),
	OP(mmap_shared_write, 0, IF_HANDLE_WRITES, IF_HANDLE_WRITES, MARKS, NULL),
	OP(mmap_shared_exec, 0, NEVER, NEVER, MARKS, NULL),
	OP(mmap_shared_write_exec, 0, NEVER, NEVER, MARKS, NULL),
	OP(mmap_private_write, 0, ALWAYS, NEVER, MARKS, NULL),
	OP(mmap_private_exec, 0, NEVER, NEVER, MARKS, NULL),
	OP(mmap_past_the_section, 0, NEVER, NEVER, MARKS, check_past),
	OP(mmap_the_partial_page, 0, NEVER, NEVER, MARKS, check_partial),
	OP(store, 1, IF_VIEW_WRITES, IF_SHARED_RW_VIEW, MARKS, NULL),
	OP(mprotect_write, 1, IF_VIEW_MAY_WRITE, IF_SHARED_AND_HANDLE_WRITES, MARKS, NULL),
	OP(mprotect_exec, 1, IF_HANDLE_EXECS, NEVER, MARKS, NULL),
	OP(mprotect_write_exec, 1, IF_MAY_WRITE_AND_EXEC, IF_SHARED_AND_HANDLE_WRITES, MARKS,
	   NULL),
	OP(mprotect_down, 1, ALWAYS, NEVER, MARKS, check_down),
	OP(remap_outside, 1, NEVER, NEVER, MARKS, check_remap),
	OP(remap_the_partial_page, 1, NEVER, NEVER, MARKS, check_remap),
	OP(remap_then_write, 1, NEVER, IF_SHARED_AND_HANDLE_WRITES, MARKS, check_remap),
	OP(mremap_grow, 1, NEVER, NEVER, MARKS, NULL),
	OP(mremap_move, 1, ALWAYS, IF_SHARED_RW_VIEW, MARKS, check_query),
	OP(mremap_dontunmap, 1, NEVER, NEVER, MARKS, NULL),
	OP(mremap_duplicate, 1, NEVER, NEVER, MARKS, NULL),
	OP(fork_write, 1, IF_VIEW_WRITES, IF_SHARED_RW_VIEW, MARKS, NULL),
	OP(madvise_dontneed, 1, ALWAYS, NEVER, MARKS, check_dontneed),
	OP(madvise_remove, 1, EITHER_IF_SHARED_AND_HANDLE_WRITES, IF_SHARED_AND_HANDLE_WRITES,
	   PUNCHES, NULL),
	OP(madvise_willneed, 1, ALWAYS, NEVER, MARKS, NULL),
	OP(madvise_pageout, 1, ALWAYS, NEVER, MARKS, NULL),
	OP(madvise_populate_write, 1, IF_VIEW_WRITES, NEVER, MARKS, NULL),
	OP(process_vm_write, 1, IF_VIEW_WRITES, IF_SHARED_RW_VIEW, MARKS, NULL),
	OP(proc_mem_write, 1, FOLL_FORCE_WRITE, IF_SHARED_AND_HANDLE_WRITES, MARKS, NULL),
	OP(vmsplice_read, 1, ALWAYS, NEVER, MARKS, check_read_some),
	OP(process_vm_read, 1, ALWAYS, NEVER, MARKS, check_read_some),
	OP(proc_mem_read, 1, ALWAYS, NEVER, MARKS, check_read_some),
	OP(userfaultfd_register, 1, NEVER, NEVER, MARKS, NULL),
	OP(flush, 1, ALWAYS, NEVER, MARKS, check_watch_kept),
	OP(write_watch, 1, ALWAYS, NEVER, MARKS, check_watch),
	OP(write_watch_reset, 1, IF_PRIVATE_OR_HANDLE_WRITES, NEVER, MARKS, check_watch_kept),
	OP(query, 1, ALWAYS, NEVER, MARKS, check_query),
	OP(stat_section, 0, ALWAYS, NEVER, MARKS, check_stat),
	OP(file_mapped, 0, NEVER, NEVER, MARKS, check_file_mapped),
	OP(open_by_name, 0, IF_NAME_VISIBLE, NEVER, MARKS, check_name),
	OP(create_same_name, 0, ALWAYS, NEVER, MARKS, check_create),
};

#define NOPS	(sizeof(ops) / sizeof(ops[0]))

/* ---- the attacker ------------------------------------------------------ */

struct board {
	int skip;		/* the place is not available: why says why */
	char why[160];
	struct result r[NOPS];
};

/* Read every page of a range (each may fault) and look for outside bytes. */
static void look_outside(struct result *r, const unsigned char *v, size_t len)
{
	unsigned char *buf = malloc(PG);
	size_t off, i;

	for (off = 0; buf && off < len; off += PG) {
		if (mmft_probe_copy(buf, v + off, PG))
			continue;
		for (i = 0; i < PG; i++)
			if (outside_byte(buf[i]))
				r->saw_outside = 1;
	}
	free(buf);
}

static void run_op(struct ctx *c, const struct op *op, struct result *r)
{
	c->v = NULL;
	c->extra = NULL;
	c->len = c->extra_len = 0;
	if (op->premap) {
		void *p = mmap(NULL, VIEW, view_prot(c->cell), view_flags(c->cell), c->h, 0);

		if (p == MAP_FAILED) {
			r->setup = -errno;
			return;
		}
		c->v = p;
		c->len = VIEW;
	}
	op->run(c, r);
	if (c->v) {
		look_outside(r, c->v, c->len);
		munmap(c->v, c->len);
	}
	if (c->extra) {
		look_outside(r, c->extra, c->extra_len);
		munmap(c->extra, c->extra_len);
	}
}

/*
 * The attacker: uid 65534, in @where, then one operation per byte from
 * @go, answering each on @done.  Exit code: 0, or the set-up step that
 * failed.
 */
static int attacker(const struct cell *cell, enum place where, struct board *b, int go,
		    int done)
{
	struct ctx c = { .cell = cell, .h = -1 };
	unsigned char i;

	if (mmft_become(NOBODY, NOBODY))
		return 10;
	/* For process_vm_writev from our own child (Yama, dumpable). */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	c.mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	c.opath = open(path, O_PATH | O_CLOEXEC);
	if (c.mem < 0 || c.opath < 0)
		return 11;
	if (where != LANDLOCK) {
		c.h = mmft_open_named(NAME, cell->access, NULL);
		if (c.h < 0)
			return 12;
	}
	if (where == USER_NS && unshare(CLONE_NEWUSER | CLONE_NEWIPC)) {
		b->skip = 1;
		snprintf(b->why, sizeof(b->why), "no user namespace (%s)", strerror(errno));
		return 0;
	}
	if (where == LANDLOCK) {
		int err = landlock_only_mmf(b->why, sizeof(b->why));

		if (err > 0) {
			b->skip = 1;
			return 0;
		}
		if (err)
			return 13;
		c.h = mmft_open_named(NAME, cell->access, NULL);
		if (c.h < 0)
			return 14;
	}
	while (read(go, &i, 1) == 1 && i < NOPS) {
		run_op(&c, &ops[i], &b->r[i]);
		b->r[i].ran = 1;
		if (write(done, &i, 1) != 1)
			return 15;
	}
	return 0;
}

/* ---- the test side ----------------------------------------------------- */

FIXTURE(matrix) {
	int fd;			/* the file, root's O_RDWR */
	int h;			/* root's handle (the creator's) */
	unsigned char *v;	/* root's writable view (READWRITE sections) */
	struct board *b;
};

FIXTURE_VARIANT(matrix) {
	struct cell cell;
};

#define CELL(p, a, k, acc, kind) \
	FIXTURE_VARIANT_ADD(matrix, p##_##a##_##k) { { PROT_##p, acc, kind, 0 } }
/* The same on a tmpfs file: shmem has no page_mkwrite and its own holes. */
#define TMPFS_CELL(p, a, k, acc, kind) \
	FIXTURE_VARIANT_ADD(matrix, p##_##a##_##k##_tmpfs) { { PROT_##p, acc, kind, 1 } }

#define PROT_read	MMF_PROT_READ
#define PROT_readwrite	MMF_PROT_READWRITE
#define PROT_writecopy	MMF_PROT_WRITECOPY

/* READ: read, copy, each with and without exec; shared read-only or private. */
CELL(read, r, shared_ro, R, SHARED_RO);
CELL(read, r, private, R, PRIVATE);
CELL(read, rx, shared_ro, R | X, SHARED_RO);
CELL(read, rx, private, R | X, PRIVATE);
CELL(read, c, shared_ro, R | C, SHARED_RO);
CELL(read, c, private, R | C, PRIVATE);
CELL(read, cx, shared_ro, R | C | X, SHARED_RO);
CELL(read, cx, private, R | C | X, PRIVATE);
/* READWRITE: also read-write handles, and shared read-write views. */
CELL(readwrite, r, shared_ro, R, SHARED_RO);
CELL(readwrite, r, private, R, PRIVATE);
CELL(readwrite, rx, shared_ro, R | X, SHARED_RO);
CELL(readwrite, rx, private, R | X, PRIVATE);
CELL(readwrite, c, shared_ro, R | C, SHARED_RO);
CELL(readwrite, c, private, R | C, PRIVATE);
CELL(readwrite, cx, shared_ro, R | C | X, SHARED_RO);
CELL(readwrite, cx, private, R | C | X, PRIVATE);
CELL(readwrite, rw, shared_ro, R | W, SHARED_RO);
CELL(readwrite, rw, shared_rw, R | W, SHARED_RW);
CELL(readwrite, rw, private, R | W, PRIVATE);
CELL(readwrite, rwx, shared_ro, R | W | X, SHARED_RO);
CELL(readwrite, rwx, shared_rw, R | W | X, SHARED_RW);
CELL(readwrite, rwx, private, R | W | X, PRIVATE);
/* WRITECOPY: as READ. */
CELL(writecopy, r, shared_ro, R, SHARED_RO);
CELL(writecopy, r, private, R, PRIVATE);
CELL(writecopy, rx, shared_ro, R | X, SHARED_RO);
CELL(writecopy, rx, private, R | X, PRIVATE);
CELL(writecopy, c, shared_ro, R | C, SHARED_RO);
CELL(writecopy, c, private, R | C, PRIVATE);
CELL(writecopy, cx, shared_ro, R | C | X, SHARED_RO);
CELL(writecopy, cx, private, R | C | X, PRIVATE);
/* READWRITE and a READ section of a tmpfs file. */
TMPFS_CELL(read, r, shared_ro, R, SHARED_RO);
TMPFS_CELL(read, r, private, R, PRIVATE);
TMPFS_CELL(readwrite, r, shared_ro, R, SHARED_RO);
TMPFS_CELL(readwrite, r, private, R, PRIVATE);
TMPFS_CELL(readwrite, rx, shared_ro, R | X, SHARED_RO);
TMPFS_CELL(readwrite, rw, shared_ro, R | W, SHARED_RO);
TMPFS_CELL(readwrite, rw, shared_rw, R | W, SHARED_RW);
TMPFS_CELL(readwrite, rw, private, R | W, PRIVATE);
TMPFS_CELL(readwrite, rwx, shared_rw, R | W | X, SHARED_RW);

FIXTURE_SETUP(matrix)
{
	fill_orig();
	self->fd = mmft_tmpfile(variant->cell.tmpfs ? "/tmp" : "/mnt/ext4", FILE_PAGES * PG, 0,
				path, sizeof(path));
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(FILE_PAGES * PG, pwrite(self->fd, orig, FILE_PAGES * PG, 0));
	ASSERT_EQ(0, fchmod(self->fd, 0600));
	self->h = mmft_create(self->fd, variant->cell.prot, SEC, NAME, 0777, 0, NULL);
	ASSERT_LE(0, self->h) TH_LOG("CREATE: %s", strerror(-self->h));
	self->v = NULL;
	if (variant->cell.prot == MMF_PROT_READWRITE) {
		self->v = mmft_map(self->h, ROOT_VIEW, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		ASSERT_NE(MAP_FAILED, self->v);
	}
	self->b = mmap(NULL, sizeof(*self->b), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->b);
}

FIXTURE_TEARDOWN(matrix)
{
	if (self->v)
		munmap(self->v, ROOT_VIEW);
	close(self->h);
	close(self->fd);
	unlink(path);
}

/* The file as the operation left it, against what it may show. */
static const char *check_file(struct __test_metadata *_metadata, int fd, int may_write,
			      enum effect effect, const struct result *r)
{
	static unsigned char got[FILE_PAGES * MAX_PG], want[FILE_PAGES * MAX_PG];

	if (pread(fd, got, FILE_PAGES * PG, 0) != (ssize_t)(FILE_PAGES * PG))
		return "the file cannot be read back";
	if (memcmp(got + SEC, orig + SEC, FILE_PAGES * PG - SEC))
		return "bytes past the section changed";
	memcpy(want, orig, SEC);
	if (may_write && r->wrote) {
		/* An allowed write must show, and only it. */
		if (effect == MARKS)
			want[MARK_AT] = MARK;
		else
			memset(want, 0, VIEW);
	}
	if (memcmp(got, want, SEC))
		return may_write ? "the file does not show exactly the allowed write" :
				   "the file changed";
	return NULL;
}

/* Before each operation: the file as it was, root's watch on pages 0 and 1. */
static void prepare(struct __test_metadata *_metadata, FIXTURE_DATA(matrix) *self)
{
	ASSERT_EQ(FILE_PAGES * PG, pwrite(self->fd, orig, FILE_PAGES * PG, 0));
	if (self->v) {
		volatile unsigned char *v = self->v;
		uint64_t bits;

		ASSERT_LE(0, watch(self->h, self->v, ROOT_VIEW, MMF_WATCH_RESET, &bits, 64));
		v[0] = v[0];
		v[PG] = v[PG];
	}
}

static void run_matrix(struct __test_metadata *_metadata, FIXTURE_DATA(matrix) *self,
		       const struct cell *cell, enum place where)
{
	int go[2], done[2], status, failures = 0;
	unsigned char i, ack;
	uint64_t bits;
	pid_t pid;

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	/* An attacker that stops early closes its end. */
	signal(SIGPIPE, SIG_IGN);
	memset(self->b, 0, sizeof(*self->b));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		close(done[0]);
		_exit(attacker(cell, where, self->b, go[0], done[1]));
	}
	close(go[0]);
	close(done[1]);
	for (i = 0; i < NOPS; i++) {
		const struct op *op = &ops[i];
		struct result *r = &self->b->r[i];
		const char *bad[4] = { NULL };
		int allowed, may_write, k;

		prepare(_metadata, self);
		if (write(go[1], &i, 1) != 1 || read(done[0], &ack, 1) != 1)
			break;
		r->watch = self->v ? watch(self->h, self->v, ROOT_VIEW, 0, &bits, 64) : 0;
		allowed = rule(op->allowed, cell, where);
		may_write = rule(op->may_write, cell, where);
		if (r->setup)
			bad[0] = "the view for it could not be made";
		else if (allowed == YES && r->ret)
			bad[0] = "refused, but the handle allows it";
		else if (allowed == NO && !r->ret)
			bad[0] = "allowed, but the handle does not allow it";
		if (r->saw_outside)
			bad[1] = "bytes past the section were read";
		bad[2] = check_file(_metadata, self->fd, may_write, op->effect, r);
		if (op->check && !bad[0])
			bad[3] = op->check(op, cell, where, r);
		for (k = 0; k < 4; k++) {
			if (!bad[k])
				continue;
			failures++;
			TH_LOG("%s: %s (returned %d%s%s)", op->name, bad[k], r->ret,
			       r->ret < 0 ? ", " : "", r->ret < 0 ? strerror(-r->ret) : "");
		}
	}
	close(go[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(done[0]);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("the attacker died of signal %d",
					      WTERMSIG(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("the attacker's set-up failed at step %d",
						 WEXITSTATUS(status));
	if (self->b->skip)
		SKIP(return, "%s", self->b->why);
	EXPECT_EQ(NOPS, i) TH_LOG("the attacker stopped before %s", ops[i].name);
	EXPECT_EQ(0, failures);
}

TEST_F(matrix, other_uid)
{
	run_matrix(_metadata, self, &variant->cell, OTHER_UID);
}

TEST_F(matrix, user_ns)
{
	run_matrix(_metadata, self, &variant->cell, USER_NS);
}

TEST_F(matrix, landlock)
{
	run_matrix(_metadata, self, &variant->cell, LANDLOCK);
}

/*
 * OPEN by name against the section's protection and mode: never more
 * than both allow (EXEC needs an x bit, issue 7).  Other uid 65534.
 */
struct open_row {
	unsigned int prot, mode, access;
	int err;
};

static const struct open_row open_rows[] = {
	{ MMF_PROT_READ, 0777, R | W, -EACCES },
	{ MMF_PROT_WRITECOPY, 0777, R | W, -EACCES },
	{ MMF_PROT_READWRITE, 0777, R | W | C | X, 0 },
	{ MMF_PROT_READWRITE, 0644, R | W, -EACCES },
	{ MMF_PROT_READWRITE, 0644, R | C, 0 },
	{ MMF_PROT_READWRITE, 0600, R, -EACCES },
	{ MMF_PROT_READWRITE, 0666, R | X, -EACCES },
	{ MMF_PROT_READWRITE, 0665, R | X, 0 },
	{ MMF_PROT_READ, 0662, R, -EACCES },
	{ MMF_PROT_READ, 0604, R | C | X, -EACCES },
};

TEST(open_grants_no_more_than_protection_and_mode)
{
	int *err = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			-1, 0);
	size_t i;

	ASSERT_NE(MAP_FAILED, err);
	for (i = 0; i < sizeof(open_rows) / sizeof(open_rows[0]); i++) {
		const struct open_row *row = &open_rows[i];
		int h = mmft_create(-1, row->prot, PG, NAME, row->mode, MMF_CREATE_SWAP, NULL);
		pid_t pid;

		/* A swap-backed section may be READ or WRITECOPY too. */
		ASSERT_LE(0, h) TH_LOG("row %zu: CREATE: %s", i, strerror(-h));
		*err = 1;
		pid = fork();
		if (pid == 0) {
			int o;

			if (mmft_become(NOBODY, NOBODY))
				_exit(1);
			o = mmft_open_named(NAME, row->access, NULL);
			*err = o < 0 ? o : 0;
			_exit(0);
		}
		ASSERT_LT(0, pid);
		ASSERT_EQ(pid, waitpid(pid, NULL, 0));
		EXPECT_EQ(row->err, *err) TH_LOG("row %zu: prot %u, mode %04o, access %#x", i,
						 row->prot, row->mode, row->access);
		close(h);
	}
}

/*
 * Root of a new user namespace that kept the IPC namespace sees the names
 * but its capabilities are not CAP_IPC_OWNER over them: the mode decides,
 * as for uid 65534 itself.
 */
TEST(a_user_namespace_root_gets_no_ipc_owner_override)
{
	int *err = mmap(NULL, 2 * sizeof(int), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int h, status;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, err);
	h = mmft_create(-1, MMF_PROT_READWRITE, PG, NAME, 0604, MMF_CREATE_SWAP, NULL);
	ASSERT_LE(0, h);
	err[0] = err[1] = 1;
	pid = fork();
	if (pid == 0) {
		int o;

		if (mmft_become(NOBODY, NOBODY))
			_exit(1);
		if (unshare(CLONE_NEWUSER))
			_exit(2);
		o = mmft_open_named(NAME, R, NULL);
		err[0] = o < 0 ? o : 0;
		o = mmft_open_named(NAME, R | W, NULL);
		err[1] = o < 0 ? o : 0;
		_exit(0);
	}
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		SKIP(close(h); return, "no user namespace");
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, err[0]);
	EXPECT_EQ(-EACCES, err[1]) TH_LOG("the namespace's root opened for writing");
	close(h);
}

TEST_HARNESS_MAIN
