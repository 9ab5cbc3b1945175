// SPDX-License-Identifier: GPL-2.0
/*
 * libmmf's 1.0 ABI and the database-port points of issue 10, against the
 * module: options structs of every published size, out-structs of any size
 * the caller knows, a view at "this address or fail" that never replaces a
 * mapping, madvise() advice on views working as on mmap() (seen through
 * mincore() and the section's fault counters), mmf_available(), and the
 * library's control handle that no longer pins the module once a process
 * closed its sections and views (mmfctl unload succeeds while it runs).
 */
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mmf_test.h"

#include <mmf.h>
#include "mmft_lib.h"

#define PG MMFT_PAGE
#define MMFCTL "/mmf/bin/mmfctl"

FIXTURE(abi) {
	char path[64];
	int fd;		/* O_RDWR, 4 pages of 'a' on ext4 */
};

FIXTURE_SETUP(abi)
{
	self->fd = mmft_tmpfile("/mnt/ext4", 4 * PG, 'a', self->path, sizeof(self->path));
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(abi)
{
	/* closed_process_does_not_pin_the_module unloads it. */
	if (!mmft_module_loaded())
		mmft_module_load();
	close(self->fd);
	unlink(self->path);
}

/*
 * Release 0.9.0's mmf_options (size, mode, readaround: 12 bytes) works, and
 * what lies past its size in memory is not read: here bytes that would be
 * unknown flags and a wild name pointer in a 1.0 struct.
 */
TEST_F(abi, old_size_options_work)
{
	union {
		struct mmf_options o;
		unsigned char b[256];
	} u;
	struct mmf_stats st = { .size = sizeof(st) };
	mmf_section *s;

	memset(&u, 0xa5, sizeof(u));
	u.o.size = MMF_OPTIONS_SIZE_VER0;
	u.o.mode = 0;
	u.o.readaround = 3;
	ASSERT_EQ(0, mmf_create_options(self->fd, 0, MMF_PAGE_READWRITE, &u.o, &s));
	EXPECT_FALSE(mmf_section_existed(s));
	ASSERT_EQ(0, mmf_section_stats(s, &st));
	EXPECT_EQ(3, st.readaround);
	EXPECT_EQ(4 * PG, st.section_size);
	ASSERT_EQ(0, mmf_close(s));

	/* A larger struct from a newer caller: a zero tail is fine. */
	memset(&u, 0, sizeof(u));
	u.o.size = sizeof(u);
	u.o.readaround = 5;
	ASSERT_EQ(0, mmf_create_options(self->fd, 0, MMF_PAGE_READWRITE, &u.o, &s));
	ASSERT_EQ(0, mmf_section_stats(s, &st));
	EXPECT_EQ(5, st.readaround);
	ASSERT_EQ(0, mmf_close(s));
	/* A setting this library does not know is refused, nothing created. */
	u.b[sizeof(u) - 1] = 1;
	EXPECT_EQ(-E2BIG, mmf_create_options(self->fd, 0, MMF_PAGE_READWRITE, &u.o, &s));
	EXPECT_EQ(NULL, s);

	/* The short call: defaults (the module's read-around). */
	ASSERT_EQ(0, mmf_create(self->fd, 0, MMF_PAGE_READONLY, &s));
	ASSERT_EQ(0, mmf_section_stats(s, &st));
	EXPECT_EQ(MMF_PAGE_READONLY, st.protection);
	EXPECT_LT(5, st.readaround);
	ASSERT_EQ(0, mmf_close(s));
}

/* A 1.0 options struct carries the name and flags; existed is a getter. */
TEST_F(abi, named_through_options)
{
	struct mmf_options o = { .size = sizeof(o), .name = "abi-test-named",
				 .flags = MMF_SECTION_EXCL };
	mmf_section *s, *t;

	ASSERT_EQ(0, mmf_create_options(self->fd, 0, MMF_PAGE_READWRITE, &o, &s));
	EXPECT_FALSE(mmf_section_existed(s));
	EXPECT_EQ(-EEXIST, mmf_create_options(self->fd, 0, MMF_PAGE_READWRITE, &o, &t));
	o.flags = 0;
	ASSERT_EQ(0, mmf_create_options(self->fd, 0, MMF_PAGE_READWRITE, &o, &t));
	EXPECT_TRUE(mmf_section_existed(t));
	EXPECT_EQ(mmf_section_size(s), mmf_section_size(t));
	mmf_close(t);
	mmf_close(s);
}

/*
 * Out-structs: the first published size and any larger one; the library
 * fills what it knows, zeroes the rest of the caller's struct and keeps
 * its size.
 */
TEST_F(abi, out_structs_of_any_size)
{
	union {
		struct mmf_stats st;
		struct mmf_view_info info;
		unsigned char b[512];
	} u;
	struct mmf_view_info info = { .size = MMF_VIEW_INFO_SIZE_VER0 };
	struct mmf_stats st = { .size = MMF_STATS_SIZE_VER0 };
	mmf_section *s;
	size_t i, tail;
	char *v;

	ASSERT_EQ(0, mmf_create(self->fd, 0, MMF_PAGE_READWRITE, &s));
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_WRITE, 0, 0, NULL, (void **)&v));
	v[PG] = 'z';

	ASSERT_EQ(0, mmf_section_stats(s, &st));
	EXPECT_EQ(1, st.pages_dirtied);
	EXPECT_EQ(1, st.views);
	memset(&u, 0xff, sizeof(u));
	u.st.size = sizeof(u);
	ASSERT_EQ(0, mmf_section_stats(s, &u.st));
	EXPECT_EQ(sizeof(u), u.st.size);
	EXPECT_EQ(st.section_id, u.st.section_id);
	EXPECT_EQ(st.pages_dirtied, u.st.pages_dirtied);
	EXPECT_EQ(st.dirty_pages, u.st.dirty_pages);
	EXPECT_EQ(0, u.st.flags);
	for (i = sizeof(u.st), tail = 0; i < sizeof(u); i++)
		tail += u.b[i] != 0;
	EXPECT_EQ(0, tail);
	u.st.size = MMF_STATS_SIZE_VER0 - 8;
	EXPECT_EQ(-EINVAL, mmf_section_stats(s, &u.st));

	ASSERT_EQ(0, mmf_query(v + PG + 5, &info));
	EXPECT_EQ(v, info.start);
	EXPECT_EQ(4 * PG, info.length);
	EXPECT_EQ(MMF_MAP_READ | MMF_MAP_WRITE, info.access & (MMF_MAP_READ | MMF_MAP_WRITE));
	memset(&u, 0xff, sizeof(u));
	u.info.size = sizeof(u);
	ASSERT_EQ(0, mmf_query(v, &u.info));
	EXPECT_EQ(info.start, u.info.start);
	EXPECT_EQ(info.section_id, u.info.section_id);
	EXPECT_EQ(st.section_id, u.info.section_id);
	for (i = sizeof(u.info), tail = 0; i < sizeof(u); i++)
		tail += u.b[i] != 0;
	EXPECT_EQ(0, tail);
	u.info.size = 0;
	EXPECT_EQ(-EINVAL, mmf_query(v, &u.info));
	mmf_unmap(v);
	mmf_close(s);
}

/* Whether any page of [p, p + len) is mapped at all (mincore: ENOMEM if not). */
static int any_mapped(void *p, size_t len)
{
	unsigned char vec[64];
	size_t i;

	for (i = 0; i < len; i += PG)
		if (mincore((char *)p + i, PG, vec) == 0)
			return 1;
	return 0;
}

/*
 * MMF_MAP_FIXED: the view goes exactly there, or the call fails with
 * -EEXIST and the mapping that was there is intact (contents and all);
 * also when only part of the range is taken.
 */
TEST_F(abi, fixed_address_or_fail)
{
	mmf_section *s;
	char *area, *other, *v;

	ASSERT_EQ(0, mmf_create(self->fd, 0, MMF_PAGE_READWRITE, &s));
	/* Find 8 free pages, keep page 4 of them occupied by another mapping. */
	area = mmap(NULL, 8 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	ASSERT_EQ(0, munmap(area, 8 * PG));
	other = mmap(area + 4 * PG, PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_EQ(area + 4 * PG, other);
	memset(other, 'o', PG);

	/* Wholly on the other mapping. */
	v = (char *)1;
	EXPECT_EQ(-EEXIST, mmf_map(s, MMF_MAP_WRITE | MMF_MAP_FIXED, 0, PG, other, (void **)&v));
	EXPECT_EQ(NULL, v);
	/* Partly: pages 2..5 of the area, page 4 taken. */
	EXPECT_EQ(-EEXIST, mmf_map(s, MMF_MAP_WRITE | MMF_MAP_FIXED, 0, 4 * PG, area + 2 * PG,
				   (void **)&v));
	EXPECT_TRUE(mmft_all(other, PG, 'o'));
	EXPECT_FALSE(any_mapped(area + 2 * PG, 2 * PG));
	EXPECT_FALSE(any_mapped(area + 5 * PG, PG));
	/* Free: exactly there, and it is the file. */
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_WRITE | MMF_MAP_FIXED, 0, 4 * PG, area, (void **)&v));
	EXPECT_EQ(area, v);
	EXPECT_TRUE(mmft_all(v, 4 * PG, 'a'));
	EXPECT_TRUE(mmft_all(other, PG, 'o'));
	/* The view itself is a mapping that a fixed view does not replace. */
	EXPECT_EQ(-EEXIST, mmf_map(s, MMF_MAP_READ | MMF_MAP_FIXED, 0, PG, area + PG,
				   (void **)&v));
	EXPECT_TRUE(mmft_all(area, 4 * PG, 'a'));
	/* Without the flag the address is a hint: the call succeeds elsewhere. */
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_READ, 0, PG, other, (void **)&v));
	EXPECT_NE(other, v);
	EXPECT_TRUE(mmft_all(other, PG, 'o'));
	mmf_unmap(v);
	mmf_unmap(area);
	munmap(other, PG);
	mmf_close(s);
}

/*
 * MMF_SECTION_PAST_EOF: a read-only section larger than its file, which is
 * not grown; pages past the end raise SIGBUS until a writer grows the file,
 * then show its bytes.  Without the flag: -EACCES (the Win32 rule).
 */
TEST_F(abi, read_only_section_past_the_end_of_the_file)
{
	struct mmf_options o = { .size = sizeof(o), .flags = MMF_SECTION_PAST_EOF };
	struct mmf_version ver = { .size = sizeof(ver) };
	int h = mmft_handle();
	char buf[64];
	mmf_section *s;
	struct stat st;
	char *v;

	ASSERT_LE(0, h);
	ASSERT_EQ(0, ioctl(h, MMF_IOC_VERSION, &ver));
	close(h);
	EXPECT_TRUE(ver.features & MMF_FEATURE_PAST_EOF);
	/* Refused where something could write, and without the flag. */
	EXPECT_EQ(-EACCES, mmf_create(self->fd, 8 * PG, MMF_PAGE_READONLY, &s));
	EXPECT_EQ(-EINVAL, mmf_create_options(self->fd, 8 * PG, MMF_PAGE_READWRITE, &o, &s));
	EXPECT_EQ(-EINVAL, mmf_create_options(self->fd, 8 * PG, MMF_PAGE_WRITECOPY, &o, &s));
	EXPECT_EQ(-EINVAL, mmf_create_options(MMF_NO_FILE, 8 * PG, MMF_PAGE_READONLY, &o, &s));
	/* The module refuses them too, whoever calls it. */
	EXPECT_EQ(-EINVAL, mmft_create(self->fd, MMF_PROT_READWRITE, 8 * PG, NULL, 0,
				       MMF_CREATE_PAST_EOF, NULL));
	EXPECT_EQ(-EINVAL, mmft_create(self->fd, MMF_PROT_WRITECOPY, 8 * PG, NULL, 0,
				       MMF_CREATE_PAST_EOF, NULL));
	EXPECT_EQ(-EINVAL, mmft_create(-1, MMF_PROT_READ, 8 * PG, NULL, 0,
				       MMF_CREATE_PAST_EOF | MMF_CREATE_SWAP, NULL));

	ASSERT_EQ(0, mmf_create_options(self->fd, 8 * PG, MMF_PAGE_READONLY, &o, &s));
	EXPECT_EQ(8 * PG, mmf_section_size(s));
	ASSERT_EQ(0, fstat(self->fd, &st));
	EXPECT_EQ(4 * PG, st.st_size);
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_READ, 0, 0, NULL, (void **)&v));
	EXPECT_TRUE(mmft_all(v, 4 * PG, 'a'));
	EXPECT_EQ(SIGBUS, mmft_access_signal(v + 4 * PG, 0));
	EXPECT_EQ(SIGBUS, mmft_access_signal(v + 7 * PG + 100, 0));
	/* A writer grows the file: the view shows the new bytes. */
	memset(buf, 'g', sizeof(buf));
	ASSERT_EQ(sizeof(buf), pwrite(self->fd, buf, sizeof(buf), 5 * PG + 10));
	EXPECT_TRUE(mmft_all(v + 5 * PG + 10, sizeof(buf), 'g'));
	EXPECT_TRUE(mmft_all(v + 4 * PG, PG, 0));
	EXPECT_EQ(0, v[5 * PG]);
	EXPECT_EQ(SIGBUS, mmft_access_signal(v + 6 * PG, 0));
	/* Writing is refused as on any read-only view. */
	EXPECT_EQ(SIGSEGV, mmft_access_signal(v, 1));
	mmf_unmap(v);
	mmf_close(s);
}

/* MMF_SECTION_UNTRACKED: on shmem only, reported, and no write watch. */
TEST_F(abi, untracked_sections_through_the_library)
{
	struct mmf_options o = { .size = sizeof(o), .flags = MMF_SECTION_UNTRACKED };
	struct mmf_stats st = { .size = sizeof(st) };
	uint64_t bits = 0, written = 1;
	size_t count = 7;
	mmf_section *s, *t;
	char *v;

	/* ext4 writes back: the record is what a flush writes. */
	EXPECT_EQ(-EOPNOTSUPP, mmf_create_options(self->fd, 0, MMF_PAGE_READWRITE, &o, &s));
	ASSERT_EQ(0, mmf_create_options(MMF_NO_FILE, 4 * PG, MMF_PAGE_READWRITE, &o, &s));
	ASSERT_EQ(0, mmf_section_stats(s, &st));
	EXPECT_EQ(MMF_SECTION_UNTRACKED, st.flags);
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_WRITE, 0, 0, NULL, (void **)&v));
	memset(v, 'u', 4 * PG);
	EXPECT_EQ(-EOPNOTSUPP, mmf_write_watch(v, 4 * PG, 0, &bits, 64, &count));
	EXPECT_EQ(0, mmf_flush(v, 0, 0, &written));
	EXPECT_EQ(0, written);
	ASSERT_EQ(0, mmf_section_stats(s, &st));
	EXPECT_EQ(0, st.pages_dirtied);
	EXPECT_EQ(0, st.dirty_pages);
	EXPECT_EQ(1, st.flushes);
	/* A tracked one says so, and counts. */
	ASSERT_EQ(0, mmf_create(MMF_NO_FILE, 4 * PG, MMF_PAGE_READWRITE, &t));
	ASSERT_EQ(0, mmf_section_stats(t, &st));
	EXPECT_EQ(0, st.flags);
	ASSERT_EQ(0, mmf_unmap(v));
	ASSERT_EQ(0, mmf_map(t, MMF_MAP_WRITE, 0, 0, NULL, (void **)&v));
	memset(v, 'u', 4 * PG);
	ASSERT_EQ(0, mmf_section_stats(t, &st));
	EXPECT_EQ(4, st.dirty_pages);
	ASSERT_EQ(0, mmf_unmap(v));
	ASSERT_EQ(0, mmf_close(t));
	ASSERT_EQ(0, mmf_close(s));
}

TEST(available_says_yes)
{
	EXPECT_EQ(0, mmf_available());
	EXPECT_EQ(MMF_ABI_VERSION, mmf_abi_version());
}

/* Resident pages among [first, first + n) of a view, by mincore(). */
static long resident(const char *v, size_t first, size_t n)
{
	unsigned char vec[512];
	long count = 0;
	size_t i;

	if (n > sizeof(vec) || mincore((void *)(v + first * PG), n * PG, vec))
		return -1;
	for (i = 0; i < n; i++)
		count += vec[i] & 1;
	return count;
}

#define ADV_PAGES	256
#define ADV_WINDOW	16

FIXTURE(advice) {
	char path[64];
	int fd;
	mmf_section *s;
	char *v;
};

/* A 256-page file out of the page cache, a read-only view, read-around 16. */
FIXTURE_SETUP(advice)
{
	const struct mmf_options o = { .size = sizeof(o), .readaround = ADV_WINDOW };

	self->fd = mmft_tmpfile("/mnt/ext4", ADV_PAGES * PG, 'r', self->path,
				sizeof(self->path));
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fdatasync(self->fd));
	ASSERT_EQ(0, posix_fadvise(self->fd, 0, 0, POSIX_FADV_DONTNEED));
	ASSERT_EQ(0, mmft_drop_caches());
	ASSERT_EQ(0, mmf_create_options(self->fd, 0, MMF_PAGE_READONLY, &o, &self->s));
	ASSERT_EQ(0, mmf_map(self->s, MMF_MAP_READ, 0, 0, NULL, (void **)&self->v));
	ASSERT_EQ(0, resident(self->v, 0, ADV_PAGES));
}

FIXTURE_TEARDOWN(advice)
{
	mmf_unmap(self->v);
	mmf_close(self->s);
	close(self->fd);
	unlink(self->path);
}

static uint64_t stat_of(mmf_section *s, int major)
{
	struct mmf_stats st = { .size = sizeof(st) };

	if (mmf_section_stats(s, &st))
		return UINT64_MAX;
	return major ? st.major_faults : st.faults;
}

/* MADV_WILLNEED reads the range in without a single fault. */
TEST_F_TIMEOUT(advice, willneed_reads_ahead_without_faults, 60)
{
	long got = 0;
	int i;

	ASSERT_EQ(0, madvise(self->v + 64 * PG, 64 * PG, MADV_WILLNEED));
	/* The reads are started, not waited for. */
	for (i = 0; i < 500 && (got = resident(self->v, 64, 64)) < 64; i++)
		usleep(10000);
	EXPECT_EQ(64, got);
	EXPECT_EQ(0, resident(self->v, 0, 64));
	EXPECT_EQ(0, resident(self->v, 128, 128));
	EXPECT_EQ(0, stat_of(self->s, 0));
	/* Touching them now reads nothing from the disk. */
	for (i = 64; i < 128; i++)
		EXPECT_EQ('r', ((volatile char *)self->v)[i * PG]);
	EXPECT_EQ(0, stat_of(self->s, 1));
	EXPECT_LT(0, stat_of(self->s, 0));
}

/* Without advice a fault reads around itself: pages before it too. */
TEST_F(advice, normal_reads_around)
{
	EXPECT_EQ('r', ((volatile char *)self->v)[100 * PG]);
	EXPECT_EQ(1, stat_of(self->s, 1));
	EXPECT_LT(0, resident(self->v, 100 - ADV_WINDOW, ADV_WINDOW));
	EXPECT_LT(1, resident(self->v, 0, ADV_PAGES));
}

/* MADV_RANDOM: no read-around, the faulting page only. */
TEST_F(advice, random_reads_one_page)
{
	ASSERT_EQ(0, madvise(self->v, ADV_PAGES * PG, MADV_RANDOM));
	EXPECT_EQ('r', ((volatile char *)self->v)[100 * PG]);
	EXPECT_EQ(1, stat_of(self->s, 1));
	EXPECT_EQ(1, resident(self->v, 100, 1));
	EXPECT_EQ(1, resident(self->v, 0, ADV_PAGES));
	EXPECT_EQ('r', ((volatile char *)self->v)[101 * PG]);
	EXPECT_EQ(2, stat_of(self->s, 1));
	EXPECT_EQ(2, resident(self->v, 0, ADV_PAGES));
}

/* MADV_SEQUENTIAL: reads ahead of the fault, never behind it. */
TEST_F(advice, sequential_reads_ahead_only)
{
	ASSERT_EQ(0, madvise(self->v, ADV_PAGES * PG, MADV_SEQUENTIAL));
	EXPECT_EQ('r', ((volatile char *)self->v)[100 * PG]);
	EXPECT_EQ(1, stat_of(self->s, 1));
	EXPECT_EQ(0, resident(self->v, 0, 100));
	EXPECT_LT(1, resident(self->v, 100, ADV_WINDOW));
}

/* This process's open descriptors of /dev/mmf. */
static int devmmf_fds(void)
{
	char path[64], target[64];
	int fd, n = 0;
	ssize_t len;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		n += !strcmp(target, "/dev/mmf");
	}
	return n;
}

/*
 * The library's control handle (the process-wide open of /dev/mmf) lives
 * exactly while a section handle (made, opened or imported) or a view
 * mapped with mmf_map() lives, and is closed with the last of them.
 */
TEST_F(abi, control_handle_lives_with_sections_and_views)
{
	mmf_section *a, *b;
	uint64_t written;
	int d;
	char *v;

	ASSERT_EQ(0, devmmf_fds());
	ASSERT_EQ(0, mmf_create(self->fd, 0, MMF_PAGE_READWRITE, &a));
	ASSERT_EQ(0, mmf_map(a, MMF_MAP_WRITE, 0, 0, NULL, (void **)&v));
	v[0] = 'x';
	ASSERT_EQ(0, mmf_flush(v, 0, 0, &written));
	EXPECT_EQ(1, written);
	EXPECT_EQ(2, devmmf_fds());	/* a's handle and the control handle */
	/* A handle imported from a descriptor counts as one too. */
	ASSERT_EQ(0, mmf_section_export(a, &d));
	ASSERT_EQ(0, mmf_section_import(d, MMF_MAP_READ, &b));
	close(d);
	EXPECT_EQ(3, devmmf_fds());
	ASSERT_EQ(0, mmf_close(b));
	EXPECT_EQ(2, devmmf_fds());
	ASSERT_EQ(0, mmf_close(a));
	/* The view still holds it. */
	EXPECT_EQ(1, devmmf_fds());
	v[1] = 'y';
	ASSERT_EQ(0, mmf_flush(v, 0, MMF_FLUSH_DURABLE, &written));
	EXPECT_EQ(1, written);
	EXPECT_EQ(1, devmmf_fds());
	ASSERT_EQ(0, mmf_unmap(v));
	EXPECT_EQ(0, devmmf_fds());
	/* With nothing open, a call opens it for its own duration. */
	EXPECT_EQ(0, mmf_available());
	EXPECT_EQ(0, devmmf_fds());
	EXPECT_TRUE(mmft_file_all(self->fd, 0, 1, 'x'));
	EXPECT_TRUE(mmft_file_all(self->fd, 1, 1, 'y'));
}

/*
 * A process that made and closed a section and its view, still running,
 * does not keep the module loaded: mmfctl unload succeeds (the library
 * closed its process-wide /dev/mmf open with the last section or view).
 * While it still holds the section, unload fails.
 */
static void child_uses_mmf(const char *path, int ready, int go)
{
	mmf_section *s;
	uint64_t written;
	char c, *v;
	int fd = open(path, O_RDWR);

	if (fd < 0 || mmf_create(fd, 0, MMF_PAGE_READWRITE, &s) ||
	    mmf_map(s, MMF_MAP_WRITE, 0, 0, NULL, (void **)&v))
		_exit(1);
	close(fd);
	v[0] = 'w';
	if (mmf_flush(v, 0, MMF_FLUSH_DURABLE, &written) || written != 1)
		_exit(2);
	/* Step 1: everything still open. */
	if (write(ready, "1", 1) != 1 || read(go, &c, 1) != 1)
		_exit(3);
	if (mmf_unmap(v + 5) || mmf_close(s))
		_exit(4);
	/* Step 2: all closed; the library used the control handle above. */
	if (write(ready, "2", 1) != 1)
		_exit(5);
	read(go, &c, 1);	/* until the parent is done */
	_exit(0);
}

TEST_F_TIMEOUT(abi, closed_process_does_not_pin_the_module, 120)
{
	int ready[2], go[2], status, loaded = 1, i;
	char c;
	pid_t pid;

	if (!mmft_module_loaded())
		SKIP(return, "module not loaded");
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		child_uses_mmf(self->path, ready[1], go[0]);
	}
	close(ready[1]);
	close(go[0]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ('1', c);
	/* A live section and view: the module is in use. */
	EXPECT_NE(0, system(MMFCTL " unload 2>/dev/null"));
	EXPECT_TRUE(mmft_module_loaded());
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ('2', c);
	/* The child still runs, with nothing of mmf open. */
	EXPECT_EQ(0, kill(pid, 0));
	/* A last fput may be deferred to a worker: give it a moment. */
	for (i = 0; i < 500 && mmft_module_refcnt() > 0; i++)
		usleep(10000);
	EXPECT_EQ(0, mmft_module_refcnt());
	EXPECT_EQ(0, system(MMFCTL " unload"));
	loaded = mmft_module_loaded();
	EXPECT_FALSE(loaded);
	/* Without the module the library says so; back with it, it works. */
	if (!loaded) {
		EXPECT_EQ(-ENXIO, mmf_available());
		EXPECT_STREQ(mmf_strerror(-ENXIO), mmf_strerror(mmf_available()));
		ASSERT_EQ(0, mmft_module_load());
	}
	EXPECT_EQ(0, mmf_available());
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The child's flushed byte is in the file. */
	EXPECT_TRUE(mmft_file_all(self->fd, 0, 1, 'w'));
	close(ready[0]);
	close(go[1]);
}

TEST_HARNESS_MAIN
