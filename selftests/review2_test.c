// SPDX-License-Identifier: GPL-2.0
/*
 * Second review of issue 7's rework (guarded private files, the dirty
 * index's chunks, the flush and release rewrite, module unload):
 *
 *  - a write that page_mkwrite refuses leaves no dirty-index chunk behind
 *    (the chunks are prepared before page_mkwrite)
 *  - an asynchronous flush counts what it wrote, and once a waiting flush
 *    followed, every chunk is gone and the bytes are on the disk
 *  - the module unloads right after a process that wrote through a view
 *    and flushed asynchronously exits, with nothing of it running later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"
#include "mmf_attack.h"

#define PG		MMFT_PAGE

/*
 * mmf_vm_page_mkwrite() makes the chunks of the dirty and watch indexes
 * before it calls ext4_page_mkwrite(), which refuses every write to an
 * immutable inode (SIGBUS).  Nothing was recorded, so nothing may be left
 * allocated: the index's memory follows its set bits (kmod/mmf.h).  Each
 * refused write lands in another chunk's span (a chunk covers about 32000
 * pages), so a leak grows with the number of writes, for as long as the
 * section lives.  The immutable flag is only the test's trigger; ENOSPC or
 * EDQUOT of ext4's delayed allocation in page_mkwrite, or a racing
 * truncate, refuse writes the same way.
 */
#define SPARSE_PAGES	(8UL << 16)	/* 2 GiB with 4 KiB pages: 16 chunk spans */
#define REFUSED		8

TEST(a_write_page_mkwrite_refuses_leaves_no_chunk)
{
	size_t len = SPARSE_PAGES * PG;
	char path[64];
	unsigned char *v;
	long base, after;
	int fd, h, i, sig;

	fd = mmft_tmpfile(EXT4, 0, 0, path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, len));
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h) TH_LOG("CREATE: %s", strerror(-h));
	v = mmft_map(h, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	base = mmft_debugfs_counter("chunks");
	ASSERT_LE(0, base) TH_LOG("no debugfs chunks counter");

	ASSERT_EQ(0, inode_flag(fd, FS_IMMUTABLE_FL, 1));
	for (i = 0; i < REFUSED; i++) {
		/* A forked child writes through the inherited shared view. */
		sig = mmft_access_signal(v + (size_t)i * (SPARSE_PAGES / REFUSED) * PG, 1);
		EXPECT_EQ(SIGBUS, sig) TH_LOG("write %d to an immutable file: signal %d", i, sig);
	}
	after = mmft_debugfs_counter("chunks");
	EXPECT_EQ(0, inode_flag(fd, FS_IMMUTABLE_FL, 0));
	EXPECT_EQ(base, after) TH_LOG("%ld chunks left by %d refused writes", after - base,
				      REFUSED);
	/* Nothing was written: the file is still all holes. */
	EXPECT_TRUE(mmft_file_all(fd, 0, PG, 0));

	munmap(v, len);
	close(h);
	close(fd);
	unlink(path);
}

/*
 * Asynchronous, then waiting flush: the first counts every page written
 * (nothing was under write-back), the second finds nothing left to write;
 * STAT's dirty count is 0 after both; every chunk (dirty, watch, pending)
 * is freed by the waiting flush; the bytes are on the disk (read back after
 * the page cache was dropped).
 */
#define ASYNC_PAGES	64

TEST(an_async_then_a_waiting_flush_count_right_and_free_every_chunk)
{
	size_t len = ASYNC_PAGES * PG;
	struct mmf_stat st;
	uint64_t written;
	char path[64];
	unsigned char *v;
	long base;
	int fd, h;
	size_t i;

	fd = mmft_tmpfile(EXT4, len, 0x11, path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	base = mmft_debugfs_counter("chunks");
	ASSERT_LE(0, base);
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h);
	v = mmft_map(h, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);

	for (i = 0; i < ASYNC_PAGES; i++)
		v[i * PG] = 0x22;
	ASSERT_EQ(0, mmft_stat(h, &st));
	EXPECT_EQ(ASYNC_PAGES, st.dirty_pages);
	EXPECT_EQ(ASYNC_PAGES, st.pages_dirtied);

	ASSERT_EQ(0, mmft_flush(h, v, len, MMF_FLUSH_ASYNC, &written));
	EXPECT_EQ(ASYNC_PAGES, written);
	ASSERT_EQ(0, mmft_stat(h, &st));
	EXPECT_EQ(0, st.dirty_pages);

	ASSERT_EQ(0, mmft_flush(h, v, len, 0, &written));
	EXPECT_EQ(0, written);
	ASSERT_EQ(0, mmft_stat(h, &st));
	EXPECT_EQ(0, st.dirty_pages);
	EXPECT_EQ(ASYNC_PAGES, st.pages_flushed);
	EXPECT_EQ(2, st.flushes);
	EXPECT_EQ(base, mmft_debugfs_counter("chunks"));

	/* A write after both is recorded again. */
	v[3 * PG + 1] = 0x33;
	ASSERT_EQ(0, mmft_stat(h, &st));
	EXPECT_EQ(1, st.dirty_pages);
	ASSERT_EQ(0, mmft_flush(h, v, len, 0, &written));
	EXPECT_EQ(1, written);

	munmap(v, len);
	close(h);
	ASSERT_EQ(0, mmft_drop_caches());
	for (i = 0; i < ASYNC_PAGES; i++) {
		unsigned char b[2];

		ASSERT_EQ(2, pread(fd, b, 2, i * PG));
		EXPECT_EQ(0x22, b[0]);
		EXPECT_EQ(i == 3 ? 0x33 : 0x11, b[1]);
	}
	EXPECT_EQ(base, mmft_debugfs_counter("chunks"));
	close(fd);
	unlink(path);
}

/*
 * The last references go with a process's exit, right after it flushed
 * asynchronously and dirtied its pages again: the section's release starts
 * write-back without waiting, and the private files go later still (their
 * fput is deferred).  Each holds the module, so unloading is refused until
 * the last is gone and then works; nothing of the module runs afterwards
 * (no oops, no warning), and no byte is lost.
 */
#define EXIT_PAGES	256

static int write_and_exit(void *arg)
{
	int fd = *(int *)arg, h;
	size_t len = EXIT_PAGES * PG;
	unsigned char *v;

	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	if (h < 0)
		return 1;
	v = mmft_map(h, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (v == MAP_FAILED)
		return 2;
	memset(v, 0x44, len);
	if (mmft_flush(h, v, len, MMF_FLUSH_ASYNC, NULL))
		return 3;
	/* Dirty again, never flushed: the release's write-back has work. */
	memset(v, 0x55, len / 2);
	return 0;	/* exit unmaps and closes */
}

TEST(the_module_unloads_right_after_a_writer_exits)
{
	unsigned long long mark = kmsg_mark();
	size_t len = EXIT_PAGES * PG;
	struct timespec t0, t;
	char path[64];
	int fd, status, ret, refused = 0;
	size_t i;

	if (!mmft_module_loaded() || access(mmft_module_file(), R_OK))
		SKIP(return, "module not loaded from %s", mmft_module_file());
	fd = mmft_tmpfile(EXT4, len, 0x11, path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));

	status = mmft_in_child(write_and_exit, &fd);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((ret = mmft_module_unload()) == -EWOULDBLOCK) {
		refused++;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 5)
			break;
		usleep(1000);
	}
	ASSERT_EQ(0, ret) TH_LOG("unload: %s after %d tries", strerror(-ret), refused);
	ASSERT_EQ(0, mmft_module_load());

	ASSERT_EQ(0, fsync(fd));
	ASSERT_EQ(0, mmft_drop_caches());
	for (i = 0; i < EXIT_PAGES; i++) {
		unsigned char b;

		ASSERT_EQ(1, pread(fd, &b, 1, i * PG + PG - 1));
		EXPECT_EQ(i < EXIT_PAGES / 2 ? 0x55 : 0x44, b) TH_LOG("page %zu", i);
	}
	EXPECT_EQ(0, kmsg_count_since(mark, "WARNING"));
	EXPECT_EQ(0, kmsg_count_since(mark, "BUG"));
	EXPECT_EQ(0, kmsg_count_since(mark, "Oops"));
	close(fd);
	unlink(path);
}

TEST_HARNESS_MAIN
