// SPDX-License-Identifier: GPL-2.0
/*
 * mmf_bench: mmf views against plain mmap(2)/msync(2) of the same file (or
 * swap-backed memory), in the same boot, as ratios.  Each workload runs
 * both ways alternately, several rounds (the order flips every round, so
 * that drift hurts both alike), and prints medians, min and max, and
 * mmf/native.  Run inside the test VM (make bench); nothing here asserts a
 * time, but a wrong byte read or written ends it with status 1.
 *
 *   mmf_bench [-A] [-f] [-R PAGES] [-U] [-S] [-s MIB,...] [-r ROUNDS] [-n COMMITS] [-w WORKLOAD,...]
 *             [-v STRIDE] [-o CSV] [-L FS] [-k KERNEL] FILE|swap
 *
 * -A runs native both ways (an A/A run: the noise floor; no module needed).
 * -f makes native durable flushes msync + fsync instead of msync +
 * fdatasync (MMF_FLUSH_DURABLE has fdatasync's semantics).
 * -R sets the sections' read-around window in pages (mmf_create.readaround;
 * 0, the default, lets the module choose).
 * -U makes the sections MMF_CREATE_UNTRACKED (tmpfs and swap only): no
 * dirty record, no write watch, shared pages writable at once.
 * -S is the smoke run of make check: 16 MiB, one round, 20 commits, every
 * written page checked.  -o appends one CSV row per workload and size.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "bench.h"
#include "bench_report.h"

#define MAX_SIZES 16
#define TMPFS_MAGIC_NR 0x01021994
#define EXT4_MAGIC_NR 0xEF53

static const char *const unit_name[] = { "ms", "us", "pages" };

/* Is the workload in the -w list (all when there is none)? */
static int wanted(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return 1;
	return !list;
}

/* Every name in the list is a workload's. */
static int known(const char *list)
{
	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		int i;

		for (i = 0; i < nworkloads; i++) {
			size_t len = strlen(workloads[i].name);

			if (!strncmp(p, workloads[i].name, len) && (p[len] == ',' || !p[len]))
				break;
		}
		if (i == nworkloads) {
			fprintf(stderr, "mmf_bench: no workload %.*s\n", (int)strcspn(p, ","), p);
			return 0;
		}
	}
	return 1;
}

static int applies(const struct workload *w, const struct target *t)
{
	return !((w->flags & W_DISK_ONLY) && !t->disk) && !((w->flags & W_FILE_ONLY) && t->fd < 0);
}

/* A fixed random permutation of the pages: the same order both ways. */
static uint32_t *permutation(size_t n)
{
	uint32_t *p = malloc(n * sizeof(*p));
	uint64_t s = 0x2545f4914f6cdd1dULL;

	if (!p)
		die("malloc");
	for (size_t i = 0; i < n; i++)
		p[i] = i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j;
		uint32_t x;

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		j = s % (i + 1);
		x = p[i];
		p[i] = p[j];
		p[j] = x;
	}
	return p;
}

static void run_size(struct target *t, size_t mib, const struct report *rep, const char *only,
		     int aa)
{
	t->len = mib << 20;
	t->pages = t->len / page;
	t->order = permutation(t->pages);
	target_fill(t);
	for (int wi = 0; wi < nworkloads; wi++) {
		const struct workload *w = &workloads[wi];
		double nat[MAX_OUT][REPORT_MAX_ROUNDS], mmf[MAX_OUT][REPORT_MAX_ROUNDS];

		if (!applies(w, t) || !wanted(only, w->name))
			continue;
		for (int r = 0; r < rep->rounds; r++) {
			double a[MAX_OUT], b[MAX_OUT];
			int first = r % 2;	/* 1: mmf first */

			w->run(t, first && !aa, a);
			w->run(t, !first && !aa, b);
			for (int o = 0; o < w->nout; o++) {
				nat[o][r] = first ? b[o] : a[o];
				mmf[o][r] = first ? a[o] : b[o];
			}
		}
		for (int o = 0; o < w->nout; o++) {
			char name[64];

			snprintf(name, sizeof(name), "%s%s", w->name, w->out_name[o]);
			report_row(rep, name, mib, unit_name[w->unit], nat[o], mmf[o]);
		}
	}
	free(t->order);
}

static int usage(void)
{
	fprintf(stderr, "usage: mmf_bench [-A] [-f] [-R PAGES] [-U] [-S] [-s MIB,...] [-r ROUNDS] "
			"[-n COMMITS] [-w WORKLOAD,...] [-v STRIDE] [-o CSV] [-L FS] [-k KERNEL] "
			"FILE|swap\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *sizes = "16,64,256,1024", *only = NULL, *csv_path = NULL, *kernel = NULL;
	struct target t = { .fd = -1 };
	int rounds = 5, opt, aa = 0;
	size_t mib[MAX_SIZES], nsizes = 0;
	struct utsname u;
	FILE *csv = NULL;
	struct statfs sf;
	struct report rep;

	verify_stride = 61;	/* a prime: every offset within larger strides */
	while ((opt = getopt(argc, argv, "AfR:USs:r:n:w:v:o:L:k:")) != -1) {
		switch (opt) {
		case 'R': readaround = strtoul(optarg, NULL, 0); break;
		case 'f': native_fsync = 1; break;
		case 'U': untracked = 1; break;
		case 'A': aa = 1; break;
		case 'S':
			sizes = "16";
			rounds = 1;
			commits = 20;
			verify_stride = 1;
			break;
		case 's': sizes = optarg; break;
		case 'r': rounds = atoi(optarg); break;
		case 'n': commits = atoi(optarg); break;
		case 'w': only = optarg; break;
		case 'v': verify_stride = atoi(optarg); break;
		case 'o': csv_path = optarg; break;
		case 'L': t.fs = optarg; break;
		case 'k': kernel = optarg; break;
		default: return usage();
		}
	}
	for (const char *p = sizes; p && *p && nsizes < MAX_SIZES;
	     p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		mib[nsizes++] = strtoul(p, NULL, 0);
	if (optind != argc - 1 || !nsizes || rounds < 1 || rounds > REPORT_MAX_ROUNDS || commits < 1 ||
	    verify_stride < 1)
		return usage();
	for (size_t i = 0; i < nsizes; i++)
		if (!mib[i])
			return usage();
	if (!known(only))
		return usage();
	page = sysconf(_SC_PAGESIZE);
	signal(SIGPIPE, SIG_IGN);	/* a dead reader process: EPIPE, said so */
	if (!kernel)
		kernel = uname(&u) ? "?" : u.release;

	if (strcmp(argv[optind], "swap")) {
		t.path = argv[optind];
		t.fd = open(t.path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (t.fd < 0)
			die(t.path);
		if (fstatfs(t.fd, &sf))
			die("fstatfs");
		t.disk = sf.f_type != TMPFS_MAGIC_NR;
		if (!t.fs)
			t.fs = sf.f_type == TMPFS_MAGIC_NR ? "tmpfs" :
			       sf.f_type == EXT4_MAGIC_NR ? "ext4" : "fs";
	} else if (!t.fs) {
		t.fs = "swap";
	}
	if (csv_path && !(csv = report_csv_open(csv_path)))
		die(csv_path);
	rep = (struct report){ kernel, t.fs, rounds, csv };

	printf("# Linux %s, %s (%s), %d round%s, median [min-max], native then %s\n",
	       kernel, t.fs, t.path ? t.path : "swap-backed section", rounds, rounds > 1 ? "s" : "",
	       aa ? "native again (A/A)" : "mmf");
	/* The settings that change what a row means. */
	printf("# sections: %s; commit: %d commits; native durable flush: msync + %s; "
	       "read-around: %s", untracked ? "untracked (MMF_CREATE_UNTRACKED)" : "tracked",
	       commits, native_fsync ? "fsync" : "fdatasync",
	       readaround ? "" : "the module's default\n");
	if (readaround)
		printf("%u pages\n", readaround);
	report_header(aa ? "native" : "mmf");
	for (int i = 0; i < nworkloads; i++)
		if (applies(&workloads[i], &t) && wanted(only, workloads[i].name))
			printf("#   %-13s %s\n", workloads[i].name, workloads[i].what);
	for (size_t i = 0; i < nsizes; i++)
		run_size(&t, mib[i], &rep, only, aa);
	printf("# %llu page stamps checked\n", checked_pages);
	if (csv && fclose(csv))
		die(csv_path);
	if (t.path) {
		close(t.fd);
		unlink(t.path);
	}
	return 0;
}
