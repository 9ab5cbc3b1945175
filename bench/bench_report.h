/* SPDX-License-Identifier: GPL-2.0 */
/* The benchmarks' table and CSV rows (bench_report.c). */
#ifndef MMF_BENCH_REPORT_H
#define MMF_BENCH_REPORT_H

#include <stddef.h>
#include <stdio.h>

#define REPORT_MAX_ROUNDS 31

struct report {
	const char *kernel;
	const char *fs;
	int rounds;
	FILE *csv;	/* NULL: the table only */
};

void report_header(const char *second);
FILE *report_csv_open(const char *path);
void report_row(const struct report *r, const char *name, size_t mib, const char *unit,
		const double *nat, const double *mmf);

#endif
