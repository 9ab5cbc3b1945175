// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmarks' output: a table row per workload and size (median [min-
 * max] both ways, mmf/native) and the same as a CSV row.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_report.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct stats {
	double median, min, max;
};

static struct stats stats(const double *in, int n)
{
	double v[REPORT_MAX_ROUNDS];
	struct stats s;

	memcpy(v, in, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_double);
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	s.min = v[0];
	s.max = v[n - 1];
	return s;
}

/* Three significant digits, but never an exponent. */
static const char *fmt(char *buf, size_t size, double v)
{
	if (v >= 1000 || v == (long)v)
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, "%.3g", v);
	return buf;
}

static void print_value(struct stats s)
{
	char range[64], a[24], b[24];

	snprintf(range, sizeof(range), "[%s-%s]", fmt(a, sizeof(a), s.min), fmt(b, sizeof(b), s.max));
	printf(" %9s %-15s", fmt(a, sizeof(a), s.median), range);
}

void report_header(const char *second)
{
	printf("# %-17s %5s %-5s %9s %-15s %9s %-15s %7s\n", "workload", "MiB", "unit",
	       "native", "[min-max]", second, "[min-max]", "mmf/nat");
}

FILE *report_csv_open(const char *path)
{
	struct stat st;
	FILE *csv = fopen(path, "ae");

	if (!csv)
		return NULL;
	if (!fstat(fileno(csv), &st) && !st.st_size)
		fprintf(csv, "kernel,fs,workload,mib,unit,rounds,native_median,native_min,"
			     "native_max,mmf_median,mmf_min,mmf_max,mmf_over_native\n");
	return csv;
}

void report_row(const struct report *r, const char *name, size_t mib, const char *unit,
		const double *nat, const double *mmf)
{
	struct stats n = stats(nat, r->rounds), v = stats(mmf, r->rounds);

	printf("  %-17s %5zu %-5s", name, mib, unit);
	print_value(n);
	print_value(v);
	if (n.median > 0)
		printf(" %7.2f\n", v.median / n.median);
	else
		printf(" %7s\n", "-");
	if (r->csv) {
		fprintf(r->csv, "%s,%s,%s,%zu,%s,%d,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,", r->kernel,
			r->fs, name, mib, unit, r->rounds, n.median, n.min, n.max, v.median, v.min,
			v.max);
		if (n.median > 0)
			fprintf(r->csv, "%.4f\n", v.median / n.median);
		else
			fprintf(r->csv, "\n");
	}
	fflush(NULL);
}
