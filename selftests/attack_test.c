// SPDX-License-Identifier: GPL-2.0
/*
 * The attacks of issue 7, each performed as the hostile local user of
 * Documentation/security.rst would, asserting that it fails: the file's
 * bytes (read back by root with pread) unchanged, the bytes outside the
 * section never seen, the system-wide limit intact.  The attacker is a
 * forked child that drops to uid 65534 and reports what it saw and did in
 * memory shared with the test; a fault it meets is caught (sigsetjmp) and
 * counts as "blocked".
 *
 *  1  remap_file_pages(2) on a view: pages past the section, write through
 *     a read-only handle, the hidden tail; madvise(MADV_REMOVE) past the
 *     section (a hole of the same kind)
 *  2  a reader's FLUSH keeps the writers' write watch
 *  3  CREATE never grows the file; the library grows it with ftruncate(2),
 *     so Landlock's truncate right and any truncate hook decide
 *  4  PROT_EXEC only by mprotect; libmmf and Win32 exec views still work
 *  5  swap-backed sizes near MAX_LFS_FILESIZE keep strict overcommit
 *  6  an active swap file is no READWRITE backing
 *  7  EXEC on a named section needs the execute bit
 *  8  name squatting: another file behind a well-known name is refused
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"
#include "mmf_attack.h"

#include <mmf.h>
#include "mmft_lib.h"
#include <mmf/win32.h>

/* Issue 7's new interface, for as long as the headers lack it. */
#ifndef MMF_CREATE_SAME_BACKING
#define MMF_CREATE_SAME_BACKING		(1U << 2)
#endif
#ifndef MMF_RESULT_OTHER_BACKING
#define MMF_RESULT_OTHER_BACKING	(1U << 1)
#endif

#define PG		MMFT_PAGE
#define RD		MMF_ACCESS_READ
#define RW		(MMF_ACCESS_READ | MMF_ACCESS_WRITE)
#define GIB		(1ULL << 30)

/*
 * A view that would include a partial last page hidden from the caller is
 * refused (EACCES): blocked before anything could be read.  Notes that in
 * val[3]; whether the mmap failed otherwise.
 */
static int refused_tail(struct attack *a, void *v)
{
	if (v != MAP_FAILED)
		return 0;
	a->val[3] = errno == EACCES;
	return 1;
}

/* Overwrite @len bytes of @v with 'X' unless they are the shared page. */
static void scribble(struct attack *a, void *v, size_t len, unsigned char *buf)
{
	if (a->read_sig || buf[0] == PUBLIC)
		return;
	memset(buf, 'X', len);
	a->wrote = !mmft_probe_copy(v, buf, len);
}

/* ---- 1: remap_file_pages(2) and friends ------------------------------- */

struct remap_args {
	const char *name;
	unsigned int access;	/* OPEN with this */
	int prot;		/* the view's protection */
	unsigned long pgoff;	/* remap_file_pages to this file page */
};

/*
 * Attack 1a: map the shared page, move the view to another page of the
 * file with remap_file_pages(), read it and (if writable) overwrite it.
 */
static int remap_elsewhere(struct attack *a, const void *arg)
{
	const struct remap_args *r = arg;
	unsigned char *buf = malloc(PG), *v;
	int h = mmft_open_named(r->name, r->access, NULL);

	if (h < 0 || !buf)
		return 1;
	v = mmap(NULL, PG, r->prot, MAP_SHARED, h, 0);
	if (v == MAP_FAILED)
		return 2;
	if (v[0] != PUBLIC)
		return 3;
	a->ret = remap_file_pages(v, PG, 0, r->pgoff, 0);
	a->err = a->ret ? errno : 0;
	look(a, v, PG, buf);
	if (r->prot & PROT_WRITE)
		scribble(a, v, PG, buf);
	return 0;
}

/*
 * Root shares only page 0 of a 16-page 0600 file (named, max size one
 * page, mode 0666); uid 65534 opens it by name, maps page 0 and calls
 * remap_file_pages(view, 4096, 0, 9, 0): it must not read or write page 9.
 */
static void remap_past_the_section(struct __test_metadata *_metadata, unsigned int prot,
				   unsigned int access, int vprot)
{
	static const char name[] = "mmf-attack-remap";
	struct remap_args r = { name, access, vprot, 9 };
	struct attack *a = attack_new();
	char path[64];
	int fd, h, rc;

	ASSERT_NE(NULL, a);
	fd = secret_file(path, sizeof(path), 16, PG, 0600);
	ASSERT_LE(0, fd);
	h = mmft_create(fd, prot, PG, name, 0666, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	rc = as_user(NOBODY, NOBODY, remap_elsewhere, a, &r);
	EXPECT_EQ(0, rc) TH_LOG("the attacker stopped at step %d", rc);
	EXPECT_EQ(-1, a->ret) TH_LOG("remap_file_pages of a view succeeded");
	EXPECT_EQ(EPERM, a->err);
	EXPECT_FALSE(a->saw_secret) TH_LOG("page 9 of root's file was read");
	EXPECT_FALSE(a->wrote);
	EXPECT_TRUE(mmft_file_all(fd, 0, PG, PUBLIC));
	EXPECT_TRUE(mmft_file_all(fd, PG, 15 * PG, SECRET)) TH_LOG("root's file was written");
	close(h);
	close(fd);
	unlink(path);
}

TEST(remap_file_pages_cannot_reach_past_a_readwrite_section)
{
	remap_past_the_section(_metadata, MMF_PROT_READWRITE, RW, PROT_READ | PROT_WRITE);
}

TEST(remap_file_pages_cannot_reach_past_a_read_section)
{
	remap_past_the_section(_metadata, MMF_PROT_READ, RD, PROT_READ);
}

/*
 * Attack 1b: a read-only shared view (its mprotect to write fails),
 * remap_file_pages onto itself, then mprotect to write and write.
 */
static int remap_then_write(struct attack *a, const void *arg)
{
	const char *name = arg;
	unsigned char *buf = malloc(PG), *v;
	int h = mmft_open_named(name, RD, NULL);

	if (h < 0 || !buf)
		return 1;
	v = mmap(NULL, PG, PROT_READ, MAP_SHARED, h, 0);
	if (v == MAP_FAILED)
		return 2;
	if (v[0] != PUBLIC)
		return 3;
	if (!mprotect(v, PG, PROT_READ | PROT_WRITE) || errno != EACCES)
		return 4;
	a->ret = remap_file_pages(v, PG, 0, 0, 0);
	a->err = a->ret ? errno : 0;
	a->mprotect_ret = mprotect(v, PG, PROT_READ | PROT_WRITE);
	a->mprotect_err = a->mprotect_ret ? errno : 0;
	memset(buf, 'X', PG);
	a->wrote = !mmft_probe_copy(v, buf, PG);
	return 0;
}

/*
 * A READWRITE section named with mode 0644; uid 65534 opens it READ, maps
 * a read-only shared view, calls remap_file_pages(view, 4096, 0, 0, 0),
 * then mprotect(PROT_READ | PROT_WRITE) and writes: the file (or, swap
 * backed, the section as root's view shows it) must stay unchanged.
 */
TEST(remap_file_pages_cannot_make_a_read_handle_write)
{
	static const char name[] = "mmf-attack-remap-rw";
	struct attack *a = attack_new();
	char path[64];
	int fd, h, rc;

	ASSERT_NE(NULL, a);
	fd = secret_file(path, sizeof(path), 2, 2 * PG, 0600);
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, name, 0644, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	rc = as_user(NOBODY, NOBODY, remap_then_write, a, name);
	EXPECT_EQ(0, rc) TH_LOG("the attacker stopped at step %d", rc);
	EXPECT_EQ(-1, a->ret) TH_LOG("remap_file_pages of a view succeeded");
	EXPECT_EQ(EPERM, a->err);
	EXPECT_EQ(-1, a->mprotect_ret) TH_LOG("a read handle's view became writable");
	EXPECT_FALSE(a->wrote);
	EXPECT_TRUE(mmft_file_all(fd, 0, 2 * PG, PUBLIC)) TH_LOG("root's file was written");
	close(h);
	close(fd);
	unlink(path);
}

TEST(remap_file_pages_cannot_make_a_read_handle_write_a_swap_section)
{
	static const char name[] = "mmf-attack-remap-swap";
	struct attack *a = attack_new();
	unsigned char *v;
	int h, rc;

	ASSERT_NE(NULL, a);
	h = mmft_create_swap(2 * PG, name, 0644, NULL);
	ASSERT_LE(0, h);
	v = mmft_map(h, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	memset(v, PUBLIC, 2 * PG);
	rc = as_user(NOBODY, NOBODY, remap_then_write, a, name);
	EXPECT_EQ(0, rc) TH_LOG("the attacker stopped at step %d", rc);
	EXPECT_EQ(-1, a->ret) TH_LOG("remap_file_pages of a view succeeded");
	EXPECT_EQ(-1, a->mprotect_ret) TH_LOG("a read handle's view became writable");
	EXPECT_FALSE(a->wrote);
	EXPECT_TRUE(mmft_all(v, 2 * PG, PUBLIC)) TH_LOG("the section was written");
	munmap(v, 2 * PG);
	close(h);
}

/* The hidden partial last page, remapped onto itself, read again. */
static int remap_the_tail(struct attack *a, const void *arg)
{
	const char *name = arg;
	unsigned char *buf = malloc(PG), *v;
	int h = mmft_open_named(name, RD, NULL);

	if (h < 0 || !buf)
		return 1;
	v = mmap(NULL, PG, PROT_READ, MAP_SHARED, h, 0);
	if (refused_tail(a, v))
		return a->val[3] ? 0 : 2;
	/* Hidden from who may not read the file: nothing to see. */
	if (mmft_probe_copy(buf, v, 1) != SIGBUS)
		return 3;
	a->ret = remap_file_pages(v, PG, 0, 0, 0);
	a->err = a->ret ? errno : 0;
	look(a, v, PG, buf);
	return 0;
}

/*
 * A 100-byte section of a 0600 file whose other bytes are secret: its
 * partial page is hidden from uid 65534, who may not read the file, and
 * must stay so after remap_file_pages.
 */
TEST(remap_file_pages_cannot_unhide_the_tail)
{
	static const char name[] = "mmf-attack-remap-tail";
	struct attack *a = attack_new();
	char path[64];
	int fd, h, rc;

	ASSERT_NE(NULL, a);
	fd = secret_file(path, sizeof(path), 2, 100, 0600);
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READWRITE, 100, name, 0644, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	rc = as_user(NOBODY, NOBODY, remap_the_tail, a, name);
	EXPECT_EQ(0, rc) TH_LOG("the attacker stopped at step %d", rc);
	if (a->val[3])
		TH_LOG("a view of the hidden partial page is refused");
	else
		EXPECT_EQ(-1, a->ret) TH_LOG("remap_file_pages of a view succeeded");
	EXPECT_FALSE(a->saw_secret) TH_LOG("the bytes past the section were read");
	close(h);
	close(fd);
	unlink(path);
}

/* MADV_REMOVE over the whole (partial) page of a writable view. */
static int punch_the_tail(struct attack *a, const void *arg)
{
	const char *name = arg;
	void *v;
	int h = mmft_open_named(name, RW, NULL);

	if (h < 0)
		return 1;
	v = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, h, 0);
	if (refused_tail(a, v))
		return a->val[3] ? 0 : 2;
	a->ret = madvise(v, PG, MADV_REMOVE);
	a->err = a->ret ? errno : 0;
	return 0;
}

/*
 * The same hole by another call: madvise(MADV_REMOVE) punches the file
 * through the view's file, whole pages at a time, so on a 100-byte
 * section shared writable (mode 0666) it would zero bytes 100..4095 of a
 * file the writer may not otherwise touch.  The bytes past the section
 * must survive; the section's own 100 bytes may go (the handle may write
 * them).
 */
TEST(madvise_remove_cannot_punch_past_the_section)
{
	static const char name[] = "mmf-attack-punch";
	struct attack *a = attack_new();
	char path[64];
	int fd, h, rc;

	ASSERT_NE(NULL, a);
	fd = secret_file(path, sizeof(path), 2, 100, 0600);
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READWRITE, 100, name, 0666, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	rc = as_user(NOBODY, NOBODY, punch_the_tail, a, name);
	EXPECT_EQ(0, rc) TH_LOG("the attacker stopped at step %d", rc);
	TH_LOG("MADV_REMOVE: %s", a->val[3] ? "no view of the hidden partial page" :
	       a->ret ? strerror(a->err) : "done");
	EXPECT_TRUE(mmft_file_all(fd, 100, 2 * PG - 100, SECRET))
		TH_LOG("bytes past the section were punched out");
	close(h);
	close(fd);
	unlink(path);
}

/* Map the handle received on the socket and read its (partial) page. */
static int read_passed_handle(struct attack *a, const void *arg)
{
	int sock = *(const int *)arg, h = recv_one_fd(sock);
	unsigned char *buf = malloc(PG), *v;

	if (h < 0 || !buf)
		return 1;
	v = mmap(NULL, PG, PROT_READ, MAP_SHARED, h, 0);
	if (refused_tail(a, v))
		return a->val[3] ? 0 : 2;
	look(a, v, PG, buf);
	return 0;
}

/*
 * Root creates a 100-byte section of a 0600 file whose other bytes are
 * secret (unnamed: only the handle gives it away) and passes the creating
 * handle to uid 65534 over a unix socket.  A handle carries its rights,
 * and a view never more than the section's bytes: the receiver, who may
 * not read the file, must not see bytes 100..4095 (the creator's own
 * views may; the decision is made when the handle is bound, with the
 * binder's credentials, and travels with it).
 */
TEST(a_passed_creating_handle_shows_no_bytes_past_the_section)
{
	struct attack *a = attack_new();
	int fd, h, rc, sv[2];
	char path[64];
	pid_t pid;
	int status;

	ASSERT_NE(NULL, a);
	fd = secret_file(path, sizeof(path), 2, 100, 0600);
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READ, 100, NULL, 0, 0, NULL);
	ASSERT_LE(0, h);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		close(h);
		close(fd);
		_exit(as_user(NOBODY, NOBODY, read_passed_handle, a, &sv[1]));
	}
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, send_one_fd(sv[0], h));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	EXPECT_EQ(0, rc) TH_LOG("the receiver stopped at step %d", rc);
	TH_LOG("the receiver's partial page %s", a->val[3] ? "cannot be mapped" :
	       a->read_sig ? "faults" : "reads");
	EXPECT_FALSE(a->saw_secret) TH_LOG("the bytes past the section were read");
	close(sv[0]);
	close(sv[1]);
	close(h);
	close(fd);
	unlink(path);
}

/*
 * The hidden partial page and huge pages.  A file on a tmpfs mounted
 * huge=always sits in 2 MiB folios; a view of 2 MiB - 100 bytes placed on
 * a 2 MiB boundary may be mapped with one PMD (fault or fault-around map
 * the whole folio), and the view's VM_NOHUGEPAGE, which 6.11+ honours
 * there, is the user's to clear with MADV_HUGEPAGE.  Then its hidden last
 * page shows (and, writable, takes) the 100 bytes past the section.
 */
#define HUGE_DIR	"/tmp/mmf-attack-huge"
#define HPAGE		(2UL << 20)
#define HSEC		(HPAGE - 100)

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

struct huge_args {
	int write;		/* OPEN READ|WRITE and write the tail */
	int advise;		/* MADV_HUGEPAGE first */
	int collapse;		/* then MADV_COLLAPSE (a tmpfs without huge pages) */
};

/* Whether the VMA at @addr has PMD-mapped shmem or file pages (smaps). */
static long pmd_mapped_kb(const void *addr)
{
	char line[256];
	unsigned long start, end;
	long kb = 0, v;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = (uintptr_t)addr >= start && (uintptr_t)addr < end;
			continue;
		}
		if (in && (sscanf(line, "ShmemPmdMapped: %ld kB", &v) == 1 ||
			   sscanf(line, "FilePmdMapped: %ld kB", &v) == 1))
			kb += v;
	}
	fclose(f);
	return kb;
}

static int huge_tail(struct attack *a, const void *arg)
{
	const struct huge_args *ha = arg;
	unsigned char *buf = malloc(PG), *v, *area;
	int h = mmft_open_named("mmf-attack-huge", ha->write ? RW : RD, NULL);

	if (h < 0 || !buf)
		return 1;
	area = mmap(NULL, 2 * HPAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return 2;
	v = (unsigned char *)(((uintptr_t)area + HPAGE - 1) & ~(HPAGE - 1));
	if (refused_tail(a, mmap(v, HPAGE, ha->write ? PROT_READ | PROT_WRITE : PROT_READ,
				 MAP_SHARED | MAP_FIXED, h, 0)))
		return a->val[3] ? 0 : 3;
	a->ret = ha->advise ? madvise(v, HPAGE, MADV_HUGEPAGE) : 0;
	a->err = a->ret ? errno : 0;
	/* Touch the first page: a PMD fault maps the whole folio. */
	if (mmft_probe_copy(buf, v, 1) || buf[0] != PUBLIC)
		return 4;
	/* Or make the folio huge and PMD-map it. */
	if (ha->collapse) {
		a->mprotect_ret = madvise(v, HPAGE, MADV_COLLAPSE);
		a->mprotect_err = a->mprotect_ret ? errno : 0;
	}
	if (ha->write && mmft_probe_copy(v, "P", 1))
		return 5;
	a->val[0] = pmd_mapped_kb(v);
	look(a, v + HSEC, HPAGE - HSEC, buf);
	if (ha->write && !a->read_sig) {
		memset(buf, 'X', HPAGE - HSEC);
		a->wrote = !mmft_probe_copy(v + HSEC, buf, HPAGE - HSEC);
	}
	return 0;
}

static void huge_tail_case(struct __test_metadata *_metadata, int write, int advise,
			   int collapse)
{
	struct huge_args ha = { write, advise, collapse };
	struct attack *a = attack_new();
	char path[64], *pub;
	int fd, h, rc;

	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, mkdir(HUGE_DIR, 0755));
	if (mount("tmpfs", HUGE_DIR, "tmpfs", 0, collapse ? "huge=never,mode=0755,size=16m" :
			   "huge=always,mode=0755,size=16m")) {
		rmdir(HUGE_DIR);
		SKIP(return, "no tmpfs with huge=always (%s)", strerror(errno));
	}
	fd = mmft_tmpfile(HUGE_DIR, 2 * HPAGE, SECRET, path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fchmod(fd, 0600));
	pub = malloc(HSEC);
	ASSERT_NE(NULL, pub);
	memset(pub, PUBLIC, HSEC);
	ASSERT_EQ(HSEC, pwrite(fd, pub, HSEC, 0));
	free(pub);
	h = mmft_create(fd, write ? MMF_PROT_READWRITE : MMF_PROT_READ, HSEC, "mmf-attack-huge",
			write ? 0666 : 0644, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	rc = as_user(NOBODY, NOBODY, huge_tail, a, &ha);
	EXPECT_EQ(0, rc) TH_LOG("the attacker stopped at step %d", rc);
	if (a->val[3])
		TH_LOG("a view of the hidden partial page is refused");
	else
		TH_LOG("MADV_HUGEPAGE: %s; %ld kB PMD-mapped; the tail %s",
		       advise ? (a->ret ? strerror(a->err) : "done") : "not asked",
		       a->val[0], a->read_sig ? "faults" : "reads");
	if (collapse && !a->val[3])
		TH_LOG("MADV_COLLAPSE: %s", a->mprotect_ret ? strerror(a->mprotect_err) : "done");
	EXPECT_FALSE(a->saw_secret) TH_LOG("the bytes past the section were read");
	EXPECT_FALSE(a->wrote) TH_LOG("the bytes past the section were written");
	EXPECT_TRUE(mmft_file_all(fd, HSEC, 2 * HPAGE - HSEC, SECRET))
		TH_LOG("the file past the section changed");
	close(h);
	close(fd);
	unlink(path);
	umount(HUGE_DIR);
	rmdir(HUGE_DIR);
}

TEST(a_huge_page_does_not_unhide_the_tail)
{
	huge_tail_case(_metadata, 0, 0, 0);
}

TEST(madvise_hugepage_does_not_unhide_the_tail)
{
	huge_tail_case(_metadata, 0, 1, 0);
}

TEST(madvise_hugepage_does_not_let_the_tail_be_written)
{
	huge_tail_case(_metadata, 1, 1, 0);
}

/* MADV_COLLAPSE makes the huge folio on any tmpfs (6.1+). */
TEST(madvise_collapse_does_not_unhide_the_tail)
{
	huge_tail_case(_metadata, 0, 1, 1);
}

/* ---- 2: a reader's FLUSH ---------------------------------------------- */

/* A reader (READ handle, read-only view) flushes the whole view. */
static int reader_flushes(struct attack *a, const void *arg)
{
	const char *name = arg;
	uint64_t written = 0;
	void *v;
	int h = mmft_open_named(name, RD, NULL);

	if (h < 0)
		return 1;
	v = mmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, h, 0);
	if (v == MAP_FAILED)
		return 2;
	a->ret = mmft_flush(h, v, 0, 0, &written);
	a->val[0] = written;
	return 0;
}

/*
 * The writer (root) writes pages 0, 2 and 3; a reader of another uid
 * FLUSHes its read-only view; the writer's WRITE_WATCH still reports the
 * three pages.  The writer's own flush then clears them (the test can
 * tell).
 */
static void reader_flush(struct __test_metadata *_metadata, int swap)
{
	static const char name[] = "mmf-attack-flush";
	struct attack *a = attack_new();
	unsigned char *v;
	uint64_t bits;
	char path[64];
	int fd = -1, h, rc;

	ASSERT_NE(NULL, a);
	if (swap) {
		h = mmft_create_swap(4 * PG, name, 0644, NULL);
	} else {
		fd = secret_file(path, sizeof(path), 4, 0, 0600);
		ASSERT_LE(0, fd);
		h = mmft_create(fd, MMF_PROT_READWRITE, 0, name, 0644, 0, NULL);
	}
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	v[0] = 'w';
	v[2 * PG] = 'w';
	v[3 * PG] = 'w';
	ASSERT_EQ(3, watch(h, v, 4 * PG, 0, &bits, 64));
	rc = as_user(NOBODY, NOBODY, reader_flushes, a, name);
	EXPECT_EQ(0, rc) TH_LOG("the reader stopped at step %d", rc);
	EXPECT_EQ(0, a->ret) TH_LOG("the reader's flush: %s", strerror(-a->ret));
	EXPECT_EQ(3, watch(h, v, 4 * PG, 0, &bits, 64)) TH_LOG("the reader cleared the watch");
	EXPECT_EQ(0xd, bits);
	/* The writer's own flush does clear it. */
	ASSERT_EQ(0, mmft_flush(h, v, 0, 0, NULL));
	EXPECT_EQ(0, watch(h, v, 4 * PG, 0, &bits, 64));
	munmap(v, 4 * PG);
	close(h);
	if (fd >= 0) {
		EXPECT_TRUE(mmft_file_all(fd, 2 * PG, 1, 'w'));
		close(fd);
		unlink(path);
	}
}

TEST(a_readers_flush_keeps_the_writers_watch)
{
	reader_flush(_metadata, 0);
}

TEST(a_readers_flush_keeps_the_writers_watch_swap)
{
	reader_flush(_metadata, 1);
}

/* ---- 3: growth passes the truncate checks ----------------------------- */

static off_t file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_size;
}

/* CREATE with a raw ioctl, max_size @max: 0 or -errno. */
static int raw_create(int fd, unsigned int prot, uint64_t max)
{
	int h = mmft_create(fd, prot, max, NULL, 0, 0, NULL);

	if (h >= 0)
		close(h);
	return h < 0 ? h : 0;
}

/* mmf_create of an unnamed section: 0 or -errno. */
static int lib_create(int fd, unsigned int prot, uint64_t max)
{
	mmf_section *s;
	int ret = mmf_create(fd, max, prot, &s);

	if (!ret)
		mmf_close(s);
	return ret;
}

/*
 * The kernel never grows a file: a section past its end fails with
 * EOVERFLOW (READWRITE) or EACCES (the others, as before), and the size
 * stays.  On every kernel.
 */
TEST(create_never_grows_the_file)
{
	char path[64];
	int fd;

	fd = mmft_tmpfile(EXT4, PG, 'g', path, sizeof(path));
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EACCES, raw_create(fd, MMF_PROT_READ, GIB));
	EXPECT_EQ(-EACCES, raw_create(fd, MMF_PROT_WRITECOPY, GIB));
	EXPECT_EQ(-EOVERFLOW, raw_create(fd, MMF_PROT_READWRITE, GIB));
	EXPECT_EQ(PG, (size_t)file_size(fd));
	/* The library grows it. */
	EXPECT_EQ(0, lib_create(fd, MMF_PAGE_READWRITE, GIB));
	EXPECT_EQ(GIB, (uint64_t)file_size(fd));
	close(fd);
	unlink(path);
}

/* Every ftruncate(2) and truncate(2) fails with EACCES, as an LSM may. */
static int deny_truncate(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ftruncate, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_truncate, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
	};
	struct sock_fprog prog = { sizeof(insns) / sizeof(insns[0]), insns };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) ? -errno : 0;
}

struct grow_args {
	const char *path;
	int landlock;		/* restrict with Landlock, else seccomp */
};

/* Landlock: read and write files under EXT4 and /dev/mmf, never truncate. */
static int landlock_no_truncate(void)
{
	static const struct landlock_ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
				     LANDLOCK_ACCESS_FS_TRUNCATE,
	};
	static const char *const paths[] = { EXT4, MMF_DEVICE_PATH };

	return landlock_apply(&attr, LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE,
			      paths, 2);
}

/*
 * Restricted so that truncation fails, open the file and make a 1 GiB
 * section of it through libmmf and through the raw ioctl.
 */
static int grow_restricted(struct attack *a, const void *arg)
{
	const struct grow_args *g = arg;
	int fd;

	if (g->landlock ? landlock_no_truncate() : deny_truncate())
		return 1;
	fd = open(g->path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 2;
	/* The restriction works: truncation itself is refused. */
	if (!ftruncate(fd, 2 * PG) || errno != EACCES)
		return 3;
	a->val[0] = lib_create(fd, MMF_PAGE_READWRITE, GIB);
	a->val[1] = raw_create(fd, MMF_PROT_READWRITE, GIB);
	return 0;
}

static void grow_under(struct __test_metadata *_metadata, int landlock)
{
	struct attack *a = attack_new();
	char path[64];
	struct grow_args g = { path, landlock };
	int fd, rc;

	ASSERT_NE(NULL, a);
	fd = mmft_tmpfile(EXT4, PG, 'g', path, sizeof(path));
	ASSERT_LE(0, fd);
	/* Root, restricted: no capability lets it past either. */
	rc = as_user(0, 0, grow_restricted, a, &g);
	EXPECT_EQ(0, rc) TH_LOG("the child stopped at step %d", rc);
	EXPECT_EQ(-EACCES, a->val[0]) TH_LOG("mmf_create: %s", strerror(-a->val[0]));
	EXPECT_EQ(-EOVERFLOW, a->val[1]) TH_LOG("raw CREATE: %s", strerror(-a->val[1]));
	EXPECT_EQ(PG, (size_t)file_size(fd)) TH_LOG("the file grew to %lld",
						   (long long)file_size(fd));
	close(fd);
	unlink(path);
}

/* Growth goes through ftruncate(2), so whatever refuses it refuses CREATE. */
TEST(create_grows_the_file_only_through_ftruncate)
{
	grow_under(_metadata, 0);
}

/*
 * Landlock without LANDLOCK_ACCESS_FS_TRUNCATE (ABI 3, 6.2+): neither the
 * library nor the raw ioctl grows the file.  6.1 has ABI 2: skipped there
 * (the test above covers the mechanism; AppArmor and TOMOYO have no
 * policy loaded in the test VM).
 */
TEST(landlock_without_truncate_keeps_the_file_size)
{
	long abi = syscall(__NR_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);

	if (abi < 0)
		SKIP(return, "Landlock is not enabled (%s)", strerror(errno));
	if (abi < 3)
		SKIP(return, "Landlock ABI %ld has no truncate right (needs 3, 6.2+)", abi);
	TH_LOG("Landlock ABI %ld", abi);
	grow_under(_metadata, 1);
}

/* ---- 4: PROT_EXEC ------------------------------------------------------ */

/* A page whose first byte returns (x86: ret). */
#if defined(__x86_64__) || defined(__i386__)
#define RET_INSN	0xc3
#define CAN_CALL	1
#else
#define RET_INSN	0
#define CAN_CALL	0
#endif

static int query_access(const void *addr)
{
	struct mmf_query q = { .size = sizeof(q), .addr = (uintptr_t)addr };
	int h = mmft_handle(), ret;

	if (h < 0)
		return h;
	ret = ioctl(h, MMF_IOC_QUERY, &q) ? -errno : (int)q.access;
	close(h);
	return ret;
}

/* Run the code at @v (a "ret"), in a child in case it faults. */
static int call_view(void *v)
{
	pid_t pid;
	int status;

	if (!CAN_CALL)
		return 0;
	pid = fork();
	if (pid == 0) {
		((void (*)(void))v)();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static int code_file(const char *dir, char *path, size_t plen)
{
	int fd = mmft_tmpfile(dir, PG, RET_INSN ? RET_INSN : 1, path, plen);

	return fd;
}

/*
 * mmap with PROT_EXEC is refused even where the handle has EXEC (the
 * mmap security hooks saw /dev/mmf, not the file); mprotect(PROT_EXEC)
 * of a plain view, checked against the backing file, makes it
 * executable; a handle without EXEC or a noexec mount still cannot.
 */
TEST(exec_views_are_made_by_mprotect_only)
{
	static const char name[] = "mmf-attack-exec";
	char path[64], npath[64];
	struct mmf_create c = { 0 };
	int fd, h, ro, nfd, nh;
	void *v;

	fd = code_file(EXT4, path, sizeof(path));
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READ, 0, name, 0777, 0, &c);
	ASSERT_LE(0, h);
	ASSERT_TRUE(c.access & MMF_ACCESS_EXEC);
	v = mmft_map(h, PG, PROT_READ | PROT_EXEC, MAP_SHARED, 0);
	EXPECT_EQ(MAP_FAILED, v) TH_LOG("mmap(PROT_EXEC) of a view succeeded");
	EXPECT_EQ(EACCES, errno);
	if (v != MAP_FAILED)
		munmap(v, PG);
	v = mmft_map(h, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, 0);
	EXPECT_EQ(MAP_FAILED, v) TH_LOG("mmap(PROT_EXEC, MAP_PRIVATE) of a view succeeded");
	EXPECT_EQ(EACCES, errno);
	if (v != MAP_FAILED)
		munmap(v, PG);

	v = mmft_map(h, PG, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(0, query_access(v) & MMF_ACCESS_EXEC);
	ASSERT_EQ(0, mprotect(v, PG, PROT_READ | PROT_EXEC));
	EXPECT_EQ(MMF_ACCESS_EXEC, query_access(v) & MMF_ACCESS_EXEC);
	EXPECT_EQ(0, call_view(v));
	munmap(v, PG);

	/* A handle without EXEC. */
	ro = mmft_open_named(name, RD, NULL);
	ASSERT_LE(0, ro);
	v = mmft_map(ro, PG, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(-1, mprotect(v, PG, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	munmap(v, PG);
	close(ro);

	/* A noexec mount. */
	ASSERT_EQ(0, mkdir("/tmp/mmf-attack-noexec", 0700));
	ASSERT_EQ(0, mount("tmpfs", "/tmp/mmf-attack-noexec", "tmpfs", MS_NOEXEC, "mode=0700"));
	nfd = code_file("/tmp/mmf-attack-noexec", npath, sizeof(npath));
	ASSERT_LE(0, nfd);
	nh = mmft_create(nfd, MMF_PROT_READ, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, nh);
	v = mmft_map(nh, PG, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(-1, mprotect(v, PG, PROT_READ | PROT_EXEC));
	munmap(v, PG);
	close(nh);
	close(nfd);
	unlink(npath);
	mmft_umount_tmpfs("/tmp/mmf-attack-noexec");

	close(h);
	close(fd);
	unlink(path);
}

/*
 * A process with the READ_IMPLIES_EXEC personality (setarch -X, old
 * 32-bit binaries) gets PROT_EXEC added to every PROT_READ mmap by the
 * core, before the module sees it: its plain read views must still work.
 */
TEST(read_implies_exec_still_maps_views)
{
	char path[64];
	int fd, h, status;
	pid_t pid;

	fd = code_file(EXT4, path, sizeof(path));
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READ, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h);
	pid = fork();
	if (pid == 0) {
		void *v;

		if (personality(READ_IMPLIES_EXEC) < 0)
			_exit(1);
		v = mmft_map(h, PG, PROT_READ, MAP_SHARED, 0);
		_exit(v == MAP_FAILED ? 100 + errno : 0);
	}
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("mmap(PROT_READ): %s",
						 WEXITSTATUS(status) >= 100 ?
						 strerror(WEXITSTATUS(status) - 100) : "no personality");
	close(h);
	close(fd);
	unlink(path);
}

/* libmmf's MMF_MAP_EXEC and Win32's FILE_MAP_EXECUTE still make exec views. */
TEST(library_and_win32_exec_views_still_work)
{
	char path[64];
	mmf_section *s;
	HANDLE f, m;
	void *v;
	int fd;

	fd = code_file(EXT4, path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mmf_create(fd, 0, MMF_PAGE_READONLY, &s));
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_READ | MMF_MAP_EXEC, 0, PG, NULL, &v));
	EXPECT_EQ(MMF_ACCESS_EXEC, query_access(v) & MMF_ACCESS_EXEC);
	EXPECT_EQ(0, call_view(v));
	EXPECT_EQ(0, mmf_unmap(v));
	mmf_close(s);

	f = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
			OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, f);
	m = CreateFileMappingA(f, NULL, PAGE_EXECUTE_READ, 0, 0, NULL);
	ASSERT_NE(NULL, m) TH_LOG("CreateFileMappingA: error %u", GetLastError());
	v = MapViewOfFile(m, FILE_MAP_READ | FILE_MAP_EXECUTE, 0, 0, 0);
	ASSERT_NE(NULL, v) TH_LOG("MapViewOfFile(FILE_MAP_EXECUTE): error %u", GetLastError());
	EXPECT_EQ(MMF_ACCESS_EXEC, query_access(v) & MMF_ACCESS_EXEC);
	EXPECT_EQ(0, call_view(v));
	EXPECT_TRUE(UnmapViewOfFile(v));
	CloseHandle(m);
	CloseHandle(f);
	close(fd);
	unlink(path);
}

/* ---- 5: strict overcommit ---------------------------------------------- */

#define OVERCOMMIT	"/proc/sys/vm/overcommit_memory"

/* Committed_AS of /proc/meminfo in KiB, -1 if unreadable. */
static long long committed_kb(void)
{
	char line[256];
	long long kb = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Committed_AS: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Whether a 64 GiB private writable anonymous mapping is granted. */
static int big_anon_mmap_succeeds(void)
{
	void *p = mmap(NULL, 64 * GIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return 0;
	munmap(p, 64 * GIB);
	return 1;
}

FIXTURE(overcommit) {
	char saved[32];
};

FIXTURE_SETUP(overcommit)
{
	ASSERT_EQ(0, mmft_read_knob(OVERCOMMIT, self->saved, sizeof(self->saved)));
	ASSERT_EQ(0, mmft_write_knob(OVERCOMMIT, "2\n"));
}

FIXTURE_TEARDOWN(overcommit)
{
	if (self->saved[0])
		mmft_write_knob(OVERCOMMIT, self->saved);
}

/*
 * With vm.overcommit_memory=2, swap-backed sections of the sizes near
 * MAX_LFS_FILESIZE (whose page count overflows shmem's accounting) fail
 * with EFBIG, Committed_AS stays, and a 64 GiB anonymous mapping is still
 * refused on the small test VM.
 */
TEST_F(overcommit, swap_sections_near_max_lfs_filesize_keep_strict_overcommit)
{
	static const uint64_t top = LLONG_MAX;	/* MAX_LFS_FILESIZE, 64-bit */
	/*
	 * Above the address space, the largest last: shmem charges the top
	 * 4095 sizes a negative page count (PAGE_ALIGN overflows loff_t),
	 * after which even the others would be granted.
	 */
	const uint64_t sizes[] = {
		1ULL << 57, 1ULL << 62, top - 8191, top - 4097, top - 4096, top - 4095,
		top - 4094, top - 1, top,
	};
	int keep[sizeof(sizes) / sizeof(sizes[0])], kept = 0, h;
	long long before, after;
	size_t i;

	ASSERT_FALSE(big_anon_mmap_succeeds()) TH_LOG("strict overcommit is not in force");
	before = committed_kb();
	ASSERT_LT(0, before);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		h = mmft_create_swap(sizes[i], NULL, 0, NULL);
		EXPECT_EQ(-EFBIG, h) TH_LOG("size %#llx: %s", (unsigned long long)sizes[i],
					    h < 0 ? strerror(-h) : "created");
		if (h >= 0)
			keep[kept++] = h;
	}
	/* Below the cap, strict overcommit refuses what it cannot promise. */
	h = mmft_create_swap(1ULL << 40, NULL, 0, NULL);
	EXPECT_EQ(-ENOMEM, h);
	if (h >= 0)
		keep[kept++] = h;
	after = committed_kb();
	TH_LOG("Committed_AS %lld kB before, %lld kB after", before, after);
	EXPECT_LT(0, after);
	EXPECT_LE(before / 2, after);
	EXPECT_FALSE(big_anon_mmap_succeeds()) TH_LOG("strict overcommit was switched off");
	while (kept)
		close(keep[--kept]);
}

/* ---- 6: active swap files ---------------------------------------------- */

FIXTURE(swapfile) {
	char path[64];
	int fd;
	int on;
};

#define SWAP_PAGES	64

/* A swap file as mkswap(8) writes it: version 1, no bad pages. */
static int make_swap_file(const char *path)
{
	unsigned char *page = calloc(1, PG);
	uint32_t hdr[3] = { 1, SWAP_PAGES - 1, 0 };
	int fd, i, ok = 1;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !page)
		return -1;
	for (i = 0; i < SWAP_PAGES && ok; i++)
		ok = write(fd, page, PG) == (ssize_t)PG;
	memcpy(page + 1024, hdr, sizeof(hdr));
	memcpy(page + PG - 10, "SWAPSPACE2", 10);
	if (!ok || pwrite(fd, page, PG, 0) != (ssize_t)PG || fsync(fd)) {
		close(fd);
		fd = -1;
	}
	free(page);
	return fd;
}

FIXTURE_SETUP(swapfile)
{
	snprintf(self->path, sizeof(self->path), EXT4 "/mmf-swapfile.%d", getpid());
	self->fd = make_swap_file(self->path);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, swapon(self->path, 0)) TH_LOG("swapon: %s", strerror(errno));
	self->on = 1;
}

FIXTURE_TEARDOWN(swapfile)
{
	if (self->on)
		swapoff(self->path);
	close(self->fd);
	unlink(self->path);
}

/*
 * An active swap file is no READWRITE backing (ETXTBSY, as mmap(2) with
 * PROT_WRITE and MAP_SHARED refuses it), through the raw ioctl and the
 * library; a READ section of it works.  Its header is intact.
 */
TEST_F(swapfile, a_readwrite_section_over_an_active_swap_file_is_refused)
{
	char magic[10];
	void *p;
	int h;

	/* The kernel's own rule, for comparison. */
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ETXTBSY, errno);
	EXPECT_EQ(-ETXTBSY, raw_create(self->fd, MMF_PROT_READWRITE, 0));
	EXPECT_EQ(-ETXTBSY, lib_create(self->fd, MMF_PAGE_READWRITE, 0));

	h = mmft_create(self->fd, MMF_PROT_READ, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("READ section: %s", strerror(-h));
	p = mmft_map(h, PG, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, memcmp((char *)p + PG - 10, "SWAPSPACE2", 10));
	munmap(p, PG);
	close(h);
	EXPECT_EQ(10, pread(self->fd, magic, 10, PG - 10));
	EXPECT_EQ(0, memcmp(magic, "SWAPSPACE2", 10));
}

/* ---- 7: EXEC on a named section ---------------------------------------- */

#define OWNER_UID	61000
#define OWNER_GID	61000
#define MEMBER_UID	61001
#define OTHER_UID	61002

enum who { OWNER, MEMBER, OTHER, ROOT };

struct exec_row {
	unsigned int mode;
	enum who who;
	int rd_err;		/* OPEN(READ): 0 or -errno */
	int rx_err;		/* OPEN(READ | EXEC) */
};

#define RX	(MMF_ACCESS_READ | MMF_ACCESS_EXEC)

static const struct exec_row exec_rows[] = {
	{ 0666, OTHER, 0, -EACCES },
	{ 0777, OTHER, 0, 0 },
	{ 0665, OTHER, 0, 0 },
	{ 0776, OTHER, 0, -EACCES },
	{ 0640, MEMBER, 0, -EACCES },
	{ 0650, MEMBER, 0, 0 },
	{ 0606, MEMBER, -EACCES, -EACCES },	/* the group's bits, not the others' */
	{ 0666, OWNER, 0, -EACCES },
	{ 0766, OWNER, 0, 0 },
	{ 0666, ROOT, 0, 0 },			/* CAP_IPC_OWNER */
};

#define XNAME	"mmf-attack-xbit"

/*
 * OPEN for reading, then for reading and executing (and make that view
 * executable); then a CREATE (READ) that joins: its access.
 */
static int exec_open(struct attack *a, const void *arg)
{
	struct mmf_create c = { 0 };
	void *v;
	int h;

	(void)arg;
	h = mmft_open_named(XNAME, RD, NULL);
	a->val[0] = h < 0 ? h : 0;
	if (h >= 0)
		close(h);
	h = mmft_open_named(XNAME, RX, NULL);
	a->val[1] = h < 0 ? h : 0;
	if (h >= 0) {
		v = mmft_map(h, PG, PROT_READ, MAP_SHARED, 0);
		if (v == MAP_FAILED)
			return 1;
		a->mprotect_ret = mprotect(v, PG, PROT_READ | PROT_EXEC);
		a->mprotect_err = a->mprotect_ret ? errno : 0;
		close(h);
	}
	h = mmft_create(-1, MMF_PROT_READ, PG, XNAME, 0777, MMF_CREATE_SWAP, &c);
	a->val[2] = h < 0 ? h : 0;
	a->val[3] = h < 0 ? 0 : c.access;
	if (h >= 0)
		close(h);
	return 0;
}

/*
 * EXEC on a named section needs the execute bit of the caller's class, as
 * SysV shmat(SHM_EXEC) does: OPEN asking for it fails with EACCES, a
 * CREATE that joins gets a handle without it.  Sections owned by
 * 61000:61000; the member is 61001 in group 61000, the other 61002.
 */
TEST(exec_on_a_named_section_needs_the_execute_bit)
{
	struct attack *a = attack_new();
	size_t i;

	ASSERT_NE(NULL, a);
	for (i = 0; i < sizeof(exec_rows) / sizeof(exec_rows[0]); i++) {
		const struct exec_row *row = &exec_rows[i];
		uid_t uid = row->who == OWNER ? OWNER_UID : row->who == MEMBER ? MEMBER_UID :
			    row->who == OTHER ? OTHER_UID : 0;
		gid_t gid = row->who == MEMBER ? OWNER_GID : row->who == ROOT ? 0 : uid;
		int h, rc;

		/* Created with effective uid and gid 61000 (saved ids stay root). */
		ASSERT_EQ(0, setresgid(-1, OWNER_GID, -1));
		ASSERT_EQ(0, setresuid(-1, OWNER_UID, -1));
		h = mmft_create_swap(PG, XNAME, row->mode, NULL);
		ASSERT_EQ(0, setresuid(-1, 0, -1));
		ASSERT_EQ(0, setresgid(-1, 0, -1));
		ASSERT_LE(0, h);
		memset(a, 0, sizeof(*a));
		rc = as_user(uid, gid, exec_open, a, NULL);
		EXPECT_EQ(0, rc) TH_LOG("row %zu: stopped at step %d", i, rc);
		EXPECT_EQ(row->rd_err, a->val[0]) TH_LOG("row %zu: mode %04o, uid %u: OPEN(READ)",
							 i, row->mode, uid);
		EXPECT_EQ(row->rx_err, a->val[1])
			TH_LOG("row %zu: mode %04o, uid %u: OPEN(READ|EXEC): %s", i, row->mode,
			       uid, a->val[1] ? strerror(-a->val[1]) : "granted");
		if (!a->val[1]) {
			EXPECT_EQ(0, a->mprotect_ret) TH_LOG("row %zu: mprotect(PROT_EXEC): %s",
							     i, strerror(a->mprotect_err));
		}
		EXPECT_EQ(row->rd_err, a->val[2]) TH_LOG("row %zu: joining CREATE", i);
		EXPECT_EQ(row->rx_err ? 0 : MMF_ACCESS_EXEC, a->val[3] & MMF_ACCESS_EXEC)
			TH_LOG("row %zu: a joining CREATE got access %#lx", i, a->val[3]);
		close(h);
	}
}

/* ---- 8: name squatting ------------------------------------------------- */

#define WELL_KNOWN	"well.known"

FIXTURE(squat) {
	char path[64];		/* the squatter's file, 'q' */
	char mine[64];		/* root's file, 'r' */
	int fd;			/* root's file, O_RDWR */
	int gate;		/* closing it lets the squatter go */
	pid_t squatter;
};

/*
 * uid 65534 creates WELL_KNOWN (mode 0666) on its own file, or swap-backed
 * with @swap, tells the path and keeps the name until the pipe closes.
 */
static pid_t squat(int swap, char *path, size_t plen, int *gate)
{
	int up[2], down[2];
	pid_t pid;
	char c;

	if (pipe(up) || pipe(down))
		return -1;
	pid = fork();
	if (pid == 0) {
		int fd = -1, h;

		close(up[0]);
		close(down[1]);
		if (mmft_become(NOBODY, NOBODY))
			_exit(1);
		if (!swap) {
			fd = mmft_tmpfile("/tmp", PG, 'q', path, plen);
			if (fd < 0)
				_exit(2);
		} else {
			snprintf(path, plen, "-");
		}
		h = swap ? mmft_create_swap(PG, WELL_KNOWN, 0666, NULL) :
			   mmft_create(fd, MMF_PROT_READWRITE, 0, WELL_KNOWN, 0666, 0, NULL);
		if (h < 0)
			_exit(3);
		if (write(up[1], path, plen) != (ssize_t)plen)
			_exit(4);
		_exit(read(down[0], &c, 1) < 0 ? 5 : 0);
	}
	close(up[1]);
	close(down[0]);
	if (pid < 0 || read(up[0], path, plen) != (ssize_t)plen) {
		close(up[0]);
		close(down[1]);
		return -1;
	}
	close(up[0]);
	*gate = down[1];
	return pid;
}

FIXTURE_SETUP(squat)
{
	self->squatter = squat(0, self->path, sizeof(self->path), &self->gate);
	ASSERT_LT(0, self->squatter);
	self->fd = mmft_tmpfile(EXT4, PG, 'r', self->mine, sizeof(self->mine));
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(squat)
{
	close(self->gate);
	waitpid(self->squatter, NULL, 0);
	if (self->path[0] == '/')
		unlink(self->path);
	close(self->fd);
	unlink(self->mine);
}

static int squatter_file_intact(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return 0;
	ok = mmft_file_all(fd, 0, PG, 'q');
	close(fd);
	return ok;
}

/*
 * By default mmf_create refuses (-EEXIST) to join a name backed by another
 * file.  Should it join, root writes its data as a victim would: none of
 * it may land in the squatter's file.
 */
TEST_F(squat, the_library_refuses_to_join_another_file)
{
	mmf_section *s;
	bool existed = false;
	char *v;
	int ret;

	ret = mmft_lib_create(self->fd, 0, MMF_PAGE_READWRITE, WELL_KNOWN, 0, NULL, &s, &existed);
	EXPECT_EQ(-EEXIST, ret) TH_LOG("mmf_create: %s", ret ? strerror(-ret) : "joined");
	if (!ret) {
		if (!mmf_map(s, MMF_MAP_READ | MMF_MAP_WRITE, 0, PG, NULL, (void **)&v)) {
			memcpy(v, "root's private data", 19);
			mmf_flush(v, PG, 0, NULL);
			mmf_unmap(v);
		}
		mmf_close(s);
	}
	EXPECT_TRUE(squatter_file_intact(self->path)) TH_LOG("root's data went to the squatter");
	EXPECT_TRUE(mmft_file_all(self->fd, 0, PG, 'r'));
}

/*
 * The raw ioctl joins without MMF_CREATE_SAME_BACKING and says so with
 * MMF_RESULT_OTHER_BACKING; with the flag it refuses (-EEXIST).
 */
TEST_F(squat, raw_create_tells_of_another_file_and_can_refuse_it)
{
	struct mmf_create c = { 0 };
	int h;

	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, WELL_KNOWN, 0600, 0, &c);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	EXPECT_EQ(MMF_RESULT_EXISTED | MMF_RESULT_OTHER_BACKING,
		  c.result & (MMF_RESULT_EXISTED | MMF_RESULT_OTHER_BACKING));
	close(h);
	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, WELL_KNOWN, 0600,
			MMF_CREATE_SAME_BACKING, &c);
	EXPECT_EQ(-EEXIST, h);
	if (h >= 0)
		close(h);
	/* A swap-backed CREATE meeting a file-backed name: another backing. */
	h = mmft_create(-1, MMF_PROT_READWRITE, PG, WELL_KNOWN, 0600, MMF_CREATE_SWAP, &c);
	ASSERT_LE(0, h);
	EXPECT_EQ(MMF_RESULT_EXISTED | MMF_RESULT_OTHER_BACKING,
		  c.result & (MMF_RESULT_EXISTED | MMF_RESULT_OTHER_BACKING));
	close(h);
	h = mmft_create(-1, MMF_PROT_READWRITE, PG, WELL_KNOWN, 0600,
			MMF_CREATE_SWAP | MMF_CREATE_SAME_BACKING, &c);
	EXPECT_EQ(-EEXIST, h);
	if (h >= 0)
		close(h);
	EXPECT_TRUE(squatter_file_intact(self->path));
}

/* The very file joins, with or without the flag, and no OTHER_BACKING. */
TEST_F(squat, the_same_file_joins_without_the_bit)
{
	struct mmf_create c = { 0 };
	int fd, h;

	fd = open(self->path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, WELL_KNOWN, 0600, 0, &c);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	EXPECT_EQ(MMF_RESULT_EXISTED, c.result & (MMF_RESULT_EXISTED | MMF_RESULT_OTHER_BACKING));
	close(h);
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, WELL_KNOWN, 0600, MMF_CREATE_SAME_BACKING, &c);
	ASSERT_LE(0, h) TH_LOG("CREATE with SAME_BACKING: %s", strerror(-h));
	EXPECT_EQ(MMF_RESULT_EXISTED, c.result & (MMF_RESULT_EXISTED | MMF_RESULT_OTHER_BACKING));
	close(h);
	close(fd);
}

/*
 * Win32: CreateFileMappingA meeting a name backed by another file gives
 * NULL with ERROR_INVALID_HANDLE; the same file gives the section with
 * ERROR_ALREADY_EXISTS.
 */
TEST_F(squat, win32_refuses_another_file_under_the_name)
{
	HANDLE f, m;

	f = CreateFileA(self->mine, GENERIC_READ | GENERIC_WRITE,
			FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
			FILE_ATTRIBUTE_NORMAL, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, f);
	m = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, "Local\\" WELL_KNOWN);
	EXPECT_EQ(NULL, m);
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	if (m)
		CloseHandle(m);
	CloseHandle(f);

	f = CreateFileA(self->path, GENERIC_READ | GENERIC_WRITE,
			FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
			FILE_ATTRIBUTE_NORMAL, NULL);
	ASSERT_NE(INVALID_HANDLE_VALUE, f);
	m = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, WELL_KNOWN);
	EXPECT_NE(NULL, m);
	EXPECT_EQ(ERROR_ALREADY_EXISTS, GetLastError());
	if (m)
		CloseHandle(m);
	CloseHandle(f);

	/* Paging-file backed meeting a file-backed name. */
	m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PG, WELL_KNOWN);
	EXPECT_EQ(NULL, m);
	EXPECT_EQ(ERROR_INVALID_HANDLE, GetLastError());
	if (m)
		CloseHandle(m);
	EXPECT_TRUE(squatter_file_intact(self->path));
}

/* A squatted swap-backed name: root's file is refused by the library too. */
TEST(the_library_refuses_a_swap_section_for_a_file)
{
	char path[64], mine[64];
	mmf_section *s;
	int gate, fd, ret;
	pid_t pid;

	pid = squat(1, path, sizeof(path), &gate);
	ASSERT_LT(0, pid);
	fd = mmft_tmpfile(EXT4, PG, 'r', mine, sizeof(mine));
	ASSERT_LE(0, fd);
	ret = mmft_lib_create(fd, 0, MMF_PAGE_READWRITE, WELL_KNOWN, 0, NULL, &s, NULL);
	EXPECT_EQ(-EEXIST, ret);
	if (!ret)
		mmf_close(s);
	/* Swap meeting swap is the same kind of backing: joins. */
	ret = mmft_lib_create(MMF_NO_FILE, PG, MMF_PAGE_READWRITE, WELL_KNOWN, 0, NULL, &s, NULL);
	EXPECT_EQ(0, ret);
	if (!ret)
		mmf_close(s);
	close(gate);
	waitpid(pid, NULL, 0);
	close(fd);
	unlink(mine);
}

TEST_HARNESS_MAIN
