// SPDX-License-Identifier: GPL-2.0
/*
 * crash-guest: the guest side of tools/reliability/crash.sh, the hard-crash
 * test.  Runs in the test VM with the mmf module loaded.
 *
 *   crash-guest write  SEED CYCLE MINSIZE MAXSIZE FS...
 *   crash-guest verify SEED CYCLE MINSIZE MAXSIZE FS...
 *
 * write: on each file system FS (mounted at /mnt/FS) it makes the cycle's
 * files, syncs them once (so that only what follows is at stake), then
 * writes a pattern through views and flushes with the durable flag, in
 * three ways: the ioctl (MMF_FLUSH_DURABLE), libmmf's mmf_flush() with
 * MMF_FLUSH_DURABLE, and the Win32 layer's FlushViewOfFile followed by
 * FlushFileBuffers.  On ext4 one more file is made after the sync, so that
 * the durable flush alone must make its name, size and blocks stable.  Two
 * control files, filled and synced first, are rewritten through an mmf
 * view and through a plain mmap and never flushed; a swap-backed section
 * is written and flushed durably too.  Periodic and background write-back
 * are held off, every view stays mapped, and the guest is crashed with
 * sysrq 'b': no sync, no unmount, no process exit.
 *
 * verify (on the next boot, same disks): every flushed file must have its
 * size and, read page by page with read(2), every byte of the pattern; each
 * control file must have lost every rewritten page (it reads as it was
 * before), or the crash proved nothing and the run fails.  The cycle's
 * files are removed afterwards.
 *
 * Sizes (MINSIZE..MAXSIZE bytes, not page multiples) and contents come from
 * SEED and CYCLE, so that both boots compute the same ones.  Both modes
 * print "crash-digest NAME HEX" for every flushed file: a hash over a
 * checksum of every page, of the view's memory after the flush (write) and
 * of what read(2) returns (verify); the host compares them.  Results are
 * KTAP lines ("ok N ..."), the host nests them.  Exit status: 0 when all
 * passed, 1 otherwise; write does not return when all went well.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <linux/mmf.h>
#include <mmf.h>
#include <mmf/win32.h>

#define OLD_FILL	0xc3	/* what a control file holds before the crash */
#define MAX_FILES	16

enum way { WAY_IOCTL, WAY_FRESH, WAY_LIB, WAY_WIN32, WAY_CTL_VIEW, WAY_CTL_MMAP };

static const char *const way_name[] = {
	[WAY_IOCTL] = "ioctl", [WAY_FRESH] = "fresh", [WAY_LIB] = "lib",
	[WAY_WIN32] = "win32", [WAY_CTL_VIEW] = "ctl-view", [WAY_CTL_MMAP] = "ctl-mmap",
};

struct cfile {
	enum way way;
	const char *fs;
	char path[128];
	char name[64];		/* for the digest lines */
	unsigned int id;	/* pattern stream */
	uint64_t size;
	/* write mode */
	int fd;
	void *view;
	mmf_section *sec;
	HANDLE wfile, wmap;
};

static uint64_t seed;
static unsigned int cycle;
static size_t pg;
static int test_no;
static int failed;

static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++test_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failed = 1;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Page @p of stream @id: a header naming it, then pseudo-random words. */
static void pattern(unsigned char *buf, unsigned int id, uint64_t p)
{
	uint64_t s = mix(seed ^ mix(((uint64_t)cycle << 40) ^ ((uint64_t)id << 32) ^ p));
	uint64_t *w = (uint64_t *)buf;
	size_t i;

	for (i = 0; i < pg / 8; i++) {
		s = mix(s);
		w[i] = s;
	}
	memcpy(buf, "MMFCRASH", 8);
	w[1] = seed;
	w[2] = ((uint64_t)cycle << 32) | id;
	w[3] = p;
}

static uint64_t fnv(const unsigned char *b, size_t n, uint64_t h)
{
	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

#define FNV0	0xcbf29ce484222325ULL

/* The digest of a file's pages: FNV over the FNV of every page. */
static uint64_t digest_add(uint64_t d, const unsigned char *page, size_t n)
{
	uint64_t c = fnv(page, n, FNV0);

	return fnv((const unsigned char *)&c, sizeof(c), d);
}

static uint64_t page_count(uint64_t size)
{
	return (size + pg - 1) / pg;
}

static size_t page_bytes(uint64_t size, uint64_t p)
{
	uint64_t left = size - p * pg;

	return left < pg ? left : pg;
}

/* The cycle's files on @fs, appended to @f; returns the new count. */
static int plan(struct cfile *f, int n, const char *fs, uint64_t minsz, uint64_t maxsz)
{
	static const enum way ways[] = {
		WAY_IOCTL, WAY_FRESH, WAY_LIB, WAY_WIN32, WAY_CTL_VIEW, WAY_CTL_MMAP,
	};
	unsigned int fsid = (unsigned int)(fnv((const unsigned char *)fs, strlen(fs), FNV0) & 0xff);
	size_t i;

	for (i = 0; i < sizeof(ways) / sizeof(ways[0]) && n < MAX_FILES; i++) {
		struct cfile *c = &f[n];

		/* A file made after the sync: only a journal makes its name durable. */
		if (ways[i] == WAY_FRESH && strcmp(fs, "ext4"))
			continue;
		memset(c, 0, sizeof(*c));
		c->way = ways[i];
		c->fs = fs;
		c->id = (fsid << 8) | (unsigned int)i;
		c->size = minsz + mix(seed ^ mix((uint64_t)cycle << 16 ^ c->id)) %
			  (maxsz - minsz + 1);
		c->fd = -1;
		snprintf(c->path, sizeof(c->path), "/mnt/%s/crash-c%u-%s", fs, cycle,
			 way_name[c->way]);
		snprintf(c->name, sizeof(c->name), "c%u-%s@%s", cycle, way_name[c->way], fs);
		n++;
	}
	return n;
}

static int is_control(const struct cfile *c)
{
	return c->way == WAY_CTL_VIEW || c->way == WAY_CTL_MMAP;
}

static int write_knob(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* Make @c's file at its size: sparse, or (controls) filled with OLD_FILL. */
static int make_file(struct cfile *c, unsigned char *buf)
{
	uint64_t p;
	int fd = open(c->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, c->size))
		goto fail;
	if (is_control(c)) {
		memset(buf, OLD_FILL, pg);
		for (p = 0; p < page_count(c->size); p++)
			if (pwrite(fd, buf, page_bytes(c->size, p), p * pg) !=
			    (ssize_t)page_bytes(c->size, p))
				goto fail;
	}
	close(fd);
	return 0;
fail:
	p = errno;
	close(fd);
	return -(int)p;
}

/* Write the pattern of @c into @v, pages in a shuffled order. */
static void fill_view(const struct cfile *c, unsigned char *v, unsigned char *buf)
{
	uint64_t n = page_count(c->size), i, j, t, *order = malloc(n * sizeof(*order));
	uint64_t s = mix(seed ^ c->id);

	for (i = 0; i < n; i++)
		if (order)
			order[i] = i;
	for (i = n; order && i > 1; i--) {
		s = mix(s);
		j = s % i;
		t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	for (i = 0; i < n; i++) {
		uint64_t p = order ? order[i] : i;

		pattern(buf, c->id, p);
		memcpy(v + p * pg, buf, page_bytes(c->size, p));
	}
	free(order);
}

static uint64_t view_digest(const struct cfile *c)
{
	const unsigned char *v = c->view;
	uint64_t d = FNV0, p;

	for (p = 0; p < page_count(c->size); p++)
		d = digest_add(d, v + p * pg, page_bytes(c->size, p));
	return d;
}

static int ioctl_flush(void *addr, uint64_t len, uint64_t *written)
{
	struct mmf_flush f = {
		.size = sizeof(f), .flags = MMF_FLUSH_DURABLE,
		.addr = (uintptr_t)addr, .length = len,
	};
	int h = open(MMF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	int err = 0;

	if (h < 0)
		return -errno;
	if (ioctl(h, MMF_IOC_FLUSH, &f))
		err = -errno;
	close(h);
	*written = f.pages_written;
	return err;
}

/* A view of all of @c's file through a new section on @c->fd, or NULL. */
static void *ioctl_view(struct cfile *c, int *err)
{
	struct mmf_create cr = {
		.size = sizeof(cr), .fd = c->fd, .prot = MMF_PROT_READWRITE,
	};
	int h = open(MMF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	void *v;

	if (h < 0 || ioctl(h, MMF_IOC_CREATE, &cr)) {
		*err = -errno;
		if (h >= 0)
			close(h);
		return NULL;
	}
	v = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, h, 0);
	*err = v == MAP_FAILED ? -errno : 0;
	close(h);	/* the view keeps the section */
	return v == MAP_FAILED ? NULL : v;
}

/* Write @c through its way and flush durably (controls: not at all). */
static void write_one(struct cfile *c, unsigned char *buf)
{
	uint64_t written = 0;
	int err = 0;
	const char *how = "";

	switch (c->way) {
	case WAY_FRESH:
		err = make_file(c, buf);
		if (err)
			break;
		/* fall through */
	case WAY_IOCTL:
	case WAY_CTL_VIEW:
	case WAY_CTL_MMAP:
		c->fd = open(c->path, O_RDWR | O_CLOEXEC);
		if (c->fd < 0) {
			err = -errno;
			break;
		}
		if (c->way == WAY_CTL_MMAP) {
			c->view = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
			if (c->view == MAP_FAILED) {
				c->view = NULL;
				err = -errno;
			}
		} else {
			c->view = ioctl_view(c, &err);
		}
		if (!c->view)
			break;
		fill_view(c, c->view, buf);
		if (is_control(c)) {
			how = "not flushed";
			break;
		}
		how = "MMF_IOC_FLUSH with MMF_FLUSH_DURABLE";
		err = ioctl_flush(c->view, 0, &written);
		break;
	case WAY_LIB:
		how = "mmf_flush(MMF_FLUSH_DURABLE)";
		c->fd = open(c->path, O_RDWR | O_CLOEXEC);
		if (c->fd < 0) {
			err = -errno;
			break;
		}
		err = mmf_create(c->fd, 0, MMF_PAGE_READWRITE, &c->sec);
		if (!err)
			err = mmf_map(c->sec, MMF_MAP_WRITE, 0, 0, NULL, &c->view);
		if (err)
			break;
		fill_view(c, c->view, buf);
		err = mmf_flush(c->view, 0, MMF_FLUSH_DURABLE, &written);
		break;
	case WAY_WIN32:
		how = "FlushViewOfFile + FlushFileBuffers";
		/* ext4: made here, after the sync, as a Windows program would. */
		c->wfile = CreateFileA(c->path, GENERIC_READ | GENERIC_WRITE, 0, NULL,
				       strcmp(c->fs, "ext4") ? OPEN_EXISTING : CREATE_ALWAYS,
				       FILE_ATTRIBUTE_NORMAL, NULL);
		if (c->wfile == INVALID_HANDLE_VALUE) {
			err = -1000 - (int)GetLastError();
			break;
		}
		c->wmap = CreateFileMappingA(c->wfile, NULL, PAGE_READWRITE,
					     (DWORD)(c->size >> 32), (DWORD)c->size, NULL);
		if (c->wmap)
			c->view = MapViewOfFile(c->wmap, FILE_MAP_WRITE, 0, 0, 0);
		if (!c->view) {
			err = -1000 - (int)GetLastError();
			break;
		}
		fill_view(c, c->view, buf);
		/* Win32 errors are GetLastError() codes, shown as -(1000 + code). */
		if (!FlushViewOfFile(c->view, 0) || !FlushFileBuffers(c->wfile))
			err = -1000 - (int)GetLastError();
		break;
	}
	if (is_control(c)) {
		result(!err, "%s: %" PRIu64 " bytes (%" PRIu64 " pages) written through %s, %s (%d)",
		       c->name, c->size, page_count(c->size),
		       c->way == WAY_CTL_MMAP ? "a plain mmap" : "an mmf view", how, err);
		return;
	}
	if (c->way == WAY_WIN32)
		result(!err, "%s: %" PRIu64 " bytes (%" PRIu64 " pages) written through a view, %s (%d)",
		       c->name, c->size, page_count(c->size), how, err);
	else
		result(!err, "%s: %" PRIu64 " bytes (%" PRIu64 " pages) written through a view, %s (%d, %" PRIu64 " pages written)",
		       c->name, c->size, page_count(c->size), how, err, written);
	if (!err) {
		printf("crash-digest %s %016" PRIx64 "\n", c->name, view_digest(c));
		fflush(stdout);
	}
}

/* A swap-backed section written, paged out if it may be, and flushed durably. */
static void write_swap(uint64_t size, unsigned char *buf)
{
	struct mmf_create cr = {
		.size = sizeof(cr), .flags = MMF_CREATE_SWAP, .fd = -1,
		.prot = MMF_PROT_READWRITE, .max_size = size,
	};
	struct cfile c = { .id = 0xfffe, .size = size };
	uint64_t written = 0;
	int err = 0, h = open(MMF_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (h < 0 || ioctl(h, MMF_IOC_CREATE, &cr)) {
		err = -errno;
	} else {
		c.view = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, h, 0);
		if (c.view == MAP_FAILED)
			err = -errno;
	}
	if (!err) {
		fill_view(&c, c.view, buf);
		/* Some of it to swap, if the kernel takes the advice. */
		madvise(c.view, size / 2, MADV_PAGEOUT);
		err = ioctl_flush(c.view, 0, &written);
	}
	/* The handle stays open: the section lives on into the crash. */
	result(!err, "swap-backed section: %" PRIu64 " bytes written through a view, MADV_PAGEOUT on half of it, durable flush (%d, %" PRIu64 " pages)",
	       size, err, written);
}

static int crash_now(void)
{
	int fd;

	printf("mmf-vm-crash\n");
	fflush(stdout);
	/* The host must see everything before the machine goes. */
	tcdrain(STDOUT_FILENO);
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	if (fd < 0 || write(fd, "b", 1) != 1)
		perror("crash-guest: sysrq-trigger");
	sleep(10);
	fprintf(stderr, "crash-guest: still running after sysrq b\n");
	return 1;
}

static int do_write(struct cfile *f, int n, unsigned char *buf, uint64_t swapsz)
{
	static const char *const knobs[][2] = {
		{ "/proc/sys/vm/dirty_writeback_centisecs", "0" },
		{ "/proc/sys/vm/dirty_expire_centisecs", "360000" },
		{ "/proc/sys/vm/dirty_background_ratio", "80" },
		{ "/proc/sys/vm/dirty_ratio", "90" },
	};
	int i, err = 0;

	/* Only the flushes may write what follows. */
	for (i = 0; i < (int)(sizeof(knobs) / sizeof(knobs[0])) && !err; i++)
		err = write_knob(knobs[i][0], knobs[i][1]);
	result(!err, "cycle %u: periodic and background write-back held off (%d)", cycle, err);

	for (i = 0; i < n; i++) {
		if (f[i].way == WAY_FRESH || (f[i].way == WAY_WIN32 && !strcmp(f[i].fs, "ext4")))
			continue;
		err = make_file(&f[i], buf);
		if (err)
			break;
	}
	/* The set-up is durable; the crash puts only what follows at stake. */
	sync();
	result(!err, "cycle %u: %d files made and synced (%d)", cycle, n, err);

	for (i = 0; i < n; i++)
		write_one(&f[i], buf);
	write_swap(swapsz, buf);
	if (failed)
		return 1;
	return crash_now();
}

static const char *classify(const unsigned char *got, const unsigned char *want, size_t n)
{
	size_t i;

	if (!memcmp(got, want, n))
		return "the pattern";
	for (i = 0; i < n && got[i] == OLD_FILL; i++)
		;
	if (i == n)
		return "the old fill";
	for (i = 0; i < n && !got[i]; i++)
		;
	if (i == n)
		return "zeros";
	if (n >= 32 && !memcmp(got, "MMFCRASH", 8))
		return "another page's pattern";
	return "other bytes";
}

static void verify_one(const struct cfile *c, unsigned char *buf, unsigned char *want,
		       uint64_t *pages_ok, uint64_t *bytes_ok)
{
	uint64_t np = page_count(c->size), p, good = 0, lost = 0, other = 0, d = FNV0;
	struct stat st;
	int fd = open(c->path, O_RDONLY | O_CLOEXEC), shown = 0;

	if (fd < 0 || fstat(fd, &st)) {
		result(0, "%s: the file is there after the crash (%s)", c->name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	if ((uint64_t)st.st_size != c->size) {
		result(0, "%s: size %" PRIu64 " after the crash, %" PRIu64 " expected",
		       c->name, (uint64_t)st.st_size, c->size);
		close(fd);
		return;
	}
	for (p = 0; p < np; p++) {
		size_t n = page_bytes(c->size, p);
		ssize_t r = pread(fd, buf, n, p * pg);

		if (r != (ssize_t)n) {
			other++;
			continue;
		}
		pattern(want, c->id, p);
		d = digest_add(d, buf, n);
		if (!memcmp(buf, want, n)) {
			good++;
		} else {
			const char *what = classify(buf, want, n);

			if (!strcmp(what, "the old fill"))
				lost++;
			else
				other++;
			if (!is_control(c) && shown++ < 4)
				printf("# %s: page %" PRIu64 " holds %s\n", c->name, p, what);
		}
	}
	close(fd);
	if (is_control(c)) {
		/* Every rewritten page must be gone, else the crash lost nothing. */
		result(lost == np, "%s: the crash lost the unflushed writes: %" PRIu64 " of %" PRIu64 " pages read as before (%" PRIu64 " kept the unflushed pattern, %" PRIu64 " hold other bytes)",
		       c->name, lost, np, good, other);
		return;
	}
	result(good == np, "%s: %" PRIu64 " of %" PRIu64 " pages (%" PRIu64 " bytes) hold the flushed bytes after the crash",
	       c->name, good, np, c->size);
	printf("crash-digest %s %016" PRIx64 "\n", c->name, d);
	if (good == np) {
		*pages_ok += np;
		*bytes_ok += c->size;
	}
}

static void check_swap_works(unsigned char *buf)
{
	struct mmf_create cr = {
		.size = sizeof(cr), .flags = MMF_CREATE_SWAP, .fd = -1,
		.prot = MMF_PROT_READWRITE, .max_size = 16 * pg,
	};
	struct cfile c = { .id = 0xfffd, .size = 16 * pg };
	int err = 0, h = open(MMF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	uint64_t written, p;

	if (h < 0 || ioctl(h, MMF_IOC_CREATE, &cr)) {
		err = -errno;
	} else {
		c.view = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, h, 0);
		if (c.view == MAP_FAILED)
			err = -errno;
	}
	if (!err) {
		fill_view(&c, c.view, buf);
		err = ioctl_flush(c.view, 0, &written);
		for (p = 0; !err && p < 16; p++) {
			pattern(buf, c.id, p);
			if (memcmp((unsigned char *)c.view + p * pg, buf, pg))
				err = -EIO;
		}
		munmap(c.view, c.size);
	}
	if (h >= 0)
		close(h);
	result(!err, "after the crash a new swap-backed section works (%d)", err);
}

static int do_verify(struct cfile *f, int n, unsigned char *buf)
{
	unsigned char *want = malloc(pg);
	uint64_t pages = 0, bytes = 0;
	int i;

	if (!want)
		return 1;
	for (i = 0; i < n; i++)
		verify_one(&f[i], buf, want, &pages, &bytes);
	printf("# cycle %u: %" PRIu64 " bytes in %" PRIu64 " pages verified\n", cycle, bytes, pages);
	check_swap_works(buf);
	for (i = 0; i < n; i++)
		unlink(f[i].path);
	sync();
	free(want);
	return failed;
}

int main(int argc, char **argv)
{
	struct cfile files[MAX_FILES];
	uint64_t minsz, maxsz;
	unsigned char *buf;
	int i, n = 0;

	if (argc < 7 || (strcmp(argv[1], "write") && strcmp(argv[1], "verify"))) {
		fprintf(stderr, "usage: crash-guest write|verify SEED CYCLE MINSIZE MAXSIZE FS...\n");
		return 2;
	}
	seed = strtoull(argv[2], NULL, 0);
	cycle = (unsigned int)strtoul(argv[3], NULL, 0);
	minsz = strtoull(argv[4], NULL, 0);
	maxsz = strtoull(argv[5], NULL, 0);
	pg = (size_t)sysconf(_SC_PAGESIZE);
	if (!minsz || maxsz < minsz)
		return 2;
	buf = malloc(pg);
	if (!buf)
		return 1;
	for (i = 6; i < argc; i++)
		n = plan(files, n, argv[i], minsz, maxsz);
	if (!strcmp(argv[1], "write"))
		return do_write(files, n, buf, minsz);
	return do_verify(files, n, buf);
}
