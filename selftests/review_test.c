// SPDX-License-Identifier: GPL-2.0
/*
 * Adversarial review of the module against the threat model of
 * Documentation/security.rst (issue 7): attacks that attack_test.c and
 * perm_matrix_test.c do not perform.  Each test performs the attack as the
 * hostile local user would (a forked child of uid 65534 where the attack
 * is another user's) and asserts the promised outcome: the file's bytes
 * read back by root with pread, the bytes past the section never seen, no
 * kernel warning, nothing left behind.
 *
 *  - path-based LSMs (Landlock) and the partial last page
 *  - an inode made append-only after CREATE, then a new writable view
 *  - MMF_CREATE_SAME_BACKING as an oracle on a name one may not join
 *  - the first write into a large folio and the write watch (7.2)
 *  - a write after an asynchronous flush that skipped a folio under
 *    write-back and the write watch
 *  - io_uring registered buffers over views
 *  - a CREATE or OPEN whose answer cannot be copied out
 *  - MAP_FIXED over a view
 *  - anonymous-inode and pseudo files as backing files
 *  - names, views, flushes, forks and queries racing each other
 *  - a regular file whose mmap makes a PFN mapping (sysfs, 7.2)
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
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/io_uring.h>
#include <linux/landlock.h>
#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"
#include "mmf_attack.h"

#ifndef MMF_CREATE_SAME_BACKING
#define MMF_CREATE_SAME_BACKING		(1U << 2)
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup		425
#define __NR_io_uring_register		427
#endif

#define PG		MMFT_PAGE
#define RD		MMF_ACCESS_READ
#define RW		(MMF_ACCESS_READ | MMF_ACCESS_WRITE)
#define HPAGE		(2UL << 20)

static int bit(const uint64_t *bits, size_t i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

/* ---- Landlock and the partial last page ------------------------------- */

struct tail_args {
	const char *name;
	const char *path;	/* the backing file, which Landlock must refuse */
	int write;		/* open READ | WRITE and write the tail */
};

/*
 * Under Landlock, which refuses the backing file, open the 100-byte
 * section by name, map its page and read (and write) all of it.
 */
static int landlocked_tail(struct attack *a, const void *arg)
{
	const struct tail_args *t = arg;
	unsigned char *v, *buf;
	int h, fd, rc;

	rc = landlock_only_mmf(a->why, sizeof(a->why));
	if (rc)
		return rc > 0 ? 99 : 1;
	/* The policy holds: the file itself is out of reach. */
	fd = open(t->path, t->write ? O_RDWR : O_RDONLY);
	if (fd >= 0 || errno != EACCES)
		return 2;
	h = mmft_open_named(t->name, t->write ? RW : RD, NULL);
	if (h < 0)
		return 3;
	v = mmap(NULL, PG, t->write ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, h, 0);
	a->ret = v == MAP_FAILED ? -errno : 0;
	if (v == MAP_FAILED)
		return 0;	/* the page is refused: nothing to see */
	look(a, v, PG, NULL);
	if (t->write && !a->read_sig) {
		buf = malloc(PG);
		if (!buf)
			return 4;
		memset(buf, 'X', PG);
		a->wrote = !mmft_probe_copy(v + 100, buf, PG - 100);
		free(buf);
	}
	return 0;
}

/*
 * The partial last page holds file bytes past the section; they are
 * never shown to, or changed by, anyone who may not read (write) the file.
 * Whether someone may is decided with inode_permission(), which asks the
 * DAC bits and the inode hooks, but not the path-based LSMs (Landlock,
 * AppArmor, TOMOYO), which decide at open(2).  A process that Landlock
 * keeps away from a world-readable file opens a 100-byte section of it by
 * name (mode 0644, as the owner shares those 100 bytes) and reads the
 * page: it must not see bytes 100..4095.
 */
static void landlocked_tail_case(struct __test_metadata *_metadata, int write)
{
	static const char name[] = "mmf-review-landlock";
	struct attack *a = attack_new();
	char path[64];
	struct tail_args t = { name, path, write };
	int fd, h, rc;

	ASSERT_NE(NULL, a);
	fd = secret_file(path, sizeof(path), 2, 100, write ? 0666 : 0644);
	ASSERT_LE(0, fd);
	h = mmft_create(fd, write ? MMF_PROT_READWRITE : MMF_PROT_READ, 100, name,
			write ? 0666 : 0644, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	rc = as_user(NOBODY, NOBODY, landlocked_tail, a, &t);
	close(h);
	if (rc == 99) {
		close(fd);
		unlink(path);
		SKIP(return, "%s", a->why);
	}
	EXPECT_EQ(0, rc) TH_LOG("the attacker stopped at step %d", rc);
	TH_LOG("mmap of the partial page: %s; reading it %s", a->ret ? strerror(-a->ret) : "done",
	       a->ret ? "-" : a->read_sig ? "faults" : "works");
	EXPECT_FALSE(a->saw_secret) TH_LOG("bytes past the section were read under Landlock");
	EXPECT_FALSE(a->wrote) TH_LOG("bytes past the section were written under Landlock");
	EXPECT_TRUE(mmft_file_all(fd, 100, 2 * PG - 100, SECRET))
		TH_LOG("the file past the section changed");
	close(fd);
	unlink(path);
}

TEST(landlock_keeps_the_bytes_past_the_section_unread)
{
	landlocked_tail_case(_metadata, 0);
}

TEST(landlock_keeps_the_bytes_past_the_section_unwritten)
{
	landlocked_tail_case(_metadata, 1);
}

/* ---- an inode made append-only after CREATE --------------------------- */

/* Open the section READ | WRITE, map a new writable view, overwrite it. */
static int write_new_view(struct attack *a, const void *arg)
{
	const char *name = arg;
	unsigned char *v;
	int h = mmft_open_named(name, RW, NULL);

	if (h < 0)
		return 1;
	v = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, h, 0);
	a->ret = v == MAP_FAILED ? -errno : 0;
	if (v == MAP_FAILED)
		return 0;
	a->wrote = !mmft_probe_copy(v, "XXXXXXXX", 8);
	munmap(v, PG);
	return 0;
}

/*
 * CREATE refuses READWRITE on an append-only inode (mmap(2) refuses a
 * shared writable mapping of one, whatever the fd).  The owner shares a
 * log with mode 0666, then the administrator makes it append-only
 * (chattr +a) so that nobody can rewrite what is written.  A new view is
 * a new mapping: as mmap(2) of any fd of the file now, it must not be
 * writable, and the file's first bytes must stay.
 */
TEST(an_append_only_file_gets_no_new_writable_view)
{
	static const char name[] = "mmf-review-append";
	struct attack *a = attack_new();
	char path[64];
	int fd, h, rc;
	void *p;

	ASSERT_NE(NULL, a);
	fd = secret_file(path, sizeof(path), 2, 2 * PG, 0666);
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, name, 0666, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	ASSERT_EQ(0, inode_flag(fd, FS_APPEND_FL, 1));
	/* What mmap(2) says, even to root's O_RDWR fd. */
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	if (p != MAP_FAILED)
		munmap(p, PG);
	rc = as_user(NOBODY, NOBODY, write_new_view, a, name);
	EXPECT_EQ(0, rc) TH_LOG("the attacker stopped at step %d", rc);
	TH_LOG("new writable view: %s", a->ret ? strerror(-a->ret) : "mapped");
	EXPECT_NE(0, a->ret) TH_LOG("a writable view of an append-only file was made");
	EXPECT_FALSE(a->wrote);
	EXPECT_TRUE(mmft_file_all(fd, 0, 2 * PG, PUBLIC)) TH_LOG("the append-only file was rewritten");
	close(h);
	EXPECT_EQ(0, inode_flag(fd, FS_APPEND_FL, 0));
	close(fd);
	unlink(path);
}

/* ---- MMF_CREATE_SAME_BACKING as an oracle ----------------------------- */

struct oracle_args {
	const char *name;
	const char *path;	/* the (world-readable) file behind the name */
};

static int create_errno(int fd, unsigned int flags, const char *name)
{
	int h = mmft_create(fd, fd < 0 ? MMF_PROT_READWRITE : MMF_PROT_READ, fd < 0 ? PG : 0,
			    name, 0600, flags, NULL);

	if (h >= 0) {
		close(h);
		return 0;
	}
	return -h;
}

/*
 * Ask CREATE, with MMF_CREATE_SAME_BACKING, to join a name the caller may
 * not open, once with the file that backs it, once with another file, once
 * swap-backed.
 */
static int probe_backing(struct attack *a, const void *arg)
{
	const struct oracle_args *o = arg;
	char mine[64];
	int right = open(o->path, O_RDONLY | O_CLOEXEC);
	int other = mmft_tmpfile("/tmp", PG, 'o', mine, sizeof(mine));

	if (right < 0 || other < 0)
		return 1;
	a->val[0] = create_errno(right, MMF_CREATE_SAME_BACKING, o->name);
	a->val[1] = create_errno(other, MMF_CREATE_SAME_BACKING, o->name);
	a->val[2] = create_errno(-1, MMF_CREATE_SWAP | MMF_CREATE_SAME_BACKING, o->name);
	/* Without the flag, as before the flag existed: no permission. */
	a->val[3] = create_errno(other, 0, o->name);
	unlink(mine);
	return 0;
}

/*
 * Root names a section of a world-readable file with mode 0600: others may
 * neither open nor join it, nor learn more of it than that the name is
 * taken (as with System V keys).  MMF_CREATE_SAME_BACKING is checked
 * before permission, so its EEXIST tells a user who may not join which
 * file (or swap) backs the name: an answer must not depend on the file.
 */
TEST(same_backing_tells_nothing_about_a_name_one_may_not_join)
{
	static const char name[] = "mmf-review-oracle";
	struct attack *a = attack_new();
	char path[64];
	struct oracle_args o = { name, path };
	int fd, h, rc;

	ASSERT_NE(NULL, a);
	fd = secret_file(path, sizeof(path), 1, 0, 0644);
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READ, 0, name, 0600, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	rc = as_user(NOBODY, NOBODY, probe_backing, a, &o);
	EXPECT_EQ(0, rc) TH_LOG("the prober stopped at step %d", rc);
	TH_LOG("same file: %s, other file: %s, swap: %s, no flag: %s", strerror(a->val[0]),
	       strerror(a->val[1]), strerror(a->val[2]), strerror(a->val[3]));
	EXPECT_EQ(EACCES, a->val[3]);
	EXPECT_EQ(a->val[0], a->val[1]) TH_LOG("the answer tells which file backs the name");
	EXPECT_EQ(a->val[0], a->val[2]) TH_LOG("the answer tells whether the name is swap-backed");
	close(h);
	close(fd);
	unlink(path);
}

/* ---- the first write into a large folio ------------------------------- */

#define LF_DIR		"/tmp/mmf-review-huge"
#define LF_PAGES	16	/* pages written, one byte each, in order */

/* A view of the first 2 MiB of @h at a 2 MiB boundary, or MAP_FAILED. */
static unsigned char *aligned_view(int h)
{
	unsigned char *area, *v;

	area = mmap(NULL, 2 * HPAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return MAP_FAILED;
	v = (unsigned char *)(((uintptr_t)area + HPAGE - 1) & ~(HPAGE - 1));
	return mmap(v, HPAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, h, 0);
}

/*
 * Write one byte into each of the first LF_PAGES pages of a fresh view of
 * @fd (nothing of it mapped yet, so the first store is a write fault on
 * an empty page table) and check the write watch: every page written is
 * reported (a whole folio may be, where the kernel maps it with one PMD).
 * The watch, and the dirty count behind FLUSH's pages_written, are what
 * GetWriteWatch and a caller's incremental copy rely on.
 */
static void first_write_case(struct __test_metadata *_metadata, int fd)
{
	uint64_t bits[HPAGE / 4096 / 64 + 1];
	unsigned char *v;
	int h, n, i, missed = 0;

	h = mmft_create(fd, MMF_PROT_READWRITE, HPAGE, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	ASSERT_EQ(4096, PG);
	v = aligned_view(h);
	ASSERT_NE(MAP_FAILED, v) TH_LOG("mmap: %s", strerror(errno));
	for (i = 0; i < LF_PAGES; i++)
		v[i * PG] = 'w';
	n = watch(h, v, HPAGE, 0, bits, HPAGE / PG);
	for (i = 0; i < LF_PAGES; i++)
		missed += !bit(bits, i);
	TH_LOG("%d pages reported, %d of the %d written missing", n, missed, LF_PAGES);
	EXPECT_EQ(0, missed) TH_LOG("writes the write watch never saw");
	munmap(v, HPAGE);
	close(h);
}

/*
 * Pages of the first @n pages of @fd that the page cache holds in large
 * folios (pagemap and kpageflags of a plain shared mapping: root only),
 * -errno when that cannot be read.
 */
static long large_folio_pages(int fd, size_t n)
{
	unsigned char *p = mmap(NULL, n * PG, PROT_READ, MAP_SHARED, fd, 0);
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	long count = 0;
	size_t i;

	if (p == MAP_FAILED || pm < 0 || kf < 0) {
		count = -errno;
		goto out;
	}
	for (i = 0; i < n; i++) {
		uint64_t ent, flags;

		(void)*(volatile unsigned char *)(p + i * PG);
		if (pread(pm, &ent, 8, ((uintptr_t)p / PG + i) * 8) != 8 ||
		    !(ent & (1ULL << 63)) || !(ent & ((1ULL << 55) - 1)) ||
		    pread(kf, &flags, 8, (ent & ((1ULL << 55) - 1)) * 8) != 8) {
			count = -EIO;
			goto out;
		}
		/* KPF_COMPOUND_HEAD, KPF_COMPOUND_TAIL */
		count += !!(flags & (3ULL << 15));
	}
out:
	if (p != MAP_FAILED)
		munmap(p, n * PG);
	if (pm >= 0)
		close(pm);
	if (kf >= 0)
		close(kf);
	return count;
}

/* tmpfs huge=always: the file sits in 2 MiB folios. */
TEST(the_first_write_into_a_huge_tmpfs_folio_is_watched_page_by_page)
{
	char path[64];
	int fd;

	ASSERT_EQ(0, mkdir(LF_DIR, 0700));
	if (mount("tmpfs", LF_DIR, "tmpfs", 0, "huge=always,size=16m")) {
		rmdir(LF_DIR);
		SKIP(return, "no tmpfs with huge=always (%s)", strerror(errno));
	}
	fd = mmft_tmpfile(LF_DIR, 2 * HPAGE, 'f', path, sizeof(path));
	ASSERT_LE(0, fd);
	TH_LOG("%ld of the first %d pages in large folios", large_folio_pages(fd, LF_PAGES),
	       LF_PAGES);
	first_write_case(_metadata, fd);
	close(fd);
	unlink(path);
	umount(LF_DIR);
	rmdir(LF_DIR);
}

/*
 * ext4 with large folios (7.x): read(2) of a file read from disk leaves
 * it in folios of up to the readahead size.
 */
TEST(the_first_write_into_a_large_ext4_folio_is_watched_page_by_page)
{
	char path[64], *buf;
	long large;
	int fd;

	fd = mmft_tmpfile(EXT4, 2 * HPAGE, 'f', path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	ASSERT_EQ(0, posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
	buf = malloc(HPAGE);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ((ssize_t)HPAGE, pread(fd, buf, HPAGE, 0));
	free(buf);
	large = large_folio_pages(fd, LF_PAGES);
	TH_LOG("%ld of the first %d pages in large folios", large, LF_PAGES);
	if (large <= 0) {
		close(fd);
		unlink(path);
		SKIP(return, "ext4's page cache holds no large folios here");
	}
	first_write_case(_metadata, fd);
	close(fd);
	unlink(path);
}

/* ---- a write after an asynchronous flush that skipped a folio --------- */

/*
 * Write-back held back by a cgroup v2 io.max limit (as flushpath_test's
 * "slow" fixture does): 1 MiB/s on the ext4 disk for the cgroup that
 * dirtied the file, periodic write-back off.
 */
#define SLOW_CG		"/tmp/mmf-review-cg"
#define SLOW_CG_T	SLOW_CG "/slow"
#define WB_KNOB		"/proc/sys/vm/dirty_writeback_centisecs"

FIXTURE(slow) {
	char path[64], wb_old[32], dev[32];
	int fd, joined, mounted;
	size_t size;
};

static void slow_undo(FIXTURE_DATA(slow) *self)
{
	char rule[64], pid[16];

	if (self->joined) {
		snprintf(rule, sizeof(rule), "%s wbps=max", self->dev);
		mmft_write_knob(SLOW_CG_T "/io.max", rule);
		snprintf(pid, sizeof(pid), "%d", getpid());
		mmft_write_knob(SLOW_CG "/cgroup.procs", pid);
		self->joined = 0;
	}
	if (self->fd >= 0) {
		fsync(self->fd);
		close(self->fd);
		unlink(self->path);
		self->fd = -1;
	}
	rmdir(SLOW_CG_T);
	if (self->mounted)
		umount(SLOW_CG);
	self->mounted = 0;
	rmdir(SLOW_CG);
}

FIXTURE_SETUP(slow)
{
	char rule[64], pid[16];
	const char *why = NULL;
	struct stat st;

	self->size = 2 << 20;
	self->fd = -1;
	ASSERT_EQ(0, stat(EXT4, &st));
	snprintf(self->dev, sizeof(self->dev), "%u:%u", major(st.st_dev), minor(st.st_dev));
	snprintf(rule, sizeof(rule), "%s wbps=1048576", self->dev);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (mkdir(SLOW_CG, 0700) && errno != EEXIST)
		why = "cannot make " SLOW_CG;
	else if (mount("none", SLOW_CG, "cgroup2", 0, NULL))
		why = "no cgroup2";
	else
		self->mounted = 1;
	if (!why && mmft_write_knob(SLOW_CG "/cgroup.subtree_control", "+io +memory"))
		why = "no io or memory controller";
	else if (!why && (mkdir(SLOW_CG_T, 0700) || mmft_write_knob(SLOW_CG_T "/io.max", rule)))
		why = "no io.max throttling";
	if (why) {
		slow_undo(self);
		SKIP(return, "%s (cgroup v2 with io and memory controllers needed)", why);
	}
	self->joined = !mmft_write_knob(SLOW_CG_T "/cgroup.procs", pid);
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

/* Pages of [0, @n pages) of @fd under write-back now (kpageflags), -errno. */
static long writeback_pages(int fd, size_t n)
{
	unsigned char *vec = malloc(n);
	unsigned char *p = mmap(NULL, n * PG, PROT_READ, MAP_SHARED, fd, 0);
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	long count = 0;
	size_t i;

	if (!vec || p == MAP_FAILED || pm < 0 || kf < 0 || mincore(p, n * PG, vec)) {
		count = -EIO;
		goto out;
	}
	for (i = 0; i < n; i++) {
		uint64_t ent, flags;

		if (!(vec[i] & 1))
			continue;	/* not cached: not touched, not faulted in */
		(void)*(volatile unsigned char *)(p + i * PG);
		if (pread(pm, &ent, 8, ((uintptr_t)p / PG + i) * 8) != 8 ||
		    !(ent & ((1ULL << 55) - 1)) ||
		    pread(kf, &flags, 8, (ent & ((1ULL << 55) - 1)) * 8) != 8) {
			count = -EIO;
			goto out;
		}
		count += !!(flags & (1ULL << 8));	/* KPF_WRITEBACK */
	}
out:
	free(vec);
	if (p != MAP_FAILED)
		munmap(p, n * PG);
	if (pm >= 0)
		close(pm);
	if (kf >= 0)
		close(kf);
	return count;
}

/*
 * An asynchronous flush takes the recorded pages out of the write watch
 * and the dirty index, then starts write-back, which skips a folio
 * already under write-back (WB_SYNC_NONE): that folio stays dirty and its
 * pages stay mapped writable, so a write after the flush does not fault
 * and is never recorded.  Written (recorded), flushed asynchronously
 * (write-back in flight for seconds), written again (recorded anew: the
 * in-flight write-back write-protected the pages), flushed asynchronously
 * again (skipped), written a third time: GetWriteWatch must report every
 * page written after the last flush.
 */
TEST_F_TIMEOUT(slow, a_write_after_an_async_flush_that_skipped_its_folio_is_watched, 120)
{
	size_t pages = self->size / PG;
	uint64_t *bits = calloc(pages / 64 + 1, 8);
	long inflight;
	unsigned char *v;
	int h, n;

	ASSERT_NE(NULL, bits);
	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	memset(v, 0x31, self->size);
	ASSERT_EQ(0, mmft_flush(h, v, 0, MMF_FLUSH_ASYNC, NULL));
	memset(v, 0x32, self->size);
	ASSERT_EQ(0, mmft_flush(h, v, 0, MMF_FLUSH_ASYNC, NULL));
	inflight = writeback_pages(self->fd, pages);
	memset(v, 0x33, self->size);
	n = watch(h, v, self->size, 0, bits, pages);
	TH_LOG("%ld pages under write-back at the second flush; %d of %zu written after it watched",
	       inflight, n, pages);
	ASSERT_LT(0, inflight) TH_LOG("write-back was not held back");
	EXPECT_EQ((int)pages, n) TH_LOG("writes after the flush the write watch never saw");
	ASSERT_EQ(0, mmft_flush(h, v, 0, 0, NULL));
	EXPECT_TRUE(mmft_file_all(self->fd, 0, self->size, 0x33));
	munmap(v, self->size);
	close(h);
	free(bits);
}

/* ---- io_uring registered buffers -------------------------------------- */

/* Register @len bytes at @p as io_uring fixed buffer: 0 or -errno. */
static int uring_register(void *p, size_t len, char *why, size_t wlen)
{
	struct io_uring_params params = { 0 };
	struct iovec iov = { p, len };
	int ring, ret;

	ring = syscall(__NR_io_uring_setup, 4, &params);
	if (ring < 0) {
		snprintf(why, wlen, "io_uring_setup: %s", strerror(errno));
		return 1;
	}
	ret = syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS, &iov, 1);
	ret = ret < 0 ? -errno : 0;
	close(ring);
	return ret;
}

static int register_views(struct attack *a, const void *arg)
{
	const char *name = arg;
	unsigned char *ro, *rw;
	int hr = mmft_open_named(name, RD, NULL), hw = mmft_open_named(name, RW, NULL);

	if (hr < 0 || hw < 0)
		return 1;
	ro = mmap(NULL, PG, PROT_READ, MAP_SHARED, hr, 0);
	rw = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, hw, PG);
	if (ro == MAP_FAILED || rw == MAP_FAILED)
		return 2;
	a->val[0] = uring_register(ro, PG, a->why, sizeof(a->why));
	if (a->val[0] == 1)
		return 99;
	a->val[1] = uring_register(rw, PG, a->why, sizeof(a->why));
	return 0;
}

/*
 * io_uring pins registered buffers for as long as the ring lives and
 * writes into them from the kernel.  A read-only view's pages must not be
 * registered (the ring would write the file through a READ handle), nor a
 * writable view's (the kernel's writes would never fault into
 * page_mkwrite after a flush: unrecorded, unwatched).
 */
TEST(io_uring_registers_no_view_as_a_buffer)
{
	static const char name[] = "mmf-review-uring";
	struct attack *a = attack_new();
	char path[64];
	int fd, h, rc;

	ASSERT_NE(NULL, a);
	fd = secret_file(path, sizeof(path), 2, 2 * PG, 0600);
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, name, 0666, 0, NULL);
	ASSERT_LE(0, h);
	rc = as_user(NOBODY, NOBODY, register_views, a, name);
	close(h);
	if (rc == 99) {
		close(fd);
		unlink(path);
		SKIP(return, "%s", a->why);
	}
	EXPECT_EQ(0, rc) TH_LOG("the attacker stopped at step %d", rc);
	TH_LOG("read-only view: %s; writable view: %s", strerror(-a->val[0]),
	       strerror(-a->val[1]));
	EXPECT_NE(0, a->val[0]) TH_LOG("a read-only view became an io_uring buffer");
	EXPECT_NE(0, a->val[1]) TH_LOG("a writable view became an io_uring buffer");
	EXPECT_TRUE(mmft_file_all(fd, 0, 2 * PG, PUBLIC));
	close(fd);
	unlink(path);
}

/* ---- answers that cannot be copied out -------------------------------- */

/* A page holding @len bytes of @src, then made read-only; MAP_FAILED. */
static void *read_only_copy(const void *src, size_t len)
{
	void *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return p;
	memcpy(p, src, len);
	if (mprotect(p, PG, PROT_READ)) {
		munmap(p, PG);
		return MAP_FAILED;
	}
	return p;
}

/* Sections alive, from debugfs, after deferred releases had their turn. */
static long live_sections(long want)
{
	long n = -1;
	int i;

	for (i = 0; i < 100; i++) {
		n = mmft_debugfs_counter("sections");
		if (n == want)
			break;
		usleep(10000);
	}
	return n;
}

/*
 * CREATE and OPEN copy their answer out before they bind the handle; when
 * that fails (the struct is in a read-only page) nothing may stay behind:
 * no section, no name, no bound handle, no charge against the limit.
 */
TEST(a_create_or_open_that_cannot_answer_leaves_nothing)
{
	static const char name[] = "mmf-review-efault";
	struct mmf_create c = {
		.size = sizeof(c), .prot = MMF_PROT_READWRITE, .max_size = PG,
		.name = (uintptr_t)name, .name_len = sizeof(name) - 1, .mode = 0600,
		.flags = MMF_CREATE_SWAP, .fd = -1,
	};
	struct mmf_open o = {
		.size = sizeof(o), .name = (uintptr_t)name, .name_len = sizeof(name) - 1,
		.access = RW,
	};
	struct mmf_stat st;
	long before = mmft_debugfs_counter("sections");
	void *rc, *ro;
	int h, h2, i;

	if (before < 0)
		SKIP(return, "no debugfs listing");
	rc = read_only_copy(&c, sizeof(c));
	ASSERT_NE(MAP_FAILED, rc);
	for (i = 0; i < 3; i++) {
		h = mmft_handle();
		ASSERT_LE(0, h);
		EXPECT_EQ(-1, ioctl(h, MMF_IOC_CREATE, rc));
		EXPECT_EQ(EFAULT, errno);
		/* Not bound: a later CREATE may bind it. */
		EXPECT_EQ(-EBADFD, mmft_stat(h, &st));
		close(h);
	}
	EXPECT_EQ(before, live_sections(before)) TH_LOG("sections left behind");
	EXPECT_EQ(-ENOENT, mmft_open_named(name, RD, NULL)) TH_LOG("the name outlived its CREATE");

	/* OPEN of a live name whose answer cannot be written. */
	h = mmft_create_swap(PG, name, 0600, NULL);
	ASSERT_LE(0, h);
	ro = read_only_copy(&o, sizeof(o));
	ASSERT_NE(MAP_FAILED, ro);
	h2 = mmft_handle();
	ASSERT_LE(0, h2);
	EXPECT_EQ(-1, ioctl(h2, MMF_IOC_OPEN, ro));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-EBADFD, mmft_stat(h2, &st));
	close(h2);
	/* The failed OPEN gave its handle count back: the name dies with h. */
	close(h);
	EXPECT_EQ(-ENOENT, mmft_open_named(name, RD, NULL)) TH_LOG("the name outlived its handles");
	EXPECT_EQ(before, live_sections(before));
	munmap(rc, PG);
	munmap(ro, PG);
}

/* ---- MAP_FIXED over a view ------------------------------------------- */

/* The live views of the handle's section (STAT), -errno. */
static long views_of(int h)
{
	struct mmf_stat st;
	int ret = mmft_stat(h, &st);

	return ret ? ret : (long)st.views;
}

/*
 * MAP_FIXED over a view closes the view it replaces before the new
 * mapping's mmap runs (6.12 and 7.2 close the old VMAs first and, when
 * the new mmap fails, leave a gap rather than restore them): whether the
 * new view is refused (past the section; the hidden partial page) or
 * made, and whether it replaces all or part of the old one, every view is
 * closed exactly once: the counts return to zero, nothing warns.
 */
TEST(map_fixed_over_a_view_closes_it_exactly_once)
{
	unsigned long long mark = kmsg_mark();
	char path[64];
	unsigned char *v, *w;
	int fd, h, h2;

	fd = mmft_tmpfile(EXT4, 4 * PG, 'm', path, sizeof(path));
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h);
	h2 = mmft_create(fd, MMF_PROT_READWRITE, 2 * PG, NULL, 0, 0, NULL);
	ASSERT_LE(0, h2);

	/* A refused view over the whole of a writable one. */
	v = mmft_map(h, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	v[0] = 'x';
	EXPECT_EQ(1, views_of(h));
	w = mmap(v, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, h2, 0);
	EXPECT_EQ(MAP_FAILED, w);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, views_of(h)) TH_LOG("the replaced view is still counted");
	munmap(v, 4 * PG);
	EXPECT_EQ(0, views_of(h));

	/* A refused view over the middle of one: split, then closed. */
	v = mmft_map(h, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	w = mmap(v + PG, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, h2, PG);
	EXPECT_EQ(MAP_FAILED, w);
	TH_LOG("after a refused MAP_FIXED in the middle: %ld views", views_of(h));
	v[0] = 'y';
	v[3 * PG] = 'z';
	munmap(v, 4 * PG);
	EXPECT_EQ(0, views_of(h));

	/* A made view over the middle of one. */
	v = mmft_map(h, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	w = mmap(v + PG, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, h2, PG);
	EXPECT_EQ(v + PG, w);
	EXPECT_EQ(2, views_of(h));
	EXPECT_EQ(1, views_of(h2));
	w[0] = 'w';
	munmap(v, 4 * PG);
	EXPECT_EQ(0, views_of(h));
	EXPECT_EQ(0, views_of(h2));

	close(h2);
	close(h);
	EXPECT_TRUE(mmft_file_all(fd, PG, 1, 'w'));
	EXPECT_TRUE(mmft_file_all(fd, 3 * PG, 1, 'z'));
	EXPECT_EQ(0, kmsg_count_since(mark, "WARNING"));
	close(fd);
	unlink(path);
}

/* ---- files that are not files ----------------------------------------- */

#ifndef __NR_memfd_secret
#define __NR_memfd_secret	447
#endif

/*
 * Try @fd as a backing file: CREATE, and if that works, views.  The
 * module opens the file again by its path for its views: for an
 * anonymous or pseudo inode that open may give other file operations
 * than @fd has (none that can map), which must be refused, never called.
 */
static void try_backing(struct __test_metadata *_metadata, const char *what, int fd)
{
	struct stat st;
	int h;
	void *p;

	if (fd < 0) {
		TH_LOG("%s: not available (%s)", what, strerror(errno));
		return;
	}
	fstat(fd, &st);
	h = mmft_create(fd, MMF_PROT_READ, 0, NULL, 0, 0, NULL);
	if (h == -EINVAL)	/* a size of 0 */
		h = mmft_create(fd, MMF_PROT_READ, PG, NULL, 0, 0, NULL);
	TH_LOG("%s: mode %#o, CREATE %s", what, st.st_mode, h < 0 ? strerror(-h) : "done");
	if (h >= 0) {
		p = mmft_map(h, PG, PROT_READ, MAP_SHARED, 0);
		TH_LOG("%s: view %s", what, p == MAP_FAILED ? strerror(errno) : "mapped");
		if (p != MAP_FAILED)
			munmap(p, PG);
		close(h);
	}
	close(fd);
}

/*
 * Anonymous-inode and pseudo files that can be mapped (an io_uring ring,
 * memfd_secret), one that cannot (eventfd): CREATE refuses them or their
 * views fail; nothing oopses or warns (the VM's console is checked too).
 */
TEST(pseudo_files_are_refused_cleanly)
{
	struct io_uring_params params = { 0 };
	unsigned long long mark = kmsg_mark();
	long before = mmft_debugfs_counter("sections");
	int fd;

	try_backing(_metadata, "io_uring", syscall(__NR_io_uring_setup, 4, &params));
	fd = syscall(__NR_memfd_secret, 0);
	if (fd >= 0 && ftruncate(fd, PG)) {
		close(fd);
		fd = -1;
	}
	try_backing(_metadata, "memfd_secret", fd);
	try_backing(_metadata, "eventfd", (int)syscall(__NR_eventfd2, 0, 0));
	try_backing(_metadata, "/proc/self/stat", open("/proc/self/stat", O_RDONLY));
	EXPECT_EQ(before, live_sections(before));
	EXPECT_EQ(0, kmsg_count_since(mark, "WARNING"));
	EXPECT_EQ(0, kmsg_count_since(mark, "BUG"));
}

/* ---- races ------------------------------------------------------------ */

#define CHURN_NAME	"mmf-review-churn"
#define CHURN_SECS	3

struct churn {
	volatile int stop;
	int fd;			/* the backing file (root's) */
	long ops[6];
};

/* OPEN by name, map, write, flush, close, unmap: a reader-writer. */
static void *churn_open(void *arg)
{
	struct churn *c = arg;
	int ctl = mmft_handle();

	while (!c->stop && ctl >= 0) {
		int h = mmft_open_named(CHURN_NAME, RW, NULL);
		unsigned char *v;

		if (h < 0)
			continue;
		v = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, h, 0);
		close(h);
		if (v == MAP_FAILED)
			continue;
		v[PG] = 'o';
		/* h is closed: the flush goes through another handle. */
		mmft_flush(ctl, v, 0, MMF_FLUSH_ASYNC, NULL);
		munmap(v + PG, PG);	/* split, then unmap the rest */
		munmap(v, 4 * PG);
		c->ops[0]++;
	}
	if (ctl >= 0)
		close(ctl);
	return NULL;
}

/* CREATE that joins (or names anew) the same file, with the flag. */
static void *churn_create(void *arg)
{
	struct churn *c = arg;

	while (!c->stop) {
		struct mmf_create out;
		int h = mmft_create(c->fd, MMF_PROT_READWRITE, 4 * PG, CHURN_NAME, 0666,
				    MMF_CREATE_SAME_BACKING, &out);
		unsigned char *v;

		if (h < 0)
			continue;
		v = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, h, 0);
		if (v != MAP_FAILED) {
			v[2 * PG] = 'c';
			mmft_flush(h, v, 4 * PG, 0, NULL);
			munmap(v, 4 * PG);
		}
		close(h);
		c->ops[1]++;
	}
	return NULL;
}

/* Queries that walk the global lists. */
static void *churn_query(void *arg)
{
	struct churn *c = arg;
	struct mmf_file_mapped fm = { .size = sizeof(fm), .fd = c->fd };
	int h = mmft_handle();

	while (!c->stop && h >= 0) {
		ioctl(h, MMF_IOC_FILE_MAPPED, &fm);
		c->ops[2]++;
		usleep(100);
	}
	if (h >= 0)
		close(h);
	return NULL;
}

/* A view inherited by children that write, watch, reset and exit. */
static void *churn_fork(void *arg)
{
	struct churn *c = arg;

	while (!c->stop) {
		int h = mmft_open_named(CHURN_NAME, RW, NULL), status;
		unsigned char *v;
		pid_t pid;

		if (h < 0)
			continue;
		v = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, h, 0);
		if (v == MAP_FAILED) {
			close(h);
			continue;
		}
		pid = fork();
		if (pid == 0) {
			uint64_t bits;

			v[3 * PG] = 'f';
			watch(h, v, 4 * PG, MMF_WATCH_RESET, &bits, 64);
			_exit(0);
		}
		munmap(v, 4 * PG);
		close(h);
		if (pid > 0)
			waitpid(pid, &status, 0);
		c->ops[3]++;
	}
	return NULL;
}

/*
 * Everything a user can do with names, handles and views, at once from
 * several threads and processes, while the creator's handle comes and
 * goes (so names die and are born under the others' feet): no kernel
 * warning, and once all is closed no section, view, chunk or cursor left.
 */
TEST(names_views_flushes_and_forks_race_cleanly)
{
	void *(*fns[])(void *) = { churn_open, churn_create, churn_query, churn_fork };
	pthread_t th[4];
	struct churn *c;
	unsigned long long mark = kmsg_mark();
	long before[4];
	static const char *const keys[] = { "sections", "views", "chunks", "cursors" };
	char path[64];
	time_t end;
	int i, fd;

	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, c);
	for (i = 0; i < 4; i++)
		before[i] = mmft_debugfs_counter(keys[i]);
	fd = mmft_tmpfile(EXT4, 4 * PG, 'r', path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fchmod(fd, 0666));
	c->fd = fd;
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, fns[i], c));
	end = time(NULL) + CHURN_SECS;
	while (time(NULL) < end) {
		int h = mmft_create(fd, MMF_PROT_READWRITE, 4 * PG, CHURN_NAME, 0666, 0, NULL);

		if (h >= 0) {
			usleep(5000);
			close(h);
		}
		c->ops[4]++;
	}
	c->stop = 1;
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	TH_LOG("open %ld, create %ld, query %ld, fork %ld, creator %ld", c->ops[0], c->ops[1],
	       c->ops[2], c->ops[3], c->ops[4]);
	EXPECT_LT(0, c->ops[0]);
	EXPECT_LT(0, c->ops[3]);
	EXPECT_EQ(-ENOENT, mmft_open_named(CHURN_NAME, RD, NULL));
	for (i = 0; i < 4; i++) {
		long now = before[i];
		int tries;

		for (tries = 0; tries < 100; tries++) {
			now = mmft_debugfs_counter(keys[i]);
			if (now == before[i])
				break;
			usleep(10000);
		}
		EXPECT_EQ(before[i], now) TH_LOG("%s left behind", keys[i]);
	}
	EXPECT_EQ(0, kmsg_count_since(mark, "WARNING"));
	EXPECT_EQ(0, kmsg_count_since(mark, "BUG"));
	close(fd);
	unlink(path);
}

/* ---- a regular file whose mmap is a PFN mapping ----------------------- */

#define BTF_VMLINUX	"/sys/kernel/btf/vmlinux"

/*
 * /sys/kernel/btf/vmlinux is a world-readable regular file whose mmap
 * (7.x) maps kernel memory with remap_pfn_range(): not a page cache a view
 * can stack on.  CREATE may accept it; a view must then fail cleanly
 * (ENODEV), and nothing may warn or stay mapped or referenced.
 */
TEST(a_pfn_mapped_sysfs_file_gives_no_view)
{
	unsigned long long mark = kmsg_mark();
	long before = mmft_debugfs_counter("sections");
	unsigned char *p;
	int fd, h;

	fd = open(BTF_VMLINUX, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "no %s", BTF_VMLINUX);
	/* Does the file itself map? */
	p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		SKIP(return, "%s does not map here (%s)", BTF_VMLINUX, strerror(errno));
	}
	munmap(p, PG);
	h = mmft_create(fd, MMF_PROT_READ, PG, NULL, 0, 0, NULL);
	TH_LOG("CREATE: %s", h < 0 ? strerror(-h) : "done");
	if (h >= 0) {
		p = mmft_map(h, PG, PROT_READ, MAP_PRIVATE, 0);
		TH_LOG("private view: %s", p == MAP_FAILED ? strerror(errno) : "mapped");
		EXPECT_EQ(MAP_FAILED, p);
		if (p != MAP_FAILED)
			munmap(p, PG);
		p = mmft_map(h, PG, PROT_READ, MAP_SHARED, 0);
		EXPECT_EQ(MAP_FAILED, p);
		if (p != MAP_FAILED)
			munmap(p, PG);
		close(h);
	}
	close(fd);
	EXPECT_EQ(before, live_sections(before));
	EXPECT_EQ(0, kmsg_count_since(mark, "WARNING"));
	EXPECT_EQ(0, kmsg_count_since(mark, "BUG"));
}

TEST_HARNESS_MAIN
