// SPDX-License-Identifier: GPL-2.0
/*
 * The flush, release and dirty-index paths (issue 7, "correctness and
 * cost"): each test asserts or measures one behaviour, named with its
 * item number in its comment.  Page states are read with cachestat(2)
 * where the kernel has it (6.5+) and from /proc/kpageflags elsewhere.
 * Periodic write-back is switched off while a test that counts dirty
 * pages runs (and restored).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#define EXT4		"/mnt/ext4"
#define WB_KNOB		"/proc/sys/vm/dirty_writeback_centisecs"

/*
 * Item 11: the library flushes every section through one process-wide
 * open of /dev/mmf.  The error cursor it keeps per section it flushed must
 * die with the section, or it grows for the life of the process.  And a
 * handle that goes first takes its cursors with it.
 */
TEST(error_cursors_die_with_their_sections)
{
	char path[64];
	long base, now, most;
	unsigned char *v;
	int fd, c, c2, h, i;

	base = mmft_debugfs_counter("cursors");
	ASSERT_LE(0, base) TH_LOG("no cursors counter in " MMFT_DEBUGFS_SECTIONS);
	most = base;
	fd = mmft_tmpfile(EXT4, MMFT_PAGE, 0x11, path, sizeof(path));
	ASSERT_LE(0, fd);
	c = mmft_handle();
	ASSERT_LE(0, c);
	for (i = 0; i < 10000; i++) {
		h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
		ASSERT_LE(0, h) TH_LOG("CREATE %d: %s", i, strerror(-h));
		v = mmft_map(h, MMFT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		ASSERT_NE(MAP_FAILED, v);
		if (i % 100 == 0)
			v[0] = (unsigned char)i;
		ASSERT_EQ(0, mmft_flush(c, v, 0, 0, NULL));
		munmap(v, MMFT_PAGE);
		close(h);
		if (i % 500 == 499) {
			now = mmft_debugfs_counter("cursors");
			if (now > most)
				most = now;
		}
	}
	TH_LOG("cursors: %ld before, at most %ld during 10000 sections", base, most);
	EXPECT_EQ(base, most) TH_LOG("cursors of dead sections are kept");
	EXPECT_EQ(base, mmft_debugfs_counter("cursors"));

	/* Both handles flush a live section; the handles go first. */
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h);
	v = mmft_map(h, MMFT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	c2 = mmft_handle();
	ASSERT_LE(0, c2);
	ASSERT_EQ(0, mmft_flush(c, v, 0, 0, NULL));
	ASSERT_EQ(0, mmft_flush(c2, v, 0, 0, NULL));
	EXPECT_EQ(base + 2, mmft_debugfs_counter("cursors"));
	close(c2);
	EXPECT_EQ(base + 1, mmft_debugfs_counter("cursors"));
	close(c);
	EXPECT_EQ(base, mmft_debugfs_counter("cursors"));
	/* The section lives on, and a new handle is told what it must be. */
	c = mmft_handle();
	ASSERT_LE(0, c);
	v[0] = 0x77;
	ASSERT_EQ(0, mmft_flush(c, v, 0, 0, NULL));
	EXPECT_TRUE(mmft_file_all(fd, 0, 1, 0x77));
	munmap(v, MMFT_PAGE);
	close(h);
	close(c);
	EXPECT_EQ(base, mmft_debugfs_counter("cursors"));
	close(fd);
	unlink(path);
}

TEST_HARNESS_MAIN
