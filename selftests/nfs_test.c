// SPDX-License-Identifier: GPL-2.0
/*
 * Sections on an NFS v4 mount (issue 9, network file systems).  The test
 * VM of tools/reliability/nfs.sh runs the kernel NFS server, exporting the
 * ext4 test disk over loopback, and mounts it with the kernel client:
 * $MMF_NFS_DIR is the client's mount, $MMF_NFS_EXPORT the exported ext4
 * directory, so every byte can be checked where the server keeps it.
 * Without them (the ordinary selftest run) every test is skipped.
 *
 * Checked: views, sharing and flushes work on the client's page cache
 * (mmf_fscheck.h); a durable flush puts every written byte on the server's
 * disk (read from the block device under the exported file, following its
 * extents, with the server's periodic write-back off, so nobody else could
 * have written them); a section closed without a flush still gets its
 * pages to the server (its release starts their write-back); the bytes
 * read back through the client after both page caches were dropped.
 * ENOSPC on the server is reported and never counted as written.
 * MMF_STRESS=1: a 16 MiB file and 16 rounds of scattered writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"
#include "mmf_fscheck.h"

#define WB_KNOB		"/proc/sys/vm/dirty_writeback_centisecs"

FIXTURE(nfs) {
	const char *dir, *export;
	char path[256], srvpath[512], dev[256], wb_old[32];
	int fd, srvfd;
	size_t pg, n, size;
};

FIXTURE_SETUP(nfs)
{
	struct statfs sf;
	struct stat cst, sst;

	self->fd = self->srvfd = -1;
	self->wb_old[0] = '\0';
	self->dir = getenv("MMF_NFS_DIR");
	self->export = getenv("MMF_NFS_EXPORT");
	if (!self->dir || !self->export)
		SKIP(return, "no NFS mount (tools/reliability/nfs.sh sets MMF_NFS_DIR)");
	ASSERT_EQ(0, statfs(self->dir, &sf));
	ASSERT_EQ(NFS_SUPER_MAGIC, sf.f_type) TH_LOG("%s is not an NFS mount", self->dir);
	ASSERT_EQ(0, statfs(self->export, &sf));
	ASSERT_EQ(EXT4_SUPER_MAGIC, sf.f_type) TH_LOG("%s is not ext4", self->export);
	ASSERT_EQ(0, mmft_mount_source(self->export, self->dev, sizeof(self->dev)));
	/* Only flushes and closes write; the server's disk neither, unasked. */
	ASSERT_EQ(0, mmft_read_knob(WB_KNOB, self->wb_old, sizeof(self->wb_old)));
	ASSERT_EQ(0, mmft_write_knob(WB_KNOB, "0"));

	self->pg = MMFT_PAGE;
	self->n = mmft_stress() ? 4096 : 64;
	self->size = self->n * self->pg;
	self->fd = mmft_tmpfile(self->dir, self->size, FSC_FILL, self->path, sizeof(self->path));
	ASSERT_LE(0, self->fd) TH_LOG("file on %s: %s", self->dir, strerror(-self->fd));
	ASSERT_EQ(0, fsync(self->fd));
	snprintf(self->srvpath, sizeof(self->srvpath), "%s/%s", self->export, basename(self->path));
	self->srvfd = open(self->srvpath, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->srvfd) TH_LOG("%s: %s", self->srvpath, strerror(errno));
	/* One file, seen from both sides. */
	ASSERT_EQ(0, fstat(self->fd, &cst));
	ASSERT_EQ(0, fstat(self->srvfd, &sst));
	ASSERT_EQ(sst.st_ino, cst.st_ino);
	ASSERT_EQ(sst.st_size, cst.st_size);
}

FIXTURE_TEARDOWN(nfs)
{
	if (self->srvfd >= 0)
		close(self->srvfd);
	if (self->fd >= 0) {
		close(self->fd);
		unlink(self->path);
	}
	if (self->wb_old[0])
		EXPECT_EQ(0, mmft_write_knob(WB_KNOB, self->wb_old));
}

/*
 * Whether the server's disk holds byte @want[i] in every page i of the
 * file; *@err is fsc_read_disk()'s answer.
 */
static int on_server_disk(FIXTURE_DATA(nfs) *self, const unsigned char *want, int *err)
{
	unsigned char *buf = malloc(self->size);
	size_t i;
	int ok = 1;

	if (!buf) {
		*err = -ENOMEM;
		return 0;
	}
	*err = fsc_read_disk(self->srvfd, self->dev, 0, self->size, buf);
	for (i = 0; !*err && i < self->n; i++)
		ok &= mmft_all(buf + i * self->pg, self->pg, want[i]);
	free(buf);
	return !*err && ok;
}

/* Whether read(2) of @fd gives byte @want[i] in every page i. */
static int file_is(FIXTURE_DATA(nfs) *self, int fd, const unsigned char *want)
{
	size_t i;

	for (i = 0; i < self->n; i++)
		if (!mmft_file_all(fd, i * self->pg, self->pg, want[i]))
			return 0;
	return 1;
}

TEST_F_TIMEOUT(nfs, views_sharing_and_flushes_work, 120)
{
	fsc_sections_work(_metadata, self->path, self->fd, self->n, "nfs_test.work");
	/* The server's file has every byte, as the client read them back. */
	EXPECT_TRUE(fsc_file_has(self->srvfd, self->n, 1));
}

/*
 * Rounds of writes through one view, each made durable by a flush and
 * then found on the server's disk, where nothing but that flush can have
 * put it: the server's periodic write-back is off, and the client's
 * write-back of more than one WRITE's worth only reaches the server's page
 * cache (NFS UNSTABLE writes, delayed allocation on ext4) until a COMMIT,
 * which the durable flush's fsync sends.
 */
TEST_F_TIMEOUT(nfs, a_durable_flush_reaches_the_servers_disk, 600)
{
	int rounds = mmft_stress() ? 16 : 1, r, err, h;
	unsigned char *v, *want;
	uint64_t written, count;
	size_t i;

	want = malloc(self->n);
	ASSERT_NE(NULL, want);
	memset(want, FSC_FILL, self->n);
	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	for (r = 1; r <= rounds; r++) {
		/* Round 1 writes every page, round r every r-th from page r. */
		count = 0;
		for (i = r > 1 ? r : 0; i < self->n; i += r) {
			want[i] = fsc_pat(r, i);
			memset(v + i * self->pg, want[i], self->pg);
			count++;
		}
		ASSERT_EQ(0, mmft_flush(h, v, self->size, MMF_FLUSH_DURABLE, &written));
		EXPECT_EQ(count, written) TH_LOG("round %d", r);
		EXPECT_TRUE(on_server_disk(self, want, &err))
			TH_LOG("round %d: the server's disk lacks flushed bytes (%s)", r,
			       err ? strerror(-err) : "other bytes there");
	}
	munmap(v, self->size);
	close(h);
	/* Both page caches dropped: each side reads the disk again. */
	ASSERT_EQ(0, mmft_drop_caches());
	EXPECT_TRUE(file_is(self, self->srvfd, want)) TH_LOG("the server's read(2)");
	EXPECT_TRUE(file_is(self, self->fd, want)) TH_LOG("the client's read(2)");
	free(want);
}

/*
 * A section whose last view and handle go without a flush starts the
 * write-back of what its views wrote: the bytes reach the server with no
 * fsync or sync from anyone (periodic write-back is off), within seconds.
 */
TEST_F_TIMEOUT(nfs, an_unflushed_closed_section_reaches_the_server, 120)
{
	unsigned char *v, *want;
	int h, tries;
	size_t i;

	want = malloc(self->n);
	ASSERT_NE(NULL, want);
	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	for (i = 0; i < self->n; i++) {
		want[i] = fsc_pat(3, i);
		memset(v + i * self->pg, want[i], self->pg);
	}
	/* Not yet on the server: only the client's page cache has them. */
	EXPECT_FALSE(file_is(self, self->srvfd, want));
	munmap(v, self->size);
	close(h);
	for (tries = 0; tries < 300 && !file_is(self, self->srvfd, want); tries++)
		usleep(100000);
	EXPECT_TRUE(file_is(self, self->srvfd, want))
		TH_LOG("the server's file lacks the bytes 30 s after the close");
	free(want);
}

/* Fill the server's disk with @path (fallocate, as root: reserve too). */
static int fill_server(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	off_t at = 0, step;

	if (fd < 0)
		return -errno;
	for (step = 1 << 20; step >= 4096; step /= 16)
		while (!fallocate(fd, 0, at, step))
			at += step;
	close(fd);
	return errno == ENOSPC ? 0 : -errno;
}

/*
 * The server runs out of space while a flush writes pages that need new
 * blocks (a sparse file).  The flush reports ENOSPC.  Unlike a local disk's
 * (enospc_test), these pages are not retried: the NFS client drops the
 * write requests that failed (it writes only what has one) and, at its
 * next look at the file (anyone's open, read or mmap), the cached pages
 * too, so a view then shows the server's bytes.  What the module must do
 * there: report the error, and never count as written what the server
 * does not have.  It does count them today: the flush after space was
 * freed says 0 and all 16 pages written while the server has none (or
 * only those the full disk still took).  That check runs in the long form
 * (make stress) until it is fixed; the short form checks the report.
 */
TEST_F_TIMEOUT(nfs, enospc_on_the_server_is_reported_and_not_claimed_written, 300)
{
	char filler[512];
	unsigned char *v, *want;
	uint64_t written;
	int h, ret, fd;
	size_t i, n = 16, on_server = 0;

	want = malloc(n);
	ASSERT_NE(NULL, want);
	/* A sparse file: every page written needs a block on the server. */
	close(self->fd);
	unlink(self->path);
	self->fd = mmft_tmpfile(self->dir, n * self->pg, 0, self->path, sizeof(self->path));
	ASSERT_LE(0, self->fd);
	snprintf(self->srvpath, sizeof(self->srvpath), "%s/%s", self->export, basename(self->path));
	snprintf(filler, sizeof(filler), "%s/mmft-filler", self->export);
	ret = fill_server(filler);
	ASSERT_EQ(0, ret) TH_LOG("filling the server's disk: %s", strerror(-ret));

	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, n * self->pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	for (i = 0; i < n; i++) {
		want[i] = fsc_pat(4, i);
		memset(v + i * self->pg, want[i], self->pg);
	}
	ret = mmft_flush(h, v, n * self->pg, MMF_FLUSH_DURABLE, &written);
	EXPECT_EQ(-ENOSPC, ret) TH_LOG("flush on a full server: %s, %llu pages written",
				       ret ? strerror(-ret) : "ok", (unsigned long long)written);

	/* Space back on the server only (a sync(2) would write the client's too). */
	unlink(filler);
	fd = open(self->export, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, syncfs(fd));
	close(fd);
	ret = mmft_flush(h, v, n * self->pg, MMF_FLUSH_DURABLE, &written);
	munmap(v, n * self->pg);
	close(h);
	ASSERT_EQ(0, mmft_drop_caches());
	fd = open(self->srvpath, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (i = 0; i < n; i++)
		on_server += mmft_file_all(fd, i * self->pg, self->pg, want[i]);
	close(fd);
	TH_LOG("flush after space was freed: %s, %llu pages written; %zu of %zu on the server",
	       ret ? strerror(-ret) : "ok", (unsigned long long)written, on_server, n);
	EXPECT_LE(written, on_server)
		TH_LOG("a flush counted pages the server does not have");
	free(want);
}

TEST_HARNESS_MAIN
