// SPDX-License-Identifier: GPL-2.0
/*
 * mmf_bench: mmf views against plain mmap(2)/msync(2) of the same file (or
 * swap-backed memory), in the same boot, as ratios.  Each workload runs
 * both ways alternately, several rounds (the order flips every round, so
 * that drift hurts both alike), and prints medians, min and max, and
 * mmf/native.  Run inside the test VM (make bench); nothing here asserts a
 * time, but a wrong byte read or written ends it with status 1.
 *
 *   mmf_bench [-A] [-S] [-s MIB,...] [-r ROUNDS] [-n COMMITS] [-w WORKLOAD,...]
 *             [-v STRIDE] [-o CSV] [-L FS] [-k KERNEL] FILE|swap
 *
 * -A runs native both ways (an A/A run: the noise floor; no module needed).
 * -S is the smoke run of make check: 16 MiB, one round, 20 commits, every
 * written page checked.  -o appends one CSV row per workload and size.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "bench.h"

#define MAX_ROUNDS 31
#define MAX_SIZES 16
#define TMPFS_MAGIC_NR 0x01021994
#define EXT4_MAGIC_NR 0xEF53

static const char *const unit_name[] = { "ms", "us", "pages" };

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct stats {
	double median, min, max;
};

static struct stats stats(double *v, int n)
{
	struct stats s;

	qsort(v, n, sizeof(*v), cmp_double);
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	s.min = v[0];
	s.max = v[n - 1];
	return s;
}

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

static void print_value(const char *unit, struct stats s)
{
	char range[48];

	if (!strcmp(unit, "pages")) {
		snprintf(range, sizeof(range), "[%.0f-%.0f]", s.min, s.max);
		printf(" %9.0f %-15s", s.median, range);
	} else {
		snprintf(range, sizeof(range), "[%.3g-%.3g]", s.min, s.max);
		printf(" %9.4g %-15s", s.median, range);
	}
}

static void run_size(struct target *t, size_t mib, int rounds, const char *only, FILE *csv,
		     const char *kernel, int aa)
{
	t->len = mib << 20;
	t->pages = t->len / page;
	t->order = permutation(t->pages);
	target_fill(t);
	for (int wi = 0; wi < nworkloads; wi++) {
		const struct workload *w = &workloads[wi];
		double nat[MAX_OUT][MAX_ROUNDS], mmf[MAX_OUT][MAX_ROUNDS];

		if (!applies(w, t) || !wanted(only, w->name))
			continue;
		for (int r = 0; r < rounds; r++) {
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
			struct stats n = stats(nat[o], rounds), v = stats(mmf[o], rounds);
			const char *unit = unit_name[w->unit];
			char name[64];

			snprintf(name, sizeof(name), "%s%s", w->name, w->out_name[o]);
			printf("  %-17s %5zu %-5s", name, mib, unit);
			print_value(unit, n);
			print_value(unit, v);
			if (n.median > 0)
				printf(" %7.2f\n", v.median / n.median);
			else
				printf(" %7s\n", "-");
			if (csv) {
				fprintf(csv, "%s,%s,%s,%zu,%s,%d,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,",
					kernel, t->fs, name, mib, unit, rounds, n.median, n.min,
					n.max, v.median, v.min, v.max);
				if (n.median > 0)
					fprintf(csv, "%.4f\n", v.median / n.median);
				else
					fprintf(csv, "\n");
			}
			fflush(NULL);
		}
	}
	free(t->order);
}

static int usage(void)
{
	fprintf(stderr, "usage: mmf_bench [-A] [-S] [-s MIB,...] [-r ROUNDS] [-n COMMITS] "
			"[-w WORKLOAD,...] [-v STRIDE] [-o CSV] [-L FS] [-k KERNEL] FILE|swap\n");
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

	verify_stride = 61;	/* a prime: every offset within larger strides */
	while ((opt = getopt(argc, argv, "ASs:r:n:w:v:o:L:k:")) != -1) {
		switch (opt) {
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
	if (optind != argc - 1 || !nsizes || rounds < 1 || rounds > MAX_ROUNDS || commits < 1 ||
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
	if (csv_path) {
		struct stat st;

		csv = fopen(csv_path, "ae");
		if (!csv)
			die(csv_path);
		if (!fstat(fileno(csv), &st) && !st.st_size)
			fprintf(csv, "kernel,fs,workload,mib,unit,rounds,native_median,native_min,"
				     "native_max,mmf_median,mmf_min,mmf_max,mmf_over_native\n");
	}

	printf("# Linux %s, %s (%s), %d round%s, median [min-max], native then %s\n",
	       kernel, t.fs, t.path ? t.path : "swap-backed section", rounds, rounds > 1 ? "s" : "",
	       aa ? "native again (A/A)" : "mmf");
	printf("# %-17s %5s %-5s %9s %-15s %9s %-15s %7s\n", "workload", "MiB", "unit",
	       "native", "[min-max]", aa ? "native" : "mmf", "[min-max]", "mmf/nat");
	for (int i = 0; i < nworkloads; i++)
		if (applies(&workloads[i], &t) && wanted(only, workloads[i].name))
			printf("#   %-13s %s\n", workloads[i].name, workloads[i].what);
	for (size_t i = 0; i < nsizes; i++)
		run_size(&t, mib[i], rounds, only, csv, kernel, aa);
	printf("# %llu page stamps checked\n", checked_pages);
	if (csv && fclose(csv))
		die(csv_path);
	if (t.path) {
		close(t.fd);
		unlink(t.path);
	}
	return 0;
}
