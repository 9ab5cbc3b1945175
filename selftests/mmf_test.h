/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mmf selftests.  Include after kselftest_harness.h.
 */
#ifndef MMF_TEST_H
#define MMF_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Sequence number of the newest record in the kernel log, so that a test
 * can later count what it made the kernel print.  0 when /dev/kmsg is
 * unreadable (then kmsg_count_since() counts everything, erring loud).
 */
static inline unsigned long long kmsg_mark(void)
{
	unsigned long long seq = 0, s;
	char rec[8192];
	ssize_t n;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return 0;
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n > 0) {
			rec[n] = '\0';
			if (sscanf(rec, "%*u,%llu", &s) == 1)
				seq = s;
		}
	}
	close(fd);
	return seq;
}

/* Kernel log records newer than @mark that contain @needle. */
static inline int kmsg_count_since(unsigned long long mark, const char *needle)
{
	unsigned long long s;
	char rec[8192];
	ssize_t n;
	int count = 0;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		if (sscanf(rec, "%*u,%llu", &s) == 1 && s > mark && strstr(rec, needle))
			count++;
	}
	close(fd);
	return count;
}

/*
 * Section helpers (mmft_*).  They return -errno instead of asserting so
 * that forked children can use them too.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/mmf.h>

#define MMFT_PAGE	((size_t)sysconf(_SC_PAGESIZE))

/* A new handle: an open of /dev/mmf, or -errno. */
static inline int mmft_handle(void)
{
	int h = open(MMF_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return h < 0 ? -errno : h;
}

/*
 * Bind a new handle to a section (CREATE) and return it, or -errno.  @name
 * may be NULL (unnamed); @out, when not NULL, receives the ioctl's struct.
 */
static inline int mmft_create(int fd, unsigned int prot, uint64_t max_size,
			      const char *name, unsigned int mode,
			      unsigned int flags, struct mmf_create *out)
{
	struct mmf_create c = {
		.size = sizeof(c), .flags = flags, .fd = fd, .prot = prot,
		.max_size = max_size, .mode = mode,
	};
	int h = mmft_handle();

	if (h < 0)
		return h;
	if (name) {
		c.name = (uintptr_t)name;
		c.name_len = strlen(name);
	}
	if (ioctl(h, MMF_IOC_CREATE, &c)) {
		int err = errno;

		close(h);
		return -err;
	}
	if (out)
		*out = c;
	return h;
}

/* A swap-backed section of @size bytes, or -errno. */
static inline int mmft_create_swap(uint64_t size, const char *name, unsigned int mode,
				   struct mmf_create *out)
{
	return mmft_create(-1, MMF_PROT_READWRITE, size, name, mode, MMF_CREATE_SWAP, out);
}

/* Bind a new handle to the named section (OPEN), or -errno. */
static inline int mmft_open_named(const char *name, unsigned int access, struct mmf_open *out)
{
	struct mmf_open o = {
		.size = sizeof(o), .name = (uintptr_t)name, .name_len = strlen(name),
		.access = access,
	};
	int h = mmft_handle();

	if (h < 0)
		return h;
	if (ioctl(h, MMF_IOC_OPEN, &o)) {
		int err = errno;

		close(h);
		return -err;
	}
	if (out)
		*out = o;
	return h;
}

/* FLUSH through any open of /dev/mmf: 0 or -errno; *written gets pages_written (0 on error). */
static inline int mmft_flush(int h, const void *addr, uint64_t len, unsigned int flags,
			     uint64_t *written)
{
	struct mmf_flush f = {
		.size = sizeof(f), .flags = flags, .addr = (uintptr_t)addr, .length = len,
	};

	int ret = ioctl(h, MMF_IOC_FLUSH, &f) ? -errno : 0;

	/* Always set, so that callers need not initialise it. */
	if (written)
		*written = ret ? 0 : f.pages_written;
	return ret;
}

/* STAT of the handle's section: 0 or -errno. */
static inline int mmft_stat(int h, struct mmf_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ioctl(h, MMF_IOC_STAT, st) ? -errno : 0;
}

/* A view of a section, or MAP_FAILED with errno set. */
static inline void *mmft_map(int h, size_t len, int prot, int flags, off_t off)
{
	return mmap(NULL, len, prot, flags, h, off);
}

/*
 * Read a sysctl or module parameter into @buf (its trailing newline
 * dropped): 0, or -errno (-EIO when it reads empty).
 */
static inline int mmft_read_knob(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n <= 0)
		return n ? n : -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/*
 * The read-around window, in pages, that open(2) gives a file on the file
 * system of @fd: its device's read_ahead_kb (/sys/class/bdi); 0 where the
 * file system has no device (tmpfs) or for @fd -1 (a swap-backed section).
 */
static inline long mmft_file_readaround(int fd)
{
	char path[64], buf[32];
	struct stat st;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st))
		return -errno;
	snprintf(path, sizeof(path), "/sys/class/bdi/%u:%u/read_ahead_kb",
		 major(st.st_dev), minor(st.st_dev));
	if (mmft_read_knob(path, buf, sizeof(buf)))
		return 0;
	return strtol(buf, NULL, 10) * 1024 / sysconf(_SC_PAGESIZE);
}

/* Page faults this process has taken, minor and major. */
static inline long mmft_page_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

/* Write @val to a sysctl or module parameter: 0 or -errno. */
static inline int mmft_write_knob(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;
	ssize_t len = strlen(val);

	if (fd < 0)
		return -errno;
	errno = 0;
	if (write(fd, val, len) != len)
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

/*
 * Drop the clean page cache of the whole system (echo 3 > drop_caches):
 * 0 or -errno.  It does not sync first, so dirty pages stay cached: a test
 * can tell a flush that wrote from one that did not.
 */
static inline int mmft_drop_caches(void)
{
	return mmft_write_knob("/proc/sys/vm/drop_caches", "3\n");
}

/* A file of @size bytes in @dir, every byte @fill, opened O_RDWR; -errno. */
static inline int mmft_tmpfile(const char *dir, size_t size, int fill, char *path, size_t plen)
{
	char buf[4096];
	size_t done = 0;
	int fd;

	snprintf(path, plen, "%s/mmft.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(buf, fill, sizeof(buf));
	while (fill && done < size) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		if (write(fd, buf, n) != (ssize_t)n)
			goto fail;
		done += n;
	}
	if (ftruncate(fd, size))
		goto fail;
	return fd;
fail:
	close(fd);
	unlink(path);
	return -EIO;
}

/* Whether @len bytes at @p all equal @c. */
static inline int mmft_all(const void *p, size_t len, int c)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != (unsigned char)c)
			return 0;
	return 1;
}

/* Whether the @len bytes of file @fd at @off all equal @c (pread). */
static inline int mmft_file_all(int fd, off_t off, size_t len, int c)
{
	unsigned char buf[4096];

	while (len) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);

		if (pread(fd, buf, n, off) != (ssize_t)n || !mmft_all(buf, n, c))
			return 0;
		off += n;
		len -= n;
	}
	return 1;
}

/*
 * Run @fn(@arg) in a forked child and return its raw wait status; the
 * child's exit code is @fn's return value.  -1 when fork fails.
 */
static inline int mmft_in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

struct mmft_access {
	volatile unsigned char *addr;
	int write;
};

static inline int mmft_access_fn(void *arg)
{
	struct mmft_access *a = arg;

	signal(SIGBUS, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	if (a->write)
		*a->addr = 0x5a;
	else
		(void)*a->addr;
	return 0;
}

/* The signal that reading (or writing) @addr raises in a child, 0 if none. */
static inline int mmft_access_signal(const void *addr, int write)
{
	struct mmft_access a = { (volatile unsigned char *)addr, write };
	int status = mmft_in_child(mmft_access_fn, &a);

	if (status == -1)
		return -1;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

/* Drop every privilege and become @uid/@gid (no supplementary groups). */
static inline int mmft_become(uid_t uid, gid_t gid)
{
	gid_t none[1] = { 0 };

	if (setgroups(0, none) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
		return -errno;
	return 0;
}

/*
 * Resident pages of [@off, @off + @len) of file @fd (page-aligned @off),
 * seen through a fresh plain mapping and mincore(); -errno on failure.
 */
static inline long mmft_resident(int fd, off_t off, size_t len)
{
	size_t pg = MMFT_PAGE, n = (len + pg - 1) / pg, i;
	unsigned char *vec = malloc(n ? n : 1);
	long count = 0;
	void *p;

	if (!vec)
		return -ENOMEM;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off);
	if (p == MAP_FAILED) {
		free(vec);
		return -errno;
	}
	if (mincore(p, len, vec)) {
		count = -errno;
	} else {
		for (i = 0; i < n; i++)
			count += vec[i] & 1;
	}
	munmap(p, len);
	free(vec);
	return count;
}

/*
 * Drop the page cache until none of [@off, @off + @len) of @fd is resident:
 * a page whose buffers the journal still holds (a commit running late on
 * a loaded host) survives one drop.  0, the pages still resident after
 * about 10 s of tries, or -errno.
 */
static inline long mmft_drop_file_cache(int fd, off_t off, size_t len)
{
	long left = 0;
	int i;

	for (i = 0; i < 200; i++) {
		if (i)
			usleep(50000);
		if (mmft_drop_caches())
			return -errno;
		left = mmft_resident(fd, off, len);
		if (left <= 0)
			return left;
	}
	return left;
}

/*
 * Mount a tmpfs of its own with @opts on a new directory @dir (made here):
 * 0 or -errno.  mmft_umount_tmpfs() undoes it.
 */
static inline int mmft_mount_tmpfs(const char *dir, const char *opts)
{
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (mount("tmpfs", dir, "tmpfs", 0, opts)) {
		int err = errno;

		rmdir(dir);
		return -err;
	}
	return 0;
}

static inline int mmft_umount_tmpfs(const char *dir)
{
	int ret = umount(dir) ? -errno : 0;

	rmdir(dir);
	return ret;
}

/* The module's debugfs listing of sections. */
#define MMFT_DEBUGFS_SECTIONS	"/sys/kernel/debug/mmf/sections"

/*
 * A module-wide counter from the debugfs listing ("sections N" or
 * "views N"), -1 if it cannot be read.
 */
static inline long mmft_debugfs_counter(const char *key)
{
	char line[1024];
	size_t klen = strlen(key);
	long val = -1;
	FILE *f = fopen(MMFT_DEBUGFS_SECTIONS, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			val = strtol(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/*
 * The module itself: its file (the one the runner loaded, /mmf/mmf.ko in
 * the test VM, or $MMF_KO), whether it is loaded, its reference count,
 * unloading (O_NONBLOCK: -EWOULDBLOCK while anything holds it) and loading
 * it again.  A test that unloads the module must leave it loaded.
 */
#include <sys/syscall.h>

/* Whether the long forms run (make stress: MMF_STRESS=1). */
static inline int mmft_stress(void)
{
	const char *s = getenv("MMF_STRESS");

	return s && *s && strcmp(s, "0");
}

/* The device mounted on @mnt, from /proc/self/mounts (the last match). */
static inline int mmft_mount_source(const char *mnt, char *dev, size_t len)
{
	char line[512], src[256], dir[256];
	FILE *f = fopen("/proc/self/mounts", "re");
	int found = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %255s", src, dir) == 2 && !strcmp(dir, mnt)) {
			snprintf(dev, len, "%s", src);
			found = 1;
		}
	fclose(f);
	return found ? 0 : -ENOENT;
}

static inline const char *mmft_module_file(void)
{
	const char *ko = getenv("MMF_KO");

	return ko ? ko : "/mmf/mmf.ko";
}

static inline int mmft_module_loaded(void)
{
	return access("/sys/module/mmf", F_OK) == 0;
}

/* The module's reference count, -1 when it is not loaded. */
static inline long mmft_module_refcnt(void)
{
	char buf[32];

	if (mmft_read_knob("/sys/module/mmf/refcnt", buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

static inline int mmft_module_unload(void)
{
	return syscall(SYS_delete_module, "mmf", O_NONBLOCK) ? -errno : 0;
}

static inline int mmft_module_load(void)
{
	int fd = open(mmft_module_file(), O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, "", 0))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Memory access that may fault, done in this process (mmft_probe_copy):
 * copy @len bytes from @src to @dst byte by byte; 0, or the signal
 * (SIGSEGV, SIGBUS) that stopped the copy.  For attack tests whose
 * children must report a fault as "blocked", not die of it.  Not
 * thread-safe.
 */
#include <setjmp.h>

static inline sigjmp_buf *mmft_probe_env(void)
{
	static sigjmp_buf env;

	return &env;
}

static inline void mmft_probe_handler(int sig)
{
	siglongjmp(*mmft_probe_env(), sig);
}

static inline int mmft_probe_copy(volatile void *dst, const volatile void *src, size_t len)
{
	struct sigaction sa = { .sa_handler = mmft_probe_handler }, osegv, obus;
	volatile unsigned char *d = dst;
	const volatile unsigned char *s = src;
	volatile size_t i;
	int sig;

	sigaction(SIGSEGV, &sa, &osegv);
	sigaction(SIGBUS, &sa, &obus);
	sig = sigsetjmp(*mmft_probe_env(), 1);
	if (!sig)
		for (i = 0; i < len; i++)
			d[i] = s[i];
	sigaction(SIGSEGV, &osegv, NULL);
	sigaction(SIGBUS, &obus, NULL);
	return sig;
}

#endif /* MMF_TEST_H */
