// SPDX-License-Identifier: GPL-2.0
/*
 * Failing disks (issue 9, "Faults: full disks and I/O errors").  Each test
 * makes an ext4 file system of its own on a device-mapper device over a
 * fresh zram disk, lays its files out, then swaps the device's table so that
 * the blocks of those files (found with FIEMAP) sit on an `error` stretch or
 * on a `flakey` one that fails writes, the rest of the disk staying linear
 * (the journal and the metadata keep working, as on a disk with bad
 * sectors).  Plain mmap(2) with msync(2)/fsync(2) on a second file of the
 * same stretch is the kernel's own reference, measured in the same test.
 *
 *  - A read error under a view is SIGBUS at the faulting address, exactly
 *    where plain mmap gets it; the view reads again once the disk heals.
 *  - A write error is reported by the next flush of every handle of the
 *    section, once; the pages that failed stay dirty (dirty_pages, the write
 *    watch), and the first flush after the disk heals writes them: the
 *    disk's own blocks, read with O_DIRECT from the device, and the file
 *    read after dropping the caches hold every byte.  (Plain mmap hears of
 *    the error once per fd too, but its pages are clean after the failure
 *    and their bytes never reach the disk.)
 *  - A page moving from the flush set to the pending pages while a waiting
 *    flush settles a failure (it waits there for a folio being read from a
 *    `delay` stretch) is not forgotten: the next flush writes it.
 *  - Settling a failure leaves pages read back from the disk clean (ext4
 *    warns when a folio without buffers is made dirty).
 *  - ENOSPC on ext4: ext4 reserves blocks when a page is first written, so
 *    a write fault into a sparse file on a full ext4 is SIGBUS at the
 *    faulting address, through a view as through plain mmap, and flushes
 *    report no error; what was written before is flushed and kept, and
 *    after space is freed the rest is written and flushed.  (minix, which
 *    allocates at write-back, makes the flush report ENOSPC: enospc_test.)
 *  - write_and_flush_under_a_flaky_disk: a writer loop under a flakey
 *    stretch that fails writes every other second; each flush that reports
 *    success with nothing left dirty is checked against the disk's blocks,
 *    and at the end every byte is.  Short form 2.5 s (up, down, up again), MMF_STRESS=1 60 s.
 *
 * Needs device-mapper (its ioctls are called directly: each run of
 * dmsetup costs a quarter of a second under TCG) and e2fsprogs' mke2fs
 * (/mmf/bin), which tools/run-tests.sh puts into the guest.  Periodic
 * write-back is off while a test runs, so that only the test's flushes
 * write.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dm-ioctl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#define DK_MIB		32
#define MKE2FS		"/mmf/bin/mke2fs"
#define DM_CONTROL	"/dev/mapper/control"
#define WB_KNOB		"/proc/sys/vm/dirty_writeback_centisecs"
#define NPAGES		16
#define MAX_EXT		64

/* A stretch of the disk, in 512-byte sectors. */
struct dk_range {
	uint64_t start, len;
};

/* What the failing stretches of a table are. */
enum dk_kind {
	DK_ERROR,		/* every I/O fails */
	DK_FLAKEY_WRITES,	/* writes fail, reads work (always down) */
	DK_FLAKEY_CYCLE,	/* writes fail one second of every two */
};

static const char *dk_kind_name[] = { "error", "flakey error_writes", "flakey 1 s up, 1 s down" };

FIXTURE(dk) {
	int zram;		/* zram device number, -1 when none */
	char name[32];		/* device-mapper name */
	char zdev[32];		/* /dev/zramN */
	char dev[32];		/* /dev/dm-N */
	char mnt[64];
	uint64_t sectors;
	char wb_old[32];
	int mounted, created;
	size_t pg;
	unsigned long long log_mark;
	char errname[40];	/* a second device, all `error`, when made */
};

/* Run a shell command quietly; its output only when it fails.  0 or its status. */
static int sh(const char *fmt, ...)
{
	char cmd[1024], full[1200];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "(%s) > /tmp/.dk-out 2>&1 || { cat /tmp/.dk-out; exit 1; }",
		 cmd);
	st = system(full);
	if (st)
		fprintf(stderr, "# command failed (%d): %s\n", st, cmd);
	return st;
}

/* The /dev/dm-N of device-mapper device @name. */
static int dm_node(const char *name, char *dev, size_t len)
{
	char path[128], buf[64];
	int i;

	for (i = 0; i < 64; i++) {
		snprintf(path, sizeof(path), "/sys/block/dm-%d/dm/name", i);
		if (mmft_read_knob(path, buf, sizeof(buf)))
			continue;
		if (!strcmp(buf, name)) {
			snprintf(dev, len, "/dev/dm-%d", i);
			return 0;
		}
	}
	return -ENOENT;
}

/* One device-mapper ioctl on device @name with @payload after the header. */
static int dm_ioctl_call(unsigned long req, const char *name, uint32_t flags,
			 const void *payload, size_t plen, uint32_t ntargets)
{
	size_t size = sizeof(struct dm_ioctl) + plen;
	struct dm_ioctl *io = calloc(1, size);
	int fd, ret;

	if (!io)
		return -ENOMEM;
	io->version[0] = DM_VERSION_MAJOR;
	io->data_size = size;
	io->data_start = sizeof(*io);
	io->target_count = ntargets;
	io->flags = flags;
	snprintf(io->name, sizeof(io->name), "%s", name);
	if (plen)
		memcpy(io + 1, payload, plen);
	fd = open(DM_CONTROL, O_RDWR | O_CLOEXEC);
	ret = fd < 0 ? -errno : ioctl(fd, req, io) ? -errno : 0;
	if (fd >= 0)
		close(fd);
	free(io);
	return ret;
}

/* Append one target to a table being built in @buf; its new length. */
static size_t dm_target(char *buf, size_t len, uint64_t start, uint64_t n, const char *type,
			const char *params)
{
	struct dm_target_spec *t = (struct dm_target_spec *)(buf + len);
	size_t plen = strlen(params) + 1, sz = (sizeof(*t) + plen + 7) & ~(size_t)7;

	memset(t, 0, sz);
	t->sector_start = start;
	t->length = n;
	t->next = sz;
	snprintf(t->target_type, sizeof(t->target_type), "%s", type);
	memcpy(t + 1, params, plen);
	return len + sz;
}

/*
 * Load a table of the whole disk (@bad, sorted and disjoint, of @kind; the
 * rest linear onto the zram disk, sector for sector) and make it live.
 * The resume suspends the device first, without freezing the file system
 * (DM_SKIP_LOCKFS_FLAG): a freeze would write its dirty pages behind the
 * test's back.
 */
static int dk_swap(FIXTURE_DATA(dk) *self, const struct dk_range *bad, int nbad,
		   enum dk_kind kind)
{
	char *buf = calloc(2 * nbad + 1, 256), params[128];
	uint64_t pos = 0;
	size_t len = 0;
	int i, n = 0, ret;

	if (!buf)
		return -ENOMEM;
	for (i = 0; i <= nbad; i++) {
		uint64_t end = i < nbad ? bad[i].start : self->sectors;

		if (end > pos) {
			snprintf(params, sizeof(params), "%s %llu", self->zdev,
				 (unsigned long long)pos);
			len = dm_target(buf, len, pos, end - pos, "linear", params);
			n++;
		}
		if (i == nbad)
			break;
		if (kind == DK_ERROR)
			params[0] = '\0';
		else
			snprintf(params, sizeof(params), "%s %llu %d %d 1 error_writes", self->zdev,
				 (unsigned long long)bad[i].start, kind == DK_FLAKEY_CYCLE ? 1 : 0,
				 kind == DK_FLAKEY_CYCLE ? 1 : 86400);
		len = dm_target(buf, len, bad[i].start, bad[i].len,
				kind == DK_ERROR ? "error" : "flakey", params);
		n++;
		pos = bad[i].start + bad[i].len;
	}
	ret = dm_ioctl_call(DM_TABLE_LOAD, self->name, 0, buf, len, n);
	if (!ret)
		ret = dm_ioctl_call(DM_DEV_SUSPEND, self->name, DM_SKIP_LOCKFS_FLAG, NULL, 0, 0);
	free(buf);
	return ret;
}

/* Load the drivers of one list of the test VM unless @mod is loaded. */
static int load_drivers(const char *list, const char *mod)
{
	char path[64], cmd[64];

	snprintf(path, sizeof(path), "/sys/module/%s", mod);
	if (!access(path, F_OK))
		return 0;
	snprintf(cmd, sizeof(cmd), "mmf-load-drivers %s", list);
	return sh("%s", cmd);
}

FIXTURE_SETUP(dk)
{
	char path[64], buf[32];
	struct statfs sf;

	self->log_mark = kmsg_mark();
	self->pg = MMFT_PAGE;
	self->zram = -1;
	snprintf(self->name, sizeof(self->name), "mmft-dk-%d", getpid());
	snprintf(self->mnt, sizeof(self->mnt), "/tmp/mmft-dk-%d", getpid());
	ASSERT_EQ(0, access(MKE2FS, X_OK)) TH_LOG(MKE2FS " is missing");
	ASSERT_EQ(0, load_drivers("dm", "dm_flakey"));
	ASSERT_EQ(0, load_drivers("swap", "zram"));
	ASSERT_EQ(0, mmft_read_knob("/sys/class/zram-control/hot_add", buf, sizeof(buf)));
	self->zram = atoi(buf);
	snprintf(self->zdev, sizeof(self->zdev), "/dev/zram%d", self->zram);
	snprintf(path, sizeof(path), "/sys/block/zram%d/disksize", self->zram);
	snprintf(buf, sizeof(buf), "%dM", DK_MIB);
	ASSERT_EQ(0, mmft_write_knob(path, buf));
	self->sectors = (uint64_t)DK_MIB << 11;
	ASSERT_EQ(0, dm_ioctl_call(DM_DEV_CREATE, self->name, 0, NULL, 0, 0));
	self->created = 1;
	ASSERT_EQ(0, dk_swap(self, NULL, 0, DK_ERROR));
	ASSERT_EQ(0, dm_node(self->name, self->dev, sizeof(self->dev)));
	/* No lazy initialisation: no kernel thread writes behind the test. */
	ASSERT_EQ(0, sh(MKE2FS " -q -F -t ext4 -b 4096 -m 0 -E lazy_itable_init=0,lazy_journal_init=0 %s",
			self->dev));
	ASSERT_EQ(0, mkdir(self->mnt, 0700));
	ASSERT_EQ(0, mount(self->dev, self->mnt, "ext4", 0, "errors=continue"))
		TH_LOG("mount: %s", strerror(errno));
	self->mounted = 1;
	ASSERT_EQ(0, statfs(self->mnt, &sf));
	ASSERT_EQ(EXT4_SUPER_MAGIC, sf.f_type);
	ASSERT_EQ(0, mmft_read_knob(WB_KNOB, self->wb_old, sizeof(self->wb_old)));
	ASSERT_EQ(0, mmft_write_knob(WB_KNOB, "0"));
}

FIXTURE_TEARDOWN(dk)
{
	char path[64], buf[16];

	if (self->wb_old[0])
		EXPECT_EQ(0, mmft_write_knob(WB_KNOB, self->wb_old));
	if (self->created)
		EXPECT_EQ(0, dk_swap(self, NULL, 0, DK_ERROR));
	if (self->mounted)
		EXPECT_EQ(0, umount(self->mnt)) TH_LOG("umount: %s", strerror(errno));
	rmdir(self->mnt);
	if (self->created)
		EXPECT_EQ(0, dm_ioctl_call(DM_DEV_REMOVE, self->name, 0, NULL, 0, 0));
	if (self->errname[0])
		EXPECT_EQ(0, dm_ioctl_call(DM_DEV_REMOVE, self->errname, 0, NULL, 0, 0));
	if (self->zram >= 0) {
		snprintf(path, sizeof(path), "/sys/block/zram%d/reset", self->zram);
		mmft_write_knob(path, "1");
		snprintf(buf, sizeof(buf), "%d", self->zram);
		EXPECT_EQ(0, mmft_write_knob("/sys/class/zram-control/hot_remove", buf));
	}
	/* The module never logs; ext4 and the block layer do (I/O errors). */
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "mmf"));
}

/* The byte @j of page @i of generation @g of a test pattern. */
static unsigned char pat(unsigned int i, unsigned int g, size_t j)
{
	return (unsigned char)(g * 131 + i * 17 + (j >> 6) + 1);
}

static void fill_page(unsigned char *p, size_t pg, unsigned int i, unsigned int g)
{
	size_t j;

	for (j = 0; j < pg; j += 64)
		memset(p + j, pat(i, g, j), 64);
}

static int page_is(const unsigned char *p, size_t pg, unsigned int i, unsigned int g)
{
	unsigned char want[64];
	size_t j;

	for (j = 0; j < pg; j += 64) {
		memset(want, pat(i, g, j), 64);
		if (memcmp(p + j, want, 64))
			return 0;
	}
	return 1;
}

/* A file of @n pages of generation @g, on the disk; its fd or -errno. */
static int make_file(FIXTURE_DATA(dk) *self, const char *name, unsigned int n, unsigned int g,
		     char *path, size_t plen)
{
	unsigned char *buf = malloc(self->pg);
	unsigned int i;
	int fd;

	if (!buf)
		return -ENOMEM;
	snprintf(path, plen, "%s/%s", self->mnt, name);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	for (i = 0; fd >= 0 && i < n; i++) {
		fill_page(buf, self->pg, i, g);
		if (write(fd, buf, self->pg) != (ssize_t)self->pg) {
			close(fd);
			fd = -1;
		}
	}
	free(buf);
	if (fd < 0)
		return -EIO;
	if (fsync(fd)) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* The physical extents of file @fd: logical and physical bytes. */
struct dk_ext {
	uint64_t logical, physical, length;
};

static int file_extents(int fd, struct dk_ext *ext, int max)
{
	size_t sz = sizeof(struct fiemap) + MAX_EXT * sizeof(struct fiemap_extent);
	struct fiemap *fm = calloc(1, sz);
	unsigned int i;
	int n;

	if (!fm)
		return -ENOMEM;
	fm->fm_length = FIEMAP_MAX_OFFSET;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = MAX_EXT;
	if (ioctl(fd, FS_IOC_FIEMAP, fm)) {
		n = -errno;
		free(fm);
		return n;
	}
	for (i = 0, n = 0; i < fm->fm_mapped_extents && n < max; i++, n++) {
		ext[n].logical = fm->fm_extents[i].fe_logical;
		ext[n].physical = fm->fm_extents[i].fe_physical;
		ext[n].length = fm->fm_extents[i].fe_length;
	}
	free(fm);
	return n;
}

/* The disk byte of file byte @off, or -1 when it has no block. */
static int64_t phys_of(const struct dk_ext *ext, int n, uint64_t off)
{
	int i;

	for (i = 0; i < n; i++)
		if (off >= ext[i].logical && off < ext[i].logical + ext[i].length)
			return ext[i].physical + (off - ext[i].logical);
	return -1;
}

/* Add the disk stretches of file pages [first, last] to @r (sorted, merged). */
static int add_ranges(struct dk_range *r, int nr, int max, const struct dk_ext *ext, int next,
		      size_t pg, unsigned int first, unsigned int last)
{
	unsigned int i;
	int j, k;

	for (i = first; i <= last; i++) {
		int64_t p = phys_of(ext, next, (uint64_t)i * pg);
		struct dk_range add = { (uint64_t)p >> 9, pg >> 9 };

		if (p < 0)
			return -ENOENT;
		for (j = 0; j < nr && r[j].start < add.start; j++)
			;
		if (nr == max)
			return -E2BIG;
		for (k = nr; k > j; k--)
			r[k] = r[k - 1];
		r[j] = add;
		nr++;
	}
	/* Merge neighbours. */
	for (j = 0, k = 1; k < nr; k++) {
		if (r[k].start == r[j].start + r[j].len)
			r[j].len += r[k].len;
		else
			r[++j] = r[k];
	}
	return nr ? j + 1 : 0;
}

/*
 * Whether the disk blocks of file page @i hold generation @g: read from
 * the device with O_DIRECT, past every page cache.
 */
static int disk_page_is(FIXTURE_DATA(dk) *self, const struct dk_ext *ext, int next,
			unsigned int i, unsigned int g)
{
	int64_t p = phys_of(ext, next, (uint64_t)i * self->pg);
	void *buf;
	int fd, ok = 0;

	if (p < 0 || posix_memalign(&buf, 4096, self->pg))
		return 0;
	fd = open(self->dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd >= 0 && pread(fd, buf, self->pg, p) == (ssize_t)self->pg)
		ok = page_is(buf, self->pg, i, g);
	if (fd >= 0)
		close(fd);
	free(buf);
	return ok;
}

/* Pages of file @fd that hold generation @g (read(2)). */
static unsigned int file_pages_are(int fd, size_t pg, unsigned int n, unsigned int g)
{
	unsigned char *buf = malloc(pg);
	unsigned int i, count = 0;

	for (i = 0; buf && i < n; i++)
		if (pread(fd, buf, pg, (off_t)i * pg) == (ssize_t)pg && page_is(buf, pg, i, g))
			count++;
	free(buf);
	return count;
}

/* Memory access that may fault, in this process: the signal and its siginfo. */
static sigjmp_buf probe_env;
static void *volatile probe_addr;
static volatile int probe_code;

static void probe_handler(int sig, siginfo_t *si, void *uc)
{
	probe_addr = si->si_addr;
	probe_code = si->si_code;
	siglongjmp(probe_env, sig);
}

/*
 * Read (@write 0) the byte at @p into *@val, or write *@val there: 0, or
 * the signal that stopped it, with its si_addr and si_code.
 */
static int probe(volatile unsigned char *p, int write, unsigned char *val, void **addr,
		 int *code)
{
	struct sigaction sa = { .sa_sigaction = probe_handler, .sa_flags = SA_SIGINFO }, obus, osegv;
	int sig;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &obus);
	sigaction(SIGSEGV, &sa, &osegv);
	probe_addr = NULL;
	probe_code = 0;
	sig = sigsetjmp(probe_env, 1);
	if (!sig) {
		if (write)
			*p = *val;
		else
			*val = *p;
	}
	sigaction(SIGBUS, &obus, NULL);
	sigaction(SIGSEGV, &osegv, NULL);
	*addr = probe_addr;
	*code = probe_code;
	return sig;
}

static int flush(int h, const void *v, size_t len, uint64_t *written)
{
	return mmft_flush(h, v, len, 0, written);
}

/* Pages the write watch of the view at @v shows, without a reset; -errno. */
static long watch_count(int h, void *v, size_t pg, unsigned int n)
{
	uint64_t bits[4] = { 0 };
	struct mmf_write_watch w = {
		.size = sizeof(w), .addr = (uintptr_t)v, .length = n * pg,
		.bitmap = (uintptr_t)bits, .bitmap_bits = 256,
	};

	if (ioctl(h, MMF_IOC_WRITE_WATCH, &w))
		return -errno;
	return (long)w.dirty_pages;
}

static long dirty_now(int h)
{
	struct mmf_stat st;

	return mmft_stat(h, &st) ? -1 : (long)st.dirty_pages;
}

/*
 * A read error under a view: file pages [4, 8) on an `error` stretch, read
 * cold.  Every page is probed through a view, then (caches dropped again)
 * through plain mmap: the outcome must be the same page by page, every
 * page on the stretch must raise SIGBUS (BUS_ADRERR) with si_addr the very
 * byte read, and no page may read wrong bytes.  With the table healed the
 * same view reads every page.
 */
TEST_F(dk, a_read_error_under_a_view_is_sigbus_at_the_faulting_address)
{
	size_t pg = self->pg, size = NPAGES * pg, off = 123;
	int sig_v[NPAGES], sig_p[NPAGES], nbus = 0, nref = 0;
	struct dk_ext ext[MAX_EXT];
	struct dk_range bad[MAX_EXT];
	unsigned char *v, *p, *buf;
	char path[96];
	int fd, h, next, nbad, code, i;
	void *addr;

	fd = make_file(self, "rd", NPAGES, 1, path, sizeof(path));
	ASSERT_LE(0, fd);
	next = file_extents(fd, ext, MAX_EXT);
	ASSERT_LT(0, next);
	nbad = add_ranges(bad, 0, MAX_EXT, ext, next, pg, 4, 7);
	ASSERT_LT(0, nbad);
	ASSERT_EQ(0, dk_swap(self, bad, nbad, DK_ERROR));
	ASSERT_EQ(0, mmft_drop_caches());
	ASSERT_EQ(0, mmft_resident(fd, 0, size));

	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	for (i = 0; i < NPAGES; i++) {
		unsigned char b = 0;

		sig_v[i] = probe(v + i * pg + off, 0, &b, &addr, &code);
		if (!sig_v[i]) {
			EXPECT_EQ(pat(i, 1, off), b) TH_LOG("view page %d read wrong bytes", i);
			continue;
		}
		EXPECT_EQ(SIGBUS, sig_v[i]);
		EXPECT_EQ(BUS_ADRERR, code);
		EXPECT_EQ((void *)(v + i * pg + off), addr) TH_LOG("view page %d: si_addr %p", i, addr);
		nbus++;
	}
	for (i = 4; i < 8; i++)
		EXPECT_EQ(SIGBUS, sig_v[i]) TH_LOG("page %d on the error stretch read", i);

	/* The reference: plain mmap of the same file, cold again. */
	ASSERT_EQ(0, mmft_drop_caches());
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < NPAGES; i++) {
		unsigned char b = 0;

		sig_p[i] = probe(p + i * pg + off, 0, &b, &addr, &code);
		if (sig_p[i]) {
			EXPECT_EQ((void *)(p + i * pg + off), addr);
			nref++;
		}
		EXPECT_EQ(sig_p[i], sig_v[i]) TH_LOG("page %d: view %d, plain mmap %d", i,
						     sig_v[i], sig_p[i]);
	}
	buf = malloc(pg);
	ASSERT_NE(NULL, buf);
	EXPECT_EQ(-1, pread(fd, buf, pg, 5 * pg));
	EXPECT_EQ(EIO, errno);

	/* Healed: the same view reads every page, no error stays behind. */
	ASSERT_EQ(0, dk_swap(self, NULL, 0, DK_ERROR));
	for (i = 0; i < NPAGES; i++) {
		unsigned char b = 0;

		EXPECT_EQ(0, probe(v + i * pg + off, 0, &b, &addr, &code)) TH_LOG("page %d", i);
		EXPECT_EQ(pat(i, 1, off), b);
	}
	for (i = 0; i < NPAGES; i++)
		EXPECT_TRUE(page_is(v + i * pg, pg, i, 1)) TH_LOG("page %d after healing", i);
	ksft_print_msg("read error: view %d SIGBUS, plain mmap %d, of %d pages (4 on the stretch)\n",
		       nbus, nref, NPAGES);
	free(buf);
	munmap(p, size);
	munmap(v, size);
	close(h);
	close(fd);
}

/*
 * A write error: the pages of a laid-out file, cached, are written through
 * a view of a named section with the file's blocks failing.  Handles A
 * (creator), B (opened by name before the error) and C (a fresh open of
 * the device) each hear of the error from their first flush and never
 * again; the failed pages stay dirty; once the table is linear again, the
 * first flush writes them all and the disk holds them.
 */
static void write_error(struct __test_metadata *_metadata, FIXTURE_DATA(dk) *self,
			enum dk_kind kind)
{
	size_t pg = self->pg, size = NPAGES * pg;
	struct dk_ext ext[MAX_EXT], rext[MAX_EXT];
	struct dk_range bad[MAX_EXT];
	char path[96], rpath[96], name[48];
	unsigned char *v, *p;
	int fd, rfd, rfd2, a, b, c, next, nrext, nbad, ret, i;
	int err_a = 0, err_b = 0, err_c = 0, ref1 = 0, ref2 = 0;
	unsigned int on_disk = 0, ref_on_disk;
	uint64_t written = 0;
	struct mmf_stat st;

	fd = make_file(self, "wr", NPAGES, 1, path, sizeof(path));
	ASSERT_LE(0, fd);
	rfd = make_file(self, "ref", NPAGES, 1, rpath, sizeof(rpath));
	ASSERT_LE(0, rfd);
	rfd2 = open(rpath, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, rfd2);
	next = file_extents(fd, ext, MAX_EXT);
	nrext = file_extents(rfd, rext, MAX_EXT);
	ASSERT_LT(0, next);
	ASSERT_LT(0, nrext);
	nbad = add_ranges(bad, 0, MAX_EXT, ext, next, pg, 0, NPAGES - 1);
	ASSERT_LT(0, nbad);
	nbad = add_ranges(bad, nbad, MAX_EXT, rext, nrext, pg, 0, NPAGES - 1);
	ASSERT_LT(0, nbad);

	snprintf(name, sizeof(name), "mmft-dk-%d", getpid());
	a = mmft_create(fd, MMF_PROT_READWRITE, 0, name, 0600, 0, NULL);
	ASSERT_LE(0, a) TH_LOG("CREATE: %s", strerror(-a));
	b = mmft_open_named(name, MMF_ACCESS_READ | MMF_ACCESS_WRITE, NULL);
	ASSERT_LE(0, b) TH_LOG("OPEN: %s", strerror(-b));
	v = mmft_map(a, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	/* Cached before the blocks fail: the writes below read nothing. */
	for (i = 0; i < NPAGES; i++) {
		ASSERT_TRUE(page_is(v + i * pg, pg, i, 1));
		ASSERT_TRUE(page_is(p + i * pg, pg, i, 1));
	}

	ASSERT_EQ(0, dk_swap(self, bad, nbad, kind));
	for (i = 0; i < NPAGES; i++) {
		fill_page(v + i * pg, pg, i, 2);
		fill_page(p + i * pg, pg, i, 2);
	}
	EXPECT_EQ(NPAGES, dirty_now(a));

	/* Each handle hears of it once, with the disk still failing. */
	ret = flush(a, v, size, &written);
	EXPECT_EQ(-EIO, ret) TH_LOG("A's first flush: %s", strerror(-ret));
	err_a += ret == -EIO;
	EXPECT_EQ(0, written);
	EXPECT_EQ(NPAGES, dirty_now(a)) TH_LOG("failed pages dropped from the flush set");
	EXPECT_EQ(NPAGES, watch_count(a, v, pg, NPAGES)) TH_LOG("failed pages left the watch");
	ret = flush(a, v, size, &written);
	EXPECT_EQ(0, ret) TH_LOG("reported twice to A: %s", strerror(-ret));
	err_a += ret == -EIO;
	EXPECT_EQ(0, written) TH_LOG("pages counted written on a failing disk");
	ret = flush(b, v, size, NULL);
	EXPECT_EQ(-EIO, ret) TH_LOG("B never heard: %s", strerror(-ret));
	err_b += ret == -EIO;
	ret = flush(b, v, size, NULL);
	EXPECT_EQ(0, ret) TH_LOG("reported twice to B");
	err_b += ret == -EIO;
	c = mmft_handle();
	ASSERT_LE(0, c);
	ret = flush(c, v, size, NULL);
	EXPECT_EQ(-EIO, ret) TH_LOG("C never heard: %s", strerror(-ret));
	err_c += ret == -EIO;
	ret = flush(c, v, size, NULL);
	EXPECT_EQ(0, ret) TH_LOG("reported twice to C");
	err_c += ret == -EIO;
	EXPECT_EQ(NPAGES, dirty_now(a));
	ASSERT_EQ(0, mmft_stat(a, &st));
	EXPECT_EQ(3, st.writeback_errors);
	EXPECT_EQ(0, st.pages_flushed);

	/* The reference: msync on one fd, fsync on another. */
	ref1 += msync(p, size, MS_SYNC) ? errno == EIO : 0;
	ref2 += fsync(rfd2) ? errno == EIO : 0;
	ref1 += msync(p, size, MS_SYNC) ? errno == EIO : 0;
	ref2 += fsync(rfd2) ? errno == EIO : 0;
	EXPECT_EQ(1, ref1);
	EXPECT_EQ(1, ref2);

	/* Healed: the first flush writes every failed page, and says so. */
	ASSERT_EQ(0, dk_swap(self, NULL, 0, kind));
	ret = flush(a, v, size, &written);
	EXPECT_EQ(0, ret) TH_LOG("A after healing: %s", strerror(-ret));
	EXPECT_EQ(NPAGES, written);
	EXPECT_EQ(0, dirty_now(a));
	EXPECT_EQ(0, flush(b, v, size, NULL)) TH_LOG("B told again after healing");
	EXPECT_EQ(0, flush(c, v, size, NULL)) TH_LOG("C told again after healing");
	EXPECT_EQ(0, msync(p, size, MS_SYNC));
	for (i = 0; i < NPAGES; i++)
		on_disk += disk_page_is(self, ext, next, i, 2);
	EXPECT_EQ(NPAGES, on_disk) TH_LOG("disk blocks written: %u of %d", on_disk, NPAGES);

	munmap(v, size);
	munmap(p, size);
	close(a);
	close(b);
	close(c);
	ASSERT_EQ(0, mmft_drop_caches());
	EXPECT_EQ(0, mmft_resident(fd, 0, size)) TH_LOG("still dirty after the flush");
	EXPECT_EQ(NPAGES, file_pages_are(fd, pg, NPAGES, 2));
	ref_on_disk = file_pages_are(rfd, pg, NPAGES, 2);
	ksft_print_msg("write error (%s): errors seen A %d, B %d, C %d; view pages on disk %u of %d (%zu bytes); reference msync %d, fsync %d, pages on disk %u of %d\n",
		       dk_kind_name[kind], err_a, err_b, err_c, on_disk, NPAGES,
		       (size_t)on_disk * pg, ref1, ref2, ref_on_disk, NPAGES);
	close(rfd2);
	close(rfd);
	close(fd);
}

TEST_F(dk, a_write_error_on_an_error_stretch_is_reported_once_per_handle_and_retried)
{
	write_error(_metadata, self, DK_ERROR);
}

TEST_F(dk, a_write_error_on_a_flakey_stretch_is_reported_once_per_handle_and_retried)
{
	write_error(_metadata, self, DK_FLAKEY_WRITES);
}

/*
 * A recorded page whose write-back by someone else failed (here
 * sync_file_range(2), as the kernel's flusher would) lost its dirty state
 * in the page cache without any flush seeing it.  A flush of another range
 * in between, once the disk healed, must not make the module forget it:
 * the flush of its range writes it.
 */
TEST_F(dk, a_page_whose_write_back_by_others_failed_is_written_by_a_later_flush)
{
	size_t pg = self->pg, size = NPAGES * pg;
	struct dk_ext ext[MAX_EXT];
	struct dk_range bad[MAX_EXT];
	unsigned int on_disk = 0;
	uint64_t written = 0;
	unsigned char *v;
	char path[96];
	int fd, a, next, nbad, ret, i;

	fd = make_file(self, "sfr", NPAGES, 1, path, sizeof(path));
	ASSERT_LE(0, fd);
	next = file_extents(fd, ext, MAX_EXT);
	ASSERT_LT(0, next);
	nbad = add_ranges(bad, 0, MAX_EXT, ext, next, pg, 0, NPAGES - 1);
	ASSERT_LT(0, nbad);
	a = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, a);
	v = mmft_map(a, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	for (i = 0; i < NPAGES; i++)
		ASSERT_TRUE(page_is(v + i * pg, pg, i, 1));

	ASSERT_EQ(0, dk_swap(self, bad, nbad, DK_ERROR));
	fill_page(v, pg, 0, 2);
	fill_page(v + 4 * pg, pg, 4, 2);
	ret = sync_file_range(fd, 0, pg, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
			      SYNC_FILE_RANGE_WAIT_AFTER);
	EXPECT_TRUE(ret == 0 || errno == EIO) TH_LOG("sync_file_range: %s", strerror(errno));
	ASSERT_EQ(0, dk_swap(self, NULL, 0, DK_ERROR));

	/* Page 4 alone: the error of the write-back above is told here. */
	ret = flush(a, v + 4 * pg, pg, &written);
	EXPECT_EQ(-EIO, ret) TH_LOG("the failed write-back was never told: %s", strerror(-ret));
	EXPECT_TRUE(disk_page_is(self, ext, next, 4, 2));
	EXPECT_EQ(1, dirty_now(a)) TH_LOG("page 0 is not on the disk");
	ret = flush(a, v, size, &written);
	EXPECT_EQ(0, ret) TH_LOG("FLUSH of the view: %s", strerror(-ret));
	for (i = 0; i < NPAGES; i++)
		on_disk += disk_page_is(self, ext, next, i, i == 0 || i == 4 ? 2 : 1);
	EXPECT_EQ(NPAGES, on_disk) TH_LOG("page 0 was lost");
	EXPECT_TRUE(disk_page_is(self, ext, next, 0, 2));
	munmap(v, size);
	close(a);
	ASSERT_EQ(0, mmft_drop_caches());
	EXPECT_EQ(0, mmft_resident(fd, 0, size));
	EXPECT_EQ(2, file_pages_are(fd, pg, NPAGES, 2));
	close(fd);
}

/*
 * Load a table of the whole disk with two stretches, @slow (reads delayed
 * by @ms, then failed: they go to a second device, all `error`; writes go
 * to the disk) and @bad (an `error` stretch), the rest linear.
 */
/*
 * Whether device-mapper has target type @type now (DM_LIST_VERSIONS): the
 * stock kernels' dm-delay is loaded by the fixture, the debug kernel has
 * only the targets built into it.
 */
static bool dm_has_target(const char *type)
{
	const size_t size = 16384;
	struct dm_ioctl *io = calloc(1, size);
	struct dm_target_versions *v;
	bool found = false;
	int fd;

	if (!io)
		return false;
	io->version[0] = DM_VERSION_MAJOR;
	io->data_size = size;
	io->data_start = sizeof(*io);
	fd = open(DM_CONTROL, O_RDWR | O_CLOEXEC);
	if (fd >= 0 && !ioctl(fd, DM_LIST_VERSIONS, io) && !(io->flags & DM_BUFFER_FULL_FLAG)) {
		v = (void *)((char *)io + io->data_start);
		for (;;) {
			if (!strcmp(v->name, type)) {
				found = true;
				break;
			}
			if (!v->next)
				break;
			v = (void *)((char *)v + v->next);
		}
	}
	if (fd >= 0)
		close(fd);
	free(io);
	return found;
}

static int dk_swap_slow_bad(FIXTURE_DATA(dk) *self, struct dk_range slow, unsigned int ms,
			    struct dk_range bad)
{
	struct dk_range r[2] = { slow, bad };
	char buf[4 * 256], params[160], errdev[32];
	uint64_t pos = 0;
	size_t len = 0;
	int i, n = 0, ret;

	if (bad.start < slow.start) {
		r[0] = bad;
		r[1] = slow;
	}
	if (r[0].start + r[0].len > r[1].start)
		return -EINVAL;
	snprintf(self->errname, sizeof(self->errname), "%s-err", self->name);
	ret = dm_ioctl_call(DM_DEV_CREATE, self->errname, 0, NULL, 0, 0);
	if (ret) {
		self->errname[0] = '\0';
		return ret;
	}
	len = dm_target(buf, 0, 0, slow.len, "error", "");
	ret = dm_ioctl_call(DM_TABLE_LOAD, self->errname, 0, buf, len, 1);
	if (!ret)
		ret = dm_ioctl_call(DM_DEV_SUSPEND, self->errname, 0, NULL, 0, 0);
	if (!ret)
		ret = dm_node(self->errname, errdev, sizeof(errdev));
	if (ret)
		return ret;
	len = 0;
	for (i = 0; i <= 2; i++) {
		uint64_t end = i < 2 ? r[i].start : self->sectors;

		if (end > pos) {
			snprintf(params, sizeof(params), "%s %llu", self->zdev,
				 (unsigned long long)pos);
			len = dm_target(buf, len, pos, end - pos, "linear", params);
			n++;
		}
		if (i == 2)
			break;
		if (r[i].start == slow.start) {
			snprintf(params, sizeof(params), "%s 0 %u %s %llu 0", errdev, ms,
				 self->zdev, (unsigned long long)slow.start);
			len = dm_target(buf, len, slow.start, slow.len, "delay", params);
		} else {
			len = dm_target(buf, len, bad.start, bad.len, "error", "");
		}
		n++;
		pos = r[i].start + r[i].len;
	}
	ret = dm_ioctl_call(DM_TABLE_LOAD, self->name, 0, buf, len, n);
	if (!ret)
		ret = dm_ioctl_call(DM_DEV_SUSPEND, self->name, DM_SKIP_LOCKFS_FLAG, NULL, 0, 0);
	return ret;
}

/* A waiting flush of one page, in a thread of its own. */
struct dk_flusher {
	int h;
	void *addr;
	size_t len;
	int ret;
	pid_t tid;
	volatile int started, done;
};

static void *dk_flusher_run(void *arg)
{
	struct dk_flusher *f = arg;

	f->tid = gettid();
	__atomic_store_n(&f->started, 1, __ATOMIC_RELEASE);
	f->ret = mmft_flush(f->h, f->addr, f->len, 0, NULL);
	__atomic_store_n(&f->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The state letter of thread @tid of this process ('D', 'S', ...), or 0. */
static char thread_state(pid_t tid)
{
	char path[64], buf[512], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * A page moving from the flush set to the pending pages while a waiting
 * flush settles a failure (makes the pages of failed write-backs dirty
 * again) must not be forgotten.  Page P was written through the view and
 * its write-back by others failed (clean in the page cache, still in the
 * flush set); the waiting flush A of another page settles: it finds page X
 * in pending and waits for X's folio lock (X is being read from a slow
 * stretch, a read that fails, so that X is not made dirty again), between
 * its look at the pending pages and its look at the flush set.  Meanwhile an asynchronous flush B of P moves P from the
 * flush set to pending.  A must not then take the failure as settled: P,
 * clean, would be confirmed by the next waiting flush without ever being
 * written (it was: the last flush returned 0 with nothing dirty, and P's
 * block on the disk held its old bytes).
 */
TEST_F(dk, a_page_moving_to_pending_while_a_flush_settles_a_failure_is_not_forgotten)
{
	const unsigned int P = 2, X = 8, Q = 12, delay_ms = 1000;
	size_t pg = self->pg, size = NPAGES * pg;
	struct dk_flusher a_flush = { 0 };
	struct dk_ext ext[MAX_EXT];
	struct dk_range slow[MAX_EXT], bad[MAX_EXT];
	int fd, a, next, ret, i, arranged = 0;
	uint64_t written = 0;
	pthread_t thread;
	unsigned char *v;
	char path[96];

	if (!dm_has_target("delay"))
		SKIP(return, "no dm-delay target (the debug kernel builds in dm-flakey only)");
	fd = make_file(self, "move", NPAGES, 1, path, sizeof(path));
	ASSERT_LE(0, fd);
	next = file_extents(fd, ext, MAX_EXT);
	ASSERT_LT(0, next);
	ASSERT_EQ(1, add_ranges(bad, 0, MAX_EXT, ext, next, pg, P, P));
	ASSERT_EQ(1, add_ranges(slow, 0, MAX_EXT, ext, next, pg, X, X));
	a = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, a);
	v = mmft_map(a, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	for (i = 0; i < NPAGES; i++)
		ASSERT_TRUE(page_is(v + i * pg, pg, i, 1));

	/* X: handed to write-back by an asynchronous flush, written, evicted. */
	fill_page(v + X * pg, pg, X, 2);
	ASSERT_EQ(0, mmft_flush(a, v + X * pg, pg, MMF_FLUSH_ASYNC, &written));
	ASSERT_EQ(0, fdatasync(fd));
	ASSERT_EQ(0, madvise(v + X * pg, pg, MADV_DONTNEED));
	ASSERT_EQ(0, posix_fadvise(fd, (off_t)X * pg, pg, POSIX_FADV_DONTNEED));
	ASSERT_EQ(0, mmft_resident(fd, (off_t)X * pg, pg));

	/* P: written through the view, its write-back by others fails. */
	ASSERT_EQ(0, dk_swap_slow_bad(self, slow[0], delay_ms, bad[0]));
	fill_page(v + P * pg, pg, P, 2);
	ret = sync_file_range(fd, (off_t)P * pg, pg, SYNC_FILE_RANGE_WAIT_BEFORE |
			      SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
	EXPECT_TRUE(ret == 0 || errno == EIO) TH_LOG("sync_file_range: %s", strerror(errno));

	/* X's folio stays locked while it is read from the slow stretch. */
	ASSERT_EQ(0, posix_fadvise(fd, (off_t)X * pg, pg, POSIX_FADV_WILLNEED));
	a_flush.h = a;
	a_flush.addr = v + Q * pg;
	a_flush.len = pg;
	ASSERT_EQ(0, pthread_create(&thread, NULL, dk_flusher_run, &a_flush));
	while (!__atomic_load_n(&a_flush.started, __ATOMIC_ACQUIRE))
		usleep(1000);
	/* A waits in its settle for X's folio lock. */
	for (i = 0; i < (int)delay_ms / 2 && !arranged; i++) {
		usleep(1000);
		arranged = !__atomic_load_n(&a_flush.done, __ATOMIC_ACQUIRE) &&
			   thread_state(a_flush.tid) == 'D';
	}
	/* B moves P from the flush set to pending meanwhile. */
	ret = mmft_flush(a, v + P * pg, pg, MMF_FLUSH_ASYNC, &written);
	EXPECT_TRUE(ret == 0 || ret == -EIO) TH_LOG("asynchronous flush of P: %s", strerror(-ret));
	arranged = arranged && !__atomic_load_n(&a_flush.done, __ATOMIC_ACQUIRE);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_TRUE(a_flush.ret == 0 || a_flush.ret == -EIO)
		TH_LOG("waiting flush of Q: %s", strerror(-a_flush.ret));

	/* Healed: the next flush writes what was never written. */
	ASSERT_EQ(0, dk_swap(self, NULL, 0, DK_ERROR));
	ret = flush(a, v, size, &written);
	EXPECT_TRUE(ret == 0 || ret == -EIO) TH_LOG("FLUSH of the view: %s", strerror(-ret));
	EXPECT_EQ(0, dirty_now(a));
	EXPECT_TRUE(disk_page_is(self, ext, next, P, 2))
		TH_LOG("page P was forgotten unwritten (arranged: %d)", arranged);
	EXPECT_TRUE(disk_page_is(self, ext, next, X, 2));
	munmap(v, size);
	close(a);
	ASSERT_EQ(0, mmft_drop_caches());
	EXPECT_EQ(2, file_pages_are(fd, pg, NPAGES, 2));
	close(fd);
	ksft_print_msg("flush A %s while B moved P; P on the disk: %s\n",
		       arranged ? "waited in its settle" : "was not seen waiting",
		       disk_page_is(self, ext, next, P, 2) ? "yes" : "no");
}

/*
 * A page the settle makes dirty again (its write-back may have failed)
 * that was evicted and read back since holds what the disk holds: ext4
 * writes back only folios with buffers attached and warns when a folio
 * without is made dirty (ext4_dirty_folio; its write-back then drops it:
 * "page does not have buffers attached").  X went to pending (an
 * asynchronous flush), Y stayed in the flush set (the kernel wrote it
 * back); both were evicted and read back with read(2).  Then the
 * write-back of P by others fails, and the next waiting flush settles:
 * it must make P dirty again and write it, and leave X and Y alone.
 */
TEST_F(dk, a_settle_leaves_pages_read_back_from_the_disk_alone)
{
	const unsigned int P = 2, X = 8, Y = 10;
	size_t pg = self->pg, size = NPAGES * pg;
	unsigned long long mark;
	struct dk_ext ext[MAX_EXT];
	struct dk_range bad[MAX_EXT];
	unsigned char *v, *buf;
	uint64_t written = 0;
	int fd, a, next, ret, i;
	char path[96];

	fd = make_file(self, "readback", NPAGES, 1, path, sizeof(path));
	ASSERT_LE(0, fd);
	next = file_extents(fd, ext, MAX_EXT);
	ASSERT_LT(0, next);
	ASSERT_EQ(1, add_ranges(bad, 0, MAX_EXT, ext, next, pg, P, P));
	a = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, a);
	v = mmft_map(a, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	buf = malloc(pg);
	ASSERT_NE(NULL, buf);
	for (i = 0; i < NPAGES; i++)
		ASSERT_TRUE(page_is(v + i * pg, pg, i, 1));

	fill_page(v + X * pg, pg, X, 2);
	ASSERT_EQ(0, mmft_flush(a, v + X * pg, pg, MMF_FLUSH_ASYNC, &written));
	fill_page(v + Y * pg, pg, Y, 2);
	ASSERT_EQ(0, sync_file_range(fd, (off_t)Y * pg, pg, SYNC_FILE_RANGE_WAIT_BEFORE |
				     SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER));
	ASSERT_EQ(0, fdatasync(fd));
	for (i = X; i <= (int)Y; i += Y - X) {
		ASSERT_EQ(0, madvise(v + i * pg, pg, MADV_DONTNEED));
		ASSERT_EQ(0, posix_fadvise(fd, (off_t)i * pg, pg, POSIX_FADV_DONTNEED));
		ASSERT_EQ(0, mmft_resident(fd, (off_t)i * pg, pg));
		ASSERT_EQ((ssize_t)pg, pread(fd, buf, pg, (off_t)i * pg));
		EXPECT_TRUE(page_is(buf, pg, i, 2));
	}

	ASSERT_EQ(0, dk_swap(self, bad, 1, DK_ERROR));
	fill_page(v + P * pg, pg, P, 2);
	ret = sync_file_range(fd, (off_t)P * pg, pg, SYNC_FILE_RANGE_WAIT_BEFORE |
			      SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
	EXPECT_TRUE(ret == 0 || errno == EIO) TH_LOG("sync_file_range: %s", strerror(errno));
	ASSERT_EQ(0, dk_swap(self, NULL, 0, DK_ERROR));

	mark = kmsg_mark();
	ret = flush(a, v, size, &written);
	EXPECT_EQ(-EIO, ret) TH_LOG("the failed write-back was never told: %s", strerror(-ret));
	ret = flush(a, v, size, &written);
	EXPECT_EQ(0, ret) TH_LOG("FLUSH of the view: %s", strerror(-ret));
	EXPECT_EQ(0, dirty_now(a));
	EXPECT_EQ(0, kmsg_count_since(mark, "WARNING"));
	EXPECT_EQ(0, kmsg_count_since(mark, "does not have buffers"));
	EXPECT_TRUE(disk_page_is(self, ext, next, P, 2)) TH_LOG("page P was not retried");
	EXPECT_TRUE(disk_page_is(self, ext, next, X, 2));
	EXPECT_TRUE(disk_page_is(self, ext, next, Y, 2));
	munmap(v, size);
	close(a);
	free(buf);
	ASSERT_EQ(0, mmft_drop_caches());
	EXPECT_EQ(3, file_pages_are(fd, pg, NPAGES, 2));
	close(fd);
}

/*
 * The reader of the test below: uid 65534, which cannot open the file
 * (0600 in a 0700 directory), opens the section by name for READ (mode
 * 0644), maps it read-only and flushes.  Returns its pid; its exit code is
 * the step that failed.
 */
static pid_t frozen_reader(const char *name, size_t size)
{
	pid_t pid = fork();

	if (pid == 0) {
		void *v;
		int h;

		if (mmft_become(65534, 65534))
			_exit(1);
		h = mmft_open_named(name, MMF_ACCESS_READ, NULL);
		if (h < 0)
			_exit(2);
		v = mmap(NULL, size, PROT_READ, MAP_SHARED, h, 0);
		if (v == MAP_FAILED)
			_exit(3);
		mmft_flush(h, v, size, 0, NULL);
		_exit(0);
	}
	return pid;
}

/* Wait up to @ms for @pid: its exit code, 128 + signal, or -1 (still running). */
static int wait_for(pid_t pid, int ms)
{
	int status;

	for (; ms >= 0; ms -= 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		usleep(10000);
	}
	return -1;
}

/*
 * A frozen file system gets no write from a flush (security.rst: a reader
 * cannot make the file be written behind a freeze).  Pages written
 * through a view fail their write-back; the kernel's own write-back of
 * them fails too (here root's fsync(2)), leaving them clean in the page
 * cache while the module keeps them to retry.  The disk heals and root
 * freezes the file system (a snapshot, a backup).  A reader of another
 * uid, with no access to the file, flushes its read-only view: that must
 * neither make the pages dirty again nor write them while the file system
 * is frozen (the freeze's promise: nothing reaches the disk; ext4 warns
 * when write-back starts a transaction then).  After the thaw the
 * writer's flush writes every page.
 */
TEST_F(dk, a_readers_flush_writes_nothing_to_a_frozen_file_system)
{
	size_t pg = self->pg, size = NPAGES * pg;
	struct dk_ext ext[MAX_EXT];
	struct dk_range bad[MAX_EXT];
	unsigned int on_disk = 0;
	unsigned char *v;
	char path[96], name[48];
	int fd, a, next, nbad, ret, i, dirfd, frozen, status;
	pid_t pid;

	snprintf(name, sizeof(name), "mmft-frozen-%d", getpid());
	fd = make_file(self, "frz", NPAGES, 1, path, sizeof(path));
	ASSERT_LE(0, fd);
	next = file_extents(fd, ext, MAX_EXT);
	ASSERT_LT(0, next);
	nbad = add_ranges(bad, 0, MAX_EXT, ext, next, pg, 0, NPAGES - 1);
	ASSERT_LT(0, nbad);
	a = mmft_create(fd, MMF_PROT_READWRITE, 0, name, 0644, 0, NULL);
	ASSERT_LE(0, a);
	v = mmft_map(a, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	dirfd = open(self->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dirfd);

	ASSERT_EQ(0, dk_swap(self, bad, nbad, DK_ERROR));
	for (i = 0; i < NPAGES; i++)
		fill_page(v + i * pg, pg, i, 2);
	EXPECT_EQ(-EIO, flush(a, v, size, NULL));
	EXPECT_NE(0, fsync(fd));
	ASSERT_EQ(0, dk_swap(self, NULL, 0, DK_ERROR));

	frozen = !ioctl(dirfd, FIFREEZE, 0);
	ASSERT_TRUE(frozen) TH_LOG("FIFREEZE: %s", strerror(errno));
	/* Whatever happens, the thaw comes before any ASSERT. */
	pid = frozen_reader(name, size);
	ret = pid > 0 ? wait_for(pid, 10000) : -2;
	for (i = 0; i < NPAGES; i++)
		on_disk += disk_page_is(self, ext, next, i, 2);
	EXPECT_EQ(0, ioctl(dirfd, FITHAW, 0));
	close(dirfd);
	if (ret == -1)
		ret = waitpid(pid, &status, 0) == pid ? -1 : -3;
	EXPECT_EQ(0, ret) TH_LOG("the reader: step %d (-1: blocked until the thaw)", ret);
	EXPECT_EQ(0, on_disk) TH_LOG("%u pages written to the frozen file system", on_disk);

	/* After the thaw, the writer's flush writes what failed. */
	ret = flush(a, v, size, NULL);
	EXPECT_TRUE(ret == 0 || ret == -EIO) TH_LOG("FLUSH after the thaw: %s", strerror(-ret));
	on_disk = 0;
	for (i = 0; i < NPAGES; i++)
		on_disk += disk_page_is(self, ext, next, i, 2);
	EXPECT_EQ(NPAGES, on_disk) TH_LOG("pages lost: never written after the thaw");
	munmap(v, size);
	close(a);
	close(fd);
}

/*
 * A reader's flush that fails does not hide unwritten pages from the
 * writer's write watch (security.rst: readers cannot hide writers'
 * writes).  The writer flushes asynchronously: its watch lets go of the
 * pages, handed to a write-back that fails on the disk.  A reader of
 * another uid then flushes its read-only view, which retries them and
 * fails again: the pages were never written, so they are back in the
 * writer's watch (as after the writer's own failed flush), and the
 * writer's flush after the disk heals writes them.
 */
TEST_F(dk, a_readers_failed_flush_leaves_unwritten_pages_in_the_writers_watch)
{
	size_t pg = self->pg, size = NPAGES * pg;
	struct dk_ext ext[MAX_EXT];
	struct dk_range bad[MAX_EXT];
	unsigned int on_disk = 0;
	unsigned char *v;
	char path[96], name[48];
	int fd, a, next, nbad, ret, i;
	long seen;
	pid_t pid;

	snprintf(name, sizeof(name), "mmft-rwatch-%d", getpid());
	fd = make_file(self, "rwatch", NPAGES, 1, path, sizeof(path));
	ASSERT_LE(0, fd);
	next = file_extents(fd, ext, MAX_EXT);
	ASSERT_LT(0, next);
	nbad = add_ranges(bad, 0, MAX_EXT, ext, next, pg, 0, NPAGES - 1);
	ASSERT_LT(0, nbad);
	a = mmft_create(fd, MMF_PROT_READWRITE, 0, name, 0644, 0, NULL);
	ASSERT_LE(0, a);
	v = mmft_map(a, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);

	ASSERT_EQ(0, dk_swap(self, bad, nbad, DK_ERROR));
	for (i = 0; i < NPAGES; i++)
		fill_page(v + i * pg, pg, i, 2);
	ret = mmft_flush(a, v, size, MMF_FLUSH_ASYNC, NULL);
	EXPECT_TRUE(ret == 0 || ret == -EIO) TH_LOG("async FLUSH: %s", strerror(-ret));
	/* The write-back it started has failed. */
	sync_file_range(fd, 0, size, SYNC_FILE_RANGE_WAIT_BEFORE);
	seen = watch_count(a, v, pg, NPAGES);
	TH_LOG("the writer's watch after its async flush: %ld pages", seen);

	pid = frozen_reader(name, size);
	ASSERT_LT(0, pid);
	EXPECT_EQ(0, wait_for(pid, 20000));
	EXPECT_EQ(NPAGES, watch_count(a, v, pg, NPAGES))
		TH_LOG("the reader's failed flush hid unwritten pages from the writer's watch");

	ASSERT_EQ(0, dk_swap(self, NULL, 0, DK_ERROR));
	ret = flush(a, v, size, NULL);
	EXPECT_TRUE(ret == 0 || ret == -EIO) TH_LOG("FLUSH after healing: %s", strerror(-ret));
	for (i = 0; i < NPAGES; i++)
		on_disk += disk_page_is(self, ext, next, i, 2);
	EXPECT_EQ(NPAGES, on_disk);
	munmap(v, size);
	close(a);
	close(fd);
}

/*
 * Use up the file system's space with allocated, unwritten blocks (quick):
 * a big file, then one-block files for what its extents leave.
 */
#define NSMALL		64

static int fill_fs(FIXTURE_DATA(dk) *self, int fillfd, int *nsmall)
{
	off_t off = 0, n = 1 << 24;
	char path[96];
	int fd, ok;

	while (n >= 4096) {
		if (!fallocate(fillfd, 0, off, n))
			off += n;
		else if (errno == ENOSPC)
			n /= 2;
		else
			return -errno;
	}
	for (*nsmall = 0; *nsmall < NSMALL; (*nsmall)++) {
		snprintf(path, sizeof(path), "%s/small%d", self->mnt, *nsmall);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			break;
		ok = !fallocate(fd, 0, 0, 4096);
		close(fd);
		if (!ok) {
			(*nsmall)++;
			break;
		}
	}
	return fsync(fillfd) ? -errno : 0;
}

/*
 * Write page by page, one byte at offset 17 first then the whole page,
 * until the write fault is refused: the first page not written, and the
 * signal, si_addr and si_code of the refusal (0 when every page went).
 */
static unsigned int write_until_refused(unsigned char *v, size_t pg, unsigned int from,
					unsigned int n, int *sig, void **addr, int *code)
{
	unsigned int i;

	*sig = 0;
	for (i = from; i < n; i++) {
		unsigned char b = pat(i, 3, 17);

		*sig = probe(v + i * pg + 17, 1, &b, addr, code);
		if (*sig)
			return i;
		fill_page(v + i * pg, pg, i, 3);
	}
	return n;
}

/*
 * ENOSPC on ext4.  The file system is filled, then 8 blocks are freed;
 * pages of a sparse file are written through a view until a write is
 * refused, then (8 more blocks freed) the same through plain mmap of
 * another sparse file: both refusals are SIGBUS (BUS_ADRERR) at the byte
 * written, because ext4 reserves a block when a page is first written
 * (page_mkwrite); flushes report nothing, and what was written is flushed.
 * Once everything is freed the rest is written and flushed, and the disk
 * holds every page of both files.
 */
#define NSPARSE		64

TEST_F(dk, enospc_on_ext4_is_sigbus_at_the_write_fault_as_with_plain_mmap)
{
	size_t pg = self->pg, size = NSPARSE * pg;
	unsigned int k_view, k_ref, done;
	char path[96], rpath[96], fpath[96];
	int fd, rfd, fillfd, h, nsmall = 0, sig, code, ret, i;
	uint64_t written = 0, written2 = 0;
	unsigned char *v, *p;
	struct statfs sf;
	struct stat fst;
	off_t fsize;
	void *addr;

	snprintf(path, sizeof(path), "%s/sparse", self->mnt);
	snprintf(rpath, sizeof(rpath), "%s/sparse-ref", self->mnt);
	snprintf(fpath, sizeof(fpath), "%s/filler", self->mnt);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	rfd = open(rpath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	fillfd = open(fpath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, rfd);
	ASSERT_LE(0, fillfd);
	ASSERT_EQ(0, ftruncate(fd, size));
	ASSERT_EQ(0, ftruncate(rfd, size));
	ret = fill_fs(self, fillfd, &nsmall);
	ASSERT_EQ(0, ret) TH_LOG("filling: %s", strerror(-ret));
	ASSERT_EQ(0, statfs(self->mnt, &sf));
	EXPECT_EQ(0, sf.f_bavail) TH_LOG("%llu blocks still free", (unsigned long long)sf.f_bavail);
	ASSERT_EQ(0, fstat(fillfd, &fst));
	fsize = fst.st_size;

	/* 8 blocks free: the view. */
	ASSERT_EQ(0, ftruncate(fillfd, fsize - 8 * pg));
	ASSERT_EQ(0, fsync(fillfd));
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	k_view = write_until_refused(v, pg, 0, NSPARSE, &sig, &addr, &code);
	EXPECT_LT(0, k_view) TH_LOG("no page could be written");
	ASSERT_GT(NSPARSE, k_view) TH_LOG("a full ext4 took every page");
	EXPECT_EQ(SIGBUS, sig);
	EXPECT_EQ(BUS_ADRERR, code);
	EXPECT_EQ((void *)(v + k_view * pg + 17), addr) TH_LOG("si_addr %p", addr);
	EXPECT_EQ(0, v[k_view * pg + 17]) TH_LOG("the refused write landed");
	ret = flush(h, v, size, &written);
	EXPECT_EQ(0, ret) TH_LOG("FLUSH on a full ext4: %s", strerror(-ret));
	EXPECT_GE(k_view, written);
	EXPECT_EQ(0, dirty_now(h));

	/* 8 more: plain mmap, the reference. */
	fsize -= 8 * pg;
	ASSERT_EQ(0, ftruncate(fillfd, fsize - 8 * pg));
	ASSERT_EQ(0, fsync(fillfd));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	k_ref = write_until_refused(p, pg, 0, NSPARSE, &sig, &addr, &code);
	ASSERT_GT(NSPARSE, k_ref);
	EXPECT_EQ(SIGBUS, sig);
	EXPECT_EQ(BUS_ADRERR, code);
	EXPECT_EQ((void *)(p + k_ref * pg + 17), addr);
	EXPECT_EQ(0, msync(p, size, MS_SYNC));

	/* Space again: the rest goes, and nothing written before was lost. */
	close(fillfd);
	unlink(fpath);
	for (i = 0; i < nsmall; i++) {
		snprintf(fpath, sizeof(fpath), "%s/small%d", self->mnt, i);
		unlink(fpath);
	}
	ASSERT_EQ(0, syncfs(fd));
	done = write_until_refused(v, pg, k_view, NSPARSE, &sig, &addr, &code);
	EXPECT_EQ(NSPARSE, done) TH_LOG("refused at page %u after freeing space", done);
	ret = flush(h, v, size, &written2);
	EXPECT_EQ(0, ret) TH_LOG("FLUSH after freeing space: %s", strerror(-ret));
	EXPECT_EQ(NSPARSE - k_view, written2);
	EXPECT_EQ(0, dirty_now(h));
	done = write_until_refused(p, pg, k_ref, NSPARSE, &sig, &addr, &code);
	EXPECT_EQ(NSPARSE, done);
	EXPECT_EQ(0, msync(p, size, MS_SYNC));
	munmap(v, size);
	munmap(p, size);
	close(h);
	ASSERT_EQ(0, mmft_drop_caches());
	EXPECT_EQ(0, mmft_resident(fd, 0, size));
	EXPECT_EQ(NSPARSE, file_pages_are(fd, pg, NSPARSE, 3));
	EXPECT_EQ(NSPARSE, file_pages_are(rfd, pg, NSPARSE, 3));
	ksft_print_msg("ENOSPC on ext4: view refused page %u (SIGBUS), plain mmap page %u (SIGBUS); flushes wrote %llu then %llu pages; %d pages (%zu bytes) verified\n",
		       k_view, k_ref, (unsigned long long)written, (unsigned long long)written2,
		       2 * NSPARSE, 2 * size);
	close(rfd);
	close(fd);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A writer under a flaky disk: the file's blocks on a flakey stretch that
 * fails every write one second of every two.  The loop writes a few pages
 * (a new generation each), flushes through A (and every fourth time through
 * B as well).  Whenever a flush of A reports success and nothing is left
 * dirty, every page on the disk (O_DIRECT from the device) must hold what
 * the view holds.  At the end, healed, a flush and the disk and the file
 * hold every last generation.  Short form 2.5 s (up, down, up again), MMF_STRESS=1 60 s.
 */
#define NLOOP		32

TEST_F_TIMEOUT(dk, write_and_flush_under_a_flaky_disk, 240)
{
	size_t pg = self->pg, size = NLOOP * pg;
	double secs = mmft_stress() ? 60 : 2.5, t0;
	unsigned int gen[NLOOP], i, bad_pages = 0, on_disk = 0;
	unsigned long iters = 0, flushes = 0, checks = 0, eio_a = 0, eio_b = 0, other = 0;
	unsigned long long verified = 0;
	struct dk_ext ext[MAX_EXT];
	struct dk_range bad[MAX_EXT];
	char path[96], name[48];
	unsigned char *v;
	int fd, a, b, next, nbad, ret;

	fd = make_file(self, "loop", NLOOP, 1, path, sizeof(path));
	ASSERT_LE(0, fd);
	next = file_extents(fd, ext, MAX_EXT);
	ASSERT_LT(0, next);
	nbad = add_ranges(bad, 0, MAX_EXT, ext, next, pg, 0, NLOOP - 1);
	ASSERT_LT(0, nbad);
	snprintf(name, sizeof(name), "mmft-dkl-%d", getpid());
	a = mmft_create(fd, MMF_PROT_READWRITE, 0, name, 0600, 0, NULL);
	ASSERT_LE(0, a);
	b = mmft_open_named(name, MMF_ACCESS_READ | MMF_ACCESS_WRITE, NULL);
	ASSERT_LE(0, b);
	v = mmft_map(a, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	for (i = 0; i < NLOOP; i++) {
		ASSERT_TRUE(page_is(v + i * pg, pg, i, 1));
		gen[i] = 1;
	}
	srand(getpid());
	ASSERT_EQ(0, dk_swap(self, bad, nbad, DK_FLAKEY_CYCLE));
	t0 = now_s();
	while (now_s() - t0 < secs) {
		unsigned int k, nw = 1 + rand() % 4;

		for (k = 0; k < nw; k++) {
			i = rand() % NLOOP;
			fill_page(v + i * pg, pg, i, ++gen[i]);
		}
		iters++;
		if (iters % 4 == 0) {
			ret = flush(b, v, size, NULL);
			flushes++;
			eio_b += ret == -EIO;
			other += ret && ret != -EIO;
		}
		ret = flush(a, v, size, NULL);
		flushes++;
		eio_a += ret == -EIO;
		other += ret && ret != -EIO;
		if (ret || dirty_now(a))
			continue;
		/* Reported written, nothing left: the disk must agree. */
		checks++;
		for (i = 0; i < NLOOP; i++) {
			if (!disk_page_is(self, ext, next, i, gen[i]))
				bad_pages++;
			verified += pg;
		}
		usleep(20000);
	}
	EXPECT_EQ(0, bad_pages) TH_LOG("pages reported flushed but not on the disk");
	EXPECT_EQ(0, other);
	EXPECT_LT(0, eio_a) TH_LOG("the disk never failed a write");
	/* Once per down second at most: an episode is never told twice. */
	EXPECT_GE((unsigned long)(secs / 2) + 1, eio_a);
	EXPECT_GE((unsigned long)(secs / 2) + 1, eio_b);
	EXPECT_LT(0, checks) TH_LOG("no flush ever succeeded");

	ASSERT_EQ(0, dk_swap(self, NULL, 0, DK_ERROR));
	ret = flush(a, v, size, NULL);
	EXPECT_TRUE(ret == 0 || ret == -EIO) TH_LOG("healed flush: %s", strerror(-ret));
	EXPECT_EQ(0, flush(a, v, size, NULL));
	EXPECT_EQ(0, dirty_now(a));
	for (i = 0; i < NLOOP; i++)
		on_disk += disk_page_is(self, ext, next, i, gen[i]);
	EXPECT_EQ(NLOOP, on_disk);
	verified += (unsigned long long)on_disk * pg;
	munmap(v, size);
	close(a);
	close(b);
	ASSERT_EQ(0, mmft_drop_caches());
	EXPECT_EQ(0, mmft_resident(fd, 0, size));
	for (i = 0; i < NLOOP; i++) {
		unsigned char *buf = malloc(pg);

		ASSERT_NE(NULL, buf);
		EXPECT_EQ((ssize_t)pg, pread(fd, buf, pg, (off_t)i * pg));
		EXPECT_TRUE(page_is(buf, pg, i, gen[i])) TH_LOG("page %u lost generation %u", i, gen[i]);
		free(buf);
	}
	verified += size;
	ksft_print_msg("flaky disk, %.1f s: %lu iterations, %lu flushes, EIO told A %lu, B %lu; %lu checks of the disk after a clean flush, %llu bytes verified\n",
		       secs, iters, flushes, eio_a, eio_b, checks, verified);
	close(fd);
}

TEST_HARNESS_MAIN
