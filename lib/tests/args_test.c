// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of the native API's argument checks: every one of them
 * is decided by the library before it talks to /dev/mmf, so they need no
 * module.  Linked with libmmf.a, so a fake section can be built.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "internal.h"
#include "../../selftests/mmft_lib.h"

#define PAGE ((size_t)sysconf(_SC_PAGESIZE))

/* A section as the library sees it, bound to no open of /dev/mmf. */
static mmf_section fake(unsigned int access, uint64_t size)
{
	return (mmf_section){ .fd = -1, .access = access, .prot = MMF_PAGE_READWRITE,
			      .size = size, .id = 1 };
}

static char long_name[MMF_NAME_MAX + 2];

static void fill_long_name(void)
{
	memset(long_name, 'n', MMF_NAME_MAX + 1);
	long_name[MMF_NAME_MAX + 1] = '\0';
}

TEST(create_rejects_bad_arguments)
{
	mmf_section *s = (mmf_section *)0x1;
	struct mmf_options small = { .size = 4 };
	struct { struct mmf_options o; unsigned int extra; } big = {
		{ .size = sizeof(big) }, 1,
	};
	struct mmf_options badmode = { .size = sizeof(badmode), .mode = 01000 };

	fill_long_name();
	EXPECT_EQ(-EINVAL, mmf_create(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, NULL));
	EXPECT_EQ(-EINVAL, mmf_create(MMF_NO_FILE, 4096, 0, &s));
	EXPECT_EQ(NULL, s);	/* cleared on failure */
	EXPECT_EQ(-EINVAL, mmf_create(MMF_NO_FILE, 4096, 4, &s));
	EXPECT_EQ(-EINVAL, mmft_lib_create(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, NULL, 1U << 5, NULL, &s, NULL));
	EXPECT_EQ(-EINVAL, mmft_lib_create(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, NULL, 0, &small, &s, NULL));
	EXPECT_EQ(-E2BIG, mmft_lib_create(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, NULL, 0, &big.o, &s, NULL));
	EXPECT_EQ(-EINVAL, mmft_lib_create(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, "x", 0, &badmode, &s, NULL));
	EXPECT_EQ(-EBADF, mmf_create(-2, 4096, MMF_PAGE_READWRITE, &s));
	EXPECT_EQ(-EINVAL, mmf_create(MMF_NO_FILE, 0, MMF_PAGE_READWRITE, &s));
	EXPECT_EQ(-EINVAL, mmft_lib_create(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, "", 0, NULL, &s, NULL));
	EXPECT_EQ(-ENAMETOOLONG, mmft_lib_create(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, long_name, 0, NULL, &s, NULL));
	EXPECT_EQ(-EINVAL, mmft_lib_create(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, NULL, MMF_SECTION_EXCL, NULL, &s, NULL));
	EXPECT_EQ(-EINVAL, mmft_lib_create(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, "x", MMF_SECTION_UNTRACKED << 1, NULL, &s, NULL));
	/* Past the end of a file: read-only sections of a file only. */
	EXPECT_EQ(-EINVAL, mmft_lib_create(MMF_NO_FILE, 4096, MMF_PAGE_READONLY, NULL, MMF_SECTION_PAST_EOF, NULL, &s, NULL));
	EXPECT_EQ(-EINVAL, mmft_lib_create(0, 4096, MMF_PAGE_READWRITE, NULL, MMF_SECTION_PAST_EOF, NULL, &s, NULL));
	EXPECT_EQ(-EINVAL, mmft_lib_create(0, 4096, MMF_PAGE_WRITECOPY, NULL, MMF_SECTION_PAST_EOF, NULL, &s, NULL));
}

TEST(open_rejects_bad_arguments)
{
	mmf_section *s = (mmf_section *)0x1;

	fill_long_name();
	EXPECT_EQ(-EINVAL, mmf_open("x", MMF_MAP_READ, NULL));
	EXPECT_EQ(-EINVAL, mmf_open(NULL, MMF_MAP_READ, &s));
	EXPECT_EQ(NULL, s);
	EXPECT_EQ(-EINVAL, mmf_open("x", 0, &s));
	EXPECT_EQ(-EINVAL, mmf_open("x", 1U << 4, &s));
	EXPECT_EQ(-EINVAL, mmf_open("", MMF_MAP_READ, &s));
	EXPECT_EQ(-ENAMETOOLONG, mmf_open(long_name, MMF_MAP_READ, &s));
}

TEST(map_rejects_bad_arguments)
{
	mmf_section ro = fake(MMF_ACCESS_READ | MMF_ACCESS_COPY, 10 * PAGE);
	mmf_section rw = fake(MMF_ACCESS_READ | MMF_ACCESS_WRITE | MMF_ACCESS_COPY, 10 * PAGE + 1);
	void *v = (void *)0x1;

	EXPECT_EQ(-EINVAL, mmf_map(NULL, MMF_MAP_READ, 0, 0, NULL, &v));
	EXPECT_EQ(NULL, v);
	EXPECT_EQ(-EINVAL, mmf_map(&rw, MMF_MAP_READ, 0, 0, NULL, NULL));
	EXPECT_EQ(-EINVAL, mmf_map(&rw, 0, 0, 0, NULL, &v));
	EXPECT_EQ(-EINVAL, mmf_map(&rw, MMF_MAP_EXEC, 0, 0, NULL, &v));
	EXPECT_EQ(-EINVAL, mmf_map(&rw, 1U << 4 | MMF_MAP_READ, 0, 0, NULL, &v));
	EXPECT_EQ(-EINVAL, mmf_map(&rw, MMF_MAP_WRITE | MMF_MAP_COPY, 0, 0, NULL, &v));
	EXPECT_EQ(-EINVAL, mmf_map(&rw, MMF_MAP_READ, 1, 0, NULL, &v));
	EXPECT_EQ(-EINVAL, mmf_map(&rw, MMF_MAP_READ, PAGE / 2, PAGE, NULL, &v));
	/* Offsets at or past the end, lengths past the end (byte-exact). */
	EXPECT_EQ(-EINVAL, mmf_map(&ro, MMF_MAP_READ, 10 * PAGE, 0, NULL, &v));
	EXPECT_EQ(-EINVAL, mmf_map(&ro, MMF_MAP_READ, 0, 10 * PAGE + 1, NULL, &v));
	EXPECT_EQ(-EINVAL, mmf_map(&rw, MMF_MAP_READ, 10 * PAGE, 2, NULL, &v));
	EXPECT_EQ(-EINVAL, mmf_map(&rw, MMF_MAP_READ, 0, SIZE_MAX, NULL, &v));
	EXPECT_EQ(-EINVAL, mmf_map(&rw, MMF_MAP_READ, 0, 0, (void *)(PAGE + 1), &v));
	/* Rights the handle does not have. */
	EXPECT_EQ(-EACCES, mmf_map(&ro, MMF_MAP_WRITE, 0, 0, NULL, &v));
	EXPECT_EQ(-EACCES, mmf_map(&ro, MMF_MAP_READ | MMF_MAP_EXEC, 0, 0, NULL, &v));
	ro.access = MMF_ACCESS_READ;
	EXPECT_EQ(-EACCES, mmf_map(&ro, MMF_MAP_COPY, 0, 0, NULL, &v));
	EXPECT_EQ(NULL, v);
}

TEST(flush_rejects_bad_arguments)
{
	uint64_t written = 99;
	char buf[1];

	EXPECT_EQ(-EINVAL, mmf_flush(buf, 1, 1U << 2, &written));
	EXPECT_EQ(0, written);
	EXPECT_EQ(-EINVAL, mmf_flush(buf, 1, MMF_FLUSH_ASYNC | MMF_FLUSH_DURABLE, NULL));
	EXPECT_EQ(-EINVAL, mmf_flush((void *)(UINTPTR_MAX - 10), 100, 0, NULL));
}

TEST(write_watch_rejects_bad_arguments)
{
	void *a = (void *)(16 * PAGE);
	uint64_t bits[2];
	size_t dirty = 5;

	EXPECT_EQ(-EINVAL, mmf_write_watch(a, PAGE, 1U << 1, bits, 64, &dirty));
	EXPECT_EQ(0, dirty);
	EXPECT_EQ(-EINVAL, mmf_write_watch(a, PAGE, 0, NULL, 64, NULL));
	EXPECT_EQ(-EINVAL, mmf_write_watch(a, 0, 0, bits, 64, NULL));
	EXPECT_EQ(-EINVAL, mmf_write_watch(a, PAGE + 1, 0, bits, 64, NULL));
	EXPECT_EQ(-EINVAL, mmf_write_watch((char *)a + 1, PAGE, 0, bits, 64, NULL));
	EXPECT_EQ(-EINVAL, mmf_write_watch(a, 65 * PAGE, 0, bits, 64, NULL));
	EXPECT_EQ(-EINVAL, mmf_write_watch((void *)(UINTPTR_MAX - PAGE + 1), 2 * PAGE, 0, bits,
					   128, NULL));
}

TEST(other_calls_reject_bad_arguments)
{
	struct mmf_view_info info = { .size = sizeof(info) };
	struct mmf_stats st = { .size = sizeof(st) };

	EXPECT_EQ(-EINVAL, mmf_close(NULL));
	EXPECT_EQ(-EINVAL, mmf_query(&info, NULL));
	EXPECT_EQ(-EINVAL, mmf_section_stats(NULL, &st));
	EXPECT_EQ(-EBADF, mmf_file_mapped(-1, NULL, NULL));
	EXPECT_EQ(0, mmf_section_size(NULL));
	EXPECT_EQ(0, mmf_section_access(NULL));
	EXPECT_EQ(0, mmf_section_protection(NULL));
	EXPECT_FALSE(mmf_section_other_backing(NULL));
}

/*
 * mmf_options of every published size: 0.9.0's (mode, read-around) is read
 * without what follows it in memory, a smaller one is refused, a larger one
 * is accepted only when its unknown tail is zero.  Without the module an
 * accepted struct gets as far as opening /dev/mmf (-ENXIO); the VM test
 * libmmf_test old_size_options_work shows it working.
 */
TEST(options_of_every_published_size)
{
	union {
		struct mmf_options o;
		unsigned char b[64];
	} u;
	mmf_section *s;

	if (access(MMF_DEVICE_PATH, F_OK) == 0)
		SKIP(return, "%s exists here", MMF_DEVICE_PATH);
	EXPECT_EQ(12, MMF_OPTIONS_SIZE_VER0);
	/* 0.9.0's struct, followed by bytes that would be bad flags and a name. */
	memset(&u, 0xff, sizeof(u));
	u.o.size = MMF_OPTIONS_SIZE_VER0;
	u.o.mode = 0640;
	u.o.readaround = 2;
	EXPECT_EQ(-ENXIO, mmf_create_options(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, &u.o, &s));
	u.o.size = MMF_OPTIONS_SIZE_VER0 - 1;
	EXPECT_EQ(-EINVAL, mmf_create_options(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, &u.o, &s));
	EXPECT_EQ(NULL, s);
	/* Today's struct, then a tail this library does not know. */
	memset(&u, 0, sizeof(u));
	u.o.size = sizeof(u);
	EXPECT_EQ(-ENXIO, mmf_create_options(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, &u.o, &s));
	u.b[sizeof(u) - 1] = 1;
	EXPECT_EQ(-E2BIG, mmf_create_options(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, &u.o, &s));
	u.b[sizeof(u) - 1] = 0;
	u.b[sizeof(struct mmf_options)] = 1;
	EXPECT_EQ(-E2BIG, mmf_create_options(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, &u.o, &s));
	/* Page-sized garbage is no struct. */
	u.o.size = 4097;
	EXPECT_EQ(-E2BIG, mmf_create_options(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, &u.o, &s));
	/* Flags and names are checked in a 1.0 struct only. */
	memset(&u, 0, sizeof(u));
	u.o.size = sizeof(u.o);
	u.o.flags = MMF_SECTION_EXCL;
	EXPECT_EQ(-EINVAL, mmf_create_options(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, &u.o, &s));
	u.o.size = MMF_OPTIONS_SIZE_VER0;
	EXPECT_EQ(-ENXIO, mmf_create_options(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, &u.o, &s));
}

/* Out-structs carry their size: below the first published one is -EINVAL. */
TEST(out_structs_carry_their_size)
{
	mmf_section f = fake(MMF_MAP_READ, PAGE);
	union {
		struct mmf_stats st;
		struct mmf_view_info info;
		unsigned char b[8192];
	} u;

	memset(&u, 0, sizeof(u));
	u.st.size = MMF_STATS_SIZE_VER0 - 1;
	EXPECT_EQ(-EINVAL, mmf_section_stats(&f, &u.st));
	u.st.size = 0;
	EXPECT_EQ(-EINVAL, mmf_section_stats(&f, &u.st));
	u.st.size = MMF_STRUCT_MAX + 1;
	EXPECT_EQ(-EINVAL, mmf_section_stats(&f, &u.st));
	/* Acceptable sizes get as far as the (missing) handle. */
	u.st.size = MMF_STATS_SIZE_VER0;
	EXPECT_EQ(-EBADF, mmf_section_stats(&f, &u.st));
	u.st.size = sizeof(u.b) / 2;
	EXPECT_EQ(-EBADF, mmf_section_stats(&f, &u.st));
	u.info.size = MMF_VIEW_INFO_SIZE_VER0 - 4;
	EXPECT_EQ(-EINVAL, mmf_query(&u, &u.info));
	u.info.size = MMF_STRUCT_MAX + 1;
	EXPECT_EQ(-EINVAL, mmf_query(&u, &u.info));
	/* The first published sizes are today's whole structs. */
	EXPECT_EQ(sizeof(struct mmf_stats), MMF_STATS_SIZE_VER0);
	EXPECT_EQ(sizeof(struct mmf_view_info), MMF_VIEW_INFO_SIZE_VER0);
}

/* What the library calls itself: the release of VERSION, as text and number. */
TEST(version_is_the_release)
{
	char header[32];
	unsigned int a, b, c;

	EXPECT_STREQ(MMF_TEST_RELEASE, mmf_version());
	ASSERT_EQ(3, sscanf(mmf_version(), "%u.%u.%u", &a, &b, &c));
	EXPECT_EQ(a * 10000 + b * 100 + c, mmf_version_number());
	/* The header's macros were bumped with VERSION. */
	snprintf(header, sizeof(header), "%d.%d.%d", MMF_VERSION_MAJOR, MMF_VERSION_MINOR,
		 MMF_VERSION_PATCH);
	EXPECT_STREQ(mmf_version(), header);
	EXPECT_EQ(MMF_VERSION_NUMBER, mmf_version_number());
}

TEST(strerror_says_what_to_do)
{
	EXPECT_NE(NULL, strstr(mmf_strerror(-ENXIO), "the mmf kernel module is not loaded"));
	EXPECT_NE(NULL, strstr(mmf_strerror(-ENXIO), "mmfctl load"));
	EXPECT_STREQ(mmf_strerror(-ENXIO), mmf_strerror(ENXIO));
	EXPECT_STREQ(strerror(ENOENT), mmf_strerror(-ENOENT));
	EXPECT_NE(NULL, strstr(mmf_strerror(-EPROTONOSUPPORT), "ABI"));
	EXPECT_EQ(NULL, strchr(mmf_strerror(-ENXIO), '\n'));
}

TEST(fixed_view_needs_an_address)
{
	mmf_section f = fake(MMF_MAP_READ, PAGE);
	void *v = (void *)1;

	EXPECT_EQ(-EINVAL, mmf_map(&f, MMF_MAP_READ | MMF_MAP_FIXED, 0, PAGE, NULL, &v));
	EXPECT_EQ(NULL, v);
	EXPECT_EQ(-EINVAL, mmf_map(&f, MMF_MAP_READ | MMF_MAP_FIXED, 0, PAGE,
				   (void *)(16 * PAGE + 1), &v));
	/* MMF_MAP_FIXED is no right of its own. */
	EXPECT_EQ(-EINVAL, mmf_map(&f, MMF_MAP_FIXED, 0, PAGE, (void *)(16 * PAGE), &v));
}

TEST(granularity_is_the_page_size)
{
	EXPECT_EQ(PAGE, mmf_granularity());
}

TEST(no_module_is_enxio)
{
	mmf_section *s;
	char buf[1];

	if (access(MMF_DEVICE_PATH, F_OK) == 0)
		SKIP(return, "%s exists here", MMF_DEVICE_PATH);
	EXPECT_EQ(-ENXIO, mmf_create(MMF_NO_FILE, 4096, MMF_PAGE_READWRITE, &s));
	EXPECT_EQ(-ENXIO, mmf_open("x", MMF_MAP_READ, &s));
	EXPECT_EQ(-ENXIO, mmf_flush(buf, 1, 0, NULL));
	EXPECT_EQ(-ENXIO, mmf_abi_version());
	EXPECT_EQ(-ENXIO, mmf_available());
	/* No view can exist without the module. */
	EXPECT_EQ(-EINVAL, mmf_unmap(buf));
}

TEST_HARNESS_MAIN
