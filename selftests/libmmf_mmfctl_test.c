// SPDX-License-Identifier: GPL-2.0
/*
 * mmfctl status, stat and map in the test VM: their output matches what
 * the library sees, and their exit codes follow mmfctl(8).
 */
#include "kselftest_harness.h"
#include "mmf_test.h"

#include <mmf.h>
#include "mmft_lib.h"

#define MMFCTL "/mmf/bin/mmfctl"

/* Run a shell command; its output in @out, its exit code returned. */
static int run(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;
	int status;

	if (!p)
		return -1;
	while (n + 1 < len && !feof(p)) {
		size_t r = fread(out + n, 1, len - 1 - n, p);

		if (!r)
			break;
		n += r;
	}
	out[n] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

TEST(status_counts_sections_and_views)
{
	char out[4096];
	mmf_section *s;
	long sections, views;
	void *v;

	if (access(MMFCTL, X_OK))
		SKIP(return, "no %s", MMFCTL);
	ASSERT_EQ(0, mmf_create(MMF_NO_FILE, 2 * MMFT_PAGE, MMF_PAGE_READWRITE, &s));
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_WRITE, 0, 0, NULL, &v));
	ASSERT_EQ(0, run(MMFCTL " status", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "module: loaded"));
	EXPECT_NE(NULL, strstr(out, "ABI version: 1"));
	ASSERT_NE(NULL, strstr(out, "sections: "));
	sections = strtol(strstr(out, "sections: ") + 10, NULL, 10);
	views = strtol(strstr(out, "views: ") + 7, NULL, 10);
	EXPECT_LE(1, sections);
	EXPECT_LE(1, views);
	mmf_unmap(v);
	mmf_close(s);
}

TEST(stat_shows_a_named_section)
{
	const char *name = "mmfctl-test-stat";
	char out[4096], line[256];
	unsigned long long id, size, views, faults, major, dirtied;
	char sname[64], prot[16];
	struct mmf_stats st = { .size = sizeof(st) };
	mmf_section *s;
	char *v;

	if (access(MMFCTL, X_OK))
		SKIP(return, "no %s", MMFCTL);
	ASSERT_EQ(0, mmft_lib_create(MMF_NO_FILE, 4 * MMFT_PAGE, MMF_PAGE_READWRITE, name, 0, NULL, &s, NULL));
	ASSERT_EQ(0, mmf_map(s, MMF_MAP_WRITE, 0, 0, NULL, (void **)&v));
	v[0] = 1;
	v[3 * MMFT_PAGE] = 1;
	ASSERT_EQ(0, mmf_section_stats(s, &st));
	snprintf(line, sizeof(line), MMFCTL " stat %s", name);
	ASSERT_EQ(0, run(line, out, sizeof(out)));
	ASSERT_EQ(8, sscanf(strchr(out, '\n') + 1, "%llu %63s %llu %15s %llu %llu %llu %llu",
			    &id, sname, &size, prot, &views, &faults, &major, &dirtied));
	EXPECT_EQ(st.section_id, id);
	EXPECT_STREQ(name, sname);
	EXPECT_EQ(4 * MMFT_PAGE, size);
	EXPECT_STREQ("readwrite", prot);
	EXPECT_EQ(1, views);
	EXPECT_EQ(2, dirtied);
	/* --all lists it too (root reads debugfs). */
	ASSERT_EQ(0, run(MMFCTL " stat --all", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, name));
	EXPECT_NE(NULL, strstr(out, "[swap]"));
	mmf_unmap(v);
	mmf_close(s);
}

static int stat_all_as_nobody(void *arg)
{
	int null = open("/dev/null", O_WRONLY);

	(void)arg;
	if (null < 0 || mmft_become(65534, 65534))
		return 100;
	dup2(null, 1);
	dup2(null, 2);
	execl(MMFCTL, "mmfctl", "stat", "--all", (char *)NULL);
	return 101;
}

TEST(exit_codes)
{
	char out[4096];

	if (access(MMFCTL, X_OK))
		SKIP(return, "no %s", MMFCTL);
	EXPECT_EQ(4, run(MMFCTL " stat mmfctl-test-no-such 2>&1", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "no such section"));
	EXPECT_EQ(2, run(MMFCTL " frobnicate 2>&1", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "usage"));
	EXPECT_EQ(1, run(MMFCTL " map /mnt/ext4/mmfctl-no-such-file 2>/dev/null", out, sizeof(out)));
	/* Not root: debugfs is closed, so --all says permission denied. */
	EXPECT_EQ(5, WEXITSTATUS(mmft_in_child(stat_all_as_nobody, NULL)));
}

TEST(map_reads_each_page_once)
{
	char path[64], cmd[128], out[8192];
	unsigned long pages, faults, major;
	const char *p;
	int fd;

	if (access(MMFCTL, X_OK))
		SKIP(return, "no %s", MMFCTL);
	fd = mmft_tmpfile("/mnt/ext4", 20 * MMFT_PAGE, 'm', path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	close(fd);
	snprintf(cmd, sizeof(cmd), MMFCTL " map %s", path);
	ASSERT_EQ(0, run(cmd, out, sizeof(out)));
	p = strstr(out, "first touches: ");
	ASSERT_NE(NULL, p);
	ASSERT_EQ(1, sscanf(p, "first touches: %lu", &pages));
	p = strstr(out, "section counters: ");
	ASSERT_NE(NULL, p);
	ASSERT_EQ(2, sscanf(p, "section counters: faults %lu, major faults %lu", &faults, &major));
	EXPECT_EQ(20, pages);
	EXPECT_EQ(20, faults);
	EXPECT_EQ(20, major);	/* the file's pages were dropped first */
	unlink(path);
}

TEST_HARNESS_MAIN
