// SPDX-License-Identifier: GPL-2.0
/*
 * The edges of a view (issue 3, acceptance item 7): bytes past the end of
 * the file in the last page read as zero, pages beyond the end of a file
 * that shrank under a live view raise SIGBUS and never show stale data, a
 * view cannot be grown past its section, and writing a read-only view
 * raises SIGSEGV.  A section's own bytes in a partial last page stay
 * usable for its creator, also when the file grows.  Accesses that must
 * fault run in a forked child.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#define FILL	0x11

FIXTURE(edge) {
	char path[64];
	int fd;
	size_t pg;
	unsigned long long log_mark;
};

FIXTURE_VARIANT(edge) {
	const char *dir;
	const char *huge;	/* tmpfs options: a tmpfs of its own at dir */
};

FIXTURE_VARIANT_ADD(edge, ext4) { .dir = "/mnt/ext4" };
FIXTURE_VARIANT_ADD(edge, tmpfs) { .dir = "/tmp" };
/* Large folios: truncation splits them, faults map them whole. */
FIXTURE_VARIANT_ADD(edge, tmpfs_huge) { .dir = "/tmp/mmft-edge-huge", .huge = "huge=always" };

FIXTURE_SETUP(edge)
{
	self->log_mark = kmsg_mark();
	self->pg = MMFT_PAGE;
	if (variant->huge)
		ASSERT_EQ(0, mmft_mount_tmpfs(variant->dir, variant->huge));
	self->fd = mmft_tmpfile(variant->dir, 4 * self->pg, FILL, self->path,
				sizeof(self->path));
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(edge)
{
	close(self->fd);
	unlink(self->path);
	if (variant->huge)
		EXPECT_EQ(0, mmft_umount_tmpfs(variant->dir));
	EXPECT_EQ(0, kmsg_count_since(self->log_mark, "mmf"));
}

static off_t file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_size;
}

TEST_F(edge, bytes_past_eof_in_last_page_are_zero)
{
	size_t pg = self->pg, size = pg + 100;
	unsigned char *v, *r;
	int h, ro;

	/* Shrink to 1 page + 100 bytes, then read it cold. */
	ASSERT_EQ(0, ftruncate(self->fd, size));
	ASSERT_EQ(0, fsync(self->fd));
	ASSERT_EQ(0, mmft_drop_caches());
	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_TRUE(mmft_all(v, size, FILL));
	EXPECT_TRUE(mmft_all(v + size, 2 * pg - size, 0));

	/* A read-only section on a read-only fd sees the same. */
	ro = open(self->path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);
	close(h);
	h = mmft_create(ro, MMF_PROT_READ, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h);
	r = mmft_map(h, 2 * pg, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, r);
	EXPECT_TRUE(mmft_all(r + size, 2 * pg - size, 0));

	/* Writes past the end never grow the file, those before it land. */
	v[size - 1] = 0x22;
	v[size + 50] = 0x33;
	EXPECT_EQ(0, mmft_flush(h, v, 2 * pg, 0, NULL));
	EXPECT_EQ((off_t)size, file_size(self->fd));
	EXPECT_TRUE(mmft_file_all(ro, size - 1, 1, 0x22));
	munmap(v, 2 * pg);
	munmap(r, 2 * pg);
	close(h);
	close(ro);
}

/*
 * A section shorter than its file, ending inside a page: its own bytes in
 * that last page work like any other (read, write, coherent with the file)
 * for the creator, who holds the file anyway.
 */
TEST_F(edge, section_bytes_in_a_partial_last_page_work)
{
	size_t pg = self->pg, size = pg + 100;
	unsigned char *v;
	int h;

	h = mmft_create(self->fd, MMF_PROT_READWRITE, size, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_EQ(0, mmft_access_signal(v + size - 1, 0));
	EXPECT_EQ(0, mmft_access_signal(v + pg + 50, 1));
	if (!mmft_access_signal(v + size - 1, 0)) {
		EXPECT_EQ(FILL, v[size - 1]);
		v[pg + 60] = 0x61;
		EXPECT_TRUE(mmft_file_all(self->fd, pg + 60, 1, 0x61));
		ASSERT_EQ(1, pwrite(self->fd, "\x62", 1, pg + 70));
		EXPECT_EQ(0x62, v[pg + 70]);
	}
	munmap(v, 2 * pg);
	close(h);
}

/* A file that grows by write(2) under a view takes nothing from the view. */
TEST_F(edge, a_file_growing_past_the_section_keeps_its_last_page)
{
	size_t pg = self->pg, size = pg + 100;
	unsigned char *v, buf[1000];
	int h;

	ASSERT_EQ(0, ftruncate(self->fd, size));
	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	/* Appended before the view ever touched its last page. */
	memset(buf, 0x63, sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf), pwrite(self->fd, buf, sizeof(buf), size));
	EXPECT_EQ(0, mmft_access_signal(v + size - 1, 0));
	EXPECT_EQ(0, mmft_access_signal(v + pg, 1));
	if (!mmft_access_signal(v + size - 1, 0)) {
		EXPECT_EQ(0x5a, v[pg]);		/* what the child wrote */
		EXPECT_TRUE(mmft_all(v + pg + 1, 99, FILL));
	}
	munmap(v, 2 * pg);
	close(h);
}

TEST_F(edge, grown_region_reads_zero)
{
	size_t pg = self->pg;
	unsigned char *v;
	int h;

	ASSERT_EQ(0, ftruncate(self->fd, pg));
	/* The module grows no file: its user does, with ftruncate(2). */
	EXPECT_EQ(-EOVERFLOW, mmft_create(self->fd, MMF_PROT_READWRITE, 3 * pg, NULL, 0, 0, NULL));
	ASSERT_EQ(0, ftruncate(self->fd, 3 * pg));
	h = mmft_create(self->fd, MMF_PROT_READWRITE, 3 * pg, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	EXPECT_TRUE(mmft_all(v, pg, FILL));
	EXPECT_TRUE(mmft_all(v + pg, 2 * pg, 0));
	v[3 * pg - 1] = 0x44;
	EXPECT_TRUE(mmft_file_all(self->fd, 3 * pg - 1, 1, 0x44));
	munmap(v, 3 * pg);
	close(h);
}

TEST_F(edge, truncate_under_live_view_sigbus_never_stale)
{
	size_t pg = self->pg, keep = pg + pg / 2;
	unsigned char *v, *p;
	int h, other;

	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	p = mmft_map(h, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, p);
	/* Every page mapped; page 3 also copied into the private view. */
	ASSERT_TRUE(mmft_all(v, 4 * pg, FILL));
	memset(v + 3 * pg, 0xAB, pg);
	memset(p + 3 * pg, 0xCD, pg);

	other = open(self->path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, ftruncate(other, keep));

	EXPECT_TRUE(mmft_all(v, keep, FILL));
	EXPECT_TRUE(mmft_all(v + keep, 2 * pg - keep, 0));
	EXPECT_EQ(SIGBUS, mmft_access_signal(v + 2 * pg, 0));
	EXPECT_EQ(SIGBUS, mmft_access_signal(v + 3 * pg, 0));
	EXPECT_EQ(SIGBUS, mmft_access_signal(v + 3 * pg + 7, 1));
	EXPECT_EQ(SIGBUS, mmft_access_signal(p + 3 * pg, 0));
	EXPECT_EQ(0, mmft_access_signal(v + keep - 1, 1));
	/* Flushing a view that now reaches past the end is harmless. */
	EXPECT_EQ(0, mmft_flush(h, v, 4 * pg, 0, NULL));

	/* Grown again, the lost pages read as zero, never as before. */
	ASSERT_EQ(0, ftruncate(other, 4 * pg));
	EXPECT_TRUE(mmft_all(v + 2 * pg, 2 * pg, 0));
	EXPECT_TRUE(mmft_file_all(other, 2 * pg, 2 * pg, 0));
	munmap(v, 4 * pg);
	munmap(p, 4 * pg);
	close(other);
	close(h);
}

TEST_F(edge, truncate_to_zero_sigbus_everywhere)
{
	size_t pg = self->pg;
	unsigned char *v;
	int h, i;

	h = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	v[0] = 1;
	close(h);		/* the view alone keeps the section */
	ASSERT_EQ(0, ftruncate(self->fd, 0));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(SIGBUS, mmft_access_signal(v + i * pg, 0)) TH_LOG("page %d", i);
		EXPECT_EQ(SIGBUS, mmft_access_signal(v + i * pg + pg - 1, 1)) TH_LOG("page %d", i);
	}
	EXPECT_EQ(0, file_size(self->fd));
	munmap(v, 4 * pg);
}

TEST_F(edge, view_cannot_grow_past_section)
{
	size_t pg = self->pg;
	unsigned char *v, *moved;
	int h;

	h = mmft_create(self->fd, MMF_PROT_READWRITE, 2 * pg, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	moved = mremap(v, 2 * pg, 3 * pg, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, moved);
	if (moved != MAP_FAILED) {
		/* Had it grown, the page past the section must not be the file's. */
		EXPECT_NE(0, mmft_access_signal(moved + 2 * pg, 0));
		v = moved;
		munmap(v + 2 * pg, pg);
	}
	EXPECT_TRUE(mmft_all(v, 2 * pg, FILL));
	munmap(v, 2 * pg);
	close(h);
}

TEST_F(edge, read_only_views_raise_sigsegv_on_write)
{
	size_t pg = self->pg;
	unsigned char *a, *b, *c;
	int rd, rw;

	rd = mmft_create(self->fd, MMF_PROT_READ, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, rd) TH_LOG("CREATE: %s", strerror(-rd));
	rw = mmft_create(self->fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, rw);
	a = mmft_map(rd, pg, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, a);
	b = mmft_map(rw, pg, PROT_READ, MAP_SHARED, pg);
	ASSERT_NE(MAP_FAILED, b);
	c = mmft_map(rd, pg, PROT_READ, MAP_PRIVATE, 2 * pg);
	ASSERT_NE(MAP_FAILED, c);
	EXPECT_EQ(0, mmft_access_signal(a, 0));
	EXPECT_EQ(SIGSEGV, mmft_access_signal(a, 1));
	EXPECT_EQ(SIGSEGV, mmft_access_signal(b + 5, 1));
	EXPECT_EQ(SIGSEGV, mmft_access_signal(c + 9, 1));
	EXPECT_TRUE(mmft_file_all(self->fd, 0, 4 * pg, FILL));
	munmap(a, pg);
	munmap(b, pg);
	munmap(c, pg);
	close(rd);
	close(rw);
}

/* What the child's SIGBUS handler saw, in memory shared with the parent. */
struct bus_seen {
	int signo, code;
	void *addr;
};

static struct bus_seen *bus_seen;

static void bus_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	bus_seen->signo = sig;
	bus_seen->code = si->si_code;
	bus_seen->addr = si->si_addr;
	_exit(0);
}

static int bus_child(void *addr)
{
	struct sigaction sa = { .sa_sigaction = bus_handler, .sa_flags = SA_SIGINFO };

	sigaction(SIGBUS, &sa, NULL);
	(void)*(volatile unsigned char *)addr;
	return 1;
}

TEST_F(edge, sigbus_names_the_faulting_address)
{
	size_t pg = self->pg;
	unsigned char *v, *addr;
	int h, status;

	bus_seen = mmap(NULL, sizeof(*bus_seen), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, bus_seen);
	h = mmft_create(self->fd, MMF_PROT_READ, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, 4 * pg, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	ASSERT_EQ(0, ftruncate(self->fd, pg));
	addr = v + 2 * pg + 123;
	status = mmft_in_child(bus_child, addr);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("no SIGBUS");
	EXPECT_EQ(SIGBUS, bus_seen->signo);
	EXPECT_EQ(BUS_ADRERR, bus_seen->code);
	EXPECT_EQ(addr, bus_seen->addr);
	munmap(v, 4 * pg);
	munmap(bus_seen, sizeof(*bus_seen));
	close(h);
}

/* Swap-backed sections start zeroed and keep the tail of the last page zero. */
TEST(swap_section_reads_zero_and_never_stale)
{
	size_t pg = MMFT_PAGE, size = 2 * pg + 100;
	unsigned long long mark = kmsg_mark();
	unsigned char *v;
	int h, round;

	for (round = 0; round < 2; round++) {
		h = mmft_create_swap(size, NULL, 0, NULL);
		ASSERT_LE(0, h) TH_LOG("CREATE swap: %s", strerror(-h));
		v = mmft_map(h, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		ASSERT_NE(MAP_FAILED, v);
		EXPECT_TRUE(mmft_all(v, 3 * pg, 0)) TH_LOG("round %d", round);
		/* Dirty everything; the next round's section must not see it. */
		memset(v, 0xEE, 3 * pg);
		EXPECT_EQ(-EINVAL, mmap(NULL, 4 * pg, PROT_READ, MAP_SHARED, h, 0) == MAP_FAILED ?
				    -errno : 0);
		munmap(v, 3 * pg);
		close(h);
	}
	EXPECT_EQ(0, kmsg_count_since(mark, "mmf"));
}

TEST_HARNESS_MAIN
