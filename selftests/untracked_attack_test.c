// SPDX-License-Identifier: GPL-2.0
/*
 * Attacks on MMF_CREATE_UNTRACKED sections (views without page_mkwrite,
 * whose shared pages map writable at the first fault) as a hostile local
 * user would make them: a reader of a named untracked section, of another
 * uid or of the same one, tries every way to write it; views try to see
 * past the section; memfd seals, truncation, huge tmpfs, tracked views of
 * the same file, private views and fork meet untracked views; and the
 * grown struct mmf_stat is probed at every size around its two sizes.
 * Each test asserts what the section holds afterwards (pread of the file,
 * or a view of its creator), the errno or the signal of every attempt.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/io_uring.h>
#include <linux/memfd.h>
#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif

#define NPAGES	8
/* The largest read-around window CREATE accepts (kmod/mmf.h). */
#define MMF_READAROUND_MAX_TEST	1024
#define NOBODY	65534

/* The signal a write of @c to @p raises in this process (caught), 0 if none. */
static int write_signal(volatile unsigned char *p, unsigned char c)
{
	return mmft_probe_copy(p, &c, 1);
}

/* Same for a read; *@out gets the byte when there is none. */
static int read_signal(volatile unsigned char *p, unsigned char *out)
{
	return mmft_probe_copy(out, p, 1);
}

/*
 * The reader's attacks, in a child.  Returns 0 when every one was
 * blocked, else the number of the first that was not (so that the
 * parent's assertion names it), 100 + n for a setup failure.
 */
struct reader_args {
	const char *name;
	uid_t uid;		/* 0: stay root, with a READ handle */
	size_t size, pg;
	const char *direct_file;	/* a file O_DIRECT can read, or NULL */
};

static int reader_attacks(void *arg)
{
	struct reader_args *a = arg;
	unsigned char *v, *p, byte;
	struct iovec local, remote;
	char pat[4096];
	int h, fd, pfd[2], status;
	pid_t pid;
	long ret;

	memset(pat, 'X', sizeof(pat));
	if (a->uid && mmft_become(a->uid, a->uid))
		return 101;
	h = mmft_open_named(a->name, MMF_ACCESS_READ, NULL);
	if (h < 0)
		return 102;
	/* 1: a shared writable view. */
	v = mmft_map(h, a->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (v != MAP_FAILED || errno != EACCES)
		return 1;
	v = mmft_map(h, a->size, PROT_READ, MAP_SHARED, 0);
	if (v == MAP_FAILED)
		return 103;
	/* The reader sees the section. */
	if (read_signal(v, &byte) || byte != 'a')
		return 104;
	/* 2: mprotect. */
	if (!mprotect(v, a->size, PROT_READ | PROT_WRITE) || errno != EACCES)
		return 2;
	/* 3: a plain store. */
	if (write_signal(v, 'X') != SIGSEGV)
		return 3;
	/* 4: /proc/self/mem (FOLL_FORCE). */
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		ret = pwrite(fd, pat, a->pg, (off_t)(uintptr_t)v);
		close(fd);
		if (ret >= 0)
			return 4;
	}
	/* 5: process_vm_writev to itself. */
	local.iov_base = pat;
	local.iov_len = a->pg;
	remote.iov_base = v + a->pg;
	remote.iov_len = a->pg;
	if (process_vm_writev(getpid(), &local, 1, &remote, 1, 0) >= 0)
		return 5;
	/* 6: MADV_POPULATE_WRITE (EINVAL on a kernel without it). */
	if (!madvise(v, a->size, MADV_POPULATE_WRITE))
		return 6;
	/* 7: MADV_REMOVE punches nothing. */
	if (!madvise(v, a->pg, MADV_REMOVE))
		return 7;
	/*
	 * 8: remap_file_pages maps the view's file again (refused, after
	 * the core unmapped the page: a fresh view serves from here).
	 */
	if (!remap_file_pages(v, a->pg, 0, 1, 0)) {
		if (write_signal(v, 'X') != SIGSEGV)
			return 8;
	}
	munmap(v, a->size);
	v = mmft_map(h, a->size, PROT_READ, MAP_SHARED, 0);
	if (v == MAP_FAILED)
		return 112;
	/* 9: read(2) into the view from a pipe, and vmsplice. */
	if (pipe(pfd))
		return 105;
	if (write(pfd[1], pat, 64) != 64)
		return 106;
	if (read(pfd[0], v + 2 * a->pg, 64) >= 0)
		return 9;
	local.iov_base = v + 2 * a->pg;
	local.iov_len = 64;
	if (vmsplice(pfd[0], &local, 1, 0) >= 0)
		return 10;
	close(pfd[0]);
	close(pfd[1]);
	/* 11: ptrace POKEDATA from a parent into a traced child's view. */
	pid = fork();
	if (pid < 0)
		return 107;
	if (!pid) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		return 108;
	errno = 0;
	ret = ptrace(PTRACE_POKEDATA, pid, v + 3 * a->pg, (void *)0x5858585858585858UL);
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	waitpid(pid, &status, 0);
	if (!ret)
		return 11;
	/* 12: mremap moves keep the view read-only. */
	p = mremap(v, a->size, a->size, MREMAP_MAYMOVE | MREMAP_FIXED,
		   mmap(NULL, a->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	if (p == MAP_FAILED)
		return 109;
	v = p;
	if (write_signal(v + 4 * a->pg, 'X') != SIGSEGV)
		return 12;
	if (!mprotect(v, a->size, PROT_READ | PROT_WRITE))
		return 13;
	/* 14: a forked child's copy of the view. */
	pid = fork();
	if (pid < 0)
		return 110;
	if (!pid)
		_exit(write_signal(v + 5 * a->pg, 'X') == SIGSEGV ? 0 : 1);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return 14;
	/* 15: O_DIRECT read into the view. */
	if (a->direct_file) {
		fd = open(a->direct_file, O_RDONLY | O_DIRECT | O_CLOEXEC);
		if (fd >= 0) {
			ret = pread(fd, v + 6 * a->pg, a->pg, 0);
			close(fd);
			if (ret >= 0)
				return 15;
		} else {
			fprintf(stderr, "# no O_DIRECT: %s\n", strerror(errno));
		}
	}
	/* 16: io_uring registered buffers pin for writing. */
	{
		struct io_uring_params params;
		int ring;

		memset(&params, 0, sizeof(params));
		ring = syscall(__NR_io_uring_setup, 1, &params);
		if (ring >= 0) {
			local.iov_base = v;
			local.iov_len = a->size;
			ret = syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS,
				      &local, 1);
			close(ring);
			if (!ret)
				return 16;
		} else {
			fprintf(stderr, "# no io_uring: %s\n", strerror(errno));
		}
	}
	/* 17: a private (copy-on-write) view writes only its copy. */
	p = mmft_map(h, a->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	if (p == MAP_FAILED)
		return 111;
	if (write_signal(p + 7 * a->pg, 'X'))
		return 17;
	/* 18: the COW copy made, MADV_DONTNEED gives back the section's byte. */
	if (madvise(p, a->size, MADV_DONTNEED) || read_signal(p + 7 * a->pg, &byte) ||
	    byte != 'a')
		return 18;
	munmap(p, a->size);
	munmap(v, a->size);
	close(h);
	return 0;
}

FIXTURE(reader) {
	char path[64];
	char name[48];
	int fd;		/* the tmpfs file, -1 for swap */
	int h;
	size_t pg, size;
	unsigned long long log_mark;
};

FIXTURE_VARIANT(reader) {
	const char *dir;	/* NULL: swap-backed */
	uid_t uid;		/* the reader: 0 is the creator's uid, with READ access */
};

FIXTURE_VARIANT_ADD(reader, tmpfs_other_uid) { .dir = "/tmp", .uid = NOBODY };
FIXTURE_VARIANT_ADD(reader, tmpfs_same_uid) { .dir = "/tmp", .uid = 0 };
FIXTURE_VARIANT_ADD(reader, swap_other_uid) { .dir = NULL, .uid = NOBODY };
FIXTURE_VARIANT_ADD(reader, swap_same_uid) { .dir = NULL, .uid = 0 };

FIXTURE_SETUP(reader)
{
	unsigned char *v;

	self->log_mark = kmsg_mark();
	self->pg = MMFT_PAGE;
	self->size = NPAGES * self->pg;
	self->fd = -1;
	snprintf(self->name, sizeof(self->name), "mmft-ua-reader-%d", getpid());
	if (variant->dir) {
		self->fd = mmft_tmpfile(variant->dir, self->size, 'a', self->path,
					sizeof(self->path));
		ASSERT_LE(0, self->fd);
		self->h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, self->name, 0644,
				      MMF_CREATE_UNTRACKED, NULL);
	} else {
		self->h = mmft_create(-1, MMF_PROT_READWRITE, self->size, self->name, 0644,
				      MMF_CREATE_UNTRACKED | MMF_CREATE_SWAP, NULL);
	}
	ASSERT_LE(0, self->h) TH_LOG("CREATE: %s", strerror(-self->h));
	/* The creator writes through a view that stays mapped (writable, untracked). */
	v = mmft_map(self->h, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	memset(v, 'a', self->size);
	munmap(v, self->size);
}

FIXTURE_TEARDOWN(reader)
{
	close(self->h);
	if (self->fd >= 0) {
		close(self->fd);
		unlink(self->path);
	}
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "WARNING"));
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "BUG"));
}

TEST_F(reader, a_reader_of_an_untracked_section_cannot_write_it_by_any_path)
{
	struct reader_args a = {
		.name = self->name, .uid = variant->uid, .size = self->size, .pg = self->pg,
	};
	unsigned char *v;
	int status;

	/* A file on a disk O_DIRECT can read from, where the guest has one. */
	if (!access("/mnt/ext4", W_OK)) {
		char dpath[64];
		int dfd = mmft_tmpfile("/mnt/ext4", self->pg, 'Z', dpath, sizeof(dpath));

		if (dfd >= 0) {
			fchmod(dfd, 0644);
			close(dfd);
			a.direct_file = strdup(dpath);
		}
	}
	/* The creator keeps a writable view while the reader attacks. */
	v = mmft_map(self->h, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	v[0] = 'a';
	status = mmft_in_child(reader_attacks, &a);
	if (a.direct_file) {
		unlink(a.direct_file);
		free((void *)a.direct_file);
	}
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("status %#x", status);
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("attack %d was not blocked",
						  WEXITSTATUS(status));
	/* Not a byte changed: the creator's view, and the file. */
	EXPECT_EQ(1, mmft_all(v, self->size, 'a'));
	munmap(v, self->size);
	if (self->fd >= 0)
		EXPECT_EQ(1, mmft_file_all(self->fd, 0, self->size, 'a'));
}

/*
 * A section smaller than its tmpfs file, not a page multiple: a reader
 * never maps the partial page, nor grows a view into it; the creator's
 * writes beyond the section through its own fd are not the reader's.
 */
TEST(an_untracked_sections_partial_page_stays_hidden_from_readers)
{
	size_t pg = MMFT_PAGE, ssize = 2 * pg + 100;
	char path[64], name[48];
	unsigned char *v, *p;
	int fd, h, status;
	pid_t pid;

	snprintf(name, sizeof(name), "mmft-ua-tail-%d", getpid());
	fd = mmft_tmpfile("/tmp", 4 * pg, 's', path, sizeof(path));
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READWRITE, ssize, name, 0666, MMF_CREATE_UNTRACKED,
			NULL);
	ASSERT_LE(0, h);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int r;

		if (mmft_become(NOBODY, NOBODY))
			_exit(100);
		r = mmft_open_named(name, MMF_ACCESS_READ | MMF_ACCESS_WRITE, NULL);
		if (r < 0)
			_exit(101);
		v = mmft_map(r, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		if (v != MAP_FAILED || errno != EACCES)
			_exit(1);
		v = mmft_map(r, pg, PROT_READ | PROT_WRITE, MAP_SHARED, 2 * pg);
		if (v != MAP_FAILED || errno != EACCES)
			_exit(2);
		v = mmft_map(r, pg, PROT_READ, MAP_PRIVATE, 2 * pg);
		if (v != MAP_FAILED || errno != EACCES)
			_exit(3);
		v = mmft_map(r, 4 * pg, PROT_READ, MAP_SHARED, 0);
		if (v != MAP_FAILED || errno != EINVAL)
			_exit(4);
		v = mmft_map(r, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		if (v == MAP_FAILED)
			_exit(102);
		/* Growth in place and by a move: VM_DONTEXPAND. */
		p = mremap(v, 2 * pg, 3 * pg, 0);
		if (p != MAP_FAILED)
			_exit(5);
		p = mremap(v, 2 * pg, 3 * pg, MREMAP_MAYMOVE);
		if (p != MAP_FAILED)
			_exit(6);
		memset(v, 'r', 2 * pg);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The reader wrote its two pages, nothing else. */
	EXPECT_EQ(1, mmft_file_all(fd, 0, 2 * pg, 'r'));
	EXPECT_EQ(1, mmft_file_all(fd, 2 * pg, 2 * pg, 's'));
	/* The creator, holding the file, maps the partial page. */
	v = mmft_map(h, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ('s', v[2 * pg + 200]);
	munmap(v, 3 * pg);
	close(h);
	close(fd);
	unlink(path);
}

/* A forced write (FOLL_FORCE) of 4 bytes at @p through /proc/self/mem. */
static ssize_t mem_write(void *p)
{
	int mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ssize_t ret;

	if (mem < 0)
		return -errno;
	ret = pwrite(mem, "XXXX", 4, (off_t)(uintptr_t)p);
	if (ret < 0)
		ret = -errno;
	close(mem);
	return ret;
}

static int memfd(size_t size, int fill)
{
	char buf[4096];
	size_t done;
	int fd = syscall(__NR_memfd_create, "mmft-ua", MFD_ALLOW_SEALING | MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	memset(buf, fill, sizeof(buf));
	for (done = 0; done < size; done += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			return -EIO;
	return fd;
}

/* F_SEAL_WRITE: refused at CREATE, refused while a view may write, holds after. */
TEST(an_untracked_section_keeps_memfd_write_seals)
{
	size_t pg = MMFT_PAGE, size = 4 * pg;
	unsigned char *v, *r;
	int fd, h;

	fd = memfd(size, 'm');
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, MMF_CREATE_UNTRACKED, NULL);
	ASSERT_LE(0, h);
	v = mmft_map(h, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	v[0] = 'w';
	/* A view that may write blocks the seal, as a shared mmap() does. */
	EXPECT_EQ(-1, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	EXPECT_EQ(EBUSY, errno);
	/* Also once mprotected read-only: it may write again. */
	ASSERT_EQ(0, mprotect(v, size, PROT_READ));
	EXPECT_EQ(-1, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	EXPECT_EQ(EBUSY, errno);
	munmap(v, size);
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));

	/* Sealed: no writable view, nor mprotect, nor forced write. */
	v = mmft_map(h, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	EXPECT_EQ(MAP_FAILED, v);
	EXPECT_EQ(EPERM, errno);
	r = mmft_map(h, size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, r);
	EXPECT_EQ(-1, mprotect(r, size, PROT_READ | PROT_WRITE));
	EXPECT_EQ(SIGSEGV, write_signal(r + pg, 'X'));
	EXPECT_GT(0, mem_write(r + 2 * pg));
	EXPECT_EQ(-1, madvise(r, size, MADV_POPULATE_WRITE));
	munmap(r, size);
	/* A new untracked writer is refused too. */
	EXPECT_EQ(-EPERM, mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0,
				      MMF_CREATE_UNTRACKED, NULL));
	EXPECT_EQ(1, mmft_file_all(fd, 0, 1, 'w'));
	EXPECT_EQ(1, mmft_file_all(fd, 1, size - 1, 'm'));
	close(h);
	close(fd);
}

/* F_SEAL_FUTURE_WRITE after CREATE: no new writable view of any kind. */
TEST(an_untracked_section_keeps_memfd_future_write_seals)
{
	size_t pg = MMFT_PAGE, size = 4 * pg;
	unsigned char *v, *r;
	int fd, h;

	fd = memfd(size, 'f');
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, MMF_CREATE_UNTRACKED, NULL);
	ASSERT_LE(0, h);
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE))
		SKIP(close(h); close(fd); return, "no F_SEAL_FUTURE_WRITE: %s", strerror(errno));
	v = mmft_map(h, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	EXPECT_EQ(MAP_FAILED, v);
	EXPECT_EQ(EPERM, errno);
	r = mmft_map(h, size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, r);
	EXPECT_EQ(-1, mprotect(r, size, PROT_READ | PROT_WRITE));
	EXPECT_EQ(SIGSEGV, write_signal(r, 'X'));
	EXPECT_GT(0, mem_write(r + pg));
	EXPECT_EQ(-1, madvise(r, size, MADV_POPULATE_WRITE));
	munmap(r, size);
	/* A private view still copies. */
	v = mmft_map(h, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, v);
	v[0] = 'p';
	munmap(v, size);
	EXPECT_EQ(1, mmft_file_all(fd, 0, size, 'f'));
	close(h);
	close(fd);
}

/*
 * The tmpfs file is truncated under a writable untracked view: the pages
 * past the new end raise SIGBUS (the view does not keep them), and when
 * the file grows back they read zero, not what was written before.
 */
TEST(truncating_the_file_under_an_untracked_view)
{
	size_t pg = MMFT_PAGE, size = 4 * pg;
	unsigned char *v, byte = 0;
	char path[64];
	int fd, h;

	fd = mmft_tmpfile("/tmp", size, 't', path, sizeof(path));
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, MMF_CREATE_UNTRACKED, NULL);
	ASSERT_LE(0, h);
	v = mmft_map(h, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	memset(v, 'u', size);
	ASSERT_EQ(0, ftruncate(fd, pg + 10));
	EXPECT_EQ(SIGBUS, write_signal(v + 2 * pg, 'Y'));
	EXPECT_EQ(SIGBUS, read_signal(v + 3 * pg, &byte));
	/* The partial page: the bytes past the end read zero. */
	EXPECT_EQ(0, read_signal(v + pg + 20, &byte));
	EXPECT_EQ(0, byte);
	ASSERT_EQ(0, ftruncate(fd, size));
	EXPECT_EQ(0, read_signal(v + 2 * pg, &byte));
	EXPECT_EQ(0, byte);
	EXPECT_EQ(1, mmft_file_all(fd, 0, pg + 10, 'u'));
	EXPECT_EQ(1, mmft_file_all(fd, pg + 10, size - pg - 10, 0));
	munmap(v, size);
	close(h);
	close(fd);
	unlink(path);
}

/*
 * A tracked and an untracked section of the same tmpfs file: writes
 * through either reach the file; the tracked section's flush write-
 * protects the shared pages (folio_mkclean) in the untracked view too, and
 * the untracked view writes on after it.  The tracked section records
 * only its own views' writes.
 */
TEST(tracked_and_untracked_sections_of_one_file)
{
	size_t pg = MMFT_PAGE, size = NPAGES * pg, i;
	unsigned char *t, *u;
	struct mmf_stat st;
	char path[64];
	int fd, ht, hu, round;

	fd = mmft_tmpfile("/tmp", size, 'o', path, sizeof(path));
	ASSERT_LE(0, fd);
	ht = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, ht);
	hu = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, MMF_CREATE_UNTRACKED, NULL);
	ASSERT_LE(0, hu);
	t = mmft_map(ht, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	u = mmft_map(hu, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, t);
	ASSERT_NE(MAP_FAILED, u);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < NPAGES; i++) {
			t[i * pg] = 'A' + round;
			u[i * pg + 1] = 'a' + round;
		}
		ASSERT_EQ(0, mmft_flush(ht, t, size, 0, NULL));
		ASSERT_EQ(0, mmft_flush(hu, u, size, 0, NULL));
		for (i = 0; i < NPAGES; i++) {
			u[i * pg + 2] = '0' + round;
			EXPECT_EQ(1, mmft_file_all(fd, i * pg, 1, 'A' + round));
			EXPECT_EQ(1, mmft_file_all(fd, i * pg + 1, 1, 'a' + round));
			EXPECT_EQ(1, mmft_file_all(fd, i * pg + 2, 1, '0' + round));
		}
	}
	ASSERT_EQ(0, mmft_stat(hu, &st));
	EXPECT_EQ(MMF_CREATE_UNTRACKED, st.section_flags);
	EXPECT_EQ(0, st.pages_dirtied);
	EXPECT_EQ(0, st.dirty_pages);
	ASSERT_EQ(0, mmft_stat(ht, &st));
	EXPECT_EQ(0, st.section_flags);
	EXPECT_LE(NPAGES, st.pages_dirtied);
	munmap(t, size);
	munmap(u, size);
	close(ht);
	close(hu);
	close(fd);
	unlink(path);
}

/*
 * huge=always tmpfs: a reader's 2 MiB-aligned view of an untracked
 * section still cannot write (a PMD mapping is read-only), the hidden
 * partial page stays out of a huge folio's mapping, and the creator's
 * writes land in the file.
 */
TEST(untracked_sections_on_huge_tmpfs)
{
	const char *dir = "/tmp/mmft-ua-huge";
	size_t pg = MMFT_PAGE, huge = 2UL << 20, fsize = 2 * huge, ssize = huge + 100;
	char path[80], name[48];
	unsigned char *v;
	int fd, h, status, ret;
	pid_t pid;

	ret = mmft_mount_tmpfs(dir, "huge=always");
	if (ret)
		SKIP(return, "huge tmpfs: %s", strerror(-ret));
	snprintf(name, sizeof(name), "mmft-ua-huge-%d", getpid());
	chmod(dir, 0755);
	fd = mmft_tmpfile(dir, fsize, 'h', path, sizeof(path));
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READWRITE, ssize, name, 0644, MMF_CREATE_UNTRACKED,
			NULL);
	ASSERT_LE(0, h);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		size_t len = huge + pg;
		unsigned char *area, *al;
		int r;

		if (mmft_become(NOBODY, NOBODY))
			_exit(100);
		r = mmft_open_named(name, MMF_ACCESS_READ, NULL);
		if (r < 0)
			_exit(101);
		/* The partial page is hidden, huge folio or not. */
		if (mmft_map(r, len, PROT_READ, MAP_SHARED, 0) != MAP_FAILED || errno != EACCES)
			_exit(1);
		/* A 2 MiB-aligned view of the first huge page. */
		area = mmap(NULL, 2 * huge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (area == MAP_FAILED)
			_exit(102);
		al = (unsigned char *)(((uintptr_t)area + huge - 1) & ~(huge - 1));
		v = mmap(al, huge, PROT_READ, MAP_SHARED | MAP_FIXED, r, 0);
		if (v == MAP_FAILED)
			_exit(103);
		if (v[0] != 'h' || v[huge - 1] != 'h')
			_exit(2);
		if (write_signal(v + pg, 'X') != SIGSEGV)
			_exit(3);
		if (!mprotect(v, huge, PROT_READ | PROT_WRITE))
			_exit(4);
		if (!madvise(v, huge, MADV_POPULATE_WRITE))
			_exit(5);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	v = mmft_map(h, huge + pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	memset(v, 'H', huge);
	EXPECT_EQ('h', v[huge + 200]);
	munmap(v, huge + pg);
	EXPECT_EQ(1, mmft_file_all(fd, 0, huge, 'H'));
	EXPECT_EQ(1, mmft_file_all(fd, huge, huge, 'h'));
	close(h);
	close(fd);
	unlink(path);
	mmft_umount_tmpfs(dir);
}

/* fork shares the untracked shared view and copies the private one. */
TEST(fork_shares_untracked_views_and_copies_private_ones)
{
	size_t pg = MMFT_PAGE, size = 4 * pg;
	unsigned char *s, *p;
	int h, status;
	pid_t pid;

	h = mmft_create(-1, MMF_PROT_READWRITE, size, NULL, 0,
			MMF_CREATE_UNTRACKED | MMF_CREATE_SWAP, NULL);
	ASSERT_LE(0, h);
	s = mmft_map(h, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	p = mmft_map(h, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, s);
	ASSERT_NE(MAP_FAILED, p);
	memset(s, 'S', size);
	p[0] = 'P';
	ASSERT_EQ(0, madvise(s + 3 * pg, pg, MADV_DONTFORK));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		unsigned char b;

		if (p[0] != 'P' || p[pg] != 'S')
			_exit(1);
		s[pg] = 'c';
		p[2 * pg] = 'q';
		/* Not inherited. */
		if (read_signal(s + 3 * pg, &b) != SIGSEGV)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ('c', s[pg]);
	EXPECT_EQ('S', p[2 * pg]);
	EXPECT_EQ('S', s[2 * pg]);
	munmap(s, size);
	munmap(p, size);
	close(h);
}

/*
 * A STAT of @size whose struct takes the last @room bytes of a page
 * followed by an unmapped one: 0 or -errno.
 */
static int stat_at_page_end(int h, size_t room, size_t size)
{
	size_t pg = MMFT_PAGE;
	unsigned char *two = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mmf_stat *st;
	int ret;

	if (two == MAP_FAILED)
		return -ENOMEM;
	munmap(two + pg, pg);
	st = (struct mmf_stat *)(two + pg - room);
	memset(st, 0, room);
	st->size = size;
	ret = ioctl(h, MMF_IOC_STAT, st) ? -errno : 0;
	munmap(two, pg);
	return ret;
}

/*
 * An untracked WRITECOPY section of a tmpfs file opened read-only: its
 * shared views never write (not at mmap, not by mprotect, not forced),
 * its private views copy, and the file keeps its bytes.
 */
TEST(an_untracked_writecopy_section_writes_only_copies)
{
	size_t pg = MMFT_PAGE, size = 4 * pg;
	unsigned char *s, *p;
	char path[64];
	int fd, ro, h;

	fd = mmft_tmpfile("/tmp", size, 'c', path, sizeof(path));
	ASSERT_LE(0, fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EACCES, mmft_create(ro, MMF_PROT_READWRITE, 0, NULL, 0,
				       MMF_CREATE_UNTRACKED, NULL));
	h = mmft_create(ro, MMF_PROT_WRITECOPY, 0, NULL, 0, MMF_CREATE_UNTRACKED, NULL);
	ASSERT_LE(0, h);
	EXPECT_EQ(MAP_FAILED, mmft_map(h, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	EXPECT_EQ(EACCES, errno);
	s = mmft_map(h, size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, s);
	EXPECT_EQ(-1, mprotect(s, size, PROT_READ | PROT_WRITE));
	EXPECT_EQ(SIGSEGV, write_signal(s, 'X'));
	EXPECT_GT(0, mem_write(s + pg));
	EXPECT_EQ(-1, madvise(s, size, MADV_POPULATE_WRITE));
	p = mmft_map(h, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 'p', size);
	EXPECT_EQ(4, mem_write(p + 2 * pg));
	EXPECT_EQ('c', s[2 * pg]);
	munmap(p, size);
	munmap(s, size);
	EXPECT_EQ(1, mmft_file_all(fd, 0, size, 'c'));
	close(h);
	close(ro);
	close(fd);
	unlink(path);
}

/*
 * struct mmf_stat at every size around 96 and 104: never more bytes
 * written than asked for, every byte of the new size set (reserved 0,
 * no stack bytes), unknown tails must be zero, odd sizes work.
 */
TEST(stat_sizes_around_both_abis)
{
	union {
		struct mmf_stat st;
		unsigned char b[256];
	} u;
	size_t sizes[] = { 96, 97, 99, 100, 101, 103, 104, 105, 111, 112, 255 };
	struct mmf_stat *big;
	size_t i, j, bad;
	int h;

	h = mmft_create(-1, MMF_PROT_READWRITE, 4 * MMFT_PAGE, NULL, 0,
			MMF_CREATE_UNTRACKED | MMF_CREATE_SWAP, NULL);
	ASSERT_LE(0, h);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t sz = sizes[i], out = sz < sizeof(u.st) ? sz : sizeof(u.st);

		/* The output fields full of garbage, the unknown tail zero. */
		memset(&u, 0xa5, sizeof(u));
		memset(u.b + sizeof(u.st), 0, sizeof(u) - sizeof(u.st));
		memset(u.b + sz, 0xee, sizeof(u) - sz);
		u.st.size = sz;
		u.st.flags = 0;
		ASSERT_EQ(0, ioctl(h, MMF_IOC_STAT, &u.st)) TH_LOG("size %zu: %s", sz,
								    strerror(errno));
		EXPECT_EQ(sz, u.st.size);
		EXPECT_EQ(4 * MMFT_PAGE, u.st.section_size);
		EXPECT_EQ(MMF_PROT_READWRITE, u.st.prot);
		for (bad = 0, j = sz; j < sizeof(u); j++)
			bad += u.b[j] != 0xee;
		EXPECT_EQ(0, bad) TH_LOG("size %zu wrote past it", sz);
		if (out == sizeof(u.st)) {
			EXPECT_EQ(MMF_CREATE_UNTRACKED, u.st.section_flags);
			EXPECT_EQ(0, u.st.reserved);
		}
		/* No 0xa5 survives in what the module wrote: every byte is set. */
		for (bad = 0, j = 8; j + 8 <= out; j += 8)
			bad += !memcmp(u.b + j, "\xa5\xa5\xa5\xa5\xa5\xa5\xa5\xa5", 8);
		EXPECT_EQ(0, bad) TH_LOG("size %zu left input bytes", sz);
	}
	/* Too small, nonzero unknown tails, too large, flags. */
	memset(&u, 0, sizeof(u));
	for (i = 0; i < 96; i += 4) {
		u.st.size = i;
		EXPECT_EQ(-1, ioctl(h, MMF_IOC_STAT, &u.st));
		EXPECT_EQ(EINVAL, errno);
	}
	u.st.size = 95;
	EXPECT_EQ(-1, ioctl(h, MMF_IOC_STAT, &u.st));
	EXPECT_EQ(EINVAL, errno);
	for (j = sizeof(u.st); j < sizeof(u); j++) {
		memset(&u, 0, sizeof(u));
		u.st.size = sizeof(u);
		u.b[j] = 1;
		EXPECT_EQ(-1, ioctl(h, MMF_IOC_STAT, &u.st));
		EXPECT_EQ(E2BIG, errno);
	}
	big = calloc(1, 2 * MMFT_PAGE);
	ASSERT_NE(NULL, big);
	big->size = MMFT_PAGE;
	EXPECT_EQ(0, ioctl(h, MMF_IOC_STAT, big));
	big->size = MMFT_PAGE + 1;
	EXPECT_EQ(-1, ioctl(h, MMF_IOC_STAT, big));
	EXPECT_EQ(EINVAL, errno);
	free(big);
	memset(&u, 0, sizeof(u));
	u.st.size = sizeof(u.st);
	u.st.flags = 1;
	EXPECT_EQ(-1, ioctl(h, MMF_IOC_STAT, &u.st));
	EXPECT_EQ(EINVAL, errno);
	/* An unaligned stat at the end of a page, the next one unmapped. */
	EXPECT_EQ(0, stat_at_page_end(h, 97, 97));
	EXPECT_EQ(-EFAULT, stat_at_page_end(h, 100, 104));
	close(h);
}

/*
 * Only shmem sections may be untracked (uapi: "swap-backed or tmpfs
 * sections only, else -EOPNOTSUPP").  A ramfs file is never written back
 * either, but its views have a page_mkwrite and would be recorded while
 * the section claims it records nothing: refused.  ramfs may be mounted in
 * any user namespace, so an unprivileged user can bring one.
 */
TEST(untracked_is_refused_on_ramfs)
{
	const char *dir = "/tmp/mmft-ua-ramfs";
	char path[80];
	int fd, h;

	if (mkdir(dir, 0700) && errno != EEXIST)
		SKIP(return, "mkdir: %s", strerror(errno));
	if (mount("ramfs", dir, "ramfs", 0, NULL)) {
		rmdir(dir);
		SKIP(return, "no ramfs: %s", strerror(errno));
	}
	fd = mmft_tmpfile(dir, 4 * MMFT_PAGE, 'r', path, sizeof(path));
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, MMF_CREATE_UNTRACKED, NULL);
	EXPECT_EQ(-EOPNOTSUPP, h);
	if (h >= 0) {
		struct mmf_stat st;
		unsigned char *v = mmft_map(h, 4 * MMFT_PAGE, PROT_READ | PROT_WRITE,
					    MAP_SHARED, 0);

		ASSERT_NE(MAP_FAILED, v);
		memset(v, 'w', 4 * MMFT_PAGE);
		ASSERT_EQ(0, mmft_stat(h, &st));
		TH_LOG("untracked on ramfs: section_flags %#x dirty_pages %llu",
		       st.section_flags, (unsigned long long)st.dirty_pages);
		munmap(v, 4 * MMFT_PAGE);
		close(h);
	}
	/* A tracked section of it still works. */
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	EXPECT_LE(0, h);
	if (h >= 0)
		close(h);
	close(fd);
	unlink(path);
	umount(dir);
	rmdir(dir);
}

/*
 * The default read-around window is the file's own (0 on tmpfs and for
 * swap): an explicit one is still capped, and a section joined by name
 * keeps its creator's.
 */
TEST(readaround_default_and_cap)
{
	struct mmf_create c = { .size = sizeof(c) };
	char path[64], name[48];
	struct mmf_stat st;
	int fd, h, j;

	fd = mmft_tmpfile("/tmp", 4 * MMFT_PAGE, 'r', path, sizeof(path));
	ASSERT_LE(0, fd);
	h = mmft_handle();
	ASSERT_LE(0, h);
	c.fd = fd;
	c.prot = MMF_PROT_READWRITE;
	c.flags = MMF_CREATE_UNTRACKED;
	c.readaround = MMF_READAROUND_MAX_TEST + 1;
	EXPECT_EQ(-1, ioctl(h, MMF_IOC_CREATE, &c));
	EXPECT_EQ(EINVAL, errno);
	c.readaround = UINT32_MAX;
	EXPECT_EQ(-1, ioctl(h, MMF_IOC_CREATE, &c));
	EXPECT_EQ(EINVAL, errno);
	snprintf(name, sizeof(name), "mmft-ua-ra-%d", getpid());
	c.name = (uintptr_t)name;
	c.name_len = strlen(name);
	c.mode = 0600;
	c.readaround = 0;
	ASSERT_EQ(0, ioctl(h, MMF_IOC_CREATE, &c));
	ASSERT_EQ(0, mmft_stat(h, &st));
	EXPECT_EQ(mmft_file_readaround(fd), st.readaround);
	j = mmft_handle();
	ASSERT_LE(0, j);
	c.readaround = 7;
	c.flags = 0;
	ASSERT_EQ(0, ioctl(j, MMF_IOC_CREATE, &c));
	EXPECT_TRUE(c.result & MMF_RESULT_EXISTED);
	ASSERT_EQ(0, mmft_stat(j, &st));
	EXPECT_EQ(mmft_file_readaround(fd), st.readaround);
	EXPECT_EQ(MMF_CREATE_UNTRACKED, st.section_flags);
	close(j);
	close(h);
	close(fd);
	unlink(path);
}

TEST_HARNESS_MAIN
