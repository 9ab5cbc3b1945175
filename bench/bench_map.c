// SPDX-License-Identifier: GPL-2.0
/*
 * The two ways mmf_bench maps a target, the same calls on both sides: plain
 * mmap(2)/msync(2)/fsync(2), or a view of an mmf section with its flush
 * ioctl.  Also the file's contents (a stamp per page, so that every read
 * and write can be checked) and the memory counters.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/mmf.h>

#include "bench.h"

size_t page;
int verify_stride = 1;
unsigned long long checked_pages;
int native_fsync;
unsigned int readaround;
int untracked;

void die(const char *what)
{
	fprintf(stderr, "mmf_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mmf_bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t gen;

/* Every write of every run stamps a generation of its own. */
uint32_t next_gen(void)
{
	return ++gen;
}

/* gen < 0: any generation will do, the page index must match. */
void check_page(const char *what, uint64_t got, size_t i, int64_t want_gen)
{
	checked_pages++;
	if ((uint32_t)got == (uint32_t)i && (want_gen < 0 || got >> 32 == (uint64_t)want_gen))
		return;
	fail("%s: page %zu holds %#llx, not the stamp of page %zu (generation %lld)",
	     what, i, (unsigned long long)got, i, (long long)want_gen);
}

/* Reads pages 0, step, 2 step, ... of the file with pread(2): all stamped gen. */
void verify_file(struct target *t, uint32_t want, size_t first, size_t step, size_t count)
{
	for (size_t k = 0, i = first; k < count && i < t->pages; k++, i += step) {
		uint64_t v;

		if (pread(t->fd, &v, sizeof(v), (off_t)(i * page)) != sizeof(v))
			die("pread");
		check_page("read back with pread(2) after the flush", v, i, want);
	}
}

/* The file as every run starts it: page i stamped (0, i), the rest zero. */
void target_fill(struct target *t)
{
	size_t chunk = 1 << 20, per = chunk / page;
	char *buf;

	if (t->fd < 0)
		return;
	buf = calloc(1, chunk);
	if (!buf || ftruncate(t->fd, 0) || ftruncate(t->fd, (off_t)t->len))
		die("ftruncate");
	for (size_t off = 0; off < t->len; off += chunk) {
		size_t n = t->len - off < chunk ? t->len - off : chunk;

		for (size_t i = 0; i < per; i++)
			*(uint64_t *)(buf + i * page) = stamp(0, off / page + i);
		if (pwrite(t->fd, buf, n, (off_t)off) != (ssize_t)n)
			die("pwrite");
	}
	free(buf);
	if (fsync(t->fd))
		die("fsync");
	t->cold = 0;
}

void target_drop_cache(struct target *t)
{
	int d;

	if (fsync(t->fd))
		die("fsync");
	d = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (d < 0 || write(d, "3", 1) != 1)
		die("drop_caches");
	close(d);
	t->cold = 1;
}

/* The whole file in the page cache again, read with read(2). */
void target_warm(struct target *t)
{
	static char buf[1 << 20];

	if (t->fd < 0 || !t->cold)
		return;
	for (off_t off = 0; off < (off_t)t->len; off += sizeof(buf))
		if (pread(t->fd, buf, sizeof(buf), off) < 0)
			die("pread");
	t->cold = 0;
}

static void map_mmf(struct map *m, struct target *t, const char *name)
{
	struct mmf_create c = {
		.size = sizeof(c), .fd = t->fd, .prot = MMF_PROT_READWRITE,
		.readaround = readaround,
	};

	if (t->fd < 0) {
		c.flags = MMF_CREATE_SWAP;
		c.max_size = t->len;
	}
	if (untracked)
		c.flags |= MMF_CREATE_UNTRACKED;
	if (name) {
		c.flags |= MMF_CREATE_EXCL;
		c.name = (uintptr_t)name;
		c.name_len = strlen(name);
		c.mode = 0600;
	}
	m->handle = open(MMF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (m->handle < 0 || ioctl(m->handle, MMF_IOC_CREATE, &c))
		die("MMF_IOC_CREATE");
	m->addr = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_SHARED, m->handle, 0);
}

/* A mapping of the whole target, a named section's view when name is set. */
void map_open_named(struct map *m, struct target *t, int use_mmf, const char *name)
{
	m->len = t->len;
	m->handle = -1;
	if (use_mmf)
		map_mmf(m, t, name);
	else if (t->fd >= 0)
		m->addr = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);
	else
		m->addr = mmap(NULL, m->len, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m->addr == MAP_FAILED)
		die("mmap");
}

void map_open(struct map *m, struct target *t, int use_mmf)
{
	map_open_named(m, t, use_mmf, NULL);
}

/*
 * Another process's read-only mapping: the named section opened by name,
 * or the file opened by its path (a swap-backed native mapping can only be
 * inherited: the caller keeps its own).
 */
void map_open_reader(struct map *m, struct target *t, int use_mmf, const char *name)
{
	m->len = t->len;
	m->handle = -1;
	if (use_mmf) {
		struct mmf_open o = {
			.size = sizeof(o), .name = (uintptr_t)name, .name_len = strlen(name),
			.access = MMF_ACCESS_READ,
		};

		m->handle = open(MMF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		if (m->handle < 0 || ioctl(m->handle, MMF_IOC_OPEN, &o))
			die("MMF_IOC_OPEN");
		m->addr = mmap(NULL, m->len, PROT_READ, MAP_SHARED, m->handle, 0);
	} else {
		int fd = open(t->path, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			die(t->path);
		m->addr = mmap(NULL, m->len, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
	}
	if (m->addr == MAP_FAILED)
		die("mmap (reader)");
}

/*
 * Plain: the dirty pages written back (FlushViewOfFile; msync MS_SYNC).
 * Durable: also on stable storage: MMF_FLUSH_DURABLE, which has fdatasync's
 * semantics (userspace-api.rst), against msync + fdatasync; with -f,
 * msync + fsync, which also commits the timestamps every write fault
 * changed (a journal commit on ext4 that mmf does not make).
 */
void map_flush(struct map *m, struct target *t, enum flush_kind kind)
{
	if (m->handle >= 0) {
		struct mmf_flush f = {
			.size = sizeof(f), .addr = (uintptr_t)m->addr, .length = m->len,
			.flags = kind == FLUSH_DURABLE ? MMF_FLUSH_DURABLE : 0,
		};

		if (ioctl(m->handle, MMF_IOC_FLUSH, &f))
			die("MMF_IOC_FLUSH");
		return;
	}
	if (msync(m->addr, m->len, MS_SYNC))
		die("msync");
	if (kind == FLUSH_DURABLE && t->fd >= 0 && (native_fsync ? fsync(t->fd) : fdatasync(t->fd)))
		die(native_fsync ? "fsync" : "fdatasync");
}

void map_close(struct map *m)
{
	if (munmap(m->addr, m->len))
		die("munmap");
	if (m->handle >= 0)
		close(m->handle);
}

/* Page cache plus anonymous memory, in pages: a second copy would show here. */
long meminfo_pages(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[256];
	long kb, sum = 0;

	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Cached: %ld kB", &kb) == 1 ||
		    sscanf(line, "AnonPages: %ld kB", &kb) == 1)
			sum += kb;
	fclose(f);
	return sum / (long)(page >> 10);
}

/* Resident pages of the mapping that starts at addr (/proc/self/smaps). */
long view_rss_pages(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	unsigned long start, end;
	char line[512];
	int in = 0;
	long kb = -1;

	if (!f)
		die("/proc/self/smaps");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			in = start == (uintptr_t)addr;
		else if (in && sscanf(line, "Rss: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	if (kb < 0)
		fail("no mapping at %p in /proc/self/smaps", addr);
	return kb / (long)(page >> 10);
}
