// SPDX-License-Identifier: GPL-2.0
/*
 * Races a careless or hostile program can run against the module: named
 * creates of one name from many threads (one section, every other create
 * joins it), and the module-wide counts coming back to where they were.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/mmf.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#define RACERS		4

struct create_racer {
	pthread_barrier_t *barrier;
	const char *name;
	int fd;
	int handle;
	struct mmf_create out;
};

static void *create_race(void *arg)
{
	struct create_racer *r = arg;

	pthread_barrier_wait(r->barrier);
	if (r->fd >= 0)
		r->handle = mmft_create(r->fd, MMF_PROT_READWRITE, 0, r->name, 0600, 0, &r->out);
	else
		r->handle = mmft_create_swap(MMFT_PAGE, r->name, 0600, &r->out);
	return NULL;
}

/*
 * Creates of one name at once, swap-backed and file-backed: all bind one
 * section, exactly one of them made it, the others say it existed, and a
 * write through one view is seen through another.
 */
static void race_named_creates(struct __test_metadata *_metadata, int fd)
{
	struct create_racer r[RACERS];
	pthread_barrier_t barrier;
	pthread_t t[RACERS];
	long sections = mmft_debugfs_counter("sections");
	int round, k, made;
	char name[64];

	ASSERT_LE(0, sections);
	ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, RACERS));
	for (round = 0; round < 200; round++) {
		unsigned char *a, *b;

		snprintf(name, sizeof(name), "mmf-stress-%d-%d", fd, round);
		for (k = 0; k < RACERS; k++) {
			r[k] = (struct create_racer){ &barrier, name, fd, -1 };
			ASSERT_EQ(0, pthread_create(&t[k], NULL, create_race, &r[k]));
		}
		for (k = 0; k < RACERS; k++)
			pthread_join(t[k], NULL);
		made = 0;
		for (k = 0; k < RACERS; k++) {
			ASSERT_LE(0, r[k].handle);
			ASSERT_EQ(r[0].out.section_id, r[k].out.section_id);
			if (!(r[k].out.result & MMF_RESULT_EXISTED))
				made++;
		}
		ASSERT_EQ(1, made);
		EXPECT_EQ(sections + 1, mmft_debugfs_counter("sections"));
		a = mmft_map(r[0].handle, MMFT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		b = mmft_map(r[RACERS - 1].handle, MMFT_PAGE, PROT_READ, MAP_SHARED, 0);
		ASSERT_NE(MAP_FAILED, a);
		ASSERT_NE(MAP_FAILED, b);
		a[7] = (unsigned char)round;
		EXPECT_EQ((unsigned char)round, b[7]);
		munmap(a, MMFT_PAGE);
		munmap(b, MMFT_PAGE);
		for (k = 0; k < RACERS; k++)
			close(r[k].handle);
		/* The name died with its last handle. */
		EXPECT_EQ(-ENOENT, mmft_open_named(name, MMF_ACCESS_READ, NULL));
	}
	pthread_barrier_destroy(&barrier);
	EXPECT_EQ(sections, mmft_debugfs_counter("sections"));
	EXPECT_EQ(0, mmft_debugfs_counter("views"));
}

TEST(racing_named_creates_of_swap_sections_bind_one_section)
{
	race_named_creates(_metadata, -1);
}

TEST(racing_named_creates_of_a_file_bind_one_section)
{
	char path[256];
	int fd = mmft_tmpfile("/mnt/ext4", MMFT_PAGE, 'r', path, sizeof(path));

	ASSERT_LE(0, fd);
	race_named_creates(_metadata, fd);
	close(fd);
	unlink(path);
}

#define FLUSH_PAGES	256
#define WRITERS		2

struct flush_writer {
	unsigned char *view;
	volatile int *stop;
	unsigned int seed;
	unsigned int id;
};

/*
 * Writer i owns the pages p with p % WRITERS == i and writes a growing
 * counter into their first word, so the last value of every page is known
 * afterwards (the view itself is the shadow copy).
 */
static void *flush_writer_fn(void *arg)
{
	struct flush_writer *w = arg;
	unsigned int n = 0;

	while (!*w->stop) {
		unsigned int p = rand_r(&w->seed) % (FLUSH_PAGES / WRITERS) * WRITERS + w->id;

		((volatile unsigned int *)(w->view + p * MMFT_PAGE))[0] = ++n;
	}
	return NULL;
}

/*
 * Writers hammer a view while flushes (waiting and asynchronous) and
 * write-watch resets run: afterwards one flush leaves nothing dirty, the
 * file read back with pread after dropping the caches holds exactly what
 * the view shows, and a write to every page after that flush is recorded
 * again (no page left writable without a record).
 */
static void flush_under_writers(struct __test_metadata *_metadata, const char *dir)
{
	struct flush_writer w[WRITERS];
	pthread_t t[WRITERS];
	volatile int stop = 0;
	uint64_t bits[FLUSH_PAGES / 64], dirty, written;
	struct mmf_write_watch ww;
	struct mmf_stat st;
	unsigned char *v, *buf;
	char path[256];
	int fd, h, i, round;

	fd = mmft_tmpfile(dir, FLUSH_PAGES * MMFT_PAGE, 0, path, sizeof(path));
	ASSERT_LE(0, fd);
	h = mmft_create(fd, MMF_PROT_READWRITE, 0, NULL, 0, 0, NULL);
	ASSERT_LE(0, h);
	v = mmft_map(h, FLUSH_PAGES * MMFT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, v);
	for (i = 0; i < WRITERS; i++) {
		w[i] = (struct flush_writer){ v, &stop, 1234u + i, i };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, flush_writer_fn, &w[i]));
	}
	for (round = 0; round < 100; round++) {
		unsigned int flags = round % 3 == 1 ? MMF_FLUSH_ASYNC : 0;

		ASSERT_EQ(0, mmft_flush(h, v, FLUSH_PAGES * MMFT_PAGE, flags, &written));
		if (round % 5 == 0) {
			ww = (struct mmf_write_watch){
				.size = sizeof(ww), .flags = MMF_WATCH_RESET,
				.addr = (uintptr_t)v, .length = FLUSH_PAGES * MMFT_PAGE,
				.bitmap = (uintptr_t)bits, .bitmap_bits = FLUSH_PAGES,
			};
			ASSERT_EQ(0, ioctl(h, MMF_IOC_WRITE_WATCH, &ww));
		}
	}
	stop = 1;
	for (i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);

	ASSERT_EQ(0, mmft_flush(h, v, FLUSH_PAGES * MMFT_PAGE, 0, &written));
	ASSERT_EQ(0, mmft_stat(h, &st));
	EXPECT_EQ(0, st.dirty_pages);
	ASSERT_EQ(0, mmft_drop_caches());
	buf = malloc(MMFT_PAGE);
	ASSERT_NE(NULL, buf);
	for (i = 0; i < FLUSH_PAGES; i++) {
		ASSERT_EQ((ssize_t)MMFT_PAGE, pread(fd, buf, MMFT_PAGE, (off_t)i * MMFT_PAGE));
		if (memcmp(buf, v + i * MMFT_PAGE, MMFT_PAGE)) {
			TH_LOG("page %d differs from the view", i);
			EXPECT_TRUE(0);
			break;
		}
	}
	free(buf);
	/* Every page written once more: every write recorded. */
	for (i = 0; i < FLUSH_PAGES; i++)
		v[i * MMFT_PAGE + 8] = 1;
	ASSERT_EQ(0, mmft_stat(h, &st));
	EXPECT_EQ(FLUSH_PAGES, st.dirty_pages);
	ww = (struct mmf_write_watch){
		.size = sizeof(ww), .addr = (uintptr_t)v, .length = FLUSH_PAGES * MMFT_PAGE,
		.bitmap = (uintptr_t)bits, .bitmap_bits = FLUSH_PAGES,
	};
	ASSERT_EQ(0, ioctl(h, MMF_IOC_WRITE_WATCH, &ww));
	dirty = ww.dirty_pages;
	EXPECT_EQ(FLUSH_PAGES, dirty);
	munmap(v, FLUSH_PAGES * MMFT_PAGE);
	close(h);
	close(fd);
	unlink(path);
}

/*
 * 100 waiting flushes of a disk under two writers: under TCG on a loaded
 * host that took longer than the harness's default 30 s (minix), so these
 * get 120 s; the test asserts what reached the file, not how fast.
 */
FIXTURE(race) {};
FIXTURE_SETUP(race) {}
FIXTURE_TEARDOWN(race) {}

TEST_F_TIMEOUT(race, flushes_racing_with_writers_lose_nothing_on_ext4, 120)
{
	flush_under_writers(_metadata, "/mnt/ext4");
}

TEST_F_TIMEOUT(race, flushes_racing_with_writers_lose_nothing_on_tmpfs, 120)
{
	flush_under_writers(_metadata, "/tmp");
}

TEST_F_TIMEOUT(race, flushes_racing_with_writers_lose_nothing_on_minix, 120)
{
	flush_under_writers(_metadata, "/mnt/minix");
}

TEST_HARNESS_MAIN
