// SPDX-License-Identifier: GPL-2.0
/*
 * Every argument check of the ABI (issue 3, acceptance item 6, and the errno
 * table of the contract): each bad call gets its documented errno, leaves
 * the file untouched and the kernel log quiet.  Also: CREATE never grows
 * the file, memfd seals and writable views exclude each other, forced
 * (ptrace-style) writes never reach a read-only section.  Permission checks
 * of named sections are in names_test.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#define KERNEL_ADDR	((void *)0xffffffff81000000UL)
#define FILL		0x11

/* 0 when the call succeeded (closing what it made), else -errno. */
static int try_create(int fd, unsigned int prot, uint64_t max_size, unsigned int flags)
{
	int h = mmft_create(fd, prot, max_size, NULL, 0, flags, NULL);

	if (h >= 0) {
		close(h);
		return 0;
	}
	return h;
}

static int ioc(int h, unsigned long cmd, void *arg)
{
	return ioctl(h, cmd, arg) ? -errno : 0;
}

/* errno of an mmap, unmapping on success (then 0). */
static int try_map(int h, size_t len, int prot, int flags, off_t off)
{
	void *v = mmap(NULL, len, prot, flags, h, off);

	if (v == MAP_FAILED)
		return -errno;
	munmap(v, len);
	return 0;
}

static off_t file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_size;
}

FIXTURE(val) {
	char path[64];		/* ext4 file of 2.5 pages of FILL */
	int fd;
	size_t pg, fsize;
	unsigned long long log_mark;
};

FIXTURE_SETUP(val)
{
	self->log_mark = kmsg_mark();
	self->pg = MMFT_PAGE;
	self->fsize = 2 * self->pg + self->pg / 2;
	self->fd = mmft_tmpfile("/mnt/ext4", self->fsize, FILL, self->path, sizeof(self->path));
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(val)
{
	int flags = 0;

	/* A test that failed half-way may leave the inode append-only. */
	ioctl(self->fd, FS_IOC_SETFLAGS, &flags);
	close(self->fd);
	unlink(self->path);
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "mmf"));
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "Call Trace"));
}

static int reopen(FIXTURE_DATA(val) *self, int flags)
{
	return open(self->path, flags | O_CLOEXEC);
}

struct ioc_desc {
	const char *name;
	unsigned long cmd;
	size_t size;
	size_t minsize;		/* as first published, when it grew since */
};

static const struct ioc_desc all_iocs[] = {
	{ "CREATE", MMF_IOC_CREATE, sizeof(struct mmf_create) },
	{ "OPEN", MMF_IOC_OPEN, sizeof(struct mmf_open) },
	{ "FLUSH", MMF_IOC_FLUSH, sizeof(struct mmf_flush) },
	{ "WRITE_WATCH", MMF_IOC_WRITE_WATCH, sizeof(struct mmf_write_watch) },
	{ "STAT", MMF_IOC_STAT, sizeof(struct mmf_stat), MMF_STAT_SIZE_VER0 },
	{ "QUERY", MMF_IOC_QUERY, sizeof(struct mmf_query) },
	{ "FILE_MAPPED", MMF_IOC_FILE_MAPPED, sizeof(struct mmf_file_mapped) },
};

/* Pointer and size checks that every ioctl shares. */
TEST_F(val, every_ioctl_checks_pointer_and_size)
{
	size_t pg = self->pg, i;
	unsigned char *buf;
	int h = mmft_handle();

	ASSERT_LE(0, h);
	/* Two pages, the second inaccessible. */
	buf = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, mprotect(buf + pg, pg, PROT_NONE));

	for (i = 0; i < ARRAY_SIZE(all_iocs); i++) {
		const struct ioc_desc *d = &all_iocs[i];
		unsigned char *tail = buf + pg - d->size;	/* ends at the hole */
		__u32 size;

		EXPECT_EQ(-EFAULT, ioc(h, d->cmd, NULL)) TH_LOG("%s", d->name);
		EXPECT_EQ(-EFAULT, ioc(h, d->cmd, buf + pg)) TH_LOG("%s", d->name);
		EXPECT_EQ(-EFAULT, ioc(h, d->cmd, KERNEL_ADDR)) TH_LOG("%s", d->name);

		memset(buf, 0, pg);
		size = 4;
		memcpy(buf, &size, 4);
		EXPECT_EQ(-EINVAL, ioc(h, d->cmd, buf)) TH_LOG("%s", d->name);
		size = (d->minsize ? d->minsize : d->size) - 4;
		memcpy(buf, &size, 4);
		EXPECT_EQ(-EINVAL, ioc(h, d->cmd, buf)) TH_LOG("%s", d->name);
		size = 0;
		memcpy(buf, &size, 4);
		EXPECT_EQ(-EINVAL, ioc(h, d->cmd, buf)) TH_LOG("%s", d->name);
		/* More than a page, although readable. */
		size = pg + 8;
		memcpy(buf, &size, 4);
		EXPECT_EQ(-EINVAL, ioc(h, d->cmd, buf)) TH_LOG("%s", d->name);
		/* A bigger struct with a non-zero byte past the known ones. */
		size = d->size + 8;
		memcpy(buf, &size, 4);
		buf[d->size + 5] = 1;
		EXPECT_EQ(-E2BIG, ioc(h, d->cmd, buf)) TH_LOG("%s", d->name);
		/* A bigger struct running into the hole. */
		memset(buf, 0, pg);
		size = d->size + 16;
		memcpy(tail, &size, 4);
		EXPECT_EQ(-EFAULT, ioc(h, d->cmd, tail)) TH_LOG("%s", d->name);
	}
	munmap(buf, 2 * pg);
	close(h);
}

TEST_F(val, create_rejects_bad_flags_prot_and_reserved)
{
	struct {
		struct mmf_create c;
		unsigned char future[24];
	} big;
	struct mmf_create c;
	static const __u32 bad_flags[] = { 1U << 5, 1U << 16, 1U << 31 };
	static const __u32 bad_prot[] = { 0, 4, 0xffffffff };
	int h = mmft_handle();
	size_t i;

	ASSERT_LE(0, h);
	for (i = 0; i < 3; i++) {
		c = (struct mmf_create){ .size = sizeof(c), .fd = self->fd,
					 .prot = MMF_PROT_READ, .flags = bad_flags[i] };
		EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_CREATE, &c)) TH_LOG("flags %#x", bad_flags[i]);
		c = (struct mmf_create){ .size = sizeof(c), .fd = self->fd, .prot = bad_prot[i] };
		EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_CREATE, &c)) TH_LOG("prot %#x", bad_prot[i]);
	}
	c = (struct mmf_create){ .size = sizeof(c), .fd = self->fd, .prot = MMF_PROT_READ,
				 .reserved = 1 };
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_CREATE, &c));
	/* A larger struct whose extra bytes are zero is fine. */
	memset(&big, 0, sizeof(big));
	big.c.size = sizeof(big);
	big.c.fd = self->fd;
	big.c.prot = MMF_PROT_READ;
	EXPECT_EQ(0, ioc(h, MMF_IOC_CREATE, &big));
	EXPECT_EQ(self->fsize, big.c.section_size);
	close(h);
}

TEST_F(val, create_checks_names_and_mode)
{
	char longname[MMF_NAME_MAX + 2];
	struct mmf_create c;
	struct mmf_stat st;
	void *hole;
	int h = mmft_handle();

	ASSERT_LE(0, h);
	memset(longname, 'n', sizeof(longname));
	hole = mmap(NULL, self->pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
#define NAMED(ptr, len, m) ((struct mmf_create){ .size = sizeof(c), .fd = -1, \
	.flags = MMF_CREATE_SWAP, .prot = MMF_PROT_READWRITE, .max_size = self->pg, \
	.name = (uintptr_t)(ptr), .name_len = (len), .mode = (m) })
	c = NAMED(longname, 0, 0600);		/* pointer without length */
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_CREATE, &c));
	c = NAMED(NULL, 5, 0600);		/* length without pointer */
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_CREATE, &c));
	c = NAMED("ab\0cd", 5, 0600);		/* NUL inside */
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_CREATE, &c));
	c = NAMED(longname, MMF_NAME_MAX + 1, 0600);
	EXPECT_EQ(-ENAMETOOLONG, ioc(h, MMF_IOC_CREATE, &c));
	c = NAMED(hole, 5, 0600);
	EXPECT_EQ(-EFAULT, ioc(h, MMF_IOC_CREATE, &c));
	c = NAMED("mmft-mode", 9, 01000);
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_CREATE, &c));
	c = NAMED("mmft-mode", 9, 04600);
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_CREATE, &c));
	c = NAMED("mmft-mode", 9, 0xffffffff);
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_CREATE, &c));
#undef NAMED
	/* None of that bound the handle. */
	EXPECT_EQ(-EBADFD, mmft_stat(h, &st));
	munmap(hole, self->pg);
	close(h);
}

TEST_F(val, create_checks_the_fd)
{
	int closed, opath, dir, pipefd[2], sock, dev, devnull, proc;

	/* High, so that the handle try_create() opens cannot take its number. */
	closed = fcntl(self->fd, F_DUPFD_CLOEXEC, 500);
	ASSERT_LE(500, closed);
	close(closed);
	EXPECT_EQ(-EBADF, try_create(closed, MMF_PROT_READ, 0, 0));
	EXPECT_EQ(-EBADF, try_create(-1, MMF_PROT_READ, self->pg, 0));
	EXPECT_EQ(-EBADF, try_create(INT_MAX, MMF_PROT_READ, 0, 0));

	opath = reopen(self, O_PATH);
	ASSERT_LE(0, opath);
	EXPECT_EQ(-EBADF, try_create(opath, MMF_PROT_READ, 0, 0));
	close(opath);

	/* A file with MMF_CREATE_SWAP, and a swap section of no size. */
	EXPECT_EQ(-EINVAL, try_create(self->fd, MMF_PROT_READWRITE, self->pg, MMF_CREATE_SWAP));
	EXPECT_EQ(-EINVAL, try_create(-1, MMF_PROT_READWRITE, 0, MMF_CREATE_SWAP));

	dir = open("/mnt/ext4", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dir);
	EXPECT_EQ(-EISDIR, try_create(dir, MMF_PROT_READ, self->pg, 0));
	close(dir);

	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(-ENODEV, try_create(pipefd[0], MMF_PROT_READ, self->pg, 0));
	close(pipefd[0]);
	close(pipefd[1]);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, sock);
	EXPECT_EQ(-ENODEV, try_create(sock, MMF_PROT_READ, self->pg, 0));
	close(sock);
	dev = mmft_handle();
	ASSERT_LE(0, dev);
	EXPECT_EQ(-ENODEV, try_create(dev, MMF_PROT_READ, self->pg, 0));
	EXPECT_EQ(-ENODEV, try_create(dev, MMF_PROT_READWRITE, self->pg, 0));
	close(dev);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, devnull);
	EXPECT_EQ(-ENODEV, try_create(devnull, MMF_PROT_READ, self->pg, 0));
	close(devnull);
	/* A regular file on a file system that cannot mmap it. */
	proc = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, proc);
	EXPECT_EQ(-ENODEV, try_create(proc, MMF_PROT_READ, self->pg, 0));
	close(proc);
}

TEST_F(val, create_protection_never_exceeds_fd_access)
{
	int ro = reopen(self, O_RDONLY), wo = reopen(self, O_WRONLY);

	ASSERT_LE(0, ro);
	ASSERT_LE(0, wo);
	EXPECT_EQ(-EACCES, try_create(ro, MMF_PROT_READWRITE, 0, 0));
	EXPECT_EQ(0, try_create(ro, MMF_PROT_READ, 0, 0));
	EXPECT_EQ(0, try_create(ro, MMF_PROT_WRITECOPY, 0, 0));
	EXPECT_EQ(-EACCES, try_create(wo, MMF_PROT_READ, 0, 0));
	EXPECT_EQ(-EACCES, try_create(wo, MMF_PROT_WRITECOPY, 0, 0));
	EXPECT_EQ(-EACCES, try_create(wo, MMF_PROT_READWRITE, 0, 0));
	EXPECT_EQ(0, try_create(self->fd, MMF_PROT_READWRITE, 0, 0));
	EXPECT_TRUE(mmft_file_all(ro, 0, self->fsize, FILL));
	close(ro);
	close(wo);
}

/* Whether the CPU maps 57-bit addresses (a larger TASK_SIZE_MAX). */
static int five_level_paging(void)
{
	char line[4096];
	int la57 = 0;
	FILE *f = fopen("/proc/cpuinfo", "re");

	if (!f)
		return 1;
	while (!la57 && fgets(line, sizeof(line), f))
		la57 = !strncmp(line, "flags", 5) && strstr(line, " la57");
	fclose(f);
	return la57;
}

TEST_F(val, create_size_rules)
{
	struct mmf_create c = { 0 };
	char zpath[64];
	int ro, zero, h;

	/*
	 * Past the end of the file: EACCES for the read protections, EOVERFLOW
	 * for READWRITE; the module never grows the file (the caller does,
	 * with ftruncate(2), which every truncate hook checks).
	 */
	ro = reopen(self, O_RDONLY);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EACCES, try_create(self->fd, MMF_PROT_READ, 4 * self->pg, 0));
	EXPECT_EQ(self->fsize, file_size(self->fd));
	EXPECT_EQ(-EACCES, try_create(ro, MMF_PROT_WRITECOPY, 4 * self->pg, 0));
	EXPECT_EQ(self->fsize, file_size(self->fd));
	EXPECT_EQ(-EOVERFLOW, try_create(self->fd, MMF_PROT_READWRITE, self->fsize + 1, 0));
	EXPECT_EQ(-EOVERFLOW, try_create(self->fd, MMF_PROT_READWRITE, 3 * self->pg + 100, 0));
	EXPECT_EQ(self->fsize, file_size(self->fd));

	ASSERT_EQ(0, ftruncate(self->fd, 3 * self->pg + 100));
	h = mmft_create(self->fd, MMF_PROT_READWRITE, 3 * self->pg + 100, NULL, 0, 0, &c);
	ASSERT_LE(0, h) TH_LOG("growing CREATE: %s", strerror(-h));
	EXPECT_EQ(3 * self->pg + 100, c.section_size);
	EXPECT_EQ(3 * self->pg + 100, file_size(ro));
	EXPECT_TRUE(mmft_file_all(ro, 0, self->fsize, FILL));
	EXPECT_TRUE(mmft_file_all(ro, self->fsize, 3 * self->pg + 100 - self->fsize, 0));
	close(h);

	/* A smaller section than the file leaves the file alone. */
	h = mmft_create(ro, MMF_PROT_READ, self->pg, NULL, 0, 0, &c);
	ASSERT_LE(0, h);
	EXPECT_EQ(self->pg, c.section_size);
	EXPECT_EQ(3 * self->pg + 100, file_size(ro));
	close(h);

	/* Beyond what any file may be; beyond the file (what ext4 allows is ftruncate's). */
	EXPECT_EQ(-EFBIG, try_create(self->fd, MMF_PROT_READWRITE, 1ULL << 63, 0));
	EXPECT_EQ(-EFBIG, try_create(self->fd, MMF_PROT_READWRITE, ~0ULL, 0));
	EXPECT_EQ(-EOVERFLOW, try_create(self->fd, MMF_PROT_READWRITE, 1ULL << 50, 0));
	EXPECT_EQ(3 * self->pg + 100, file_size(ro));
	close(ro);

	/*
	 * Swap-backed: never larger than a view can be (a page short of
	 * 128 TiB on x86-64 with 4-level page tables, more with 5), so never
	 * near MAX_LFS_FILESIZE, where shmem's commit charge overflows; the
	 * name is not taken by a refused CREATE.
	 */
	EXPECT_EQ(-EFBIG, mmft_create_swap(LLONG_MAX, NULL, 0, NULL));
	EXPECT_EQ(-EFBIG, mmft_create_swap(LLONG_MAX - 4095, NULL, 0, NULL));
	EXPECT_EQ(-EFBIG, mmft_create_swap(1ULL << 57, "mmft-val-swapcap", 0600, NULL));
	EXPECT_EQ(-ENOENT, mmft_open_named("mmft-val-swapcap", MMF_ACCESS_READ, NULL));
#ifdef __x86_64__
	if (!five_level_paging())
		EXPECT_EQ(-EFBIG, mmft_create_swap(1ULL << 47, NULL, 0, NULL));
#endif
	/* A file may still be as long as the file system lets it be. */
	EXPECT_EQ(-EOVERFLOW, try_create(self->fd, MMF_PROT_READWRITE, 1ULL << 57, 0));

	zero = mmft_tmpfile("/mnt/ext4", 0, 0, zpath, sizeof(zpath));
	ASSERT_LE(0, zero);
	EXPECT_EQ(-EINVAL, try_create(zero, MMF_PROT_READ, 0, 0));
	EXPECT_EQ(-EINVAL, try_create(zero, MMF_PROT_READWRITE, 0, 0));
	EXPECT_EQ(-EINVAL, try_create(zero, MMF_PROT_WRITECOPY, 0, 0));
	EXPECT_EQ(0, file_size(zero));
	close(zero);
	unlink(zpath);
}

struct poke_arg {
	const char *path;
	size_t pg;
};

/*
 * As a user who may only read @path: a forced write through /proc/self/mem
 * (what ptrace uses) into a shared view of a READ section must fail, into a
 * private view it makes a private copy.  0 when all that holds.
 */
static int poke_as_user(void *arg)
{
	struct poke_arg *a = arg;
	unsigned char *s, *p;
	int fd, h, mem;

	/* Changing uid made us undumpable, which locks /proc/self/mem. */
	if (mmft_become(62001, 62001) || prctl(PR_SET_DUMPABLE, 1))
		return 100;
	fd = open(a->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 101;
	h = mmft_create(fd, MMF_PROT_READ, 0, NULL, 0, 0, NULL);
	if (h < 0)
		return 102;
	s = mmft_map(h, a->pg, PROT_READ, MAP_SHARED, 0);
	p = mmft_map(h, a->pg, PROT_READ, MAP_PRIVATE, 0);
	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (s == MAP_FAILED || p == MAP_FAILED || mem < 0)
		return 103;
	if (pwrite(mem, "XX", 2, (uintptr_t)s) >= 0)
		return 1;
	if (s[0] != FILL || !mmft_file_all(fd, 0, a->pg, FILL))
		return 2;
	if (pwrite(mem, "XX", 2, (uintptr_t)p) != 2 || p[0] != 'X')
		return 3;
	if (s[0] != FILL || !mmft_file_all(fd, 0, a->pg, FILL))
		return 4;
	return 0;
}

TEST_F(val, forced_writes_never_reach_a_read_only_section)
{
	struct poke_arg a = { .pg = self->pg };
	char path[64];
	int fd, status;

	/* Root's file, world-readable, in a directory the user can reach. */
	fd = mmft_tmpfile("/tmp", self->pg, FILL, path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fchmod(fd, 0644));
	a.path = path;
	status = mmft_in_child(poke_as_user, &a);
	EXPECT_TRUE(mmft_file_all(fd, 0, self->pg, FILL));
	close(fd);
	unlink(path);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("failed at step %d", WEXITSTATUS(status));
}

/* Set or clear an inode flag (chattr +a / +i) through the ioctl. */
static int inode_flag(int fd, int flag, int on)
{
	int flags;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags))
		return -errno;
	flags = on ? flags | flag : flags & ~flag;
	return ioctl(fd, FS_IOC_SETFLAGS, &flags) ? -errno : 0;
}

TEST_F(val, create_refuses_writes_to_append_only_and_immutable)
{
	static const int flags[] = { FS_APPEND_FL, FS_IMMUTABLE_FL };
	int i;

	for (i = 0; i < 2; i++) {
		TH_LOG("inode flag %#x", flags[i]);
		ASSERT_EQ(0, inode_flag(self->fd, flags[i], 1));
		/* The fd was opened O_RDWR before the flag was set. */
		EXPECT_EQ(-EPERM, try_create(self->fd, MMF_PROT_READWRITE, 0, 0));
		EXPECT_EQ(-EPERM, try_create(self->fd, MMF_PROT_READWRITE, 4 * self->pg, 0));
		EXPECT_EQ(0, try_create(self->fd, MMF_PROT_READ, 0, 0));
		EXPECT_EQ(0, try_create(self->fd, MMF_PROT_WRITECOPY, 0, 0));
		ASSERT_EQ(0, inode_flag(self->fd, flags[i], 0));
		EXPECT_EQ(self->fsize, file_size(self->fd));
	}
	EXPECT_TRUE(mmft_file_all(self->fd, 0, self->fsize, FILL));
}

static int sealed_memfd(size_t size, int seals)
{
	int fd = memfd_create("mmft-seal", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size) || pwrite(fd, "seal", 4, 0) != 4 ||
	    (seals && fcntl(fd, F_ADD_SEALS, seals))) {
		close(fd);
		return -errno;
	}
	return fd;
}

TEST_F(val, create_respects_memfd_seals)
{
	int fd;

	fd = sealed_memfd(2 * self->pg, F_SEAL_WRITE);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPERM, try_create(fd, MMF_PROT_READWRITE, 0, 0));
	EXPECT_EQ(0, try_create(fd, MMF_PROT_READ, 0, 0));
	EXPECT_EQ(0, try_create(fd, MMF_PROT_WRITECOPY, 0, 0));
	close(fd);

	fd = sealed_memfd(2 * self->pg, F_SEAL_FUTURE_WRITE);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPERM, try_create(fd, MMF_PROT_READWRITE, 0, 0));
	EXPECT_EQ(0, try_create(fd, MMF_PROT_READ, 0, 0));
	close(fd);

	/* Growth is ftruncate's, which the seal refuses (libmmf_test). */
	fd = sealed_memfd(2 * self->pg, F_SEAL_GROW);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EOVERFLOW, try_create(fd, MMF_PROT_READWRITE, 3 * self->pg, 0));
	EXPECT_EQ(2 * self->pg, file_size(fd));
	EXPECT_EQ(0, try_create(fd, MMF_PROT_READWRITE, 2 * self->pg, 0));
	EXPECT_EQ(0, try_create(fd, MMF_PROT_READWRITE, 0, 0));
	close(fd);
}

/* A seal may not be added under a writable view, nor a writable view under a seal. */
TEST_F(val, memfd_seals_and_writable_views_exclude_each_other)
{
	unsigned char *v;
	int fd, h;

	fd = sealed_memfd(2 * self->pg, 0);
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE on a memfd: %s", strerror(-h));
	v = mmft_map(h, 2 * self->pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(-1, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	EXPECT_EQ(EBUSY, errno);
	munmap(v, 2 * self->pg);
	/* A read-only view that mprotect could make writable counts too. */
	v = mmft_map(h, 2 * self->pg, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(-1, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	EXPECT_EQ(EBUSY, errno);
	munmap(v, 2 * self->pg);

	/* No writable view now: the seal goes on, and then no view may write. */
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	EXPECT_EQ(-EPERM, try_map(h, 2 * self->pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	v = mmft_map(h, 2 * self->pg, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(-1, mprotect(v, 2 * self->pg, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, memcmp(v, "seal", 4));
	munmap(v, 2 * self->pg);
	close(h);
	close(fd);
}

TEST_F(val, bind_twice_is_ebusy)
{
	struct mmf_create c = { .size = sizeof(c), .fd = self->fd, .prot = MMF_PROT_READ };
	struct mmf_open o = { .size = sizeof(o), .name = (uintptr_t)"mmft-busy",
			      .name_len = 9, .access = MMF_ACCESS_READ };
	struct mmf_create first = { 0 };
	struct mmf_stat st;
	int named, h;

	named = mmft_create_swap(self->pg, "mmft-busy", 0600, NULL);
	ASSERT_LE(0, named);
	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, &first);
	ASSERT_LE(0, h);
	EXPECT_EQ(-EBUSY, ioc(h, MMF_IOC_CREATE, &c));
	EXPECT_EQ(-EBUSY, ioc(h, MMF_IOC_OPEN, &o));
	EXPECT_EQ(-EBUSY, ioc(named, MMF_IOC_CREATE, &c));
	EXPECT_EQ(-EBUSY, ioc(named, MMF_IOC_OPEN, &o));
	/* Still bound to the first section. */
	ASSERT_EQ(0, mmft_stat(h, &st));
	EXPECT_EQ(first.section_id, st.section_id);
	EXPECT_EQ(MMF_PROT_READWRITE, st.prot);
	EXPECT_EQ(self->fsize, st.section_size);
	close(h);
	close(named);
}

TEST_F(val, open_checks)
{
	char longname[MMF_NAME_MAX + 1];
	struct mmf_open o;
	unsigned char *v;
	int rd, wc, h = mmft_handle();

	ASSERT_LE(0, h);
	memset(longname, 'o', sizeof(longname));
#define OPEN(str, len, acc) ((struct mmf_open){ .size = sizeof(o), \
	.name = (uintptr_t)(str), .name_len = (len), .access = (acc) })
	o = OPEN("mmft-nosuch", 11, MMF_ACCESS_READ);
	EXPECT_EQ(-ENOENT, ioc(h, MMF_IOC_OPEN, &o));

	rd = mmft_create(self->fd, MMF_PROT_READ, 0, "mmft-rd", 0600, 0, NULL);
	ASSERT_LE(0, rd) TH_LOG("named CREATE: %s", strerror(-rd));
	wc = mmft_create(self->fd, MMF_PROT_WRITECOPY, 0, "mmft-wc", 0600, 0, NULL);
	ASSERT_LE(0, wc);

	o = OPEN("mmft-rd", 7, 0);
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_OPEN, &o));
	o = OPEN("mmft-rd", 7, MMF_ACCESS_READ | (1U << 8));
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_OPEN, &o));
	o = OPEN("mmft-rd", 7, MMF_ACCESS_READ | (1U << 31));
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_OPEN, &o));
	o = OPEN("mmft-rd", 7, MMF_ACCESS_READ);
	o.flags = 1;
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_OPEN, &o));
	o = OPEN("mmft-rd", 7, MMF_ACCESS_READ);
	o.reserved = 1;
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_OPEN, &o));
	o = OPEN("mmft-rd", 0, MMF_ACCESS_READ);
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_OPEN, &o));
	o = OPEN("mmft-rd\0x", 9, MMF_ACCESS_READ);
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_OPEN, &o));
	o = OPEN(longname, MMF_NAME_MAX + 1, MMF_ACCESS_READ);
	EXPECT_EQ(-ENAMETOOLONG, ioc(h, MMF_IOC_OPEN, &o));
	/* More access than the section's protection. */
	o = OPEN("mmft-rd", 7, MMF_ACCESS_READ | MMF_ACCESS_WRITE);
	EXPECT_EQ(-EACCES, ioc(h, MMF_IOC_OPEN, &o));
	o = OPEN("mmft-wc", 7, MMF_ACCESS_READ | MMF_ACCESS_WRITE);
	EXPECT_EQ(-EACCES, ioc(h, MMF_IOC_OPEN, &o));
	o = OPEN("mmft-wc", 7, MMF_ACCESS_WRITE);
	EXPECT_EQ(-EACCES, ioc(h, MMF_IOC_OPEN, &o));
	/* And what is allowed binds the handle. */
	o = OPEN("mmft-rd", 7, MMF_ACCESS_READ);
	EXPECT_EQ(0, ioc(h, MMF_IOC_OPEN, &o));
	EXPECT_EQ(MMF_PROT_READ, o.prot);
	EXPECT_EQ(self->fsize, o.section_size);
	close(h);
	/* Copy-on-write views of a read-only section (as FILE_MAP_COPY). */
	h = mmft_handle();
	ASSERT_LE(0, h);
	o = OPEN("mmft-rd", 7, MMF_ACCESS_READ | MMF_ACCESS_COPY);
	EXPECT_EQ(0, ioc(h, MMF_IOC_OPEN, &o));
	v = mmft_map(h, self->pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	EXPECT_NE(MAP_FAILED, v);
	if (v != MAP_FAILED) {
		memset(v, 0x5D, self->pg);
		munmap(v, self->pg);
	}
	EXPECT_EQ(-EACCES, try_map(h, self->pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	EXPECT_TRUE(mmft_file_all(self->fd, 0, self->fsize, FILL));
#undef OPEN
	close(h);
	close(rd);
	close(wc);
}

TEST_F(val, mmap_checks_offset_length_and_binding)
{
	size_t pg = self->pg;
	int h, unbound = mmft_handle();

	ASSERT_LE(0, unbound);
	EXPECT_EQ(-EBADFD, try_map(unbound, pg, PROT_READ, MAP_SHARED, 0));
	close(unbound);

	/* A section of 2.5 pages: views may cover 3. */
	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h);
	EXPECT_EQ(0, try_map(h, 3 * pg, PROT_READ, MAP_SHARED, 0));
	EXPECT_EQ(0, try_map(h, pg, PROT_READ | PROT_WRITE, MAP_SHARED, 2 * pg));
	EXPECT_EQ(-EINVAL, try_map(h, 4 * pg, PROT_READ, MAP_SHARED, 0));
	EXPECT_EQ(-EINVAL, try_map(h, 2 * pg, PROT_READ, MAP_SHARED, 2 * pg));
	EXPECT_EQ(-EINVAL, try_map(h, pg, PROT_READ, MAP_SHARED, 3 * pg));
	EXPECT_EQ(-EINVAL, try_map(h, pg, PROT_READ, MAP_PRIVATE, 3 * pg));
	EXPECT_EQ(-EINVAL, try_map(h, pg, PROT_READ, MAP_SHARED, (off_t)1 << 40));
	EXPECT_EQ(-EINVAL, try_map(h, pg, PROT_READ, MAP_SHARED, 100));
	close(h);
}

TEST_F(val, mmap_and_mprotect_never_add_rights)
{
	size_t len = 3 * self->pg;
	unsigned char *v;
	int rd, wc, rw, rdonly_h;

	/* A READ section on an O_RDWR fd: the fd could write, the section may not. */
	rd = mmft_create(self->fd, MMF_PROT_READ, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, rd);
	EXPECT_EQ(-EACCES, try_map(rd, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	v = mmft_map(rd, len, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(-1, mprotect(v, len, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(v + self->pg, self->pg, PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(v, len);

	/* WRITECOPY: shared views are read-only, private ones may write. */
	wc = mmft_create(self->fd, MMF_PROT_WRITECOPY, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, wc);
	EXPECT_EQ(-EACCES, try_map(wc, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	v = mmft_map(wc, len, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(-1, mprotect(v, len, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(v, len);
	v = mmft_map(wc, len, PROT_READ, MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(0, mprotect(v, len, PROT_READ | PROT_WRITE));
	v[0] = 0x99;
	munmap(v, len);

	/* A READWRITE section opened for reading only. */
	rw = mmft_create(self->fd, MMF_PROT_READWRITE, 0, "mmft-rw-ro", 0600, 0, NULL);
	ASSERT_LE(0, rw) TH_LOG("named CREATE: %s", strerror(-rw));
	rdonly_h = mmft_open_named("mmft-rw-ro", MMF_ACCESS_READ, NULL);
	ASSERT_LE(0, rdonly_h) TH_LOG("OPEN: %s", strerror(-rdonly_h));
	EXPECT_EQ(-EACCES, try_map(rdonly_h, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	/* An opener's views end before the partial last page (EACCES). */
	EXPECT_EQ(-EACCES, try_map(rdonly_h, len, PROT_READ, MAP_SHARED, 0));
	v = mmft_map(rdonly_h, len - self->pg, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(-1, mprotect(v, len - self->pg, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(v, len - self->pg);
	EXPECT_EQ(0, try_map(rw, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0));

	EXPECT_TRUE(mmft_file_all(self->fd, 0, self->fsize, FILL));
	close(rd);
	close(wc);
	close(rw);
	close(rdonly_h);
}

TEST_F(val, exec_views_on_noexec_mount)
{
	char dir[64], path[80];
	unsigned char *v;
	int fd, h;

	snprintf(dir, sizeof(dir), "/tmp/mmft-noexec-%d", getpid());
	ASSERT_EQ(0, mkdir(dir, 0700));
	if (mount("tmpfs", dir, "tmpfs", MS_NOEXEC, "size=1m")) {
		rmdir(dir);
		ASSERT_TRUE(0) TH_LOG("mount noexec tmpfs: %s", strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, self->pg));
	h = mmft_create(fd, MMF_PROT_READ, 0, NULL, 0, 0, NULL);
	EXPECT_LE(0, h);
	if (h >= 0) {
		/* PROT_EXEC is never granted at mmap, noexec or not. */
		EXPECT_EQ(-EACCES, try_map(h, self->pg, PROT_READ | PROT_EXEC, MAP_SHARED, 0));
		EXPECT_EQ(-EACCES, try_map(h, self->pg, PROT_READ | PROT_EXEC, MAP_PRIVATE, 0));
		v = mmft_map(h, self->pg, PROT_READ, MAP_SHARED, 0);
		EXPECT_NE(MAP_FAILED, v);
		if (v != MAP_FAILED) {
			EXPECT_EQ(-1, mprotect(v, self->pg, PROT_READ | PROT_EXEC));
			EXPECT_EQ(EACCES, errno);
			munmap(v, self->pg);
		}
		close(h);
	}
	close(fd);
	EXPECT_EQ(0, umount(dir));
	rmdir(dir);
}

/* A view of 3 pages of a READWRITE section on the fixture's file. */
static unsigned char *rw_view(FIXTURE_DATA(val) *self, int *h)
{
	unsigned char *v;

	*h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	if (*h < 0)
		return MAP_FAILED;
	v = mmft_map(*h, 3 * self->pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (v == MAP_FAILED)
		close(*h);
	return v;
}

TEST_F(val, flush_checks_range_and_flags)
{
	size_t pg = self->pg;
	unsigned char *v, *anon, *plain;
	uint64_t written;
	int h, other = mmft_handle();

	ASSERT_LE(0, other);
	v = rw_view(self, &h);
	ASSERT_NE(MAP_FAILED, v);
	anon = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	plain = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, plain);
	v[0] = 1;

	EXPECT_EQ(-EINVAL, mmft_flush(h, v, pg, MMF_FLUSH_ASYNC | MMF_FLUSH_DURABLE, NULL));
	EXPECT_EQ(-EINVAL, mmft_flush(h, v, pg, 1U << 5, NULL));
	EXPECT_EQ(-EINVAL, mmft_flush(h, v, pg, 1U << 31, NULL));
	EXPECT_EQ(-EINVAL, mmft_flush(h, v, UINT64_MAX - (uintptr_t)v + 2, 0, NULL));
	EXPECT_EQ(-EINVAL, mmft_flush(h, v, UINT64_MAX, 0, NULL));
	EXPECT_EQ(-EINVAL, mmft_flush(h, anon, pg, 0, NULL));
	EXPECT_EQ(-EINVAL, mmft_flush(other, plain, pg, 0, NULL));
	/* A hole: the middle page of the view is gone. */
	ASSERT_EQ(0, munmap(v + pg, pg));
	EXPECT_EQ(-ENOMEM, mmft_flush(h, v, 3 * pg, 0, NULL));
	EXPECT_EQ(-ENOMEM, mmft_flush(other, v + pg, 0, 0, NULL));
	/* What is left still flushes, through any open of the device. */
	EXPECT_EQ(0, mmft_flush(other, v, pg, 0, NULL));
	/* An address inside a page stands for the whole page. */
	v[0] = 2;
	EXPECT_EQ(0, mmft_flush(h, v + 100, 1, 0, &written));
	EXPECT_EQ(1, written);
	EXPECT_EQ(0, mmft_flush(h, v + 2 * pg, pg, 0, NULL));

	munmap(v, pg);
	munmap(v + 2 * pg, pg);
	munmap(anon, pg);
	munmap(plain, pg);
	close(h);
	close(other);
}

TEST_F(val, flush_covers_adjacent_views_watch_does_not)
{
	size_t pg = self->pg;
	struct mmf_write_watch w;
	unsigned char *base, *a, *b;
	__u64 bits[1];
	int h;

	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h);
	/* Two one-page views of the same page, side by side. */
	base = mmap(NULL, 2 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, base);
	a = mmap(base, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, h, 0);
	ASSERT_EQ(base, a);
	b = mmap(base + pg, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, h, 0);
	ASSERT_EQ(base + pg, b);
	a[1] = 7;
	EXPECT_EQ(7, b[1]);
	EXPECT_EQ(0, mmft_flush(h, base, 2 * pg, 0, NULL));

	w = (struct mmf_write_watch){ .size = sizeof(w), .addr = (uintptr_t)base,
		.length = 2 * pg, .bitmap = (uintptr_t)bits, .bitmap_bits = 64 };
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_WRITE_WATCH, &w));
	munmap(base, 2 * pg);
	close(h);
}

TEST_F(val, write_watch_checks)
{
	size_t pg = self->pg;
	struct mmf_write_watch w;
	unsigned char *v, *anon, *hole;
	__u64 bits[2];
	int h;

	v = rw_view(self, &h);
	ASSERT_NE(MAP_FAILED, v);
	anon = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	hole = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	munmap(hole, pg);
#define WW(a, l, nbits) ((struct mmf_write_watch){ .size = sizeof(w), \
	.addr = (uintptr_t)(a), .length = (l), .bitmap = (uintptr_t)bits, .bitmap_bits = (nbits) })
	w = WW(v, 3 * pg, 64);
	EXPECT_EQ(0, ioc(h, MMF_IOC_WRITE_WATCH, &w));
	w = WW(v + 1, 2 * pg, 64);
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_WRITE_WATCH, &w));
	w = WW(v, pg + 1, 64);
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_WRITE_WATCH, &w));
	w = WW(v, 4 * pg, 64);		/* past the view */
	EXPECT_NE(0, ioc(h, MMF_IOC_WRITE_WATCH, &w));
	w = WW(v, 3 * pg, 2);		/* too few bits */
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_WRITE_WATCH, &w));
	w = WW(v, 3 * pg, 64);
	w.flags = 1U << 7;
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_WRITE_WATCH, &w));
	w = WW(v, 3 * pg, 64);
	w.bitmap = (uintptr_t)hole;
	EXPECT_EQ(-EFAULT, ioc(h, MMF_IOC_WRITE_WATCH, &w));
	w = WW(v, 3 * pg, 64);
	w.bitmap = (uintptr_t)KERNEL_ADDR;
	EXPECT_EQ(-EFAULT, ioc(h, MMF_IOC_WRITE_WATCH, &w));
	w = WW(anon, pg, 64);
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_WRITE_WATCH, &w));
	w = WW(hole, pg, 64);
	EXPECT_EQ(-ENOMEM, ioc(h, MMF_IOC_WRITE_WATCH, &w));
	w = WW(v, UINT64_MAX & ~(uint64_t)(pg - 1), 64);
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_WRITE_WATCH, &w));
#undef WW
	munmap(v, 3 * pg);
	munmap(anon, pg);
	close(h);
}

TEST_F(val, stat_and_query_checks)
{
	size_t pg = self->pg;
	struct mmf_create c = { 0 };
	struct mmf_query q;
	struct mmf_stat st;
	unsigned char *v, *anon, *hole;
	int h, unbound = mmft_handle();

	ASSERT_LE(0, unbound);
	EXPECT_EQ(-EBADFD, mmft_stat(unbound, &st));
	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, &c);
	ASSERT_LE(0, h);
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.flags = 1;
	EXPECT_EQ(-EINVAL, ioc(h, MMF_IOC_STAT, &st));
	ASSERT_EQ(0, mmft_stat(h, &st));
	EXPECT_EQ(c.section_id, st.section_id);
	EXPECT_EQ(self->fsize, st.section_size);

	v = mmft_map(h, 2 * pg, PROT_READ, MAP_SHARED, pg);
	ASSERT_NE(MAP_FAILED, v);
	anon = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	hole = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	munmap(hole, pg);

	q = (struct mmf_query){ .size = sizeof(q), .addr = (uintptr_t)v + pg + 5, .flags = 1 };
	EXPECT_EQ(-EINVAL, ioc(unbound, MMF_IOC_QUERY, &q));
	q = (struct mmf_query){ .size = sizeof(q), .addr = (uintptr_t)anon };
	EXPECT_EQ(-EINVAL, ioc(unbound, MMF_IOC_QUERY, &q));
	q = (struct mmf_query){ .size = sizeof(q), .addr = (uintptr_t)hole };
	EXPECT_EQ(-ENOMEM, ioc(unbound, MMF_IOC_QUERY, &q));
	q = (struct mmf_query){ .size = sizeof(q), .addr = (uintptr_t)v + pg + 5 };
	EXPECT_EQ(0, ioc(unbound, MMF_IOC_QUERY, &q));
	EXPECT_EQ((uintptr_t)v, q.view_start);
	EXPECT_EQ(2 * pg, q.view_length);
	EXPECT_EQ(pg, q.offset);
	EXPECT_EQ(c.section_id, q.section_id);
	EXPECT_EQ(self->fsize, q.section_size);
	EXPECT_EQ(MMF_PROT_READWRITE, q.prot);
	EXPECT_NE(0, q.access & MMF_ACCESS_READ);
	munmap(v, 2 * pg);
	munmap(anon, pg);
	close(h);
	close(unbound);
}

TEST_F(val, file_mapped_checks)
{
	struct mmf_file_mapped m;
	unsigned char *v;
	char opath[64];
	int closed, other, h, dev = mmft_handle();

	ASSERT_LE(0, dev);
	closed = fcntl(self->fd, F_DUPFD_CLOEXEC, 500);
	ASSERT_LE(500, closed);
	close(closed);
#define FM(f) ((struct mmf_file_mapped){ .size = sizeof(m), .fd = (f) })
	m = FM(closed);
	EXPECT_EQ(-EBADF, ioc(dev, MMF_IOC_FILE_MAPPED, &m));
	/* Looking a file up is not opening it: no word on others' views. */
	closed = open(self->path, O_PATH | O_CLOEXEC);
	ASSERT_LE(0, closed);
	m = FM(closed);
	EXPECT_EQ(-EBADF, ioc(dev, MMF_IOC_FILE_MAPPED, &m));
	close(closed);
	m = FM(self->fd);
	m.flags = 1;
	EXPECT_EQ(-EINVAL, ioc(dev, MMF_IOC_FILE_MAPPED, &m));
	m = FM(self->fd);
	m.reserved = 1;
	EXPECT_EQ(-EINVAL, ioc(dev, MMF_IOC_FILE_MAPPED, &m));

	other = mmft_tmpfile("/mnt/ext4", self->pg, FILL, opath, sizeof(opath));
	ASSERT_LE(0, other);
	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h);
	v = mmft_map(h, self->pg, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	/* Any open of the same file counts, not only the fd of the section. */
	closed = reopen(self, O_RDONLY);
	ASSERT_LE(0, closed);
	m = FM(closed);
	EXPECT_EQ(0, ioc(dev, MMF_IOC_FILE_MAPPED, &m));
	EXPECT_EQ(1, m.sections);
	EXPECT_EQ(1, m.views);
	m = FM(other);
	EXPECT_EQ(0, ioc(dev, MMF_IOC_FILE_MAPPED, &m));
	EXPECT_EQ(0, m.sections);
	EXPECT_EQ(0, m.views);
	munmap(v, self->pg);
	m = FM(closed);
	EXPECT_EQ(0, ioc(dev, MMF_IOC_FILE_MAPPED, &m));
	EXPECT_EQ(1, m.sections);
	EXPECT_EQ(0, m.views);
	close(h);
	m = FM(closed);
	EXPECT_EQ(0, ioc(dev, MMF_IOC_FILE_MAPPED, &m));
	EXPECT_EQ(0, m.sections);
#undef FM
	close(closed);
	close(other);
	unlink(opath);
	close(dev);
}

TEST_HARNESS_MAIN
