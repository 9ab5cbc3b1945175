// SPDX-License-Identifier: GPL-2.0
/*
 * mmfctl: load and unload the mmf module (through libkmod) and report on
 * the device.
 *
 *   mmfctl load [MODULE.ko]   load the module: the file given, or the one
 *                             installed for the running kernel, by name, as
 *                             modprobe does (options from /etc/modprobe.d)
 *   mmfctl --version          this mmfctl's release
 *   mmfctl unload             unload it; fails while sections or views live
 *   mmfctl version            the ABI version reported by /dev/mmf
 *   mmfctl status             module loaded, ABI version, sections and views
 *   mmfctl stat NAME|--all    a named section's counters, or every section's
 *   mmfctl map FILE           map a file and show what a first touch of each
 *                             page costs
 *
 * Exit codes: 0 success, 1 failure, 2 usage, 3 module not loaded, 4 no such
 * section, 5 permission denied.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <libkmod.h>
#include <linux/mmf.h>
#include <mmf.h>

enum { EXIT_USAGE = 2, EXIT_NOT_LOADED = 3, EXIT_NO_SECTION = 4, EXIT_DENIED = 5 };

#define DEBUGFS_SECTIONS "/sys/kernel/debug/mmf/sections"

static int with_module(const char *path, int (*fn)(struct kmod_module *))
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_module *mod = NULL;
	int err, ret;

	if (!ctx) {
		fprintf(stderr, "mmfctl: cannot start libkmod\n");
		return EXIT_FAILURE;
	}
	if (path)
		err = kmod_module_new_from_path(ctx, path, &mod);
	else
		err = kmod_module_new_from_name(ctx, "mmf", &mod);
	if (err < 0) {
		fprintf(stderr, "mmfctl: %s: %s\n", path ? path : "mmf", strerror(-err));
		kmod_unref(ctx);
		return EXIT_FAILURE;
	}
	ret = fn(mod);
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return ret;
}

/* The file given on the command line, with no options. */
static int do_load(struct kmod_module *mod)
{
	int err = kmod_module_insert_module(mod, 0, NULL);

	if (err == -EEXIST) {
		fprintf(stderr, "mmfctl: the mmf module is already loaded\n");
		return EXIT_FAILURE;
	}
	if (err < 0) {
		fprintf(stderr, "mmfctl: cannot load %s: %s\n",
			kmod_module_get_path(mod) ?: "mmf", strerror(-err));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

/*
 * The module installed for the running kernel, found by name in its
 * modules.dep (DKMS puts it in /lib/modules/<version>/updates/dkms/), with
 * the options of /etc/modprobe.d, as "modprobe mmf" would.
 */
static int do_probe(struct kmod_module *mod)
{
	struct utsname u;
	int err;

	if (!kmod_module_get_path(mod)) {
		uname(&u);
		fprintf(stderr, "mmfctl: no mmf module is installed for the running kernel %s "
			"(install the mmf-dkms package, or run 'make modules_install' in the "
			"source tree with that kernel's headers installed)\n", u.release);
		return EXIT_FAILURE;
	}
	err = kmod_module_probe_insert_module(mod, KMOD_PROBE_FAIL_ON_LOADED, NULL, NULL,
					      NULL, NULL);
	if (err == -EEXIST) {
		fprintf(stderr, "mmfctl: the mmf module is already loaded\n");
		return EXIT_FAILURE;
	}
	if (err < 0) {
		fprintf(stderr, "mmfctl: cannot load %s: %s\n", kmod_module_get_path(mod),
			strerror(-err));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

static int do_unload(struct kmod_module *mod)
{
	int err = kmod_module_remove_module(mod, 0);

	if (err == -ENOENT) {
		fprintf(stderr, "mmfctl: the mmf module is not loaded\n");
		return EXIT_NOT_LOADED;
	}
	if (err == -EAGAIN || err == -EBUSY) {
		fprintf(stderr, "mmfctl: the mmf module is in use (%d users)\n",
			kmod_module_get_refcnt(mod));
		return EXIT_FAILURE;
	}
	if (err < 0) {
		fprintf(stderr, "mmfctl: cannot unload mmf: %s\n", strerror(-err));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

/* The one line every command prints without /dev/mmf: what to run. */
static int not_loaded(void)
{
	fprintf(stderr, "mmfctl: %s\n", mmf_strerror(-ENXIO));
	return EXIT_NOT_LOADED;
}

static int do_version(void)
{
	struct mmf_version v = { .size = sizeof(v) };
	int fd = open(MMF_DEVICE_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
			return not_loaded();
		fprintf(stderr, "mmfctl: %s: %s\n", MMF_DEVICE_PATH, strerror(errno));
		return EXIT_FAILURE;
	}
	if (ioctl(fd, MMF_IOC_VERSION, &v) < 0) {
		fprintf(stderr, "mmfctl: MMF_IOC_VERSION: %s\n", strerror(errno));
		close(fd);
		return EXIT_FAILURE;
	}
	close(fd);
	printf("mmf ABI version %u (header %u), page size %u\n",
	       v.abi_version, MMF_ABI_VERSION, v.page_size);
	return EXIT_SUCCESS;
}

/* An exit code and a message for a libmmf error. */
static int report(const char *what, int err)
{
	if (err == -ENXIO)
		return not_loaded();
	fprintf(stderr, "mmfctl: %s: %s\n", what, mmf_strerror(err));
	if (err == -ENOENT)
		return EXIT_NO_SECTION;
	if (err == -EACCES || err == -EPERM)
		return EXIT_DENIED;
	return EXIT_FAILURE;
}

static const char *prot_name(unsigned int prot)
{
	switch (prot) {
	case MMF_PAGE_READONLY:
		return "read";
	case MMF_PAGE_READWRITE:
		return "readwrite";
	case MMF_PAGE_WRITECOPY:
		return "writecopy";
	}
	return "?";
}

static int do_status(void)
{
	char line[256];
	long sections = -1, views = -1;
	int abi;
	FILE *f;

	if (access("/sys/module/mmf", F_OK) != 0) {
		printf("module: not loaded\n");
		return not_loaded();
	}
	printf("module: loaded\n");
	abi = mmf_abi_version();
	if (abi < 0)
		return report(MMF_DEVICE_PATH, abi);
	printf("ABI version: %d (this mmfctl: %d)\n", abi, MMF_ABI_VERSION);
	f = fopen(DEBUGFS_SECTIONS, "r");
	while (f && fgets(line, sizeof(line), f) && line[0] != '#') {
		sscanf(line, "sections %ld", &sections);
		sscanf(line, "views %ld", &views);
	}
	if (f)
		fclose(f);
	if (sections < 0 || views < 0) {
		printf("sections: unknown (needs root and debugfs: %s)\n", DEBUGFS_SECTIONS);
		return EXIT_SUCCESS;
	}
	printf("sections: %ld\nviews: %ld\n", sections, views);
	return EXIT_SUCCESS;
}

static void stat_header(void)
{
	printf("%-6s %-20s %12s %-9s %5s %8s %8s %8s %8s %8s %8s %6s\n", "ID", "NAME", "SIZE",
	       "PROT", "VIEWS", "FAULTS", "MAJOR", "DIRTIED", "DIRTY", "FLUSHED", "FLUSHES",
	       "WBERR");
}

static int stat_named(const char *name)
{
	struct mmf_stats st = { .size = sizeof(st) };
	mmf_section *s;
	int ret = mmf_open(name, MMF_MAP_READ, &s);

	if (ret < 0)
		return report(ret == -ENOENT ? "no such section" : name, ret);
	ret = mmf_section_stats(s, &st);
	mmf_close(s);
	if (ret < 0)
		return report(name, ret);
	stat_header();
	/* This handle is one of the section's users, not one of its views. */
	printf("%-6" PRIu64 " %-20s %12" PRIu64 " %-9s %5" PRIu64 " %8" PRIu64 " %8" PRIu64
	       " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %6" PRIu64 "\n",
	       st.section_id, name, st.section_size, prot_name(st.protection), st.views,
	       st.faults, st.major_faults, st.pages_dirtied, st.dirty_pages, st.pages_flushed,
	       st.flushes, st.writeback_errors);
	return EXIT_SUCCESS;
}

/* Every section, from the module's debugfs file (root only). */
static int stat_all(void)
{
	char line[8192], name[4096], path[4096];
	unsigned long long id, size, faults, major, dirtied, flushed, flushes, wberr;
	unsigned int prot;
	long views, dirty;
	FILE *f;

	if (access("/sys/module/mmf", F_OK) != 0)
		return report("", -ENXIO);
	f = fopen(DEBUGFS_SECTIONS, "r");
	if (!f) {
		int err = errno;

		fprintf(stderr, "mmfctl: %s: %s (needs root and debugfs)\n", DEBUGFS_SECTIONS,
			strerror(err));
		return err == EACCES || err == EPERM ? EXIT_DENIED : EXIT_FAILURE;
	}
	stat_header();
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llu %4095s %4095s size=%llu prot=%u views=%ld faults=%llu "
			   "major=%llu dirtied=%llu dirty=%ld flushed=%llu flushes=%llu "
			   "wb_errors=%llu", &id, name, path, &size, &prot, &views, &faults,
			   &major, &dirtied, &dirty, &flushed, &flushes, &wberr) != 13)
			continue;
		printf("%-6llu %-20s %12llu %-9s %5ld %8llu %8llu %8llu %8ld %8llu %8llu %6llu  %s\n",
		       id, name, size, prot_name(prot), views, faults, major, dirtied, dirty,
		       flushed, flushes, wberr, path);
	}
	fclose(f);
	return EXIT_SUCCESS;
}

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/*
 * Map FILE read-only through the device, with read-around of one page and
 * the file's clean pages dropped first, then touch each page once and time
 * it: a major fault reads the disk, a minor one finds the page cached.
 */
static int do_map(const char *path)
{
	const struct mmf_options opt = { .size = sizeof(opt), .readaround = 1 };
	const size_t shown = 16;
	size_t page = mmf_granularity(), pages, i, majors = 0;
	double total = 0, worst = 0;
	uint64_t major_before;
	struct mmf_stats st = { .size = sizeof(st) };
	mmf_section *s;
	unsigned char *v;
	volatile unsigned char sink;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "mmfctl: %s: %s\n", path, strerror(errno));
		return errno == EACCES ? EXIT_DENIED : EXIT_FAILURE;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	ret = mmf_create_options(fd, 0, MMF_PAGE_READONLY, &opt, &s);
	close(fd);
	if (ret < 0)
		return report(path, ret);
	ret = mmf_map(s, MMF_MAP_READ, 0, 0, NULL, (void **)&v);
	if (ret < 0) {
		mmf_close(s);
		return report(path, ret);
	}
	pages = (mmf_section_size(s) + page - 1) / page;
	printf("%s: %" PRIu64 " bytes, %zu pages\n", path, mmf_section_size(s), pages);
	for (i = 0; i < pages; i++) {
		double t0, dt;

		mmf_section_stats(s, &st);
		major_before = st.major_faults;
		t0 = now_us();
		sink = v[i * page];
		dt = now_us() - t0;
		mmf_section_stats(s, &st);
		total += dt;
		if (dt > worst)
			worst = dt;
		majors += st.major_faults > major_before;
		if (i < shown)
			printf("  page %6zu: %9.1f us  %s\n", i, dt,
			       st.major_faults > major_before ? "major fault (read from disk)" :
			       "minor fault (page cached)");
	}
	(void)sink;
	if (pages > shown)
		printf("  ... %zu more pages\n", pages - shown);
	mmf_section_stats(s, &st);
	printf("first touches: %zu pages, %.1f us on average, %.1f us at most; "
	       "%zu major faults\n", pages, pages ? total / pages : 0.0, worst, majors);
	printf("section counters: faults %" PRIu64 ", major faults %" PRIu64 "\n", st.faults,
	       st.major_faults);
	mmf_unmap(v);
	mmf_close(s);
	return EXIT_SUCCESS;
}

static int usage(void)
{
	fprintf(stderr, "usage: mmfctl load [MODULE.ko] | unload | version | status |\n"
			"              stat NAME | stat --all | map FILE | --version\n");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "load") && argc == 3)
		return with_module(argv[2], do_load);
	if (!strcmp(argv[1], "load") && argc == 2)
		return with_module(NULL, do_probe);
	if (!strcmp(argv[1], "--version") && argc == 2) {
		printf("mmfctl %s\n", MMF_VERSION);
		return EXIT_SUCCESS;
	}
	if (!strcmp(argv[1], "unload") && argc == 2)
		return with_module(NULL, do_unload);
	if (!strcmp(argv[1], "version") && argc == 2)
		return do_version();
	if (!strcmp(argv[1], "status") && argc == 2)
		return do_status();
	if (!strcmp(argv[1], "stat") && argc == 3)
		return strcmp(argv[2], "--all") ? stat_named(argv[2]) : stat_all();
	if (!strcmp(argv[1], "map") && argc == 3)
		return do_map(argv[2]);
	return usage();
}
